"""The hard-margin (no bias) separator, as the oracle of Corollary 1.

The max-margin direction is the normalised minimum-norm point of the convex hull of
{y_i x_i}: w* = Z^T lam / ||Z^T lam|| with lam = argmin ||Z^T lam||^2 over the simplex. It is
solved with scipy's SLSQP and accepted only after its KKT conditions are verified: with
u = Z^T lam, every z_i has z_i^T u >= ||u||^2 (primal feasibility of the scaled SVM), and
lam_i > 0 only where equality holds (complementary slackness). SLSQP alone leaves residuals
near 1e-8, so its answer is polished by solving the equality-constrained problem on its
support exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from verify.data import Dataset
from verify.errors import NotSeparableError, require


@dataclass(frozen=True)
class MaxMargin:
    direction: np.ndarray
    margin: float
    kkt_residual: float


def max_margin_direction(data: Dataset, kkt_tol: float = 1e-9) -> MaxMargin:
    """The unit hard-margin direction of a linearly separable binary set, KKT-verified."""
    require(data.loss == "exponential", "the max-margin oracle needs +-1 labels")
    z = (data.y[:, None] * data.x).numpy()
    m = len(z)
    gram = z @ z.T
    res = minimize(
        lambda lam: lam @ gram @ lam,
        np.full(m, 1.0 / m),
        jac=lambda lam: 2 * gram @ lam,
        bounds=[(0.0, None)] * m,
        constraints=[{"type": "eq", "fun": lambda lam: lam.sum() - 1.0, "jac": lambda lam: np.ones(m)}],
        method="SLSQP",
        options={"ftol": 1e-16, "maxiter": 1000},
    )
    lam = _polish(gram, np.clip(res.x, 0.0, None) / np.clip(res.x, 0.0, None).sum())
    u = z.T @ lam
    norm2 = float(u @ u)
    if norm2 <= 0:
        raise NotSeparableError("the convex hull of y_i x_i contains 0: not linearly separable")
    slack = z @ u / norm2 - 1.0
    residual = max(float(-slack.min()), float(np.max(lam * np.abs(slack))))
    require(residual <= kkt_tol, f"max-margin solution failed its KKT check (residual {residual:.2e})")
    return MaxMargin(u / np.sqrt(norm2), float(np.sqrt(norm2)), residual)


def _polish(gram: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Re-solve exactly on the support SLSQP found: min lam^T G lam with sum(lam) = 1 over the
    points with (near-)zero slack, a linear KKT system. Kept only if it stays in the simplex."""
    u_dot = gram @ lam
    support = np.flatnonzero(u_dot <= (lam @ u_dot) * (1 + 1e-6))
    g = gram[np.ix_(support, support)]
    s = len(support)
    system = np.block([[2 * g, np.ones((s, 1))], [np.ones((1, s)), np.zeros((1, 1))]])
    rhs = np.concatenate([np.zeros(s), [1.0]])
    solution = np.linalg.lstsq(system, rhs, rcond=None)[0][:s]
    if (solution < 0).any():
        return lam
    polished = np.zeros_like(lam)
    polished[support] = solution
    return polished


def class_mean_direction(data: Dataset) -> np.ndarray:
    """A deliberately wrong oracle: the normalised mean of y_i x_i."""
    u = (data.y[:, None] * data.x).mean(dim=0).numpy()
    return u / np.linalg.norm(u)


def end_to_end(layer_shapes: list[tuple[int, int]], w: np.ndarray) -> np.ndarray:
    """theta = W_1^T ... W_n^T (a vector for one output) from the flattened weights of a deep
    linear net without frozen entries, its layers stacked in order."""
    sizes = [r * c for r, c in layer_shapes]
    blocks = np.split(w, np.cumsum(sizes)[:-1])
    product = blocks[0].reshape(layer_shapes[0])
    for block, shape in zip(blocks[1:], layer_shapes[1:]):
        product = block.reshape(shape) @ product
    return product[0]
