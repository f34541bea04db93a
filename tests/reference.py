"""An independent reference for the trainers and their snapshots, written from THEOREMS.md
sections 1-2 in plain numpy, sharing no code with verify's models, losses or trainers.

Why its own code: a fault made in verify's shared code (the step size, the running sum of eta,
a snapshot field) moves the one-network and the batched trainer alike, so comparing those two
cannot see it. This module computes the same things another way: the forward pass as explicit
layer products, the gradient by hand-written backpropagation (no autograd), the
parameterisations' chain rule in closed form, logs by numpy's logaddexp.

Scope: fully trainable bias-free MLPs (no frozen entries), every layer normalised, exponential
or cross-entropy loss. Small nets only: clarity over speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _act(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The activation and its derivative at z."""
    if name == "linear":
        return z, np.ones_like(z)
    positive = np.maximum(z, 0.0)
    if name == "relu":
        return positive, (z > 0).astype(np.float64)
    assert name == "relu2", name
    return positive**2, 2 * positive


def _logsumexp(a: np.ndarray, axis=None) -> np.ndarray:
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    out = np.log(np.sum(np.exp(a - top), axis=axis, keepdims=True)) + top
    return np.squeeze(out, axis=axis) if axis is not None else float(out.squeeze())


def margin_matrix(loss: str, outputs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(m, 1) margins y_i Phi(x_i) (exponential), or (m, k-1) Phi_{y_i} - Phi_j for j != y_i."""
    if loss == "exponential":
        return (y * outputs[:, 0])[:, None]
    rows = []
    for i, label in enumerate(y):
        rows.append([outputs[i, label] - outputs[i, j] for j in range(outputs.shape[1]) if j != label])
    return np.array(rows)


def per_sample_log_losses(loss: str, margins: np.ndarray) -> np.ndarray:
    """log l_i: -q_i (exponential); log log(1 + sum_j e^{-q_ij}) (cross-entropy)."""
    if loss == "exponential":
        return -margins[:, 0]
    s = _logsumexp(-margins, axis=1)  # log sum_j e^{-q_ij}
    softplus = np.logaddexp(0.0, s)  # log(1 + e^s)
    # log(softplus) loses everything once softplus underflows; there log(log1p(e^s)) ~ s.
    return np.where(s < -30, s - 0.5 * np.exp(s), np.log(np.where(s < -30, 1.0, softplus)))


@dataclass
class Evaluation:
    """log L, the network outputs, the margins and grad_W log L (per layer) at weights W."""

    log_loss: float
    outputs: np.ndarray
    margins: np.ndarray
    grad_log_loss: list[np.ndarray]


def evaluate(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, activation: str, loss: str) -> Evaluation:
    """Forward pass and hand-written backpropagation of log L."""
    pre, post = [], [x]
    h = x
    for layer, w in enumerate(weights):
        z = h @ w.T
        pre.append(z)
        h = _act(activation, z)[0] if layer < len(weights) - 1 else z
        post.append(h)
    outputs = h
    q = margin_matrix(loss, outputs, y)
    logs = per_sample_log_losses(loss, q)
    log_l = _logsumexp(logs)
    share = np.exp(logs - log_l)  # l_i / L
    if loss == "exponential":
        d_out = np.zeros_like(outputs)
        d_out[:, 0] = -share * y  # d log L / d Phi_i = -(l_i / L) y_i
    else:
        s = _logsumexp(-q, axis=1)
        # d l_i / d q_ij = -e^{-q_ij} / (1 + sum_j e^{-q_ij}); l_i = log(1 + e^s).
        dl_dq = -np.exp(-q - np.logaddexp(0.0, s)[:, None])
        dlogl_dq = np.exp(-log_l) * dl_dq  # d log L / d q_ij
        d_out = np.zeros_like(outputs)
        for i, label in enumerate(y):
            others = [j for j in range(outputs.shape[1]) if j != label]
            for col, j in enumerate(others):
                d_out[i, label] += dlogl_dq[i, col]
                d_out[i, j] -= dlogl_dq[i, col]
    grads = [np.zeros_like(w) for w in weights]
    delta = d_out
    for layer in reversed(range(len(weights))):
        grads[layer] = delta.T @ post[layer]
        if layer > 0:
            delta = (delta @ weights[layer]) * _act(activation, pre[layer - 1])[1]
    return Evaluation(log_l, outputs, q, grads)


def to_params(kind: str, weights: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per layer (scale, V): unnorm (None-like zeros, W); swn (||w_u||, w_u/||w_u||); ewn (log ||w_u||, ...)."""
    params = []
    for w in weights:
        if kind == "unnorm":
            params.append((np.zeros(w.shape[0]), w.copy()))
            continue
        norms = np.sqrt((w**2).sum(axis=1))
        params.append((np.log(norms) if kind == "ewn" else norms, w / norms[:, None]))
    return params


def to_weights(kind: str, params: list[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    if kind == "unnorm":
        return [v for _, v in params]
    out = []
    for scale, v in params:
        radius = np.exp(scale) if kind == "ewn" else scale
        out.append((radius / np.sqrt((v**2).sum(axis=1)))[:, None] * v)
    return out


def param_grads(kind: str, params, grads_w: list[np.ndarray]):
    """Chain rule from grad_w to (d/d scale, d/d V) per layer, in closed form."""
    if kind == "unnorm":
        return [(np.zeros_like(s), g) for (s, _), g in zip(params, grads_w)]
    out = []
    for (scale, v), g in zip(params, grads_w):
        norm = np.sqrt((v**2).sum(axis=1))
        unit = v / norm[:, None]
        radial = (unit * g).sum(axis=1)  # v-hat . g_u
        radius = np.exp(scale) if kind == "ewn" else scale
        d_scale = radius * radial if kind == "ewn" else radial
        d_v = (radius / norm)[:, None] * (g - radial[:, None] * unit)
        out.append((d_scale, d_v))
    return out


@dataclass
class ReferenceState:
    """What the reference records at a state: log L, w, and the bookkeeping of GD."""

    step: int
    attempts: int
    k: float
    log_loss: float
    log_d: float
    weights: list[np.ndarray]


def gd(
    weights: list[np.ndarray],
    x,
    y,
    activation: str,
    loss: str,
    kind: str,
    *,
    k0: float,
    k_max: float,
    c: float,
    grow: float,
    shrink: float,
    steps: int,
) -> list[ReferenceState]:
    """`steps` attempts of GD with eta = k / L^c on the parameters (THEOREMS.md section 2): the
    step is k exp((1 - c) log L) grad log L; a step that raises log L or is not finite is
    undone and k /= shrink, else k = min(k grow, k_max) and d += eta. Every state after an
    accepted step is returned, the start first, and the end if the last attempts were undone."""
    params = to_params(kind, weights)
    ev = evaluate(to_weights(kind, params), x, y, activation, loss)
    k, log_d, accepted, attempts = k0, -np.inf, 0, 0
    states = [ReferenceState(0, 0, k, ev.log_loss, log_d, to_weights(kind, params))]
    for _ in range(steps):
        attempts += 1
        scale = k * np.exp((1 - c) * ev.log_loss)
        grads = param_grads(kind, params, ev.grad_log_loss)
        candidate = [(s - scale * gs, v - scale * gv) for (s, v), (gs, gv) in zip(params, grads)]
        new = evaluate(to_weights(kind, candidate), x, y, activation, loss)
        if np.isfinite(new.log_loss) and new.log_loss <= ev.log_loss and all(np.isfinite(g).all() for g in new.grad_log_loss):
            log_d = np.logaddexp(log_d, np.log(k) - c * ev.log_loss)
            params, ev = candidate, new
            accepted += 1
            k = min(k * grow, k_max)
            states.append(ReferenceState(accepted, attempts, k, ev.log_loss, log_d, to_weights(kind, params)))
        else:
            k = k / shrink
    if states[-1].attempts != attempts:  # the run ended on undone steps: its final bookkeeping
        states.append(ReferenceState(accepted, attempts, k, ev.log_loss, log_d, to_weights(kind, params)))
    return states


def snapshot_fields(weights: list[np.ndarray], x, y, activation: str, loss: str, k: float, c: float) -> dict:
    """Every w-space field of a Snapshot at weights (THEOREMS.md section 2), by name."""
    ev = evaluate(weights, x, y, activation, loss)
    rows_w = [row for w in weights for row in w]
    rows_g = [row for g in ev.grad_log_loss for row in g]  # grad log L; grad L = L grad log L
    node_norm = np.array([np.linalg.norm(r) for r in rows_w])
    node_log_grad = np.array([ev.log_loss + np.log(np.linalg.norm(g)) for g in rows_g])
    w_flat = np.concatenate([w.ravel() for w in weights])
    g_flat = np.concatenate([g.ravel() for g in ev.grad_log_loss])
    degree = _degree(activation, len(weights))
    log_eta = np.log(k) - c * ev.log_loss
    if loss == "exponential":
        logs = per_sample_log_losses(loss, ev.margins)
    else:
        logs = (-ev.margins).ravel()
    direction = np.exp(logs - logs.max())
    return {
        "log_loss": ev.log_loss,
        "log_eta": log_eta,
        "w": w_flat,
        "node_log_norm": np.log(node_norm),
        "node_log_grad_norm": node_log_grad,
        "node_cos": np.array([-(a @ g) / (np.linalg.norm(a) * np.linalg.norm(g)) for a, g in zip(rows_w, rows_g)]),
        "node_share": node_norm / np.linalg.norm(w_flat),
        "node_log_a5": log_eta + np.log(node_norm) + node_log_grad,
        "grad_direction": -g_flat / np.linalg.norm(g_flat),
        "loss_direction": direction / np.linalg.norm(direction),
        "normalised_margin": ev.margins.min() / np.linalg.norm(w_flat) ** degree,
    }


def _degree(activation: str, depth: int) -> int:
    """L = sum over layers of p^(depth - 1 - layer), p the activation's degree (every layer trainable)."""
    p = 2 if activation == "relu2" else 1
    return sum(p**j for j in range(depth))
