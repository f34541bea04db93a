"""Claim checkers for trajectory-level limit claims: A5 vanishing, gradient direction and alignment,
no anti-alignment, joint support, norm-gradient ratios, survivor counts per layer, max-margin
direction, rates, sparsity.

Each takes a trajectory and tolerances and returns a Verdict; tolerances are chosen in the
property modules, beside the measurement that justifies them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import numpy as np

from verify.checks import (
    MIN_WINDOW_SNAPSHOTS,
    UNDECIDED_NODES,
    LimitTolerance,
    ProxyTolerances,
    SurvivorRule,
    assumption_proxies,
    classify_survivors,
    direction_drift,
    is_decay,
    last_step_drift,
    late_window,
    limit,
)
from verify.max_margin import end_to_end
from verify.trajectory import Snapshot, Trajectory, at_or_above, at_or_below
from verify.verdicts import Check, Verdict, decide


def reports_trajectory(claim: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """Attach the trajectory's plot series (its first argument) to the claim's verdict."""

    @functools.wraps(claim)
    def wrapper(trajectory: Trajectory, *args, **kwargs) -> Verdict:
        verdict = claim(trajectory, *args, **kwargs)
        verdict.series = trajectory.plot_series()
        return verdict

    return wrapper


def _window_or_none(trajectory: Trajectory):
    window = late_window(trajectory)
    return window if len(window) >= MIN_WINDOW_SNAPSHOTS else None


def grad_shares(s: Snapshot) -> np.ndarray:
    """||grad_{w_u} L|| / ||grad_w L|| per node, from the stored logs."""
    logs = s.node_log_grad_norm
    top = np.max(logs)
    return np.exp(logs - top) / np.sqrt(np.sum(np.exp(2 * (logs - top))))


# ---- A5 is mild: eta ||w_u|| ||grad_u L|| -> 0 ---------------------------------------------


@reports_trajectory
def a5_claim(
    trajectory: Trajectory, target: float, proxy_tol: ProxyTolerances, tol: float, slope: tuple[float, float]
) -> Verdict:
    """eta ||w_u|| ||grad_u L|| -> 0 for every node.

    Checked as: the final max over nodes <= tol; the max not growing over the late window;
    and the fitted slope of log A5 - log|log L| against log L (which is 1 - c in theory, since
    ||w_u|| ||grad_u L|| ~ L |log L| on the way to the limit) inside `slope`.
    """
    proxies = assumption_proxies(trajectory, target, dataclasses.replace(proxy_tol, a5_max=None))
    window = _window_or_none(trajectory)
    if window is None:
        return decide(proxies, [])
    a5 = np.array([np.exp(s.node_log_a5.max()) for s in window])
    levels = np.array([s.log_loss for s in window])
    fitted = float(np.polyfit(levels, np.log(a5) - np.log(-levels), 1)[0])
    claims = [
        Check("A5 final", float(a5[-1]), tol, trace=(tuple(map(float, levels)), tuple(map(float, a5)))),
        Check("A5 growth over window", float(a5[-1] / a5[0]), 1.0),
    ]
    claims += [Check("A5 rate slope", fitted, slope[0], ">="), Check("A5 rate slope", fitted, slope[1], "<=")]
    return decide(proxies, claims, {"a5_final": float(a5[-1]), "a5_window_start": float(a5[0]), "a5_rate_slope": fitted})


@dataclasses.dataclass(frozen=True)
class Judging:
    """Where a survivor claim is judged: the target log L the run must reach, the assumption
    proxies' thresholds and the rule that tells survivors from dying nodes."""

    target: float
    proxies: ProxyTolerances
    survivors: SurvivorRule


# ---- gradient direction and alignment, anti-alignment, joint support ------------------------------


@dataclasses.dataclass(frozen=True)
class AlignmentTolerance:
    """grad_drift: the most the gradient direction may move over the last milestone; cos: the
    limit tolerance of the survivors' 1 - cos(w_u, -grad_u L); loss_move: the most the loss
    direction may move over the same milestone for a larger gradient move to be a
    counterexample (LOSS_DIRECTION_MOVING)."""

    grad_drift: float
    cos: LimitTolerance
    loss_move: float


# The gradient direction is -sum_i l_i y_i grad Phi(w, x_i) normalised, so while the loss
# direction l/||l|| still moves (A3 not yet settled at the claim's resolution) it moves the
# gradient direction with it, and a gradient move beyond the claim's band says nothing of the
# limit. The proxy reads the loss direction's move over the last milestone when the gradient's
# move fails the claim, and 0 otherwise, so that it blocks a verdict only where it could change it.
LOSS_DIRECTION_MOVING = "loss-direction move under a failing gradient move"


@reports_trajectory
def alignment_claim(
    trajectory: Trajectory,
    judging: Judging,
    tol: AlignmentTolerance,
    cosines: Callable[[Snapshot], np.ndarray] = lambda s: s.node_cos,
) -> Verdict:
    """(i) -grad L/||grad L|| converges: its move over the last milestone is at most
    tol.grad_drift (a support-set change makes the moves jump about earlier in the window, so
    no trend is fitted to them), unless the loss direction moved more than tol.loss_move over
    that milestone (LOSS_DIRECTION_MOVING, then inconclusive); (ii) survivors'
    cos(w_u, -grad_u L) -> 1, judged as a limit.

    `cosines` selects the per-node statistic (the node_cos of each snapshot); a negative
    control passes a swapped one."""
    proxies = assumption_proxies(trajectory, judging.target, judging.proxies)
    window, survivors = _settled_survivors(trajectory, judging.survivors)
    if window is None:
        return decide(proxies, [])
    # As in norm_gradient_claim: an undecided node may yet survive, so a run without a settled
    # survivor waits for it (UNDECIDED_NODES, which more training can settle), and only a run
    # without a candidate fails the survivors proxy.
    undecided = int(survivors.undecided.sum())
    proxies.append(Check("survivors", len(survivors.indices) + undecided, 1, ">="))
    if not len(survivors.indices):
        proxies.append(Check(UNDECIDED_NODES, undecided, 0, "<="))
        return decide(proxies, [], {"survivors": 0.0})
    grad_drift = last_step_drift([s.grad_direction for s in window])
    grad_claim = Check("gradient-direction move over the last milestone", grad_drift, tol.grad_drift)
    loss_move = last_step_drift([s.loss_direction for s in window])
    proxies.append(Check(LOSS_DIRECTION_MOVING, 0.0 if grad_claim.holds else loss_move, tol.loss_move))

    def over(idx):
        misalignment = np.array([np.max(1.0 - cosines(s)[idx]) if len(idx) else np.nan for s in window])
        return [grad_claim, *limit("survivor 1-cos(w_u,-grad_u L)", window, misalignment).checks(tol.cos)], misalignment

    claims, misalignment = _undecided_where_they_matter(proxies, survivors, over)
    metrics = {
        "gradient_direction_drift": grad_drift,
        "loss_direction_move": loss_move,
        "survivor_misalignment_final": float(misalignment[-1]),
        "survivor_misalignment_start": float(misalignment[0]),
        "survivors": float(len(survivors.indices)),
    }
    return decide(proxies, claims, metrics)


def _settled_survivors(trajectory: Trajectory, rule: SurvivorRule):
    """The late window and its survivor classification (None, None if the window is too short)."""
    window = _window_or_none(trajectory)
    if window is None:
        return None, None
    return window, classify_survivors(window, rule)


def _undecided_where_they_matter(proxies: list[Check], survivors, over: Callable):
    """Judge a survivor claim so that undecided and fading nodes block a verdict only when they
    could change it.

    over(indices) gives (claim checks over those nodes, their deviation series). The claim is
    judged over the settled survivors and the undecided nodes together: holding there, it holds
    whichever of them survive; failing there, it is not a counterexample while any node is
    undecided, since a node whose share still drifts moves every other node's gradient. A
    fading node (visible, dying fast) blocks only a failing decay: it slows the survivors'
    approach to their limits, which the final tolerances were measured to allow, but does not
    excuse a deviation beyond them. The appended proxy UNDECIDED_NODES counts the blocking
    nodes (so the example is inconclusive), else 0. Returns the checks and series of the
    judgment made."""
    undecided = np.flatnonzero(survivors.undecided)
    judged = over(np.union1d(survivors.indices, undecided))
    failing = [c for c in judged[0] if not c.holds]
    blocking = len(undecided) if failing else 0
    if failing and all(is_decay(c) for c in failing):
        blocking += int(survivors.fading.sum())
    proxies.append(Check(UNDECIDED_NODES, blocking, 0, "<="))
    return judged


@reports_trajectory
def no_anti_alignment_claim(
    trajectory: Trajectory, target: float, proxy_tol: ProxyTolerances, tol: float, sign: float = 1.0
) -> Verdict:
    """No anti-alignment: w~_u . g~_u >= 0 for every node: the final min over nodes of
    (||w_u||/||w||)(||grad_u L||/||grad L||) cos(w_u, -grad_u L) is >= -tol.

    Every node counts, dying ones included, so no survivor classification is needed.
    sign = -1 (a negative control) uses +grad L in place of -grad L."""
    proxies = assumption_proxies(trajectory, target, proxy_tol)
    final = trajectory.final
    inner = sign * final.node_share * grad_shares(final) * final.node_cos
    worst = float(np.nanmin(inner))
    return decide(proxies, [Check("min_u w~_u . g~_u", worst, -tol, ">=")], {"min_inner_product": worst})


UNDECIDED_JOINT = "undecided joint shares"


@reports_trajectory
def joint_support_claim(
    trajectory: Trajectory,
    judging: Judging,
    floor: float,
    grad_shares_of: Callable[[Snapshot], np.ndarray] | None = None,
) -> Verdict:
    """Joint support: some node has both ||w~_u|| > 0 and ||g~_u|| > 0.

    Per node, j_u = min(||w_u||/||w||, ||grad_u L||/||grad L||), read like a share with
    j_u ~ |log L|^e across the late window: the node supports the claim when j_u >= floor at
    the end and e >= -judging.survivors.settled; it is heading for 0 when j_u < floor or
    e <= -judging.survivors.dying.
    With no supporting node, any node in between makes the example inconclusive (proxy
    'undecided joint shares': the run has not shown where that node's j_u goes); if every node
    is heading for 0 the claim fails. `grad_shares_of` replaces the gradient shares (for a
    negative control)."""
    proxies = assumption_proxies(trajectory, judging.target, judging.proxies)
    window = _window_or_none(trajectory)
    if window is None:
        return decide(proxies, [])
    shares_of = grad_shares_of or grad_shares
    first, last = window[0], window[-1]
    joint_first = np.minimum(first.node_share, shares_of(first))
    joint_last = np.minimum(last.node_share, shares_of(last))
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.log(joint_last / joint_first) / np.log(last.log_loss / first.log_loss)
    holding = (joint_last >= floor) & (exponent >= -judging.survivors.settled)
    vanishing = (joint_last < floor) | (exponent <= -judging.survivors.dying)
    undecided = 0 if holding.any() else int((~holding & ~vanishing).sum())
    proxies.append(Check(UNDECIDED_JOINT, undecided, 0, "<="))
    best = float(joint_last[holding].max()) if holding.any() else 0.0
    claims = [Check("max over non-decaying nodes of min(w share, grad share)", best, floor, ">=")]
    return decide(proxies, claims, {"joint_support": best, "supporting_nodes": float(holding.sum())})


# ---- norm-gradient limits of survivors -------------------------------------------------------------


def ewn_statistic(s: Snapshot) -> np.ndarray:
    """log(||w_u|| ||grad_u L||) per node (EWN: equal across survivors in the limit)."""
    return s.node_log_norm + s.node_log_grad_norm


def swn_statistic(s: Snapshot) -> np.ndarray:
    """log(||w_u|| / ||grad_u L||) per node (SWN: equal across survivors in the limit)."""
    return s.node_log_norm - s.node_log_grad_norm


STATISTICS: dict[str, Callable[[Snapshot], np.ndarray]] = {"ewn": ewn_statistic, "swn": swn_statistic}


@dataclasses.dataclass(frozen=True)
class NormGradientTolerance:
    """ratio: the limit tolerance of the survivors' max |log r|; grad_drift_max: the proxy on
    how far the gradient direction may still drift over the late window; alignment_drift_max:
    the proxy on how far a survivor's cos(w_u, -grad_u L) may still move over it."""

    ratio: LimitTolerance
    grad_drift_max: float
    alignment_drift_max: float


SURVIVOR_ALIGNMENT_DRIFT = "survivor alignment drift"


def alignment_drift(window: list[Snapshot], nodes: np.ndarray) -> float:
    """max over the window's snapshots and the given nodes of |cos_u - cos_u at the end|."""
    cos = np.array([s.node_cos[nodes] for s in window])
    return float(np.abs(cos - cos[-1]).max())


@reports_trajectory
def norm_gradient_claim(
    trajectory: Trajectory,
    statistic: Callable[[Snapshot], np.ndarray],
    judging: Judging,
    tol: NormGradientTolerance,
) -> Verdict:
    """Survivors' statistic ratios -> 1: max over survivor pairs of |log r| judged as a limit.

    The statistic is built from per-node gradient norms, so besides A1-A5 the gradient
    direction must have settled over the late window (drift <= tol.grad_drift_max); while the
    support set is still changing the ratios swing by whole nats and say nothing of the limit.
    So must each survivor's alignment: ||w_u|| ||grad_u L|| = w_u . (-grad_u L) / cos_u, so a
    survivor whose cos still jumps moves log r by log cos, which the decay check would read as
    the trend (survivor alignment drift <= tol.alignment_drift_max)."""
    proxies = assumption_proxies(trajectory, judging.target, judging.proxies)
    window, survivors = _settled_survivors(trajectory, judging.survivors)
    if window is None:
        return decide(proxies, [])
    drift = direction_drift([s.grad_direction for s in window])
    proxies.append(Check("gradient-direction drift", drift, tol.grad_drift_max))
    idx = survivors.indices
    # An undecided node may yet survive: with fewer than two settled survivors the ratios wait
    # for it (UNDECIDED_NODES, which more training can settle), and only a run without enough
    # candidates fails the survivors proxy.
    undecided = int(survivors.undecided.sum())
    proxies.append(Check("survivors", len(idx) + undecided, 2, ">="))
    if len(idx) < 2:
        proxies.append(Check(UNDECIDED_NODES, undecided, 0, "<="))
        return decide(proxies, [], {"survivors": float(len(idx))})
    proxies.append(Check(SURVIVOR_ALIGNMENT_DRIFT, alignment_drift(window, idx), tol.alignment_drift_max))

    def over(nodes):
        spread = np.array([np.ptp(statistic(s)[nodes]) for s in window])
        return limit("survivor max |log r|", window, spread).checks(tol.ratio), spread

    claims, spread = _undecided_where_they_matter(proxies, survivors, over)
    metrics = {"log_ratio_final": float(spread[-1]), "log_ratio_start": float(spread[0]), "survivors": float(len(idx))}
    return decide(proxies, claims, metrics)


# ---- survivors per layer (derived from Theorem 2 and Proposition 2) -----------------------------


def survivor_count_claim(
    trajectory: Trajectory, judging: Judging, node_layers: tuple[int, ...], layer_degrees: dict[int, int]
) -> Verdict:
    """Survivors per layer in proportion to the layers' degrees: n_l / d_l equal over layers.

    Why: by Euler's identity per layer, sum_{u in l} w_u . (-grad_u L) = d_l S with S common to
    all layers. Survivors align with their negative gradients and, under EWN, carry equal
    ||w_u|| ||grad_u L|| (the paper's Proposition 2 and Theorem 2), so each carries the same
    Euler term, while a dying node's share of w . (-grad L) vanishes; hence n_l e = d_l S.

    A node whose fate is undecided (verify.checks.SurvivorRule) makes the example
    inconclusive, whatever the settled counts are: shares are tied (their squares sum to 1),
    so while one node's share still moves, a node read as settled may be the one that gives
    way. Two EWN GD runs of seeded draw 2 (3 hidden ReLU^2 units) showed it: three hidden
    nodes with shares moving at most as |log L|^-0.044, one run's aligned to 1 - cos <= 0.005,
    beside an output node whose share still rose as |log L|^0.12-0.13 out to -485. Three
    settled hidden survivors beside one output are not proportional, but the output node's
    rise has to be paid for by the hidden nodes. (The survivor claims of Proposition 2 and
    Theorem 2 follow the same rule: a failure is not a counterexample while any node is
    undecided.) Fading nodes (visible, dying fast) are not counted."""
    proxies = assumption_proxies(trajectory, judging.target, judging.proxies)
    window, survivors = _settled_survivors(trajectory, judging.survivors)
    if window is None:
        return decide(proxies, [])
    layers = np.asarray(node_layers)
    if len(layers) != len(survivors.mask):
        raise ValueError(f"{len(layers)} node layers for {len(survivors.mask)} recorded nodes")
    degrees = {layer: degree for layer, degree in layer_degrees.items() if degree > 0}
    counts = {layer: int(survivors.mask[layers == layer].sum()) for layer in degrees}
    undecided = int(survivors.undecided[np.isin(layers, list(degrees))].sum())
    per_degree = [counts[layer] / degrees[layer] for layer in degrees]
    spread = max(per_degree) - min(per_degree)
    proxies.append(Check("survivors", sum(counts.values()), 1, ">="))
    proxies.append(Check(UNDECIDED_NODES, undecided, 0, "<="))
    claim = Check("spread over layers of survivors / layer degree", spread, 0.0, "<=")
    metrics = {f"survivors_layer_{layer}": float(n) for layer, n in counts.items()}
    metrics["undecided"] = float(undecided)
    return decide(proxies, [claim], metrics)


# ---- deep linear nets reach the max-margin direction ----------------------------------


@reports_trajectory
def max_margin_claim(
    trajectory: Trajectory,
    layer_shapes: list[tuple[int, int]],
    oracle: np.ndarray,
    target: float,
    proxy_tol: ProxyTolerances,
    tol: LimitTolerance,
) -> Verdict:
    """1 - cos(theta, w*) -> 0 for the end-to-end theta = W_1^T ... W_n^T, judged as a limit."""
    proxies = assumption_proxies(trajectory, target, proxy_tol)
    window = _window_or_none(trajectory)
    if window is None:
        return decide(proxies, [])
    unit = oracle / np.linalg.norm(oracle)
    gaps = np.array(
        [1.0 - float(theta @ unit) / float(np.linalg.norm(theta)) for theta in (end_to_end(layer_shapes, s.w) for s in window)]
    )
    claims = limit("1 - cos(theta, w*)", window, gaps).checks(tol)
    return decide(proxies, claims, {"gap_final": float(gaps[-1]), "gap_window_start": float(gaps[0])})


# ---- convergence rates ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RateFit:
    """-log L = log t + b log log t + c, fitted over snapshots with lo >= log L >= hi; and the
    slope s of log ||w|| against log log t over the same snapshots."""

    b: float
    s: float
    points: int


def fit_rate(trajectory: Trajectory, lo: float, hi: float) -> RateFit:
    """Least squares over the snapshots in [hi, lo] (up to LEVEL_SLACK at either end) that carry
    a finite log t (log_d).

    a is fixed to 1, as in THEOREMS.md: b = slope of (-log L - log t) against log log t.
    """
    levels, log_t = trajectory.series("log_loss"), trajectory.series("log_d")
    mask = at_or_below(levels, lo) & at_or_above(levels, hi) & np.isfinite(log_t) & (log_t > 0)
    if mask.sum() < 3:
        return RateFit(float("nan"), float("nan"), int(mask.sum()))
    x = np.log(log_t[mask])
    b = float(np.polyfit(x, -levels[mask] - log_t[mask], 1)[0])
    log_w = np.log(np.linalg.norm(trajectory.series("w")[mask], axis=1))
    return RateFit(b, float(np.polyfit(x, log_w, 1)[0]), int(mask.sum()))


@dataclasses.dataclass(frozen=True)
class RateTolerance:
    """How a fitted rate is judged (rate_checks): |b - expected| on the late half within b_tol;
    the late deviation at most `shrink` times the early one, unless already below
    `converged_below`; and, unless slope_tol is None, the late norm slope within slope_tol of 1/L.
    The tail runs from tail_start down to the target."""

    b_tol: float
    shrink: float
    converged_below: float
    slope_tol: float | None
    tail_start: float = -50.0


@dataclasses.dataclass(frozen=True)
class RateJudgement:
    """What rate_checks found: the proxy (enough snapshots in each half), the claims, the fits."""

    proxies: list[Check]
    claims: list[Check]
    metrics: dict[str, float]


RATE_CROSSED = "b crossed the claim within the tail"


def rate_checks(trajectory: Trajectory, expected_b: float, degree: int, target: float, tol: RateTolerance) -> RateJudgement:
    """The loss falls as 1/(t (log t)^b) with b = expected_b, and ||w|| as (log t)^(1/L).

    b is fitted on the early and the late half of the tail (tol.tail_start .. target, split at
    its midpoint), with t the trainer's log_d (GD: the running sum of eta; flow: the time); the
    early half's two quarters are fitted too, to see a crossing inside it (RATE_CROSSED).
    """
    middle = (tol.tail_start + target) / 2
    early, late = fit_rate(trajectory, tol.tail_start, middle), fit_rate(trajectory, middle, target)
    proxies = [Check("snapshots in each tail half", float(min(early.points, late.points)), 3.0, ">=")]
    metrics = {"b_early": early.b, "b_late": late.b, "norm_slope_late": late.s, "expected_b": expected_b}
    if min(early.points, late.points) < 3:
        return RateJudgement(proxies, [], metrics)
    deviation_early, deviation_late = abs(early.b - expected_b), abs(late.b - expected_b)
    # A fit that crossed the claimed b within the tail (a node dying in the tail carries b
    # across its limit) leaves the early deviation a cancellation, so the late / early ratio
    # tests nothing there: the trend is unresolved, not failed. Seeded draw 20 found one across
    # the halves (EWN, depth 1, one class row dying): b 1.976 on the early half, 2.058 on the
    # late half, and flowed on 2.043, 2.025, 2.017 on -600..-1200, -1200..-2400, -2400..-3000.
    # A crossing inside the early half leaves both halves on one side: a drawn EWN depth-1
    # cross-entropy flow (its class-0 row dying, share 0.12 at -100, 0.004 at -4,800) had b - 2
    # -0.018 and +0.048 on the early half's quarters, +0.012 on the half and +0.040 on the late
    # half (late / early 3.3), then +0.025, +0.013, +0.006 on -600..-1200, ..., -2400..-4800.
    quarter = (tol.tail_start + middle) / 2
    pieces = [fit_rate(trajectory, tol.tail_start, quarter).b, fit_rate(trajectory, quarter, middle).b, early.b, late.b]
    sides = {np.sign(b - expected_b) for b in pieces if np.isfinite(b)} - {0.0}
    crossed = len(sides) > 1 and deviation_late > tol.converged_below
    proxies.append(Check(RATE_CROSSED, float(crossed), 0.0))
    midpoints = ((tol.tail_start + middle) / 2, (middle + target) / 2)
    claims = [
        # Traced against the midpoints of the two halves: the deviation the claim says shrinks.
        Check("|b - expected| late", deviation_late, tol.b_tol, trace=(midpoints, (deviation_early, deviation_late))),
        Check(
            "|b - expected| late / early",
            deviation_late / deviation_early if deviation_late > tol.converged_below else 0.0,
            tol.shrink,
        ),
    ]
    if tol.slope_tol is not None:
        claims.append(Check("|norm slope - 1/L| late", abs(late.s - 1.0 / degree), tol.slope_tol))
    return RateJudgement(proxies, claims, metrics)


@reports_trajectory
def rate_claim(
    trajectory: Trajectory, expected_b: float, degree: int, target: float, proxy_tol: ProxyTolerances, tol: RateTolerance
) -> Verdict:
    """rate_checks under the assumption proxies A1-A4 (see verify.checks)."""
    judged = rate_checks(trajectory, expected_b, degree, target, tol)
    proxies = assumption_proxies(trajectory, target, dataclasses.replace(proxy_tol, a5_max=None)) + judged.proxies
    return decide(proxies, judged.claims, judged.metrics)


# ---- sparsity (statistical part): effective node counts ---------------------------------------


def effective_nodes(s: Snapshot, nodes: np.ndarray | None = None) -> float:
    """(sum_u ||w_u||)^2 / sum_u ||w_u||^2 over the chosen nodes (all by default): 1 when one
    node holds all the norm, the node count when all are equal. Formed from the log-norms
    shifted by their max, so it is exact for norms of any size."""
    logs = s.node_log_norm if nodes is None else s.node_log_norm[nodes]
    scaled = np.exp(logs - logs.max())
    return float(scaled.sum() ** 2 / (scaled**2).sum())


@dataclasses.dataclass(frozen=True)
class Comparison:
    """One initialisation trained under each parameterisation: effective node count of each
    run that reached the target (None for a run that stalled or ran out of budget)."""

    counts: dict[str, float | None]


def sparser_claim(
    comparisons: list[Comparison], sparse: str, dense: tuple[str, ...], fraction: float, min_conclusive: float
) -> Verdict:
    """`sparse` has the fewest effective nodes in at least `fraction` of the initialisations.

    An initialisation is conclusive when `sparse` and at least one of `dense` reached the
    target; the claim there is that `sparse`'s count is below every `dense` count that did.
    Proxy: at least `min_conclusive` of the initialisations are conclusive.
    """
    reached = [{kind: n for kind, n in c.counts.items() if n is not None} for c in comparisons]
    conclusive = [r for r in reached if sparse in r and any(k in r for k in dense)]
    share = len(conclusive) / len(comparisons)
    proxies = [Check("conclusive initialisations", share, min_conclusive, ">=")]
    if not conclusive:
        return decide(proxies, [])
    wins = [all(r[sparse] < r[k] for k in dense if k in r) for r in conclusive]
    metrics = {"conclusive": float(len(conclusive))}
    groups = {}
    for kind in (sparse, *dense):
        values = [r[kind] for r in conclusive if kind in r]
        if values:
            metrics[f"{kind}_effective_min"], metrics[f"{kind}_effective_max"] = min(values), max(values)
            groups[f"{kind} effective nodes"] = tuple(float(v) for v in values)
    claim = Check(f"{sparse} sparsest, share of initialisations", float(np.mean(wins)), fraction, ">=", groups=groups)
    return decide(proxies, [claim], metrics)


def depth_spread_claim(final_log_loss: dict[str, list[float]], favoured: str, ratio: float) -> Verdict:
    """The paper's figure-6 comparison as a measured quantity: the spread (max - min) across
    depths of log L after the same number of constant-rate steps, from the same function, is
    at most `ratio` times every other parameterisation's spread. Proxy: every run finite."""
    values = [v for runs in final_log_loss.values() for v in runs]
    proxies = [Check("runs with a finite log L", float(np.isfinite(values).mean()), 1.0, ">=")]
    spread = {kind: float(np.ptp(runs)) for kind, runs in final_log_loss.items()}
    others = min(v for k, v in spread.items() if k != favoured)
    metrics = {f"{kind}_depth_spread": v for kind, v in spread.items()}
    groups = {f"{kind} final log L": tuple(float(v) for v in runs if np.isfinite(v)) for kind, runs in final_log_loss.items()}
    claim = Check(f"{favoured} depth spread / smallest other", spread[favoured] / others, ratio, groups=groups)
    return decide(proxies, [claim], metrics)
