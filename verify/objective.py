"""The training objective log L(w(theta)) and its w-space measurements.

Trainers see only log L and its gradient in parameter space; the checkers see the w-space
quantities of THEOREMS.md section 2, which `measure` computes from the same forward pass:
grad_w log L by autograd through w(theta), then log ||grad_{w_u} L|| = log L + log ||grad_{w_u} log L||
so that nothing underflows at e^-1000.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from verify import losses
from verify.data import Dataset
from verify.errors import ConfigError, require
from verify.nets import forward
from verify.parameterisations import ParamNet
from verify.trajectory import Snapshot


def _log_norm(t: torch.Tensor) -> torch.Tensor:
    """log of a vector norm, formed as log(max|t|) + log||t/max|t|||: finite for tiny entries."""
    top = t.abs().max()
    return torch.log(top) + torch.log((t / top).norm())


class Objective:
    """log L for one network, parameterisation and data set on one device, in float64."""

    def __init__(self, net: ParamNet, data: Dataset, device="cpu", dtype=torch.float64):
        require(dtype == torch.float64, f"dtype {dtype} is not supported: the harness works in float64")
        require(
            data.x.shape[1] == net.arch.input_dim,
            f"data has {data.x.shape[1]} input features, the architecture expects {net.arch.input_dim}",
        )
        expected_outputs = 1 if data.loss == "exponential" else data.num_classes
        require(
            net.arch.output_dim == expected_outputs,
            f"{data.loss} loss on this data needs output_dim={expected_outputs}, got {net.arch.output_dim}",
        )
        self.net = net
        self.data = data
        self.loss = data.loss
        self.device = torch.device(device)
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError("device 'cuda' requested but CUDA is not available")
        self.x = data.x.to(self.device, dtype)
        self.y = data.y.to(self.device)
        self.degree = net.arch.degree

    def margins(self, weights: list[torch.Tensor]) -> torch.Tensor:
        return losses.margins(self.loss, forward(self.net.arch, weights, self.x), self.y)

    def log_loss(self, theta: list[torch.Tensor]) -> torch.Tensor:
        return self.log_loss_from_weights(self.net.weights(theta))

    def log_loss_from_weights(self, weights: list[torch.Tensor]) -> torch.Tensor:
        return losses.log_loss(self.loss, self.margins(weights))

    def value_and_grad(self, theta: list[torch.Tensor]) -> tuple[float, list[torch.Tensor]]:
        """log L and grad_theta log L at theta.

        Evaluated as a batch of one network, with the kernels verify.batched uses, so that the
        one-network and batched trainers agree bit for bit on the same data.
        """
        theta = [t.detach()[None].requires_grad_(True) for t in theta]
        outputs = forward(self.net.arch, self.net.weights(theta), self.x[None])
        value = losses.log_loss(self.loss, losses.margins(self.loss, outputs, self.y[None]))[0]
        grads = torch.autograd.grad(value, theta)
        return float(value.detach()), [g.detach()[0] for g in grads]

    def node_rows(self, weights: list[torch.Tensor]) -> list[torch.Tensor]:
        """Per trainable layer, its node rows with frozen entries zeroed."""
        blocks = []
        for layer in self.net.layers:
            mask = self.net.arch.trainable_mask(layer).to(self.device)
            rows = self.net.arch.node_rows(layer).to(self.device)
            blocks.append(torch.where(mask, weights[layer], 0.0)[rows])
        return blocks

    def trainable_vector(self, weights: list[torch.Tensor]) -> torch.Tensor:
        """The trainable entries of every layer, flattened in layer order: the vector w."""
        return torch.cat(
            [weights[layer][self.net.arch.trainable_mask(layer).to(self.device)] for layer in self.net.layers]
        )

    def measure(self, theta, *, step: int, attempts: int, k: float, c: float, log_d: float) -> Snapshot:
        """Every w-space quantity of THEOREMS.md section 2 at theta.

        Where the gradient of a node (or of all of w) is exactly zero, as for a dead ReLU net,
        its cosine and direction are undefined and recorded as NaN.
        """
        with torch.enable_grad():
            weights = [w.detach().requires_grad_(True) for w in self.net.weights(theta)]
            margin = self.margins(weights)
            value = losses.log_loss(self.loss, margin)
            grads = torch.autograd.grad(value, weights)
        margin = margin.detach()
        log_l = float(value.detach())
        weights = [w.detach() for w in weights]
        w_rows, g_rows = self.node_rows(weights), self.node_rows(list(grads))
        w_flat, g_flat = self.trainable_vector(weights), self.trainable_vector(list(grads))
        node_norm = torch.cat([b.norm(dim=1) for b in w_rows])
        node_grad_norm = torch.cat([b.norm(dim=1) for b in g_rows])
        node_cos = -torch.cat(
            [
                ((a / a.norm(dim=1, keepdim=True)) * (b / b.norm(dim=1, keepdim=True))).sum(dim=1)
                for a, b in zip(w_rows, g_rows)
            ]
        )
        node_log_norm = torch.log(node_norm)
        node_log_grad_norm = log_l + torch.log(node_grad_norm)
        log_w_norm = _log_norm(w_flat)
        log_eta = math.log(k) - c * log_l
        snapshot = Snapshot(
            step=step,
            attempts=attempts,
            log_loss=log_l,
            k=k,
            log_eta=log_eta,
            log_d=log_d,
            w=w_flat.cpu().numpy(),
            node_log_norm=node_log_norm.cpu().numpy(),
            node_log_grad_norm=node_log_grad_norm.cpu().numpy(),
            node_cos=node_cos.cpu().numpy(),
            node_share=(node_norm / w_flat.norm()).cpu().numpy(),
            node_log_a5=(log_eta + node_log_norm + node_log_grad_norm).cpu().numpy(),
            grad_direction=(-g_flat / g_flat.norm()).cpu().numpy(),
            loss_direction=losses.loss_direction(self.loss, margin).cpu().numpy(),
            normalised_margin=float(losses.normalised_margin(margin, log_w_norm, self.degree)),
        )
        if not (math.isfinite(log_l) and np.isfinite(snapshot.w).all()):
            raise FloatingPointError(f"non-finite state at step {step} (log L = {log_l})")
        return snapshot
