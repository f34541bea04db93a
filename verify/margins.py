"""Normalised and smoothed margins of an L-homogeneous net under the exponential loss.

    normalised margin  gamma-bar = q_min / ||w||^L
    smoothed margin    gamma~    = log(1/L(w)) / ||w||^L   (L(w) < 1)

with gamma-bar - log(m) / ||w||^L <= gamma~ <= gamma-bar for m points (log L <= log m - q_min).
Both are computed from logs (log L, log ||w||), so nothing underflows at e^-1000.
"""

from __future__ import annotations

import numpy as np


def log_smoothed_margin(log_loss: np.ndarray, log_norm: np.ndarray, degree: int) -> np.ndarray:
    """log gamma~ = log(-log L) - degree * log ||w|| elementwise; NaN where log L >= 0 (L >= 1,
    before the loss threshold, where gamma~ is not positive)."""
    log_loss, log_norm = np.asarray(log_loss, dtype=float), np.asarray(log_norm, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(log_loss < 0, np.log(-log_loss) - degree * log_norm, np.nan)


def largest_drawdown(values: np.ndarray) -> tuple[float, int]:
    """The largest fall of a sequence below its running maximum, and where it is reached
    (0.0 and -1 for a non-decreasing sequence). A fall spread over many small steps counts in
    full, as a single step's fall does."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return 0.0, -1
    falls = np.maximum.accumulate(values) - values
    index = int(np.argmax(falls))
    return (float(falls[index]), index) if falls[index] > 0 else (0.0, -1)
