"""Checkers: late windows, assumption proxies A1-A5, survivor classification, limit checks.

A limit claim is never judged by one number at one time (THEOREMS.md section 1): it needs the
final deviation within tolerance, the deviation shrinking over the late window (a fitted
power of |log L| with a negative exponent), and, where the rate is known, a fitted decay that
agrees.

The late window is every snapshot from log L = WINDOW_START * (final log L) to the end, so a
run to -300 is judged on -225..-300: a window in |log L| ratio, because the quantities
of these theorems move as powers of |log L|. It starts at 3/4 because EWN GD runs to -300
(ReLU^2, 2-4 hidden, 4-12 points) were measured still settling their support set near
-200: survivor alignment jumped from 0.27 to 0.01 between -176 and -201 in one run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verify.trajectory import Snapshot, Trajectory, at_or_below
from verify.verdicts import Check

WINDOW_START = 3 / 4
MIN_WINDOW_SNAPSHOTS = 3


def late_window(trajectory: Trajectory, start: float = WINDOW_START) -> list[Snapshot]:
    """Snapshots with log L <= start * final log L (final log L < 0), up to LEVEL_SLACK."""
    final = trajectory.final.log_loss
    return [s for s in trajectory.snapshots if at_or_below(s.log_loss, start * final)]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def direction_drift(vectors: list[np.ndarray]) -> float:
    """max_i 1 - cos(v_i, v_final) over the window."""
    final = _unit(vectors[-1])
    return float(max(1.0 - float(_unit(v) @ final) for v in vectors))


def last_step_drift(vectors: list[np.ndarray]) -> float:
    """1 - cos between the last two vectors: how far a direction still moved in the last milestone."""
    return float(1.0 - _unit(vectors[-2]) @ _unit(vectors[-1]))


@dataclass(frozen=True)
class ProxyTolerances:
    """Thresholds of the assumption proxies (values documented where they are set)."""

    a2_weight_drift: float
    a3_loss_drift: float
    a4_max_fall: float
    a5_max: float | None


def assumption_proxies(trajectory: Trajectory, target: float, tol: ProxyTolerances) -> list[Check]:
    """A1-A4 (and A5 for GD when tol.a5_max is set) as Checks, plus enough late milestones."""
    window = late_window(trajectory)
    final = trajectory.final
    proxies = [
        Check("A1 final log L", final.log_loss, target, "<="),
        Check("late milestones", len(window), MIN_WINDOW_SNAPSHOTS, ">="),
    ]
    if len(window) >= MIN_WINDOW_SNAPSHOTS:
        proxies.append(Check("A2 weight-direction drift", direction_drift([s.w for s in window]), tol.a2_weight_drift))
        proxies.append(Check("A3 loss-direction drift", direction_drift([s.loss_direction for s in window]), tol.a3_loss_drift))
    proxies.append(Check("A4 normalised margin", final.normalised_margin, 0.0, ">"))
    if len(window) >= MIN_WINDOW_SNAPSHOTS and final.normalised_margin > 0 and window[0].normalised_margin > 0:
        # A4 is about the limit: a margin falling as a power of |log L| is heading for 0.
        fall = np.log(final.normalised_margin / window[0].normalised_margin) / np.log(final.log_loss / window[0].log_loss)
        proxies.append(Check("A4 margin exponent", float(fall), -tol.a4_max_fall, ">="))
    if tol.a5_max is not None:
        proxies.append(Check("A5 max eta*|w_u|*|grad_u L|", float(np.exp(final.node_log_a5.max())), tol.a5_max))
    return proxies


@dataclass(frozen=True)
class SurvivorRule:
    """How to read a node's fate from its share ||w_u||/||w|| over the late window.

    With share ~ |log L|^e across the window: a node is a survivor when its final share is at
    least `floor` and |e| <= `settled`; it is *fading* when its share is at least the floor but
    falls fast (e <= -`dying`): its fate is decided, but it still carries enough of ||w|| to
    slow the other nodes' approach to their limits; it is dying when its share is below the
    floor and falling (e < -`settled`). Anything else is undecided, and makes the survivor set
    unsettled: a visible share still falling slowly, a share rising because others are still
    dying, and a share below the floor that has stopped falling.

    A settled share below the floor is not read as dying, nor as a survivor. Under EWN the
    survivors' log-norms grow at one rate (their Euler terms are equal), so a survivor's share
    settles wherever the transient left it, below any floor: a drawn EWN deep linear flow (data
    seed 586013, 5 points in 3-D, 2 hidden, init 1572) keeps its hidden survivor at share
    0.0508, 0.0478, 0.0460, 0.0449 at -900, -1,800, -3,600, -7,200 (e -0.088 to -0.035 between
    them); read as dying, its layer had no survivor, and at -7,200 the survivor count per layer
    failed a run whose every proxy held. But a small node dying as slowly looks the same over
    one window, and read as a survivor such a node failed a claim instead: in seeded draw 24 (a
    4-layer SWN deep linear flow) a node at share 0.023 with e = -0.03 was 0.055 from aligned,
    and approached as |log L|^-0.02 at -450 (|log L|^-0.09 at -1,800).

    A visible share inside the settled band is still undecided when it is not settling: when it
    falls at least as fast as |log L|^-`slow_death` over the window's second half, and faster
    there than over its first half. A settling survivor's exponent shrinks towards 0; a node
    losing a slow contest for its place falls ever faster, and inside the band that looks the
    same over one window (see regimes.SURVIVORS for the measured runs).
    """

    floor: float
    settled: float
    dying: float
    slow_death: float


UNDECIDED_NODES = "undecided nodes"


@dataclass(frozen=True)
class Survivors:
    """The survivor classification of every node, with its evidence."""

    mask: np.ndarray
    undecided: np.ndarray
    share: np.ndarray
    share_exponent: np.ndarray
    fading: np.ndarray

    @property
    def indices(self) -> np.ndarray:
        return np.flatnonzero(self.mask)


def share_exponents(window: list[Snapshot]) -> np.ndarray:
    """Per node, e with share ~ |log L|^e across the window (0 for a settled share; nan for a
    share of exactly 0 at both ends)."""
    first, last = window[0], window[-1]
    span = np.log(last.log_loss / first.log_loss)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(last.node_share / first.node_share) / span


def classify_survivors(window: list[Snapshot], rule: SurvivorRule) -> Survivors:
    """Survivors, undecided and fading nodes by `rule` (see SurvivorRule).

    Fading nodes are told apart because of two measured runs (EWN GD, 4 and 6 hidden ReLU^2):
    a hidden node kept 11-15% of ||w|| while dying as |log L|^-0.3 out to -520, and the output
    node's misalignment stayed flat at 0.015-0.018 beside it."""
    exponents = share_exponents(window)
    share = window[-1].node_share
    visible = share >= rule.floor
    middle = len(window) // 2
    early, late = share_exponents(window[: middle + 1]), share_exponents(window[middle:])
    not_settling = (late <= -rule.slow_death) & (late < early)
    mask = visible & (np.abs(exponents) <= rule.settled) & ~not_settling
    fading = visible & (exponents <= -rule.dying)
    # A share of exactly 0 at both ends has no exponent (nan); it is dying, not undecided.
    dying = ~visible & ~(exponents >= -rule.settled)
    return Survivors(mask, ~mask & ~fading & ~dying, share, exponents, fading)


@dataclass(frozen=True)
class LimitTolerance:
    """How a deviation that should tend to 0 is judged at the end of a finite run.

    final:           the deviation at the last milestone must be at most this;
    min_decay:       across the late window it must fall at least like |log L|^-min_decay
                     (the fitted exponent must be <= -min_decay) ...
    converged_below: ... unless it is already below this level, where what is left is the
                     trainer's own noise and a further fall cannot be asked for.
    """

    final: float
    min_decay: float
    converged_below: float


@dataclass(frozen=True)
class LimitResult:
    """A deviation series over the late window, with its fitted exponent in |log L|."""

    name: str
    final: float
    start: float
    exponent: float
    levels: tuple[float, ...] = ()
    values: tuple[float, ...] = ()

    def checks(self, tol: LimitTolerance) -> list[Check]:
        """The final deviation (carrying the window's series as its trace), then either its
        decay or its having converged."""
        out = [Check(f"{self.name} final", self.final, tol.final, trace=(self.levels, self.values))]
        if self.final <= tol.converged_below:
            out.append(Check(f"{self.name} converged", self.final, tol.converged_below))
        else:
            out.append(Check(f"{self.name}{DECAY}", self.exponent, -tol.min_decay))
        return out


DECAY = " decay exponent"


def is_decay(check: Check) -> bool:
    """Whether a check is a limit's decay (its trend), not its final value (LimitResult.checks)."""
    return check.name.endswith(DECAY)


# The decay exponent is fitted over the last TREND_POINTS milestones of the window only: EWN runs
# were measured finishing a support-set change as late as -225 (a survivor's misalignment fell
# from 0.06 to 1e-4 between -225 and -250), after which the deviations moved smoothly.
TREND_POINTS = 3


def limit(name: str, window: list[Snapshot], deviations: np.ndarray) -> LimitResult:
    """Deviation series over the window, with its fitted exponent in |log L|.

    The exponent is the least-squares slope of log deviation against log |log L| over the last
    TREND_POINTS snapshots; deviations at or below 1e-300 are clipped so that an exact zero
    gives a finite slope.
    """
    deviations = np.asarray(deviations, dtype=np.float64)
    levels = np.log(-np.array([s.log_loss for s in window]))[-TREND_POINTS:]
    logs = np.log(np.clip(deviations, 1e-300, None))[-TREND_POINTS:]
    slope = float(np.polyfit(levels, logs, 1)[0]) if len(levels) >= 2 else float("nan")
    window_levels = tuple(float(s.log_loss) for s in window)
    return LimitResult(name, float(deviations[-1]), float(deviations[0]), slope, window_levels, tuple(map(float, deviations)))
