"""log L and grad_theta log L of one network on the CPU, in NumPy, by the chain rule written out.

Why our own backward pass rather than autograd: the harness's one-network runs (GD to -300,
gradient flows) train nets of tens of weights on a handful of points, where an evaluation is
all per-call overhead and no arithmetic. Measured on the 2-core machine on Lin-Sep (cProfile):
autograd's backward alone took about 270 us of a 1 ms GD step; a torch call costs 3-6 us and a
NumPy call 1-3 us. This module does the same evaluation in about 50 NumPy calls, 6-9 times
faster (benchmarks/step_cost.py times both side by side). It covers exactly what verify.objective covers: any depth, every
activation, frozen entries, the three parameterisations per layer, both losses.

It shares no code with the autograd path (verify.nets.forward, verify.losses, ParamNet.weights):
tests/test_closed_form.py holds it to that path to rounding on every architecture kind the
harness draws, and to central finite differences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from verify.data import Dataset
from verify.nets import frozen_values
from verify.parameterisations import ParamNet

# The same branch point as verify.losses: below it log softplus(a) = a - e^a / 2 to rounding.
_SOFTPLUS_SERIES_BELOW = -30.0


@dataclass(frozen=True)
class _Layer:
    """One weight layer: its kind ('fixed' for a frozen layer), the trainable mask (None when
    every entry is trainable) and the frozen values."""

    kind: str
    mask: np.ndarray | None
    fixed: np.ndarray


class _Normalised(NamedTuple):
    """An SWN or EWN layer's v (frozen entries zeroed), row norms ||v_u|| (1 in rows that are
    not nodes), radii ||w_u|| and radius / ||v_u||."""

    v: np.ndarray
    norm: np.ndarray
    radius: np.ndarray
    ratio: np.ndarray


def _activate(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sigma(z) and sigma'(z) for a positively homogeneous activation (sigma'(0) = 0 for ReLU,
    as torch's relu gradient has it)."""
    if name == "linear":
        return z, np.ones_like(z)
    r = np.maximum(z, 0.0)
    if name == "relu":
        return r, (z > 0).astype(z.dtype)
    if name == "relu2":
        return r * r, 2.0 * r
    return r * r * r, 3.0 * (r * r)


def _logsumexp(a: np.ndarray) -> np.ndarray:
    """logsumexp over the last axis, shifted by the largest finite entry (a row of -inf gives
    -inf, an inf or NaN entry propagates). Not scipy.special.logsumexp: on 4 points it took
    179 us a call here against 8 us for this, and an evaluation calls it once or twice."""
    top = a.max(axis=-1, keepdims=True)
    top[~np.isfinite(top)] = 0.0
    return np.log(np.exp(a - top).sum(axis=-1)) + top[..., 0]


class ClosedForm:
    """log L(w(theta)) and its gradient for one ParamNet on one data set, in float64 NumPy.

    theta is the ParamNet's parameter list (as NumPy arrays). Guarantees: the value and the
    gradient equal autograd's through verify.objective to rounding; a non-finite value or
    gradient is returned as such, never raised.
    """

    def __init__(self, net: ParamNet, data: Dataset):
        arch = net.arch
        self.activation = arch.activation
        self.loss = data.loss
        self.x = data.x.detach().cpu().to(torch.float64).numpy()
        labels = data.y.detach().cpu()
        # Per point: the label y_i in {-1, +1} (exponential), or its one-hot row (cross-entropy).
        self.targets = (
            labels.to(torch.float64).numpy()
            if self.loss == "exponential"
            else torch.nn.functional.one_hot(labels, arch.output_dim).bool().numpy()
        )
        self.layers: list[_Layer] = []
        for layer in range(arch.depth):
            kind = net.kinds.get(layer, "fixed")
            mask = None if layer not in arch.frozen else arch.trainable_mask(layer).numpy()
            fixed = frozen_values(arch, layer, torch.float64, "cpu").numpy()
            self.layers.append(_Layer(kind, mask, fixed))

    def weights(self, theta: list[np.ndarray]) -> list[np.ndarray]:
        """The weights w(theta), layer by layer."""
        return self._weights(theta)[0]

    def _weights(self, theta: list[np.ndarray]) -> tuple[list[np.ndarray], list[_Normalised | None]]:
        """Weights, and per trainable layer what its backward step needs (None for unnorm)."""
        weights: list[np.ndarray] = []
        saved: list[_Normalised | None] = []
        it = iter(theta)
        for layer in self.layers:
            if layer.kind == "fixed":
                weights.append(layer.fixed)
                continue
            if layer.kind == "unnorm":
                w = next(it)
                saved.append(None)
            else:
                scale, v = next(it), next(it)
                if layer.mask is not None:
                    v = np.where(layer.mask, v, 0.0)
                norm = np.sqrt(np.einsum("ij,ij->i", v, v))
                if layer.mask is not None:
                    norm = np.where(layer.mask.any(axis=1), norm, 1.0)
                radius = np.exp(scale) if layer.kind == "ewn" else scale
                ratio = radius / norm
                w = ratio[:, None] * v
                saved.append(_Normalised(v, norm, radius, ratio))
            weights.append(w if layer.mask is None else np.where(layer.mask, w, layer.fixed))
        return weights, saved

    def log_loss(self, theta: list[np.ndarray]) -> float:
        """log L at theta."""
        with np.errstate(all="ignore"):
            outputs = self.x
            weights = self.weights(theta)
            for index, w in enumerate(weights):
                outputs = outputs @ w.T
                if index < len(weights) - 1:
                    outputs = _activate(self.activation, outputs)[0]
            return float(self._loss(outputs, self.targets)[0])

    def value_and_grad(self, theta: list[np.ndarray], points: np.ndarray | None = None) -> tuple[float, list[np.ndarray]]:
        """log L and grad_theta log L at theta (gradients in theta's order and shapes), over the
        training points indexed by `points` (a minibatch; every point when None)."""
        # An overflowing candidate is an expected outcome (GD undoes it), not a warning.
        with np.errstate(all="ignore"):
            if points is None:
                return self._value_and_grad(theta, self.x, self.targets)
            return self._value_and_grad(theta, self.x[points], self.targets[points])

    def _value_and_grad(self, theta: list[np.ndarray], x: np.ndarray, targets: np.ndarray) -> tuple[float, list[np.ndarray]]:
        weights, saved = self._weights(theta)
        inputs, slopes = [x], []
        h = x
        for index, w in enumerate(weights):
            h = h @ w.T
            if index < len(weights) - 1:
                h, slope = _activate(self.activation, h)
                inputs.append(h)
                slopes.append(slope)
        value, grad_out = self._loss(h, targets)
        weight_grads: list[np.ndarray] = []
        grad = grad_out
        for index in range(len(weights) - 1, -1, -1):
            weight_grads.append(grad.T @ inputs[index])
            if index > 0:
                grad = (grad @ weights[index]) * slopes[index - 1]
        weight_grads.reverse()
        grads: list[np.ndarray] = []
        trainable = iter(saved)
        for layer, g in zip(self.layers, weight_grads):
            if layer.kind == "fixed":
                continue
            if layer.mask is not None:
                g = g * layer.mask
            normalised = next(trainable)
            if normalised is None:
                grads.append(g)
                continue
            v, norm, radius, ratio = normalised
            dot = np.einsum("ij,ij->i", g, v)
            radial = dot / norm
            grad_v = ratio[:, None] * (g - (radial / norm)[:, None] * v)
            if layer.mask is not None:
                grad_v = grad_v * layer.mask
            grads.extend([radial * radius if layer.kind == "ewn" else radial, grad_v])
        return float(value), grads

    def log_norm(self, theta: list[np.ndarray]) -> float:
        """log ||w|| over the trainable entries, exact to rounding however small or large they
        are (-inf for all-zero weights)."""
        parts = [
            w.ravel() if layer.mask is None else w[layer.mask]
            for layer, w in zip(self.layers, self.weights(theta))
            if layer.kind != "fixed"
        ]
        flat = np.concatenate(parts)
        top = float(np.abs(flat).max())
        if top == 0.0:
            return -math.inf
        return math.log(top) + 0.5 * math.log(float(np.dot(flat / top, flat / top)))

    def _loss(self, outputs: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log L from the outputs (m, n_out) and the points' targets, and d log L / d outputs."""
        if self.loss == "exponential":
            logs = -targets * outputs[:, 0]
            value = _logsumexp(logs)
            return value, (-targets * np.exp(logs - value))[:, None]
        # Cross-entropy: a_i = logsumexp_{j != y_i} (Phi_j - Phi_{y_i}), log l_i = log softplus(a_i).
        true_output = np.where(targets, outputs, 0.0).sum(axis=1)
        others = np.where(targets, -np.inf, outputs - true_output[:, None])
        a = _logsumexp(others)
        series = a <= _SOFTPLUS_SERIES_BELOW
        hi = np.maximum(a, _SOFTPLUS_SERIES_BELOW)
        softplus = np.maximum(hi, 0.0) + np.log1p(np.exp(-np.abs(hi)))
        lo = np.minimum(a, _SOFTPLUS_SERIES_BELOW)
        logs = np.where(series, lo - 0.5 * np.exp(lo), np.log(softplus))
        # d log softplus(a) / da = sigmoid(a) / softplus(a) = exp(a - softplus(a)) / softplus(a).
        slope = np.where(series, 1.0 - 0.5 * np.exp(lo), np.exp(hi - softplus) / softplus)
        value = _logsumexp(logs)
        weight = np.exp(logs - value) * slope
        grad_others = weight[:, None] * np.exp(others - a[:, None])
        return value, grad_others - targets * grad_others.sum(axis=1, keepdims=True)
