"""Typed trajectories: snapshots of w-space measurements at milestones of log L."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields

import numpy as np


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
