"""Batched GD: B independent networks trained as one tensor program, on the CPU or CUDA.

Every network of a batch shares the architecture and parameterisation (so its parameters
stack along a leading axis) and the input size and loss of its data; each keeps its own data,
initial weights and GDSettings, and its own k, undo decision, stop reason and snapshots. The
update rule, stop rules and snapshot rule are those of verify.gd.train_gd, applied per row:
a row's result equals the one-network trainer's up to rounding (tests/test_batched.py holds
them to 1e-12 per step in each field's natural unit, widened where the dynamics amplify
rounding: tests/agreement.py).

`train_batch` pads data sets of different sizes to the largest m with a point mask: a padded
point's log l_i is -inf, so it adds exactly 0 to L and receives zero gradient (losses.log_loss).
Padding does change the order of floating-point sums over points (values and gradients move
by about one ulp, tests/test_batched.py), and GD's undo decisions can amplify such ulps.
So `train_grouped`, which splits a mixed list into batches and returns results in input
order, also groups by data size: a case's trajectory is then bit-identical whatever else
shares its batch, and a failure found in a batch replays when the case is run alone.

Two rows never interact: log L of the batch is a vector, and the gradient of its sum is, row
by row, the gradient of that row's log L.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from verify.data import Dataset
from verify.errors import ConfigError, require
from verify.gd import GDSettings
from verify.losses import log_loss, margins
from verify.nets import Architecture, forward
from verify.objective import Meta, check_compatible, log_weight_norm, measure_batch
from verify.parameterisations import ParamNet
from verify.trajectory import StopReason, Trajectory


@dataclass(frozen=True)
class Problem:
    """One network to train: parameterised net, data, initial weights and settings."""

    net: ParamNet
    data: Dataset
    weights: list
    settings: GDSettings = GDSettings()


def architecture_key(arch: Architecture) -> tuple:
    """A hashable description of everything that fixes an architecture's tensor shapes and values."""
    frozen = tuple(
        (layer, tuple(fz.mask.flatten().tolist()), tuple(fz.values.flatten().tolist()))
        for layer, fz in sorted(arch.frozen.items())
    )
    return (arch.input_dim, arch.widths, arch.output_dim, arch.activation, frozen)


def batch_key(problem: Problem) -> tuple:
    """Problems with equal keys can share one batch."""
    net, data = problem.net, problem.data
    return (
        architecture_key(net.arch),
        net.param.kind,
        net.param.normalise_last,
        data.loss,
        int(data.x.shape[1]),
        data.num_classes,
    )


def _per_row(problems: Sequence[Problem], name: str, device) -> torch.Tensor:
    values = [getattr(p.settings, name) for p in problems]
    dtype = torch.int64 if isinstance(values[0], int) else torch.float64
    return torch.tensor(values, dtype=dtype, device=device)


def _next_milestone(log_l: torch.Tensor, every: torch.Tensor) -> torch.Tensor:
    """Per row, the largest multiple of `every` strictly below log L (as gd.next_milestone)."""
    milestone = every * torch.floor(log_l / every)
    return torch.where(milestone >= log_l, milestone - every, milestone)


def _rows(mask: torch.Tensor, ndim: int) -> torch.Tensor:
    return mask.view(-1, *([1] * (ndim - 1)))


class _Batch:
    """Stacked parameters, padded data and the batched log L with its gradient."""

    def __init__(self, problems: Sequence[Problem], device):
        first = problems[0]
        key = batch_key(first)
        for index, problem in enumerate(problems):
            if batch_key(problem) != key:
                raise ConfigError(
                    f"case {index} does not match case 0 in architecture, parameterisation, input size "
                    "or loss; train such cases with train_grouped"
                )
        self.device = torch.device(device)
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError("device 'cuda' requested but CUDA is not available")
        self.net = first.net
        self.loss = first.data.loss
        for index, problem in enumerate(problems):
            try:
                check_compatible(problem.net, problem.data)
            except ConfigError as error:
                raise ConfigError(f"case {index}: {error}") from None
        m = max(int(p.data.x.shape[0]) for p in problems)
        d = int(first.data.x.shape[1])
        batch = len(problems)
        self.x = torch.zeros(batch, m, d, dtype=torch.float64, device=self.device)
        label_dtype = first.data.y.dtype
        self.y = torch.zeros(batch, m, dtype=label_dtype, device=self.device)
        if self.loss == "exponential":
            self.y.fill_(1.0)
        self.points = torch.zeros(batch, m, dtype=torch.bool, device=self.device)
        thetas = []
        for index, problem in enumerate(problems):
            n = int(problem.data.x.shape[0])
            self.x[index, :n] = problem.data.x.to(self.device, torch.float64)
            self.y[index, :n] = problem.data.y.to(self.device)
            self.points[index, :n] = True
            try:
                theta = problem.net.params_from_weights([w.to(torch.float64) for w in problem.weights])
            except ConfigError as error:
                raise ConfigError(f"case {index}: {error}") from None
            thetas.append([t.to(self.device) for t in theta])
        self.theta = [torch.stack(parts) for parts in zip(*thetas)]

    def value_and_grad(self, theta: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Per-row log L (B,) and per-row grad_theta log L."""
        theta = [t.detach().requires_grad_(True) for t in theta]
        outputs = forward(self.net.arch, self.net.weights(theta), self.x)
        value = log_loss(self.loss, margins(self.loss, outputs, self.y), self.points)
        grads = torch.autograd.grad(value.sum(), theta)
        return value.detach(), [g.detach() for g in grads]


def _finite_rows(value: torch.Tensor, grads: list[torch.Tensor]) -> torch.Tensor:
    ok = torch.isfinite(value)
    for g in grads:
        ok &= torch.isfinite(g).flatten(1).all(dim=1)
    return ok


def accepts_rows(new_log_l: torch.Tensor, log_l: torch.Tensor, finite: torch.Tensor) -> torch.Tensor:
    """Per row, keep a step only if its log L and gradient are finite and log L did not rise
    (the rule of verify.gd.accepts, applied to every row at once)."""
    return finite & (new_log_l <= log_l)


def adapted_k(
    k: torch.Tensor, kept: torch.Tensor, active: torch.Tensor, grow: torch.Tensor, shrink: torch.Tensor, k_max: torch.Tensor
) -> torch.Tensor:
    """Per row, k after one attempt: min(k * grow, k_max) after a kept step, k / shrink after an
    undone one, unchanged in a row that has stopped."""
    return torch.where(kept, torch.minimum(k * grow, k_max), torch.where(active, k / shrink, k))


def train_batch(problems: Sequence[Problem], device="cpu", record_history: bool = True) -> list[Trajectory]:
    """Train every problem to its target, budget or stall, as one batched program.

    Returns one Trajectory per problem, in order, as verify.gd.train_gd would. With
    record_history=False the per-step log L and log ||w|| histories are left empty (they cost
    2B floats a step).
    """
    require(len(problems) >= 1, "train_batch needs at least one case")
    batch = _Batch(problems, device)
    dev = batch.device
    k0, k_max, c = (_per_row(problems, n, dev) for n in ("k0", "k_max", "c"))
    grow, shrink = _per_row(problems, "grow", dev), _per_row(problems, "shrink", dev)
    target, every = _per_row(problems, "target_log_loss", dev), _per_row(problems, "snapshot_every", dev)
    stall_nats = _per_row(problems, "stall_nats", dev)
    max_steps, patience = _per_row(problems, "max_steps", dev), _per_row(problems, "patience", dev)

    theta = batch.theta
    log_l, grads = batch.value_and_grad(theta)
    finite = _finite_rows(log_l, grads)
    if not bool(finite.all()):
        index = int((~finite).nonzero()[0])
        raise ConfigError(f"case {index}: initial state is not finite (log L = {float(log_l[index])})")
    size = len(problems)
    k = k0.clone()
    log_d = torch.full((size,), -math.inf, dtype=torch.float64, device=dev)
    accepted = torch.zeros(size, dtype=torch.int64, device=dev)
    rejected = torch.zeros(size, dtype=torch.int64, device=dev)
    checkpoint = log_l.clone()
    milestone = _next_milestone(log_l, every)
    active = torch.ones(size, dtype=torch.bool, device=dev)
    reason = torch.full((size,), -1, dtype=torch.int64, device=dev)
    codes = list(StopReason)

    def snap(rows: list[int]):
        index = torch.tensor(rows, device=dev)
        metas = [
            Meta(
                step=int(accepted[row]),
                attempts=int(accepted[row] + rejected[row]),
                k=float(k[row]),
                c=float(c[row]),
                log_d=float(log_d[row]),
            )
            for row in rows
        ]
        points = batch.points[index]
        taken = [t[index] for t in theta]
        return measure_batch(batch.net, batch.loss, batch.x[index], batch.y[index], points, taken, metas)

    snapshots = [[first] for first in snap(list(range(size)))]
    history = [log_l.clone()]
    norms = [log_weight_norm(batch.net, batch.net.weights(theta))] if record_history else []

    while True:
        attempts = accepted + rejected
        hit = active & (log_l <= target)
        reason[hit] = codes.index(StopReason.TARGET)
        active &= ~hit
        spent = active & (attempts >= max_steps)
        reason[spent] = codes.index(StopReason.BUDGET)
        active &= ~spent
        review = active & (attempts > 0) & (attempts % patience == 0)
        stalled = review & (checkpoint - log_l < stall_nats)
        reason[stalled] = codes.index(StopReason.STALLED)
        active &= ~stalled
        checkpoint = torch.where(review & ~stalled, log_l, checkpoint)
        if not bool(active.any()):
            break
        scale = k * torch.exp((1.0 - c) * log_l)
        candidate = [t - _rows(scale, t.ndim) * g for t, g in zip(theta, grads)]
        new_log_l, new_grads = batch.value_and_grad(candidate)
        ok = active & accepts_rows(new_log_l, log_l, _finite_rows(new_log_l, new_grads))
        log_d = torch.where(ok, torch.logaddexp(log_d, torch.log(k) - c * log_l), log_d)
        theta = [torch.where(_rows(ok, t.ndim), n, t) for t, n in zip(theta, candidate)]
        grads = [torch.where(_rows(ok, g.ndim), n, g) for g, n in zip(grads, new_grads)]
        log_l = torch.where(ok, new_log_l, log_l)
        accepted += ok
        rejected += active & ~ok
        k = adapted_k(k, ok, active, grow, shrink, k_max)
        if record_history:
            history.append(torch.where(ok, new_log_l, torch.nan))
            norms.append(torch.where(ok, log_weight_norm(batch.net, batch.net.weights(theta)), torch.nan))
        crossed = ok & (log_l <= milestone)
        if bool(crossed.any()):
            rows = crossed.nonzero().flatten().tolist()
            for row, snapshot in zip(rows, snap(rows)):
                snapshots[row].append(snapshot)
            milestone = torch.where(crossed, _next_milestone(log_l, every), milestone)

    steps = torch.stack(history).cpu().numpy() if record_history else None
    step_norms = torch.stack(norms).cpu().numpy() if record_history else None
    final_k, final_attempts = k.cpu(), (accepted + rejected).cpu()
    unfinished = [
        row
        for row in range(size)
        if snapshots[row][-1].attempts != int(final_attempts[row]) or snapshots[row][-1].k != float(final_k[row])
    ]
    if unfinished:
        for row, snapshot in zip(unfinished, snap(unfinished)):
            snapshots[row].append(snapshot)
    trajectories = []
    for row in range(size):
        row_history = steps[:, row] if steps is not None else np.empty(0)
        row_norms = step_norms[:, row] if step_norms is not None else np.empty(0)
        trajectories.append(
            Trajectory(
                snapshots=snapshots[row],
                stop_reason=codes[int(reason[row])],
                log_loss_history=row_history[~np.isnan(row_history)],
                accepted=int(accepted[row]),
                rejected=int(rejected[row]),
                final_weights=[w.detach().cpu() for w in batch.net.weights([t[row] for t in theta])],
                log_norm_history=row_norms[~np.isnan(row_norms)],
            )
        )
    return trajectories


def train_grouped(
    problems: Sequence[Problem], device="cpu", max_batch: int = 1024, record_history: bool = True
) -> list[Trajectory]:
    """Train any mix of problems: those with equal batch_key and data size together, in chunks
    of max_batch, so no data set is padded.

    Results come back in the order of `problems`.
    """
    require(isinstance(max_batch, int) and max_batch >= 1, f"max_batch {max_batch!r} must be an integer >= 1")
    groups: dict[tuple, list[int]] = {}
    for index, problem in enumerate(problems):
        groups.setdefault((batch_key(problem), int(problem.data.x.shape[0])), []).append(index)
    results: list[Trajectory | None] = [None] * len(problems)
    for indices in groups.values():
        for start in range(0, len(indices), max_batch):
            chunk = indices[start : start + max_batch]
            try:
                trained = train_batch([problems[i] for i in chunk], device, record_history)
            except ConfigError as error:
                raise ConfigError(_renumber(str(error), chunk)) from None
            for index, trajectory in zip(chunk, trained):
                results[index] = trajectory
    return [trajectory for trajectory in results if trajectory is not None]


def _renumber(message: str, chunk: list[int]) -> str:
    """Rewrite 'case i' (an index within a chunk) as the caller's index."""
    if message.startswith("case "):
        head, _, rest = message[5:].partition(":")
        if head.isdigit():
            return f"case {chunk[int(head)]}:{rest}"
    return message
