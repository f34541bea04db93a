"""How far a direction is from a KKT point of the max-margin problem (P), an oracle.

(P): minimise ||theta||^2 / 2 subject to q_n(theta) >= 1 for every n, where q_n(theta) is the
margin y_n Phi(theta; x_n) of an L-homogeneous net. A direction theta is scaled to
theta~ = theta / q_min(theta)^(1/L), feasible with min_n q_n = 1, and compared with the cone
of the margin gradients of its near-active points A = {n : q_n(theta~) <= 1 + tau}:

    lambda = argmin_{lambda >= 0} || theta~ - sum_{n in A} lambda_n grad q_n(theta~) ||   (NNLS)
    epsilon = that residual / ||theta~||,   delta_n = lambda_n (q_n(theta~) - 1).

theta~ is a KKT point exactly when epsilon = 0 with the active points alone (delta = 0).
Restricting to A matters: with more points than dimensions the cone of *all* gradients often
contains theta~, which would give epsilon = 0 at a non-KKT direction (the catalogue's linear
example: 1e-16 with delta 57). Gradients come from autograd, one point at a time; the
least-squares problem is scipy's NNLS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import nnls

from verify import losses
from verify.data import Dataset
from verify.errors import require
from verify.nets import Architecture, forward


@dataclass(frozen=True)
class KKTResidual:
    """epsilon (relative stationarity residual), the complementary-slackness terms of the
    near-active points (their max and sum), how many points were near-active, and tau."""

    epsilon: float
    delta_max: float
    delta_sum: float
    active: int
    tau: float


def weights_from_vector(arch: Architecture, w: np.ndarray) -> list[torch.Tensor]:
    """The layers of a fully trainable architecture from its flattened w (layer, row order)."""
    require(not arch.frozen, "the KKT oracle needs a fully trainable architecture")
    shapes = [arch.layer_shape(layer) for layer in range(arch.depth)]
    sizes = np.cumsum([0] + [rows * cols for rows, cols in shapes])
    require(len(w) == sizes[-1], f"w has {len(w)} entries, the architecture {sizes[-1]}")
    return [torch.tensor(w[lo:hi], dtype=torch.float64).reshape(shape) for lo, hi, shape in zip(sizes[:-1], sizes[1:], shapes)]


def margins_and_gradients(arch: Architecture, data: Dataset, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """q_n(w) for every point, and grad_w q_n(w) as the columns of a (len(w), m) matrix."""
    require(data.loss == "exponential", "the KKT oracle covers binary margins (exponential loss)")
    weights = [t.requires_grad_(True) for t in weights_from_vector(arch, w)]
    q = losses.margins(data.loss, forward(arch, weights, data.x.to(torch.float64)), data.y)[:, 0]
    columns = []
    for n in range(len(q)):
        grads = torch.autograd.grad(q[n], weights, retain_graph=True, allow_unused=True)
        columns.append(torch.cat([(torch.zeros_like(t) if g is None else g).flatten() for t, g in zip(weights, grads)]))
    return q.detach().numpy(), torch.stack(columns, dim=1).numpy()


def kkt_residual(arch: Architecture, data: Dataset, w: np.ndarray, tau: float = 0.05) -> KKTResidual:
    """The (epsilon, delta) residual of the direction w (see the module docstring).

    Raises ConfigError if w does not separate the data (q_min <= 0: no feasible scaling).
    """
    require(tau >= 0, f"tau={tau!r} must be >= 0")
    q, _ = margins_and_gradients(arch, data, w)
    q_min = float(q.min())
    require(q_min > 0, f"the direction does not separate the data (q_min = {q_min:.3g})")
    scaled = w / q_min ** (1.0 / arch.degree)
    q, gradients = margins_and_gradients(arch, data, scaled)
    active = np.flatnonzero(q <= 1.0 + tau)
    lam, residual = nnls(gradients[:, active], scaled)
    delta = lam * (q[active] - 1.0)
    return KKTResidual(
        epsilon=float(residual / np.linalg.norm(scaled)),
        delta_max=float(delta.max()),
        delta_sum=float(delta.sum()),
        active=len(active),
        tau=tau,
    )
