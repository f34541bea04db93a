"""Claim checkers for the trajectory-level results (prop1/4, prop2/5, lemma1, lemma2, thm2/4).

Each takes a trajectory and tolerances and returns a Verdict; tolerances are chosen in the
property modules, beside the measurement that justifies them.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from verify.checks import (
    MIN_WINDOW_SNAPSHOTS,
    ProxyTolerances,
    SurvivorRule,
    assumption_proxies,
    classify_survivors,
    direction_drift,
    late_window,
    limit,
)
from verify.trajectory import Snapshot, Trajectory
from verify.verdicts import Check, Verdict, decide


def _window_or_none(trajectory: Trajectory):
    window = late_window(trajectory)
    return window if len(window) >= MIN_WINDOW_SNAPSHOTS else None


def _grad_shares(s: Snapshot) -> np.ndarray:
    """||grad_{w_u} L|| / ||grad_w L|| per node, from the stored logs."""
    logs = s.node_log_grad_norm
    top = np.max(logs)
    return np.exp(logs - top) / np.sqrt(np.sum(np.exp(2 * (logs - top))))


# ---- prop1 / prop4: A5 is mild -------------------------------------------------------------


def a5_claim(trajectory: Trajectory, target: float, proxy_tol: ProxyTolerances, tol: float, slope: tuple[float, float]) -> Verdict:
    """eta ||w_u|| ||grad_u L|| -> 0 for every node.

    Checked as: the final max over nodes <= tol; the max not growing over the late window;
    and the fitted slope of log A5 - log|log L| against log L (which is 1 - c in theory, since
    ||w_u|| ||grad_u L|| ~ L |log L| on the way to the limit) inside `slope`.
    """
    proxies = assumption_proxies(trajectory, target, ProxyTolerances(proxy_tol.a2_weight_drift, proxy_tol.a3_loss_drift, None))
    window = _window_or_none(trajectory)
    if window is None:
        return decide(proxies, [])
    a5 = np.array([np.exp(s.node_log_a5.max()) for s in window])
    levels = np.array([s.log_loss for s in window])
    fitted = float(np.polyfit(levels, np.log(a5) - np.log(-levels), 1)[0])
    claims = limit("A5", window, a5).checks(tol, noise=0.0)
    claims += [Check("A5 rate slope", fitted, slope[0], ">="), Check("A5 rate slope", fitted, slope[1], "<=")]
    return decide(proxies, claims, {"a5_final": float(a5[-1]), "a5_window_start": float(a5[0]), "a5_rate_slope": fitted})


# ---- prop2 / prop5, lemma1, lemma2: gradient direction and alignment -----------------------


def alignment_claim(
    trajectory: Trajectory,
    target: float,
    proxy_tol: ProxyTolerances,
    rule: SurvivorRule,
    grad_drift_tol: float,
    cos_tol: float,
    noise: float,
) -> Verdict:
    """(i) -grad L/||grad L|| converges; (ii) survivors' cos(w_u, -grad_u L) -> 1."""
    proxies = assumption_proxies(trajectory, target, proxy_tol)
    window, survivors = _settled_survivors(trajectory, proxies, rule)
    if window is None:
        return decide(proxies, [])
    proxies.append(Check("survivors", len(survivors.indices), 1, ">="))
    idx = survivors.indices
    misalignment = np.array([np.max(1.0 - s.node_cos[idx]) if len(idx) else np.nan for s in window])
    grad_drift = direction_drift([s.grad_direction for s in window])
    claims = [Check("gradient-direction drift", grad_drift, grad_drift_tol)]
    claims += limit("survivor 1-cos(w_u,-grad_u L)", window, misalignment).checks(cos_tol, noise)
    metrics = {
        "gradient_direction_drift": grad_drift,
        "survivor_misalignment_final": float(misalignment[-1]),
        "survivor_misalignment_start": float(misalignment[0]),
        "survivors": float(len(idx)),
    }
    return decide(proxies, claims, metrics)


def _settled_survivors(trajectory: Trajectory, proxies: list[Check], rule: SurvivorRule):
    """Append the survivor-set proxies; return the window and survivors (None if too short)."""
    window = _window_or_none(trajectory)
    if window is None:
        return None, None
    survivors = classify_survivors(window, rule)
    proxies.append(survivors.settled_check())
    return window, survivors


def no_anti_alignment_claim(
    trajectory: Trajectory, target: float, proxy_tol: ProxyTolerances, rule: SurvivorRule, tol: float
) -> Verdict:
    """lemma1: w~_u . g~_u >= 0 for every node: the final min over nodes >= -tol."""
    proxies = assumption_proxies(trajectory, target, proxy_tol)
    window, _ = _settled_survivors(trajectory, proxies, rule)
    if window is None:
        return decide(proxies, [])
    final = trajectory.final
    inner = final.node_share * _grad_shares(final) * final.node_cos
    worst = float(np.nanmin(inner))
    return decide(proxies, [Check("min_u w~_u . g~_u", worst, -tol, ">=")], {"min_inner_product": worst})


def joint_support_claim(
    trajectory: Trajectory, target: float, proxy_tol: ProxyTolerances, rule: SurvivorRule, floor: float
) -> Verdict:
    """lemma2: some node has both ||w~_u|| > 0 and ||g~_u|| > 0.

    Judged on survivors: max over them of min(w share, grad share) >= floor at the end."""
    proxies = assumption_proxies(trajectory, target, proxy_tol)
    window, survivors = _settled_survivors(trajectory, proxies, rule)
    if window is None:
        return decide(proxies, [])
    idx = survivors.indices
    proxies.append(Check("survivors", len(idx), 1, ">="))
    final = trajectory.final
    joint = np.minimum(final.node_share, _grad_shares(final))[idx]
    best = float(joint.max()) if len(idx) else float("nan")
    return decide(proxies, [Check("max_u min(w share, grad share)", best, floor, ">=")], {"joint_support": best})


# ---- thm2 / thm4: norm-gradient limits ------------------------------------------------------


def ewn_statistic(s: Snapshot) -> np.ndarray:
    """log(||w_u|| ||grad_u L||) per node (EWN: equal across survivors in the limit)."""
    return s.node_log_norm + s.node_log_grad_norm


def swn_statistic(s: Snapshot) -> np.ndarray:
    """log(||w_u|| / ||grad_u L||) per node (SWN: equal across survivors in the limit)."""
    return s.node_log_norm - s.node_log_grad_norm


STATISTICS: dict[str, Callable[[Snapshot], np.ndarray]] = {"ewn": ewn_statistic, "swn": swn_statistic}


def norm_gradient_claim(
    trajectory: Trajectory,
    statistic: Callable[[Snapshot], np.ndarray],
    target: float,
    proxy_tol: ProxyTolerances,
    rule: SurvivorRule,
    tol: float,
    noise: float,
) -> Verdict:
    """Survivors' statistic ratios -> 1: max over survivor pairs of |log r| judged as a limit."""
    proxies = assumption_proxies(trajectory, target, proxy_tol)
    window, survivors = _settled_survivors(trajectory, proxies, rule)
    if window is None:
        return decide(proxies, [])
    idx = survivors.indices
    proxies.append(Check("survivors", len(idx), 2, ">="))
    if len(idx) < 2:
        return decide(proxies, [], {"survivors": float(len(idx))})
    spread = np.array([np.ptp(statistic(s)[idx]) for s in window])
    claims = limit("survivor max |log r|", window, spread).checks(tol, noise)
    metrics = {"log_ratio_final": float(spread[-1]), "log_ratio_start": float(spread[0]), "survivors": float(len(idx))}
    return decide(proxies, claims, metrics)
