"""Gradient descent with the loss-based learning rate eta = k / L^c (THEOREMS.md section 2).

The step eta grad L is formed as k exp((1 - c) log L) grad log L, so neither L nor grad L is
ever a plain number. k adapts: after an accepted step k <- min(k * grow, k_max); a step that
raises log L or yields a non-finite value is undone and k <- k / shrink. Without the undo EWN
diverges (its effective rate is eta ||w_u||^2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from verify.data import Dataset
from verify.errors import ConfigError, require
from verify.objective import Objective
from verify.parameterisations import ParamNet
from verify.trajectory import StopReason, Trajectory


@dataclass(frozen=True)
class GDSettings:
    """Settings of the adaptive loss-based GD trainer.

    max_steps counts attempted steps (each one gradient evaluation). The run is 'stalled' when
    log L falls by less than stall_nats over `patience` consecutive attempts: a net stuck with
    a point it can no longer move (a bias-free ReLU net whose units are all off at some x_i
    keeps log L at log(#such points) for ever) is stopped early instead of spending its budget.
    """

    k0: float = 0.01
    k_max: float = 0.01
    c: float = 1.0
    grow: float = 1.1
    shrink: float = 1.1
    max_steps: int = 100_000
    target_log_loss: float = -300.0
    snapshot_every: float = 25.0
    patience: int = 2000
    stall_nats: float = 1e-3

    def __post_init__(self) -> None:
        for name in ("k0", "k_max", "snapshot_every"):
            value = getattr(self, name)
            require(math.isfinite(value) and value > 0, f"bad GD setting {name}={value!r}: must be finite and > 0")
        require(math.isfinite(self.c) and self.c <= 1, f"bad GD setting c={self.c!r}: must be finite and <= 1")
        for name in ("grow", "shrink"):
            value = getattr(self, name)
            require(math.isfinite(value) and value >= 1, f"bad GD setting {name}={value!r}: must be >= 1")
        require(
            math.isfinite(self.stall_nats) and self.stall_nats >= 0,
            f"bad GD setting stall_nats={self.stall_nats!r}: must be finite and >= 0",
        )
        require(
            math.isfinite(self.target_log_loss),
            f"bad target log L {self.target_log_loss!r}: must be a finite number of nats",
        )
        for name in ("max_steps", "patience"):
            value = getattr(self, name)
            require(isinstance(value, int) and value >= 1, f"bad GD setting {name}={value!r}: must be an integer >= 1")


def _finite(value: float, grads: list[torch.Tensor]) -> bool:
    return math.isfinite(value) and all(bool(torch.isfinite(g).all()) for g in grads)


def accepts(new_log_l: float, log_l: float, finite: bool) -> bool:
    """Keep a step only if its log L and gradient are finite and log L did not rise."""
    return finite and new_log_l <= log_l


def next_milestone(log_loss: float, every: float) -> float:
    """The largest multiple of `every` strictly below log_loss."""
    milestone = every * math.floor(log_loss / every)
    return milestone - every if milestone >= log_loss else milestone


def train_gd(
    net: ParamNet,
    data: Dataset,
    weights: list[torch.Tensor],
    settings: GDSettings = GDSettings(),
    device="cpu",
    dtype=torch.float64,
) -> Trajectory:
    """Train from the parameters that represent `weights` until the target, budget or a stall.

    Snapshots: the start, the first accepted state at or below each multiple of
    settings.snapshot_every, and the end.
    """
    objective = Objective(net, data, device, dtype)
    theta = [t.to(objective.device, dtype) for t in net.params_from_weights([w.to(dtype) for w in weights])]
    log_l, grads = objective.value_and_grad(theta)
    if not _finite(log_l, grads):
        raise ConfigError(f"initial state is not finite (log L = {log_l})")
    s = settings
    k, log_d = s.k0, -math.inf
    accepted = rejected = 0
    checkpoint = log_l

    def snap():
        return objective.measure(theta, step=accepted, attempts=accepted + rejected, k=k, c=s.c, log_d=log_d)

    snapshots = [snap()]
    history = [log_l]
    norms = [objective.log_norm(theta)]
    milestone = next_milestone(log_l, s.snapshot_every)
    reason = StopReason.BUDGET
    while True:
        if log_l <= s.target_log_loss:
            reason = StopReason.TARGET
            break
        if accepted + rejected >= s.max_steps:
            reason = StopReason.BUDGET
            break
        attempts = accepted + rejected
        if attempts and attempts % s.patience == 0:
            if checkpoint - log_l < s.stall_nats:
                reason = StopReason.STALLED
                break
            checkpoint = log_l
        # torch's exp, not math.exp: the batched trainer's, so the two round alike.
        scale = k * float(torch.exp(torch.tensor((1.0 - s.c) * log_l, dtype=torch.float64)))
        candidate = [t - scale * g for t, g in zip(theta, grads)]
        new_log_l, new_grads = objective.value_and_grad(candidate)
        if accepts(new_log_l, log_l, _finite(new_log_l, new_grads)):
            log_d = float(np.logaddexp(log_d, math.log(k) - s.c * log_l))
            theta, grads, log_l = candidate, new_grads, new_log_l
            accepted += 1
            history.append(log_l)
            norms.append(objective.log_norm(theta))
            k = min(k * s.grow, s.k_max)
            if log_l <= milestone:
                snapshots.append(snap())
                milestone = next_milestone(log_l, s.snapshot_every)
        else:
            rejected += 1
            k = k / s.shrink
    if snapshots[-1].attempts != accepted + rejected or snapshots[-1].k != k:
        snapshots.append(snap())
    return Trajectory(
        snapshots=snapshots,
        stop_reason=reason,
        log_loss_history=np.array(history),
        accepted=accepted,
        rejected=rejected,
        final_weights=[w.detach().cpu() for w in net.weights(theta)],
        log_norm_history=np.array(norms),
    )
