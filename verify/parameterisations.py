"""Per-node parameterisations of the weights: Unnorm, SWN and EWN (THEOREMS.md section 1).

- unnorm: the trainable entries of W themselves.
- swn:    w_u = gamma_u * v_u / ||v_u||.
- ewn:    w_u = exp(alpha_u) * v_u / ||v_u||.

Each trainable layer gets one kind; by default the last layer may be left unnormalised
(`normalise_last=False`) as some experiments require. Conversion from a given w is exact up
to rounding (v_u = w_u/||w_u||, gamma_u = ||w_u||, alpha_u = log ||w_u||), so every kind can
start from the same function. Frozen entries never receive a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from verify import norms
from verify.errors import ConfigError, require
from verify.nets import Architecture, frozen_values

KINDS = ("unnorm", "swn", "ewn")


@dataclass(frozen=True)
class Parameterisation:
    """Which kind each trainable layer uses."""

    kind: str
    normalise_last: bool = True

    def __post_init__(self) -> None:
        require(self.kind in KINDS, f"unknown parameterisation {self.kind!r}; choose one of {list(KINDS)}")

    def layer_kind(self, arch: Architecture, layer: int) -> str:
        if layer == arch.depth - 1 and not self.normalise_last:
            return "unnorm"
        return self.kind


def _row_norms(v: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """Row norms, with 1 in rows that are not nodes so that nothing divides by zero."""
    return torch.where(rows, norms.norm(v), torch.ones((), dtype=v.dtype, device=v.device))


class ParamNet:
    """A network architecture with a parameterisation: maps parameters theta to weights w.

    theta is a flat list of tensors: per trainable layer, [W] (unnorm), [gamma, V] (swn) or
    [alpha, V] (ewn), in layer order.
    """

    def __init__(self, arch: Architecture, param: Parameterisation):
        self.arch = arch
        self.param = param
        self.layers = [layer for layer in range(arch.depth) if arch.is_trainable(layer)]
        self.kinds = {layer: param.layer_kind(arch, layer) for layer in self.layers}

    def params_from_weights(self, weights: list[torch.Tensor]) -> list[torch.Tensor]:
        """Parameters representing exactly the given weights (unit v for swn and ewn)."""
        require(len(weights) == self.arch.depth, f"expected {self.arch.depth} weight layers, got {len(weights)}")
        theta = []
        for layer in self.layers:
            w = weights[layer]
            require(
                tuple(w.shape) == self.arch.layer_shape(layer),
                f"layer {layer} weights have shape {tuple(w.shape)}, expected {self.arch.layer_shape(layer)}",
            )
            mask = self.arch.trainable_mask(layer).to(w.device)
            wt = torch.where(mask, w, 0.0)
            kind = self.kinds[layer]
            if kind == "unnorm":
                theta.append(wt.clone())
                continue
            rows = self.arch.node_rows(layer).to(w.device)
            safe = _row_norms(wt, rows)
            if bool((rows & (safe == 0)).any()):
                raise ConfigError(f"layer {layer} has a zero node, which {kind} cannot represent")
            v = wt / safe[:, None]
            scale = torch.log(safe) if kind == "ewn" else safe
            theta.extend([scale, v])
        return theta

    def weights(self, theta: list[torch.Tensor]) -> list[torch.Tensor]:
        """The weights w(theta), differentiable in theta; frozen entries keep their values.

        Parameters may carry leading batch dimensions (B networks of this architecture);
        the weights then do too, and frozen layers broadcast.
        """
        out = []
        it = iter(theta)
        dtype, device = theta[0].dtype, theta[0].device
        for layer in range(self.arch.depth):
            kind = self.kinds.get(layer)
            if layer not in self.arch.frozen and kind is not None:
                # Fully trainable: the masked path below with every mask true, minus its no-ops.
                if kind == "unnorm":
                    out.append(next(it))
                    continue
                scale, v = next(it), next(it)
                radius = torch.exp(scale) if kind == "ewn" else scale
                out.append((radius / v.norm(dim=-1))[..., None] * v)
                continue
            fixed = frozen_values(self.arch, layer, dtype, device)
            if kind is None:
                out.append(fixed)
                continue
            mask = self.arch.trainable_mask(layer).to(device)
            if kind == "unnorm":
                w = next(it)
            else:
                scale, v = next(it), next(it)
                v = torch.where(mask, v, 0.0)
                rows = self.arch.node_rows(layer).to(device)
                radius = torch.exp(scale) if kind == "ewn" else scale
                w = (radius / _row_norms(v, rows))[..., None] * v
            out.append(torch.where(mask, w, fixed))
        return out
