"""Bias-free feed-forward homogeneous networks.

A network is a stack of weight layers W_l of shape (n_{l+1}, n_l); activation sigma is
applied between layers. Each row of a layer with trainable entries is a *node*: its
trainable entries form the node's incoming weight vector w_u. Frozen entries (a mask plus
fixed values) let a layer be fixed entirely (the XOR output layer) or carry fixed zeros
(the Simple-Traj nodes); a trainable layer with frozen non-zero values would break
homogeneity and is refused.

The homogeneity degree is derived from the structure: with sigma(lambda z) = lambda^p sigma(z),
L_1 = t_1 and L_l = p L_{l-1} + t_l, where t_l is 1 for a trainable layer and 0 for a frozen one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from verify.errors import ConfigError, require

ACTIVATION_DEGREE = {"linear": 1, "relu": 1, "relu2": 2, "relu3": 3}


def activate(name: str, z: torch.Tensor) -> torch.Tensor:
    """Apply the named positively homogeneous activation."""
    if name == "linear":
        return z
    if name == "relu":
        return torch.relu(z)
    if name == "relu2":
        return torch.relu(z).square()
    if name == "relu3":
        # C^2, as the GD margin theorem of Lyu & Li needs (ReLU^2 is only C^1).
        return torch.relu(z).pow(3)
    raise ConfigError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATION_DEGREE)}")


@dataclass(frozen=True)
class Frozen:
    """Frozen entries of one layer: mask[i, j] True means W[i, j] is fixed to values[i, j]."""

    mask: torch.Tensor
    values: torch.Tensor


@dataclass
class Architecture:
    """Shapes, activation and frozen entries of a bias-free network.

    `frozen` maps a layer index to its Frozen entries; layers not named are fully trainable.
    """

    input_dim: int
    widths: tuple[int, ...]
    output_dim: int = 1
    activation: str = "relu"
    frozen: dict[int, Frozen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.widths = tuple(self.widths)
        require(
            self.activation in ACTIVATION_DEGREE,
            f"unknown activation {self.activation!r}; choose one of {sorted(ACTIVATION_DEGREE)}",
        )
        for name, n in [("input_dim", self.input_dim), ("output_dim", self.output_dim)]:
            require(isinstance(n, int) and n >= 1, f"bad architecture: {name}={n!r} must be an integer >= 1")
        for n in self.widths:
            require(isinstance(n, int) and n >= 1, f"bad architecture: width {n!r} must be an integer >= 1")
        for layer, fz in self.frozen.items():
            require(
                isinstance(layer, int) and 0 <= layer < self.depth,
                f"bad architecture: frozen layer {layer!r} outside 0..{self.depth - 1}",
            )
            shape = self.layer_shape(layer)
            require(
                tuple(fz.mask.shape) == shape and tuple(fz.values.shape) == shape,
                f"bad architecture: frozen entries of layer {layer} have shape {tuple(fz.mask.shape)}, expected {shape}",
            )
            if not bool(fz.mask.all()):
                nonzero_frozen = fz.mask & (fz.values != 0)
                require(
                    not bool(nonzero_frozen.any()),
                    f"bad architecture: layer {layer} mixes trainable weights with frozen non-zero "
                    "values, which breaks homogeneity",
                )
        require(self.degree >= 1, "bad architecture: every layer is frozen, nothing to train")

    @property
    def dims(self) -> tuple[int, ...]:
        return (self.input_dim, *self.widths, self.output_dim)

    @property
    def depth(self) -> int:
        """Number of weight layers."""
        return len(self.widths) + 1

    def layer_shape(self, layer: int) -> tuple[int, int]:
        return (self.dims[layer + 1], self.dims[layer])

    def trainable_mask(self, layer: int) -> torch.Tensor:
        """Boolean mask of the trainable entries of a layer."""
        fz = self.frozen.get(layer)
        if fz is None:
            return torch.ones(self.layer_shape(layer), dtype=torch.bool)
        return ~fz.mask

    def is_trainable(self, layer: int) -> bool:
        return bool(self.trainable_mask(layer).any())

    @property
    def degree(self) -> int:
        """Homogeneity degree L in the trainable weights."""
        return homogeneity_degree(self)

    def node_rows(self, layer: int) -> torch.Tensor:
        """Boolean vector: which rows of the layer are nodes (have a trainable entry)."""
        return self.trainable_mask(layer).any(dim=1)

    def layer_degree(self, layer: int) -> int:
        """The degree of Phi in one layer's weights alone: p^(layers after it) for a trainable
        layer, 0 for a frozen one. The trainable layers' degrees add up to `degree`."""
        if not self.is_trainable(layer):
            return 0
        return ACTIVATION_DEGREE[self.activation] ** (self.depth - 1 - layer)

    def node_layers(self) -> tuple[int, ...]:
        """The layer of each node, in the order of a snapshot's per-node arrays (layer order,
        then row order)."""
        return tuple(layer for layer in range(self.depth) for _ in range(int(self.node_rows(layer).sum())))


def homogeneity_degree(arch: Architecture) -> int:
    """L_1 = t_1, L_l = p L_{l-1} + t_l (t_l = 1 for a trainable layer, 0 for a frozen one)."""
    p = ACTIVATION_DEGREE[arch.activation]
    total = 0
    for layer in range(arch.depth):
        total = p * total + int(arch.is_trainable(layer))
    return total


def frozen_values(arch: Architecture, layer: int, dtype: torch.dtype, device) -> torch.Tensor:
    """The fixed part of a layer's weights (zero where trainable)."""
    fz = arch.frozen.get(layer)
    if fz is None:
        return torch.zeros(arch.layer_shape(layer), dtype=dtype, device=device)
    return torch.where(fz.mask, fz.values, 0.0).to(dtype=dtype, device=device)


def forward(arch: Architecture, weights: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Network outputs Phi(w, x) of shape (..., m, output_dim) for inputs x of shape (..., m, d).

    Leading batch dimensions of x and of the weights (..., n_out, n_in) broadcast, so B
    networks with their own data run as one program.
    """
    h = x
    for layer, w in enumerate(weights):
        h = h @ w.mT
        if layer < arch.depth - 1:
            h = activate(arch.activation, h)
    return h


def init_weights(
    arch: Architecture, generator: torch.Generator, scale: float = 1.0, dtype=torch.float64, device="cpu"
) -> list[torch.Tensor]:
    """Gaussian weights with variance scale^2/fan_in on trainable entries, frozen values elsewhere.

    Drawn on the CPU from `generator` alone, so a seed fixes the result on any device.
    """
    weights = []
    for layer in range(arch.depth):
        shape = arch.layer_shape(layer)
        draw = torch.randn(shape, generator=generator, dtype=torch.float64) * (scale / shape[1] ** 0.5)
        fixed = frozen_values(arch, layer, torch.float64, "cpu")
        w = torch.where(arch.trainable_mask(layer), draw, fixed)
        weights.append(w.to(dtype=dtype, device=device))
    return weights
