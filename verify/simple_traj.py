"""The exact oracle of Proposition 3 (generalised Simple-Traj).

One point x with positive coordinates, label +1, Phi = sum_j w_j x_j with each w_j its own
scalar node (verify.cases.simple_traj_architecture), exponential loss, w_j(0) > 0. Along
gradient flow, with S(t) = int eta L:
  EWN:          dw_j/dt = -eta w_j^2 dL/dw_j = eta L x_j w_j^2, so 1/w_j(t) = 1/w_j(0) - x_j S(t);
  Unnorm, SWN:  dw_j/dt = eta L x_j, so w_j(t) = w_j(0) + x_j S(t)
(a scalar SWN node moves radially only, like Unnorm). At loss e^-T, Phi = T fixes S: for EWN,
sum_j x_j / (1/w_j(0) - x_j S) = T with S < 1/max_j x_j w_j(0); for Unnorm,
S = (T - x.w(0)) / ||x||^2. The state at any loss level is therefore known exactly, whatever
the time parameterisation.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import brentq

from verify.errors import require
from verify.nets import Architecture


def ewn_state(x: np.ndarray, w0: np.ndarray, level: float) -> np.ndarray:
    """EWN weights at Phi = level (log L = -level)."""
    require(bool((x > 0).all() and (w0 > 0).all()), "the EWN oracle needs positive x and w(0)")
    require(level >= float(x @ w0), f"level {level} is below the initial output {float(x @ w0)}")
    blow_up = 1.0 / float(np.max(x * w0))

    def excess(s):
        return float(np.sum(x / (1.0 / w0 - x * s))) - level

    if excess(0.0) >= 0.0:
        return w0.copy()
    s = brentq(excess, 0.0, blow_up * (1 - 1e-15), xtol=1e-300, rtol=1e-15, maxiter=500)
    return 1.0 / (1.0 / w0 - x * s)


def linear_state(x: np.ndarray, w0: np.ndarray, level: float) -> np.ndarray:
    """Unnorm (and scalar-node SWN) weights at Phi = level."""
    s = (level - float(x @ w0)) / float(x @ x)
    return w0 + x * s


def predicted_winner(x: np.ndarray, w0: np.ndarray) -> int:
    """EWN: the node with the largest x_j w_j(0) blows up first and takes the whole direction."""
    return int(np.argmax(x * w0))


def weights_for(arch: Architecture, w0: np.ndarray) -> list[torch.Tensor]:
    """Layer weights of simple_traj_architecture(d) with scalar node j equal to w0[j]."""
    first = torch.diag(torch.as_tensor(w0, dtype=torch.float64))
    out = torch.ones(1, len(w0), dtype=torch.float64)
    require(arch.layer_shape(0) == tuple(first.shape), "weights_for needs simple_traj_architecture(len(w0))")
    return [first, out]
