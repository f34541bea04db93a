"""Gradient descent with the loss-based learning rate eta = k / L^c (THEOREMS.md section 2).

The step eta grad L is formed as k exp((1 - c) log L) grad log L, so neither L nor grad L is
ever a plain number. k adapts: after an accepted step k <- min(k * grow, k_max); a step that
raises log L or yields a non-finite value is undone and k <- k / shrink. Without the undo EWN
diverges (its effective rate is eta ||w_u||^2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from verify.data import Dataset
from verify.errors import ConfigError, require
from verify.objective import Meta, Objective
from verify.parameterisations import ParamNet
from verify.trajectory import StopReason, Trajectory


@dataclass(frozen=True)
class Schedule:
    """What the loss-based trainers share (GD per step, verify.sgd per epoch): the step
    eta = k / L^c with k adapted (k <- min(k * grow, k_max) after an accepted update, k <- k /
    shrink after an undone one), the target log L, the snapshot spacing, and the stall rule: the
    run is 'stalled' when log L falls by less than stall_nats over `patience` attempts.
    Subclasses name their trainer in errors and list their integer counts."""

    TRAINER: ClassVar[str] = "GD"
    COUNTS: ClassVar[tuple[str, ...]] = ("patience",)

    k0: float = 0.01
    k_max: float = 0.01
    c: float = 1.0
    grow: float = 1.1
    shrink: float = 1.1
    target_log_loss: float = -300.0
    snapshot_every: float = 25.0
    patience: int = 2000
    stall_nats: float = 1e-3

    def __post_init__(self) -> None:
        bad = f"bad {self.TRAINER} setting"
        for name in ("k0", "k_max", "snapshot_every"):
            value = getattr(self, name)
            require(math.isfinite(value) and value > 0, f"{bad} {name}={value!r}: must be finite and > 0")
        require(math.isfinite(self.c) and self.c <= 1, f"{bad} c={self.c!r}: must be finite and <= 1")
        for name in ("grow", "shrink"):
            value = getattr(self, name)
            require(math.isfinite(value) and value >= 1, f"{bad} {name}={value!r}: must be >= 1")
        require(
            math.isfinite(self.stall_nats) and self.stall_nats >= 0,
            f"{bad} stall_nats={self.stall_nats!r}: must be finite and >= 0",
        )
        require(
            math.isfinite(self.target_log_loss),
            f"bad target log L {self.target_log_loss!r}: must be a finite number of nats",
        )
        for name in self.COUNTS:
            value = getattr(self, name)
            require(isinstance(value, int) and value >= 1, f"{bad} {name}={value!r}: must be an integer >= 1")


@dataclass(frozen=True)
class GDSettings(Schedule):
    """Settings of the adaptive loss-based GD trainer (Schedule, per step).

    max_steps counts attempted steps (each one gradient evaluation), as does `patience`: a net
    stuck with a point it can no longer move (a bias-free ReLU net whose units are all off at
    some x_i keeps log L at log(#such points) for ever) is stopped early instead of spending
    its budget.
    """

    COUNTS: ClassVar[tuple[str, ...]] = ("max_steps", "patience")

    max_steps: int = 100_000


def finite(value: float, grads: list[torch.Tensor]) -> bool:
    """Whether a log L and every entry of its gradient are finite."""
    if not math.isfinite(value):
        return False
    # NumPy's test of a CPU tensor's memory: a fifth of torch's per-call cost on small tensors.
    return all(bool(np.isfinite(g.numpy()).all()) if g.device.type == "cpu" else bool(torch.isfinite(g).all()) for g in grads)


def step_scale(k: float, c: float, log_l: float) -> float:
    """k * L^(1 - c), the factor of grad log L in the step (inf where it overflows a double)."""
    try:
        return k * math.exp((1.0 - c) * log_l)
    except OverflowError:
        return math.inf


def accepts(new_log_l: float, log_l: float, finite: bool) -> bool:
    """Keep a step only if its log L and gradient are finite and log L did not rise."""
    return finite and new_log_l <= log_l


def next_milestone(log_loss: float, every: float) -> float:
    """The largest multiple of `every` strictly below log_loss."""
    milestone = every * math.floor(log_loss / every)
    return milestone - every if milestone >= log_loss else milestone


class Recorder:
    """What a loss-based trainer records and when it stops (verify.sgd uses it too).

    Snapshots: the start, the first accepted state at or below each multiple of the schedule's
    snapshot_every, and the end; log L and log ||w|| after every accepted update. `stop` says
    whether the run ends before its next attempt: the target reached, the budget spent, or
    stalled (log L fell by less than stall_nats over the last `patience` attempts).
    """

    def __init__(self, objective: Objective, schedule: Schedule, theta: list[torch.Tensor], log_l: float, meta: Meta):
        self.objective, self.schedule = objective, schedule
        self.snapshots = [objective.measure(theta, **vars(meta))]
        self.history = [log_l]
        self.norms = [objective.log_norm(theta)]
        self.milestone = next_milestone(log_l, schedule.snapshot_every)
        self.checkpoint = log_l

    def stop(self, log_l: float, attempts: int, budget: int) -> StopReason | None:
        if log_l <= self.schedule.target_log_loss:
            return StopReason.TARGET
        if attempts >= budget:
            return StopReason.BUDGET
        if attempts and attempts % self.schedule.patience == 0:
            if self.checkpoint - log_l < self.schedule.stall_nats:
                return StopReason.STALLED
            self.checkpoint = log_l
        return None

    def update(self, theta: list[torch.Tensor], log_l: float, meta: Meta) -> None:
        """An accepted update to theta (log L = log_l); meta is the bookkeeping after it."""
        self.history.append(log_l)
        self.norms.append(self.objective.log_norm(theta))
        if log_l <= self.milestone:
            self.snapshots.append(self.objective.measure(theta, **vars(meta)))
            self.milestone = next_milestone(log_l, self.schedule.snapshot_every)

    def trajectory(self, theta: list[torch.Tensor], reason: StopReason, meta: Meta) -> Trajectory:
        """The run's record, ending with a snapshot of the last state unless one was taken there."""
        last = self.snapshots[-1]
        if last.attempts != meta.attempts or last.k != meta.k:
            self.snapshots.append(self.objective.measure(theta, **vars(meta)))
        return Trajectory(
            snapshots=self.snapshots,
            stop_reason=reason,
            log_loss_history=np.array(self.history),
            accepted=meta.step,
            rejected=meta.attempts - meta.step,
            final_weights=[w.detach().cpu() for w in self.objective.net.weights(theta)],
            log_norm_history=np.array(self.norms),
        )


def train_gd(
    net: ParamNet,
    data: Dataset,
    weights: list[torch.Tensor],
    settings: GDSettings = GDSettings(),
    device="cpu",
    dtype=torch.float64,
    engine: str | None = None,
) -> Trajectory:
    """Train from the parameters that represent `weights` until the target, budget or a stall.

    Snapshots: the start, the first accepted state at or below each multiple of
    settings.snapshot_every, and the end. `engine` evaluates log L and its gradient
    (verify.objective.ENGINES; the device's default when None).
    """
    objective = Objective(net, data, device, dtype, engine)
    theta = [t.to(objective.device, dtype) for t in net.params_from_weights([w.to(dtype) for w in weights])]
    log_l, grads = objective.value_and_grad(theta)
    if not finite(log_l, grads):
        raise ConfigError(f"initial state is not finite (log L = {log_l})")
    s = settings
    k, log_d = s.k0, -math.inf
    accepted = rejected = 0

    def meta() -> Meta:
        return Meta(step=accepted, attempts=accepted + rejected, k=k, c=s.c, log_d=log_d)

    record = Recorder(objective, s, theta, log_l, meta())
    while (reason := record.stop(log_l, accepted + rejected, s.max_steps)) is None:
        scale = step_scale(k, s.c, log_l)
        candidate = [t - scale * g for t, g in zip(theta, grads)]
        new_log_l, new_grads = objective.value_and_grad(candidate)
        if accepts(new_log_l, log_l, finite(new_log_l, new_grads)):
            log_d = float(np.logaddexp(log_d, math.log(k) - s.c * log_l))
            theta, grads, log_l = candidate, new_grads, new_log_l
            accepted += 1
            k = min(k * s.grow, s.k_max)
            record.update(theta, log_l, meta())
        else:
            rejected += 1
            k = k / s.shrink
    return record.trajectory(theta, reason, meta())
