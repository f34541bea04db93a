"""The training objective log L(w(theta)) and its w-space measurements.

Trainers see only log L and its gradient in parameter space; the checkers see the w-space
quantities of THEOREMS.md section 2, which `measure` computes from the same forward pass:
grad_w log L by autograd through w(theta), then log ||grad_{w_u} L|| = log L + log ||grad_{w_u} log L||
so that nothing underflows at e^-1000.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from verify import losses, norms
from verify.closed_form import ClosedForm
from verify.data import Dataset
from verify.errors import ConfigError, require
from verify.nets import forward
from verify.parameterisations import ParamNet
from verify.trajectory import Snapshot


def check_compatible(net: ParamNet, data: Dataset) -> None:
    """Raise ConfigError unless the data's inputs and loss fit the architecture."""
    require(
        data.x.shape[1] == net.arch.input_dim,
        f"data has {data.x.shape[1]} input features, the architecture expects {net.arch.input_dim}",
    )
    expected_outputs = 1 if data.loss == "exponential" else data.num_classes
    require(
        net.arch.output_dim == expected_outputs,
        f"{data.loss} loss on this data needs output_dim={expected_outputs}, got {net.arch.output_dim}",
    )


# How log L and its theta-gradient are evaluated: "closed-form" (verify.closed_form, NumPy,
# the CPU default: a fraction of autograd's per-call overhead on the harness's small nets) or
# "autograd" (torch, any device, the kernels verify.batched uses).
ENGINES = ("closed-form", "autograd")


class Objective:
    """log L for one network, parameterisation and data set on one device, in float64.

    log_loss, value_and_grad and log_norm use the engine; the snapshots of `measure` always use
    autograd, so that each snapshot is an evaluation independent of the one the trainer used.
    """

    def __init__(self, net: ParamNet, data: Dataset, device="cpu", dtype=torch.float64, engine: str | None = None):
        require(dtype == torch.float64, f"dtype {dtype} is not supported: the harness works in float64")
        check_compatible(net, data)
        self.net = net
        self.data = data
        self.loss = data.loss
        self.device = torch.device(device)
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError("device 'cuda' requested but CUDA is not available")
        self.engine = engine or ("closed-form" if self.device.type == "cpu" else "autograd")
        require(self.engine in ENGINES, f"unknown engine {self.engine!r}; choose one of {list(ENGINES)}")
        require(
            self.engine == "autograd" or self.device.type == "cpu",
            f"the closed-form engine runs on the CPU only, not on {self.device.type}",
        )
        self.closed_form = ClosedForm(net, data) if self.engine == "closed-form" else None
        self.x = data.x.to(self.device, dtype)
        self.y = data.y.to(self.device)
        self.degree = net.arch.degree

    def margins(self, weights: list[torch.Tensor]) -> torch.Tensor:
        return losses.margins(self.loss, forward(self.net.arch, weights, self.x), self.y)

    def log_loss(self, theta: list[torch.Tensor]) -> torch.Tensor:
        if self.closed_form is not None:
            return torch.tensor(self.closed_form.log_loss(_arrays(theta)), dtype=torch.float64)
        return self.log_loss_from_weights(self.net.weights(theta))

    def log_loss_from_weights(self, weights: list[torch.Tensor]) -> torch.Tensor:
        return losses.log_loss(self.loss, self.margins(weights))

    def value_and_grad(self, theta: list[torch.Tensor], points: torch.Tensor | None = None) -> tuple[float, list[torch.Tensor]]:
        """log L and grad_theta log L at theta, over the training points indexed by `points` (a
        minibatch; every point when None).

        The autograd engine evaluates a batch of one network, with the kernels verify.batched
        uses (on this project's CPUs, equal rows were bit-identical). The closed-form engine
        differs from both by rounding; tests/agreement.py states what that may change.
        """
        if self.closed_form is not None:
            index = None if points is None else points.cpu().numpy()
            log_l, arrays = self.closed_form.value_and_grad(_arrays(theta), index)
            return log_l, [torch.from_numpy(g) for g in arrays]
        x, y = (self.x, self.y) if points is None else (self.x[points], self.y[points])
        theta = [t.detach()[None].requires_grad_(True) for t in theta]
        outputs = forward(self.net.arch, self.net.weights(theta), x[None])
        value = losses.log_loss(self.loss, losses.margins(self.loss, outputs, y[None]))[0]
        grads = [g.detach()[0] for g in torch.autograd.grad(value, theta)]
        return float(value.detach()), grads

    def log_norm(self, theta: list[torch.Tensor]) -> float:
        """log ||w|| of the trainable weights w(theta), as a snapshot's w would give it."""
        if self.closed_form is not None:
            return self.closed_form.log_norm(_arrays(theta))
        weights = [w.detach()[None] for w in self.net.weights([t.detach() for t in theta])]
        return float(log_weight_norm(self.net, weights)[0])

    def measure(self, theta, *, step: int, attempts: int, k: float, c: float, log_d: float) -> Snapshot:
        """Every w-space quantity of THEOREMS.md section 2 at theta (see measure_batch)."""
        meta = Meta(step=step, attempts=attempts, k=k, c=c, log_d=log_d)
        return measure_batch(self.net, self.loss, self.x[None], self.y[None], None, [t[None] for t in theta], [meta])[0]


def _arrays(theta: list[torch.Tensor]) -> list[np.ndarray]:
    """theta as NumPy arrays sharing the tensors' memory (CPU tensors, float64)."""
    return [t.detach().numpy() for t in theta]


@dataclass(frozen=True)
class Meta:
    """The trainer's bookkeeping that a snapshot records beside the measurements."""

    step: int
    attempts: int
    k: float
    c: float
    log_d: float


def _node_blocks(net: ParamNet, weights: list[torch.Tensor]) -> list[torch.Tensor]:
    """Per trainable layer, its node rows with frozen entries zeroed: (B, nodes, fan_in)."""
    blocks = []
    for layer in net.layers:
        device = weights[layer].device
        mask = net.arch.trainable_mask(layer).to(device)
        rows = net.arch.node_rows(layer).to(device)
        blocks.append(torch.where(mask, weights[layer], 0.0)[:, rows])
    return blocks


def _trainable_vector(net: ParamNet, weights: list[torch.Tensor]) -> torch.Tensor:
    """The trainable entries of every layer, flattened in layer order: the vectors w, (B, P)."""
    return torch.cat([_trainable_entries(net, layer, weights[layer]) for layer in net.layers], dim=1)


def _trainable_entries(net: ParamNet, layer: int, w: torch.Tensor) -> torch.Tensor:
    """A layer's trainable entries in row-major order, (B, count). A layer without frozen
    entries is reshaped rather than masked: the same entries in the same order, without the
    mask's construction and boolean indexing (a third of a GD step's log-norm on Lin-Sep)."""
    if layer not in net.arch.frozen:
        return w.reshape(w.shape[0], -1)
    return w[:, net.arch.trainable_mask(layer).to(w.device)]


def log_weight_norm(net: ParamNet, weights: list[torch.Tensor]) -> torch.Tensor:
    """log ||w|| per row of batched weights (B, ...): log max|w_i| + log ||w / max|w_i|||,
    finite however small or large the entries."""
    w_flat = _trainable_vector(net, weights)
    top = w_flat.abs().amax(dim=1, keepdim=True)
    return torch.log(top[:, 0]) + torch.log((w_flat / top).norm(dim=1))


def measure_batch(
    net: ParamNet,
    loss: str,
    x: torch.Tensor,
    y: torch.Tensor,
    points: torch.Tensor | None,
    theta: list[torch.Tensor],
    metas: list[Meta],
) -> list[Snapshot]:
    """Snapshots of B networks at once: theta, x (B, m, d), y (B, m) and the point mask carry
    a leading batch axis; metas holds each row's bookkeeping.

    Row b's snapshot does not depend on the other rows, and with B = 1 this is
    Objective.measure. Where the gradient of a node (or of all of w) is exactly zero, as for a
    dead ReLU net, its cosine and direction are undefined and recorded as NaN.
    """
    with torch.enable_grad():
        weights = [w.detach().requires_grad_(True) for w in net.weights([t.detach() for t in theta])]
        weights = [w if w.dim() == 3 else w.expand(len(metas), *w.shape) for w in weights]
        margin = losses.margins(loss, forward(net.arch, weights, x), y)
        value = losses.log_loss(loss, margin, points)
        raw = torch.autograd.grad(value.sum(), weights, allow_unused=True)
    grads = [torch.zeros_like(w) if g is None else g for w, g in zip(weights, raw)]
    margin = margin.detach()
    weights = [w.detach() for w in weights]
    w_rows, g_rows = _node_blocks(net, weights), _node_blocks(net, grads)
    w_flat, g_flat = _trainable_vector(net, weights), _trainable_vector(net, grads)
    node_norm = torch.cat([norms.norm(b) for b in w_rows], dim=1)
    node_grad_norm = torch.cat([norms.norm(b) for b in g_rows], dim=1)
    node_cos = -torch.cat([(norms.unit(a) * norms.unit(b)).sum(dim=-1) for a, b in zip(w_rows, g_rows)], dim=1)
    log_l = value.detach()
    node_log_norm = torch.log(node_norm)
    node_log_grad_norm = log_l[:, None] + torch.log(node_grad_norm)
    log_w_norm = log_weight_norm(net, weights)
    k = torch.tensor([m.k for m in metas], dtype=torch.float64, device=log_l.device)
    c = torch.tensor([m.c for m in metas], dtype=torch.float64, device=log_l.device)
    log_eta = torch.log(k) - c * log_l
    on_device = {
        "log_l": log_l,
        "log_eta": log_eta,
        "w": w_flat,
        "node_log_norm": node_log_norm,
        "node_log_grad_norm": node_log_grad_norm,
        "node_cos": node_cos,
        "node_share": node_norm / norms.norm(w_flat)[:, None],
        "node_log_a5": log_eta[:, None] + node_log_norm + node_log_grad_norm,
        "grad_direction": -norms.unit(g_flat),
    }
    cpu = {name: t.cpu().numpy() for name, t in on_device.items()}
    degree = net.arch.degree
    snapshots = []
    for row, meta in enumerate(metas):
        row_margin = margin[row] if points is None else margin[row][points[row]]
        snapshot = Snapshot(
            step=meta.step,
            attempts=meta.attempts,
            log_loss=float(cpu["log_l"][row]),
            k=meta.k,
            log_eta=float(cpu["log_eta"][row]),
            log_d=meta.log_d,
            w=cpu["w"][row],
            node_log_norm=cpu["node_log_norm"][row],
            node_log_grad_norm=cpu["node_log_grad_norm"][row],
            node_cos=cpu["node_cos"][row],
            node_share=cpu["node_share"][row],
            node_log_a5=cpu["node_log_a5"][row],
            grad_direction=cpu["grad_direction"][row],
            loss_direction=losses.loss_direction(loss, row_margin).cpu().numpy(),
            normalised_margin=float(losses.normalised_margin(row_margin, log_w_norm[row], degree)),
        )
        if not (math.isfinite(snapshot.log_loss) and np.isfinite(snapshot.w).all()):
            raise FloatingPointError(f"non-finite state at step {meta.step} (log L = {snapshot.log_loss})")
        snapshots.append(snapshot)
    return snapshots
