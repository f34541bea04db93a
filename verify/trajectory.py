"""Typed trajectories: snapshots of w-space measurements at milestones of log L."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields

import numpy as np

# A flow's snapshots are root-found onto log L = j * snapshot_every (verify.flow), and land on
# either side of it: measured within 2.3e-13 nats on three EWN cross-entropy deep linear flows
# to -600 (183 snapshots: 44 above their level, 78 below, 61 on it). Window bounds sit on such
# levels (-50, -600, 3/4 of -300), so a bare comparison put a snapshot in or out of a window by
# its last bits, which another CPU's reduction order decides: a rate fit on one of those flows
# gave b = 1.968 on -50..-325 with the -50 snapshot and 1.977 without it, and a relative 1e-14
# change of its initial weights moved it from one to the other. Read within LEVEL_SLACK of a
# bound, a snapshot is on it: 4,000 times the placement error, far below any snapshot spacing.
LEVEL_SLACK = 1e-9


def at_or_below(log_loss, level):
    """log L <= level, a snapshot within LEVEL_SLACK of the level counted on it (floats or arrays)."""
    return log_loss <= level + LEVEL_SLACK


def at_or_above(log_loss, level):
    """log L >= level, a snapshot within LEVEL_SLACK of the level counted on it (floats or arrays)."""
    return log_loss >= level - LEVEL_SLACK


class StopReason(str, enum.Enum):
    TARGET = "target reached"
    BUDGET = "step budget spent"
    STALLED = "stalled"


@dataclass(frozen=True)
class Snapshot:
    """Measurements at one state, all in w space (not parameter space), float64.

    Per-node arrays are indexed by node, in layer order then row order. Quantities that
    underflow at tiny loss are stored as logs: node_log_grad_norm = log ||grad_{w_u} L||,
    node_log_a5 = log(eta ||w_u|| ||grad_{w_u} L||), log_eta = log(k / L^c).
    """

    step: int
    attempts: int
    log_loss: float
    k: float
    log_eta: float
    log_d: float
    w: np.ndarray
    node_log_norm: np.ndarray
    node_log_grad_norm: np.ndarray
    node_cos: np.ndarray
    node_share: np.ndarray
    node_log_a5: np.ndarray
    grad_direction: np.ndarray
    loss_direction: np.ndarray
    normalised_margin: float


@dataclass
class Trajectory:
    """Snapshots every Delta nats of log L (plus the start and the end), and how the run ended.

    log_loss_history and log_norm_history hold log L and log ||w|| after every accepted step
    (GD) or solver step (flow), the start included; both are empty where a trainer was told
    not to record them.
    """

    snapshots: list[Snapshot]
    stop_reason: StopReason
    log_loss_history: np.ndarray
    accepted: int
    rejected: int
    final_weights: list = field(repr=False)
    log_norm_history: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    def series(self, name: str) -> np.ndarray:
        """One snapshot field stacked over snapshots: shape (snapshots, ...)."""
        if name not in {f.name for f in fields(Snapshot)}:
            raise KeyError(f"Snapshot has no field {name!r}")
        return np.stack([np.asarray(getattr(s, name)) for s in self.snapshots])

    @property
    def final(self) -> Snapshot:
        return self.snapshots[-1]

    def plot_series(self) -> dict[str, list]:
        """What a report plots against log L: shares, cosines and the per-node
        log ||w_u|| + log ||grad_u L|| (the EWN statistic of Theorem 2), as plain lists."""
        return {
            "log_loss": self.series("log_loss").tolist(),
            "node_share": self.series("node_share").tolist(),
            "node_cos": self.series("node_cos").tolist(),
            "node_log_norm_grad": (self.series("node_log_norm") + self.series("node_log_grad_norm")).tolist(),
        }
