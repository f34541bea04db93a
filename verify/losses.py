"""Exponential and multi-class cross-entropy losses, in log space and float64.

Nothing here forms L or an individual loss l_i as a plain number: everything is a log
(log l_i, log L) or a direction (l/||l||), so e^-10000 is as easy as e^-10.

- exponential: labels y in {-1, +1}, one output; margins y_i Phi(w, x_i); log l_i = -margin_i.
- cross_entropy: labels in {0..k-1}, k outputs; margins M[i, j] = Phi_{y_i} - Phi_j for j != y_i;
  l_i = log(1 + sum_j exp(-M[i, j])) = softplus(a_i) with a_i = logsumexp_j(-M[i, j]).
"""

from __future__ import annotations

import torch

from verify.errors import require

LOSSES = ("exponential", "cross_entropy")

# Below this a, log(softplus(a)) = a - e^a/2 with error under e^(2a) < 1e-26.
_SOFTPLUS_SERIES_BELOW = -30.0


def log_softplus(a: torch.Tensor) -> torch.Tensor:
    """log(log(1 + e^a)) accurate to rounding for every finite a, with finite gradients."""
    hi = a.clamp(min=_SOFTPLUS_SERIES_BELOW)
    lo = a.clamp(max=_SOFTPLUS_SERIES_BELOW)
    softplus_hi = hi.clamp(min=0) + torch.log1p(torch.exp(-hi.abs()))
    return torch.where(a > _SOFTPLUS_SERIES_BELOW, torch.log(softplus_hi), lo - 0.5 * torch.exp(lo))


def margins(loss: str, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Margin matrix (..., m, 1) for exponential, (..., m, k-1) for cross-entropy.

    outputs (..., m, outputs) and labels (..., m) may carry leading batch dimensions.
    """
    if loss == "exponential":
        return y[..., None] * outputs[..., :1]
    require(loss == "cross_entropy", f"unknown loss {loss!r}; choose one of {list(LOSSES)}")
    k = outputs.shape[-1]
    true = outputs.gather(-1, y[..., None])
    others = ~torch.nn.functional.one_hot(y, k).bool()
    return (true - outputs)[others].reshape(*y.shape, k - 1)


def log_losses(loss: str, margin: torch.Tensor) -> torch.Tensor:
    """Per-sample log l_i from the margin matrix: shape (..., m)."""
    if loss == "exponential":
        return -margin[..., 0]
    return log_softplus(torch.logsumexp(-margin, dim=-1))


def log_loss(loss: str, margin: torch.Tensor, points: torch.Tensor | None = None) -> torch.Tensor:
    """log L = logsumexp_i log l_i over the last sample axis.

    `points` (a boolean mask like the per-sample losses) leaves padded samples out exactly:
    their log l_i becomes -inf, which adds e^-inf = 0 to the sum and receives zero gradient.
    """
    logs = log_losses(loss, margin)
    if points is not None:
        logs = torch.where(points, logs, -torch.inf)
    return torch.logsumexp(logs, dim=-1)


def loss_direction(loss: str, margin: torch.Tensor) -> torch.Tensor:
    """Direction whose convergence is assumption A3.

    Exponential: l/||l||. Cross-entropy: the direction of M[i, j] = exp(-margin[i, j]) (flattened).
    """
    logs = log_losses(loss, margin) if loss == "exponential" else (-margin).flatten()
    # Shifting by the max first keeps the differences exact, so no ulp of a large log is amplified.
    scaled = torch.exp(logs - logs.max())
    return scaled / scaled.norm()


def normalised_margin(margin: torch.Tensor, log_w_norm: torch.Tensor | float, degree: int) -> torch.Tensor:
    """min_i margin_i / ||w||^L, with ||w||^L formed in log space."""
    return margin.min() * torch.exp(-degree * torch.as_tensor(log_w_norm, dtype=margin.dtype))


def log_loss_of_outputs(loss: str, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return log_loss(loss, margins(loss, outputs, y))
