"""Lyu & Li, Theorem 4.4: the direction converges to KKT points of the max-margin problem.

Under gradient flow, every limit point of theta/||theta|| is along a KKT point of
(P): min ||theta||^2/2 s.t. q_n(theta) >= 1. Measured with the core's oracle (verify.kkt): the
direction is scaled to min q_n = 1 and compared, by NNLS, with the cone of the margin
gradients of the near-minimum-margin points (q_n <= 1 + 0.05); epsilon is the relative
residual.

Two arms, judged at the milestones of the flow to log L = -300:
- linear predictors (L = 1), where KKT points of (P) are exactly the max-margin separator:
  epsilon tends to 0 as a trend. Either it is 0 up to rounding (the support vectors' cone
  holds theta), or it falls as 1/log t, the rate of Soudry's theta~ term outside that cone
  (theta = w^ log t + theta~ + o(1)): small at -300 and falling like |log L|^-1;
- 2-layer ReLU^2 and ReLU^3 nets, where convergence is logarithmically slow (epsilon falls like
  (log 1/L)^-0.28 in the catalogue): epsilon at -300 under DEEP_EPS and not above its value
  at -100. Neither is implied while the direction is still on its way: a hidden unit whose
  share of ||theta|| still moves is not yet in the KKT cone of the others, and epsilon can rise
  for as long as it moves. So a failing deep example is a counterexample only where every
  visible unit has settled (UNITS_MOVING); otherwise it is inconclusive. This arm cannot tell
  a slowly converging run from one stuck near a non-KKT direction with epsilon below DEEP_EPS;
  the linear arm and its control carry the power.
Control: preconditioned flows (w' = -P grad L, a fixed P) converge to the max-margin
direction of another norm, not a KKT point of (P); the linear arm's claim fails on every one.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings

from verify.cases import Case, DataSpec
from verify.checks import LimitTolerance, limit, share_exponents
from verify.kkt import kkt_residual
from verify.nets import Architecture
from verify.profiles import examples
from verify.tally import expect_fail, property_of, record
from verify.trajectory import Trajectory, at_or_below
from verify.verdicts import Check, Status, Verdict, decide
from verify_lyu_li import domains

TAU = 0.05
LATE = -100.0
# Linear flows, 40 seeded draws of linear_cases (Hypothesis seed 1): epsilon was 0 to rounding
# (<= 1e-8) on 20, and on the other 20 fell as |log L|^-1 (fitted exponents -0.998 to -1.000)
# to at most 0.0088 at -300. (The first version asked for epsilon <= 1e-8 from -100 on, which
# its 3 calibration sets, with support vectors spanning R^3, met; seeded draws failed it on
# 20 of 53 examples, a false alarm found by `benchmarks/suite.py --workload seeded`.) The
# preconditioned controls on the same draws: epsilon 0.054-0.83 at -300, exponents >= -0.18.
# So 0.03 and a decay of at least |log L|^-0.9 separate the two with room on each side.
LINEAR = LimitTolerance(final=0.03, min_decay=0.9, converged_below=1e-8)
# ReLU^2 / ReLU^3 flows (5 seeds each, 8 points): epsilon at -300 from 0.071 to 0.243, and never
# above its value at -100 (0.099-0.253). The preconditioned linear runs sat at 0.18-0.63.
DEEP_EPS = 0.3
DEEP_RISE = 0.005
# A unit (a node's incoming weights) whose share of ||theta|| moves as |log L|^e over the window
# -100 .. -300 with |e| > UNIT_SETTLED, while still at least UNIT_VISIBLE of ||theta||, is still
# moving. Measured on seeded draws: epsilon rose over the window in 3 of 35 flows (by 0.0050,
# 0.0057 and 0.0068), each beside such a unit (e = -0.121, +0.043, -0.050), and one ended at
# 0.320 > DEEP_EPS while falling, beside units at e = -0.17 and -0.22. The -0.050 one, continued
# to -1500, kept rising (0.106 at -100, 0.113 at -300, 0.139 at -1500) while that unit's share
# fell from 0.37 to 0.32 and the NNLS residual sat on it and on the unit it hands its share to.
# Units that looked settled measured |e| <= 0.031 in those flows, dying ones e = -0.24 to -0.34;
# the band only decides examples whose claim fails, which it makes inconclusive.
UNIT_SETTLED = 0.02
UNIT_VISIBLE = 0.05
UNITS_MOVING = "units whose share still moves"


def residuals(case: Case, trajectory: Trajectory, map_back=None) -> list[tuple[float, float, float]]:
    """(log L, epsilon, delta_max) at the snapshots at or below LATE."""
    data, found = case.dataset(), []
    for s in trajectory.snapshots:
        if at_or_below(s.log_loss, LATE):
            w = s.w if map_back is None else map_back @ s.w
            r = kkt_residual(case.arch, data, w, TAU)
            found.append((s.log_loss, r.epsilon, r.delta_max))
    return found


def judge(case: Case, trajectory: Trajectory, map_back=None) -> Verdict:
    proxies = [domains.reached(trajectory)]
    rows = residuals(case, trajectory, map_back)
    proxies.append(Check("milestones at or below -100", float(len(rows)), 2.0, ">="))
    if len(rows) < 2:
        return decide(proxies, [])
    eps = np.array([r[1] for r in rows])
    metrics = {"epsilon final": float(eps[-1]), "epsilon at -100": float(eps[0]), "delta_max final": rows[-1][2]}
    if case.arch.degree == 1:
        window = [s for s in trajectory.snapshots if at_or_below(s.log_loss, LATE)]
        claims = limit("epsilon (linear)", window, eps).checks(LINEAR)
    else:
        claims = [
            Check("epsilon final", float(eps[-1]), DEEP_EPS),
            Check("epsilon final - epsilon at -100", float(eps[-1] - eps[0]), DEEP_RISE),
        ]
        if not all(c.holds for c in claims):
            proxies.append(Check(UNITS_MOVING, float(moving_units(trajectory)), 0.0))
    return decide(proxies, claims, metrics)


def moving_units(trajectory: Trajectory) -> int:
    """The visible units (share >= UNIT_VISIBLE at the end) whose share moves faster than
    |log L|^+-UNIT_SETTLED over the window from LATE to the end."""
    window = [s for s in trajectory.snapshots if at_or_below(s.log_loss, LATE)]
    visible = window[-1].node_share >= UNIT_VISIBLE
    return int((visible & (np.abs(share_exponents(window)) > UNIT_SETTLED)).sum())


@property_of("ll-thm44")
@settings(max_examples=examples(4))
@given(case=domains.linear_cases())
def test_property_ll_thm44_linear_directions_reach_kkt(case):
    record(domains.judged_flow(case, lambda trajectory: judge(case, trajectory)))


@property_of("ll-thm44")
@settings(max_examples=examples(5))
@given(case=domains.homogeneous_cases())
def test_property_ll_thm44_deep_kkt_residual_falls(case):
    record(domains.judged_flow(case, lambda trajectory: judge(case, trajectory)))


@settings(max_examples=examples(4))
@given(case=domains.linear_cases())
def test_control_ll_thm44_preconditioned_flow_fails(case):
    """Drawn where the preconditioned limit is visibly not a KKT point of (P) to the oracle:
    its epsilon at least LINEAR.final. The oracle counts points within TAU of the minimum
    margin as active, so a limit direction inside their cone reads epsilon = 0 (2 of 110 drawn
    controls, 2-D sets whose limits were 1.4e-3 and 2.3e-3 from the SVM in 1 - cos); no
    epsilon band could reject those."""
    data = case.dataset()
    assume(kkt_residual(case.arch, data, domains.preconditioned_limit(data), TAU).epsilon >= LINEAR.final)
    trajectory, root = domains.preconditioned_flow(case)
    expect_fail(judge(case, trajectory, map_back=root))


def test_control_ll_thm44_linear_band_rejects_the_nearest_wrong_rates():
    """The linear arm's band against its nearest wrong variants, on a real flow's milestones:
    epsilon at the measured worst (0.0088 at -300) falling as |log L|^-1, and an exact 0, pass;
    the same falling as |log L|^-0.5, or settling at the controls' smallest value (0.054), fail."""
    case = Case(DataSpec("binary", seed=1, m=4, d=3, margin=0.25), Architecture(3, (), 1, "linear"), domains.UNNORM, 0)
    window = [s for s in domains.flow(case).snapshots if at_or_below(s.log_loss, LATE)]
    depth = -np.array([s.log_loss for s in window]) / -domains.TARGET

    def status(eps: np.ndarray) -> Status:
        return decide([], limit("epsilon (linear)", window, eps).checks(LINEAR)).status

    assert status(0.0088 / depth) is Status.PASS and status(np.zeros(len(window))) is Status.PASS
    assert status(0.0088 / np.sqrt(depth)) is Status.FAIL
    assert status(np.full(len(window), 0.054)) is Status.FAIL
