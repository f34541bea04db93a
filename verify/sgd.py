"""Minibatch SGD with the loss-normalised step of the paper's MNIST experiment (its appendix L.5).

Each epoch draws a permutation of the training points from a torch Generator and takes one
step per minibatch B: theta <- theta - k exp((1 - c) log L_B) grad log L_B, which is
eta grad L_B with eta = k / L_B^c formed in log space (L_B, the minibatch's summed loss, is
never a plain number). After each epoch the full training log L is evaluated: if it fell,
k <- min(k * grow, k_max); if it rose, k <- k / shrink, and the epoch is undone when
`undo_rising` is set (GD's rule, verify.gd) or kept when not (the paper's rule as its appendix
states it, which does not mention an undo). An epoch in which a step produced a non-finite
value is always undone.

Written here, not taken from torch.optim: the step is formed from log L_B, and an epoch is
accepted or undone as a whole, which torch's optimisers do not do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from verify import losses
from verify.data import Dataset
from verify.errors import ConfigError, require
from verify.gd import next_milestone
from verify.nets import forward
from verify.objective import Objective
from verify.parameterisations import ParamNet
from verify.trajectory import StopReason, Trajectory


@dataclass(frozen=True)
class SGDSettings:
    """Settings of the per-epoch adaptive, loss-normalised minibatch SGD trainer.

    max_epochs counts attempted epochs. The run is 'stalled' when log L falls by less than
    stall_nats over `patience` consecutive attempted epochs.
    """

    batch_size: int = 128
    k0: float = 0.01
    k_max: float = 0.01
    c: float = 1.0
    grow: float = 1.1
    shrink: float = 1.1
    max_epochs: int = 1000
    target_log_loss: float = -300.0
    snapshot_every: float = 25.0
    patience: int = 200
    stall_nats: float = 1e-3
    seed: int = 0
    undo_rising: bool = True

    def __post_init__(self) -> None:
        for name in ("k0", "k_max", "snapshot_every"):
            value = getattr(self, name)
            require(math.isfinite(value) and value > 0, f"bad SGD setting {name}={value!r}: must be finite and > 0")
        require(math.isfinite(self.c) and self.c <= 1, f"bad SGD setting c={self.c!r}: must be finite and <= 1")
        for name in ("grow", "shrink"):
            value = getattr(self, name)
            require(math.isfinite(value) and value >= 1, f"bad SGD setting {name}={value!r}: must be >= 1")
        require(math.isfinite(self.target_log_loss), f"bad target log L {self.target_log_loss!r}: must be finite")
        for name in ("batch_size", "max_epochs", "patience"):
            value = getattr(self, name)
            require(isinstance(value, int) and value >= 1, f"bad SGD setting {name}={value!r}: must be an integer >= 1")


class _Minibatch:
    """log L_B and its gradient for the points `index` of the training set."""

    def __init__(self, net: ParamNet, objective: Objective):
        self.net, self.objective = net, objective

    def value_and_grad(self, theta: list[torch.Tensor], index: torch.Tensor) -> tuple[float, list[torch.Tensor]]:
        theta = [t.detach().requires_grad_(True) for t in theta]
        x, y = self.objective.x[index], self.objective.y[index]
        value = losses.log_loss(
            self.objective.loss, losses.margins(self.objective.loss, forward(self.net.arch, self.net.weights(theta), x), y)
        )
        grads = [g.detach() for g in torch.autograd.grad(value, theta)]
        return float(value.detach()), grads


def _finite(value: float, grads: list[torch.Tensor]) -> bool:
    return math.isfinite(value) and all(bool(torch.isfinite(g).all()) for g in grads)


def train_sgd(
    net: ParamNet,
    data: Dataset,
    weights: list[torch.Tensor],
    settings: SGDSettings = SGDSettings(),
    device="cpu",
) -> Trajectory:
    """Train from the parameters that represent `weights` until the target, budget or a stall.

    Snapshots (of the full training set, as verify.gd takes them): the start, the first
    accepted epoch end at or below each multiple of settings.snapshot_every, and the end.
    A snapshot's step counts the minibatch steps of accepted epochs; its attempts, every
    minibatch step taken. log_d is the running log sum of the accepted steps' k / L_B^c.
    """
    objective = Objective(net, data, device)
    batches = _Minibatch(net, objective)
    theta = [t.to(objective.device, torch.float64) for t in net.params_from_weights([w.to(torch.float64) for w in weights])]
    log_l = float(objective.log_loss(theta))
    if not math.isfinite(log_l):
        raise ConfigError(f"initial state is not finite (log L = {log_l})")
    s = settings
    generator = torch.Generator().manual_seed(s.seed)
    m = int(objective.x.shape[0])
    k, log_d = s.k0, -math.inf
    accepted = attempts = epochs = 0
    checkpoint = log_l

    def snap():
        return objective.measure(theta, step=accepted, attempts=attempts, k=k, c=s.c, log_d=log_d)

    snapshots = [snap()]
    history = [log_l]
    norms = [objective.log_norm(theta)]
    milestone = next_milestone(log_l, s.snapshot_every)
    reason = StopReason.BUDGET
    while True:
        if log_l <= s.target_log_loss:
            reason = StopReason.TARGET
            break
        if epochs >= s.max_epochs:
            break
        if epochs and epochs % s.patience == 0:
            if checkpoint - log_l < s.stall_nats:
                reason = StopReason.STALLED
                break
            checkpoint = log_l
        epochs += 1
        order = torch.randperm(m, generator=generator).to(objective.device)
        candidate, epoch_log_d, finite = theta, log_d, True
        for start in range(0, m, s.batch_size):
            index = order[start : start + s.batch_size]
            batch_log_l, grads = batches.value_and_grad(candidate, index)
            attempts += 1
            if not _finite(batch_log_l, grads):
                finite = False
                break
            scale = k * float(torch.exp(torch.tensor((1.0 - s.c) * batch_log_l, dtype=torch.float64)))
            candidate = [t - scale * g for t, g in zip(candidate, grads)]
            epoch_log_d = float(np.logaddexp(epoch_log_d, math.log(k) - s.c * batch_log_l))
        new_log_l = float(objective.log_loss(candidate)) if finite else math.nan
        falls = math.isfinite(new_log_l) and new_log_l <= log_l
        if falls or (math.isfinite(new_log_l) and not s.undo_rising):
            accepted += math.ceil(m / s.batch_size)
            theta, log_l, log_d = [t.detach() for t in candidate], new_log_l, epoch_log_d
            history.append(log_l)
            norms.append(objective.log_norm(theta))
            k = min(k * s.grow, s.k_max) if falls else k / s.shrink
            if log_l <= milestone:
                snapshots.append(snap())
                milestone = next_milestone(log_l, s.snapshot_every)
        else:
            k = k / s.shrink
    if snapshots[-1].attempts != attempts or snapshots[-1].k != k:
        snapshots.append(snap())
    return Trajectory(
        snapshots=snapshots,
        stop_reason=reason,
        log_loss_history=np.array(history),
        accepted=accepted,
        rejected=attempts - accepted,
        final_weights=[w.detach().cpu() for w in net.weights(theta)],
        log_norm_history=np.array(norms),
    )
