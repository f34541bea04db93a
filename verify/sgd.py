"""Minibatch SGD with the loss-normalised step of the paper's MNIST experiment (its appendix L.5).

Each epoch draws a permutation of the training points from a torch Generator and takes one
step per minibatch B: theta <- theta - k exp((1 - c) log L_B) grad log L_B, which is
eta grad L_B with eta = k / L_B^c formed in log space (L_B, the minibatch's summed loss, is
never a plain number). After each epoch the full training log L is evaluated: if it fell,
k <- min(k * grow, k_max); if it rose, k <- k / shrink, and the epoch is undone when
`undo_rising` is set (GD's rule, verify.gd) or kept when not (the paper's rule as its appendix
states it, which does not mention an undo). An epoch in which a step produced a non-finite
value (in a minibatch's log L or gradient, or the full set's) is always undone.

Written here, not taken from torch.optim: the step is formed from log L_B, and an epoch is
accepted or undone as a whole, which torch's optimisers do not do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from verify.data import Dataset
from verify.errors import ConfigError
from verify.gd import Recorder, Schedule, finite, step_scale
from verify.objective import Meta, Objective
from verify.parameterisations import ParamNet
from verify.trajectory import Trajectory


@dataclass(frozen=True)
class SGDSettings(Schedule):
    """Settings of the minibatch SGD trainer (verify.gd.Schedule, per epoch).

    max_epochs counts attempted epochs, as does `patience`; `seed` draws the minibatch order;
    `undo_rising` chooses between GD's rule and the paper's (module docstring).
    """

    TRAINER: ClassVar[str] = "SGD"
    COUNTS: ClassVar[tuple[str, ...]] = ("batch_size", "max_epochs", "patience")

    patience: int = 200
    batch_size: int = 128
    max_epochs: int = 1000
    seed: int = 0
    undo_rising: bool = True


def _full_log_loss(objective: Objective, theta: list[torch.Tensor]) -> float:
    """The training set's log L at theta, NaN unless it and its gradient are finite (so that a
    state GD would refuse is refused at the epoch that made it)."""
    log_l, grads = objective.value_and_grad(theta)
    return log_l if finite(log_l, grads) else math.nan


def train_sgd(
    net: ParamNet,
    data: Dataset,
    weights: list[torch.Tensor],
    settings: SGDSettings = SGDSettings(),
    device="cpu",
    engine: str | None = None,
) -> Trajectory:
    """Train from the parameters that represent `weights` until the target, budget or a stall.

    Snapshots (of the full training set, as verify.gd takes them): the start, the first
    accepted epoch end at or below each multiple of settings.snapshot_every, and the end.
    A snapshot's step counts the minibatch steps of accepted epochs; its attempts, every
    minibatch step taken. log_d is the running log sum of the accepted steps' k / L_B^c.
    `engine` evaluates log L and its gradient (verify.objective.ENGINES; the device's default
    when None), as in verify.gd.train_gd.
    """
    objective = Objective(net, data, device, engine=engine)
    theta = [t.to(objective.device, torch.float64) for t in net.params_from_weights([w.to(torch.float64) for w in weights])]
    log_l = _full_log_loss(objective, theta)
    if not math.isfinite(log_l):
        raise ConfigError("initial state is not finite (log L or its gradient)")
    s = settings
    generator = torch.Generator().manual_seed(s.seed)
    m = int(objective.x.shape[0])
    k, log_d = s.k0, -math.inf
    accepted = attempts = epochs = 0

    def meta() -> Meta:
        return Meta(step=accepted, attempts=attempts, k=k, c=s.c, log_d=log_d)

    record = Recorder(objective, s, theta, log_l, meta())
    while (reason := record.stop(log_l, epochs, s.max_epochs)) is None:
        epochs += 1
        order = torch.randperm(m, generator=generator).to(objective.device)
        candidate, epoch_log_d, overflowed = theta, log_d, False
        for start in range(0, m, s.batch_size):
            index = order[start : start + s.batch_size]
            batch_log_l, grads = objective.value_and_grad(candidate, index)
            attempts += 1
            if not finite(batch_log_l, grads):
                overflowed = True
                break
            scale = step_scale(k, s.c, batch_log_l)
            candidate = [t - scale * g for t, g in zip(candidate, grads)]
            epoch_log_d = float(np.logaddexp(epoch_log_d, math.log(k) - s.c * batch_log_l))
        new_log_l = math.nan if overflowed else _full_log_loss(objective, candidate)
        falls = math.isfinite(new_log_l) and new_log_l <= log_l
        if falls or (math.isfinite(new_log_l) and not s.undo_rising):
            accepted += math.ceil(m / s.batch_size)
            theta, log_l, log_d = [t.detach() for t in candidate], new_log_l, epoch_log_d
            k = min(k * s.grow, s.k_max) if falls else k / s.shrink
            record.update(theta, log_l, meta())
        else:
            k = k / s.shrink
    return record.trajectory(theta, reason, meta())
