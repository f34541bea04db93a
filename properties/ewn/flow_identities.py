"""Theorem 1's w-space velocities, exact and symbolic, and the fixed-step tracking experiment.

VELOCITIES maps a formula's name to a function of (w_u, v_u, scale, G) giving the predicted
w-space velocity of node u under gradient flow with eta = 1, where G is grad_{w_u} L and
`scale` is gamma_u (SWN) or exp(alpha_u) (EWN). Properties look formulas up by name; their
controls look up the wrong ones.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numpy as np
import sympy as sp
import torch

from verify.objective import Objective

Velocity = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def _split(v: torch.Tensor, g: torch.Tensor):
    """Radial and tangential parts of g about v (rows are nodes)."""
    v_hat = v / v.norm(dim=-1, keepdim=True)
    radial = (v_hat * g).sum(dim=-1, keepdim=True) * v_hat
    return radial, g - radial


def ewn_velocity(w, v, scale, g):
    """-||w||^2 [v^ v^T + (I - v^ v^T)/||v||^2] G (Theorem 1, generalised to ||v|| != 1)."""
    radial, tangential = _split(v, g)
    w2 = (w * w).sum(dim=-1, keepdim=True)
    return -w2 * (radial + tangential / (v * v).sum(dim=-1, keepdim=True))


def swn_velocity(w, v, scale, g):
    """-[(v^T G) v^ + (gamma^2/||v||^2)(I - v^ v^T) G] (Theorem 1, generalised to ||v|| != 1)."""
    radial, tangential = _split(v, g)
    return -(radial + (scale[:, None] ** 2 / (v * v).sum(dim=-1, keepdim=True)) * tangential)


def ewn_velocity_norm_power_one(w, v, scale, g):
    """A wrong EWN formula: ||w|| where the theorem has ||w||^2."""
    radial, tangential = _split(v, g)
    w1 = w.norm(dim=-1, keepdim=True)
    return -w1 * (radial + tangential / (v * v).sum(dim=-1, keepdim=True))


def swn_velocity_without_radial(w, v, scale, g):
    """A wrong SWN formula: the radial term dropped."""
    _, tangential = _split(v, g)
    return -(scale[:, None] ** 2 / (v * v).sum(dim=-1, keepdim=True)) * tangential


VELOCITIES: dict[str, Velocity] = {
    "ewn": ewn_velocity,
    "swn": swn_velocity,
    "ewn-norm-power-one": ewn_velocity_norm_power_one,
    "swn-without-radial": swn_velocity_without_radial,
}


def velocity_errors(objective: Objective, theta: list[torch.Tensor], formula: Velocity) -> np.ndarray:
    """Per node, ||dw/dt (autodiff) - formula|| / ||formula||, for a net whose trainable layers
    are all normalised and carry no frozen entries; all NaN when no node moves at all.

    dw/dt is the JVP of w(theta) along -grad_theta log L; G is grad_w log L (the common factor L
    cancels in the comparison).
    """
    net = objective.net
    theta = [t.detach() for t in theta]
    _, grads = objective.value_and_grad(theta)
    _, velocity = torch.func.jvp(net.weights, (theta,), ([-g for g in grads],))
    weights = [w.detach().requires_grad_(True) for w in net.weights(theta)]
    g_w = torch.autograd.grad(objective.log_loss_from_weights(weights), weights)
    diffs, sizes = [], []
    for position, layer in enumerate(net.layers):
        scale, v = theta[2 * position], theta[2 * position + 1]
        radius = torch.exp(scale) if net.kinds[layer] == "ewn" else scale
        predicted = formula(weights[layer].detach(), v, radius, g_w[layer])
        diffs.append((velocity[layer] - predicted).norm(dim=1))
        sizes.append(predicted.norm(dim=1))
    diff, size = torch.cat(diffs), torch.cat(sizes)
    if float(size.max()) == 0.0:
        return np.full(len(size), np.nan)
    # A node with no gradient (a ReLU^2 unit off on every point) has zero velocity; measure
    # it against the largest node's velocity instead of dividing by zero.
    return (diff / size.clamp(min=float(size.max()) * 1e-12)).numpy()


def symbolic_residual(kind: str, dim: int, formula: str | None = None) -> list[sp.Expr]:
    """Simplified components of (velocity from the chain rule) - (Theorem 1 formula) for one
    generic node of dimension `dim`; all zero exactly when the formula is right.

    formula: 'theorem' (default) or 'norm-power-one' / 'without-radial' for the wrong variants.
    """
    v = sp.Matrix(sp.symbols(f"v1:{dim + 1}", real=True))
    g = sp.Matrix(sp.symbols(f"g1:{dim + 1}", real=True))
    s = sp.Symbol("s", real=True)
    norm_v = sp.sqrt((v.T * v)[0])
    radius = sp.exp(s) if kind == "ewn" else s
    w = radius * v / norm_v
    params = sp.Matrix([s, *v])
    jac = w.jacobian(params)
    chain = -jac * jac.T * g
    v_hat = v / norm_v
    radial = (v_hat.T * g)[0] * v_hat
    tangential = g - radial
    w2 = (w.T * w)[0]
    variant = formula or "theorem"
    if kind == "ewn":
        power = w2 if variant == "theorem" else sp.sqrt(w2)
        predicted = -power * (radial + tangential / norm_v**2)
    else:
        radial_term = radial if variant == "theorem" else sp.zeros(dim, 1)
        predicted = -(radial_term + radius**2 / norm_v**2 * tangential)
    return [sp.simplify(e) for e in (chain - predicted)]


# The largest log L whose exponential is a double: a GD step on L needs L itself.
LOG_LOSS_MAX = math.log(sys.float_info.max)


def _step_factor(log_l: float, eta: float) -> float:
    """eta * L for a GD step on L, from log L; a FloatingPointError where L is not a finite
    double, which is GD at this eta having diverged."""
    if not log_l < LOG_LOSS_MAX:
        raise FloatingPointError(f"GD at eta = {eta:g} diverged: log L = {log_l:.6g}")
    return eta * math.exp(log_l)


def _step_unnorm(objective: Objective, weights: list[torch.Tensor], eta: float, node_scaled: bool):
    """One GD step on L in w space, each node's step eta ||w_u||^2 (or eta when not node_scaled)."""
    leaves = [w.detach().requires_grad_(True) for w in weights]
    value = objective.log_loss_from_weights(leaves)
    grads = torch.autograd.grad(value, leaves)
    factor = _step_factor(float(value.detach()), eta)
    out = []
    for w, g in zip(weights, grads):
        scale = (w * w).sum(dim=1, keepdim=True) if node_scaled else torch.ones_like(w[:, :1])
        out.append(w - factor * scale * g)
    return out


def tracking_deviation(
    objective_ewn: Objective, weights0: list[torch.Tensor], eta: float, horizon: float, node_scaled: bool = True
) -> float:
    """max over the common horizon of ||w_EWN(t) - w_Unnorm(t)|| / ||w(0)||.

    EWN: GD on theta with constant step eta from the parameters of w(0). Unnorm: GD in w space
    with per-node step eta ||w_u(t)||^2 (node_scaled) or a uniform step eta (the control).
    Raises FloatingPointError at the step where either run's loss leaves the doubles.
    """
    net = objective_ewn.net
    theta = net.params_from_weights(weights0)
    weights = [w.clone() for w in weights0]
    steps = int(round(horizon / eta))
    norm0 = float(torch.cat([w.flatten() for w in weights0]).norm())
    worst = 0.0
    for _ in range(steps):
        log_l, grads = objective_ewn.value_and_grad(theta)
        factor = _step_factor(log_l, eta)
        theta = [t - factor * g for t, g in zip(theta, grads)]
        weights = _step_unnorm(objective_ewn, weights, eta, node_scaled)
        gap = torch.cat([(a - b).flatten() for a, b in zip(net.weights(theta), weights)]).norm()
        worst = max(worst, float(gap) / norm0)
    return worst
