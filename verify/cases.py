"""Cases: everything needed to train one network, built from sizes and integer seeds.

A Case is small and printable, so Hypothesis can report and shrink it; its torch state
(data, initial weights) is rebuilt from the seeds on demand, never drawn as arrays.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from verify import data as datasets
from verify.batched import Problem, train_grouped
from verify.errors import require
from verify.flow import FlowSettings, train_flow
from verify.gd import GDSettings, train_gd
from verify.nets import Architecture, Frozen, forward, init_weights
from verify.objective import Objective
from verify.parameterisations import Parameterisation, ParamNet
from verify.trajectory import Trajectory

DATA_KINDS = ("binary", "multiclass", "lin-sep", "xor", "xor-classes", "single-point")


@dataclass(frozen=True)
class DataSpec:
    """A data set named by kind, sizes and seed."""

    kind: str
    seed: int = 0
    m: int = 8
    d: int = 2
    k: int = 2
    margin: float = 0.1

    def __post_init__(self) -> None:
        require(self.kind in DATA_KINDS, f"unknown data kind {self.kind!r}; choose one of {list(DATA_KINDS)}")

    def build(self) -> datasets.Dataset:
        g = torch.Generator().manual_seed(self.seed)
        if self.kind == "binary":
            return datasets.binary_separable(self.m, self.d, self.margin, g)
        if self.kind == "multiclass":
            return datasets.multiclass_separable(self.m, self.d, self.k, self.margin, g)
        if self.kind == "lin-sep":
            return datasets.lin_sep(g)
        if self.kind == "xor":
            return datasets.xor()
        if self.kind == "xor-classes":
            return datasets.xor(classes=True)
        return datasets.single_point()


@dataclass(frozen=True, eq=False)
class Case:
    """One training problem: data, architecture, parameterisation and initialisation seed."""

    data: DataSpec
    arch: Architecture
    param: Parameterisation
    init_seed: int = 0
    init_scale: float = 1.0

    def dataset(self) -> datasets.Dataset:
        return self.data.build()

    def net(self) -> ParamNet:
        return ParamNet(self.arch, self.param)

    def initial_weights(self) -> list[torch.Tensor]:
        return init_weights(self.arch, torch.Generator().manual_seed(self.init_seed), self.init_scale)

    def dead_points(self) -> int:
        """Points at which grad_w Phi = 0 at initialisation (every ReLU unit off there).

        A bias-free ReLU net can never move such a point, so its loss cannot reach 0.
        """
        ds, arch = self.dataset(), self.arch
        weights = [w.requires_grad_(True) for w in self.initial_weights()]
        outputs = forward(arch, weights, ds.x)
        dead = 0
        for i in range(ds.x.shape[0]):
            grads = torch.autograd.grad(outputs[i].sum(), weights, retain_graph=True, allow_unused=True)
            if all(g is None or float(g.abs().max()) == 0.0 for g in grads):
                dead += 1
        return dead

    def with_param(self, param: Parameterisation) -> Case:
        """The same data, architecture and initial function under another parameterisation."""
        return Case(self.data, self.arch, param, self.init_seed, self.init_scale)

    def initial_log_loss(self) -> float:
        """log L at the case's initial weights (float64, on the CPU)."""
        return float(Objective(self.net(), self.dataset()).log_loss_from_weights(self.initial_weights()))

    def train(self, settings: GDSettings, device=None) -> Trajectory:
        """Train with GD on `device` (default: default_device())."""
        return train_gd(self.net(), self.dataset(), self.initial_weights(), settings, device or default_device())

    def flow(self, settings: FlowSettings, device=None) -> Trajectory:
        """Integrate the gradient flow (verify.flow) on `device` (default: default_device())."""
        return train_flow(self.net(), self.dataset(), self.initial_weights(), settings, device or default_device())

    def problem(self, settings: GDSettings) -> Problem:
        """This case as one row of a batched run."""
        return Problem(self.net(), self.dataset(), self.initial_weights(), settings)


def default_device() -> str:
    """$VERIFY_DEVICE (set by `verify run --device`), else 'cpu'."""
    device = os.environ.get("VERIFY_DEVICE", "cpu")
    require(device in ("cpu", "cuda"), f"VERIFY_DEVICE={device!r} must be 'cpu' or 'cuda'")
    return device


def train_cases(cases, settings, device=None) -> list[Trajectory]:
    """Train many cases as batched programs; `settings` is one GDSettings or one per case.

    Row for row the same trajectories as [case.train(s) for ...], up to rounding.
    """
    cases = list(cases)
    if isinstance(settings, GDSettings):
        settings = [settings] * len(cases)
    require(len(settings) == len(cases), f"{len(cases)} cases but {len(settings)} settings")
    return train_grouped([case.problem(s) for case, s in zip(cases, settings)], device or default_device())


def lin_sep_architecture() -> Architecture:
    """Lin-Sep: 2 layers, 8 hidden, ReLU^2 (degree 3)."""
    return Architecture(2, (8,), 1, "relu2")


def xor_architecture(hidden: int = 20, outputs: int = 1) -> Architecture:
    """XOR: 2 layers, ReLU, output weights frozen to +1 (first half) and -1 (second half).

    With outputs=2 (two-class cross-entropy) the class-1 output has those weights and the
    class-0 output their negatives, so Phi_1 - Phi_0 is twice the one-output net.
    """
    require(hidden >= 2 and hidden % 2 == 0, f"XOR hidden width {hidden!r} must be an even number >= 2")
    require(outputs in (1, 2), f"XOR outputs {outputs!r} must be 1 (exponential) or 2 (cross-entropy)")
    signs = torch.cat([torch.ones(hidden // 2), -torch.ones(hidden // 2)]).to(torch.float64)[None, :]
    if outputs == 2:
        signs = torch.cat([-signs, signs])
    frozen = Frozen(torch.ones(outputs, hidden, dtype=torch.bool), signs)
    return Architecture(2, (hidden,), outputs, "relu", {1: frozen})


def simple_traj_architecture(d: int = 2) -> Architecture:
    """Simple-Traj: Phi = sum_j w_j x_j with each w_j its own node.

    Hidden node j sees only x_j (the other entries are frozen zeros) and the output weights
    are frozen to 1, so the net is linear of degree 1 in its d scalar trainable weights.
    """
    eye = torch.eye(d, dtype=torch.float64)
    first = Frozen(eye == 0, torch.zeros(d, d, dtype=torch.float64))
    out = Frozen(torch.ones(1, d, dtype=torch.bool), torch.ones(1, d, dtype=torch.float64))
    return Architecture(d, (d,), 1, "linear", {0: first, 1: out})


def same_function_deep_linear(d: int, depth: int, seed: int) -> list[torch.Tensor]:
    """Weights of a deep linear net (depth layers, hidden widths d, one output) whose end-to-end
    map is the same vector theta0 ~ N(0, I/d) for every depth (the paper's figure 6 setting):
    random orthogonal hidden layers Q_1..Q_{D-1} from `seed`, last layer theta0 (Q_{D-1}..Q_1)^-1."""
    require(d >= 1 and depth >= 1, f"bad deep linear net: d={d!r}, depth={depth!r}")
    g = torch.Generator().manual_seed(seed)
    theta0 = torch.randn(1, d, generator=g, dtype=torch.float64) / d**0.5
    hidden = [torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))[0] for _ in range(depth - 1)]
    product = torch.eye(d, dtype=torch.float64)
    for layer in hidden:
        product = layer @ product
    return hidden + [theta0 @ torch.linalg.inv(product)]
