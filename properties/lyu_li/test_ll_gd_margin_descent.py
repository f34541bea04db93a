"""Lyu & Li, Theorem 4.2 (E.2): under gradient descent with a small enough step, the margin
never decreases.

For a C^2 L-homogeneous net, gradient descent on the exponential loss with eta(t) meeting
(S5) (eta <= H(L(theta)); informally eta may grow like 1/(L polylog(1/L))): after t0 the loss
falls at every step, ||theta|| grows and a (1 - O(1/log(1/L)))-approximation of gamma-bar never
decreases. The approximation's exact form is lost in the stored text, so the property tests
gamma~ itself, at every step, with the per-step log L and log ||w|| the trainer records.

(S5) is checked as an assumption proxy: with eta = k / L^c (the trainer's schedule, k fixed
because no step was undone), s(t) = eta L (log 1/L)^(2 - 2/L) must stay below S5_MAX. Runs
above it are inconclusive, not counterexamples: the catalogue's finding is that the c = 1
schedule eta = k/L makes gamma~ fall while the loss still falls, and a control shows both the
fall and that the proxy catches it.

Domain: 2-layer ReLU^3 nets (C^2; ReLU^2 is only C^1), 4-8 hidden units, 4-12 separable
points, eta = 0.01 / L^0.9, from the drawn initialisation to log L = -50; a case whose run never
reaches t0 (it loses a point on the way) is outside the theorem and is not drawn.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from verify.cases import Case, DataSpec
from verify.gd import GDSettings
from verify.margins import log_smoothed_margin
from verify.nets import Architecture
from verify.parameterisations import Parameterisation
from verify.profiles import examples
from verify.tally import expect_fail_on_some, property_of, record
from verify.trajectory import Trajectory
from verify.verdicts import Check, Status, Verdict, decide
from verify_lyu_li import domains

# eta = 0.01 / L^0.9: s peaks at 0.13 (log L = -4.5) and the runs reach -50 in 330-4,100 steps
# (0.3-3.3 s), with no fall of gamma~ and no undone step on 8 drawn nets.
SCHEDULE = GDSettings(
    k0=0.01,
    k_max=0.01,
    c=0.9,
    grow=1.0,
    shrink=2.0,
    max_steps=20_000,
    patience=20_000,
    target_log_loss=-50.0,
    snapshot_every=10.0,
)
# (S5) proxy: measured gamma~ falls at s = 1.3 (eta = 0.1 / L^0.9, 2 of 8 nets fell by 0.003-0.009)
# and at s = 2-5 and beyond (eta = k / L, the catalogue's and the control's runs); none at s <= 0.13.
S5_MAX = 0.25
# Rounding of log L (~300 ulp-scale) and log ||w|| in float64: 1e-13 in log gamma~; measured
# falls 0 on 8 runs. The nearest wrong formulas fall by far more: degree L + 1 (control), and
# the c = 1 schedule by 0.1-1.6 nats.
GD_ALLOWANCE = 1e-10
# The finding's schedule: eta = 0.05 / L to -300.
C_ONE = GDSettings(k0=0.05, k_max=0.05, c=1.0, grow=1.0, shrink=2.0, max_steps=20_000, patience=20_000, target_log_loss=-300.0)


# The schedule's steps to t0 (log L <= -1), measured on 30 drawn ReLU^3 nets: 83-9,423. A run
# that loses a point on the way never gets there, so the domain keeps the cases whose run
# reaches it within the property's own step budget (domains.homogeneous_cases).
def gd_reaches_t0(case: Case) -> bool:
    """Whether GD under SCHEDULE reaches log L <= -1 within SCHEDULE's step budget."""
    return case.train(dataclasses.replace(SCHEDULE, target_log_loss=-1.0), "cpu").final.log_loss <= -1.0


def gd_cases() -> st.SearchStrategy[Case]:
    """ReLU^3 cases of domains.homogeneous_cases whose GD run under SCHEDULE reaches t0."""
    return domains.homogeneous_cases(activations=("relu3",), reaches_t0=gd_reaches_t0)


def log_s5(trajectory: Trajectory, settings: GDSettings, degree: int) -> np.ndarray:
    """log s(t) = log k - c log L + log L + (2 - 2/L) log(-log L) at every accepted state after t0."""
    levels = trajectory.log_loss_history[trajectory.log_loss_history < 0]
    return np.log(settings.k0) + (1.0 - settings.c) * levels + (2.0 - 2.0 / degree) * np.log(-levels)


def judge(trajectory: Trajectory, settings: GDSettings, degree: int) -> Verdict:
    s5 = log_s5(trajectory, settings, degree)
    proxies = [
        Check("final log L", trajectory.final.log_loss, settings.target_log_loss, "<="),
        Check("(S5) proxy max s(t)", float(np.exp(s5.max())) if s5.size else float("nan"), S5_MAX),
    ]
    monotone, metrics = domains.monotone_checks(trajectory, degree, GD_ALLOWANCE)
    claims = [Check("steps that raised the loss (undone)", float(trajectory.rejected), 0.0)] + monotone
    return decide(proxies, claims, metrics)


# (S5) asks eta <= H(L), and H depends on the net's smoothness near its margin as well as on L,
# which s(t) does not see. A thorough draw (ReLU^3, 4 hidden units, 4 points, final gamma~
# 0.010; pinned as SMALL_MARGIN below) undid a step at log L = -20 with s at most 0.13, and
# gamma~ fell there by 0.0065; with k halved (0.005) and halved again, neither happened. A run
# that fails is therefore run again with k halved, HALVINGS times at most, and the last run's
# verdict stands: the theorem speaks of steps small enough, and a halving that clears the run
# shows that its step was not. A wrong claim fails at every step (SMALL_MARGIN's control).
HALVINGS = 2


def gd_verdict(case: Case, settings: GDSettings = SCHEDULE, degree_offset: int = 0) -> Verdict:
    """The claims on GD under `settings`, or under its k halved where that run fails (HALVINGS)."""
    for halving in range(HALVINGS + 1):
        scaled = dataclasses.replace(settings, k0=settings.k0 / 2**halving, k_max=settings.k_max / 2**halving)
        verdict = judge(case.train(scaled, "cpu"), scaled, case.arch.degree + degree_offset)
        verdict.metrics["k0"] = scaled.k0
        if verdict.status is not Status.FAIL:
            break
    return verdict


@property_of("ll-gd")
@settings(max_examples=examples(8))
@given(case=gd_cases())
def test_property_ll_gd_smoothed_margin_never_falls(case):
    record(gd_verdict(case))


# The claim is that gamma~ falls at no step of any draw, so its nearest wrong formula is
# refuted by one falling step of one draw: degree L + 1 must fail on some draw, not on each.
# log gamma~ read at L + 1 is log gamma~ - log ||w||, which falls only at a step where gamma~
# gains less than ||w|| does, and far from its limit it gains more: a thorough draw (WIDE_RISE
# below) rose 5.5 nats in gamma~ by -50 against 0.49 in log ||w||, and passed at L + 1.
def test_control_ll_gd_wrong_degree_fails_on_some_draw():
    expect_fail_on_some(gd_cases(), lambda case: gd_verdict(case, degree_offset=1), examples(3))


WIDE_RISE = Case(
    DataSpec("binary", seed=0, m=4, d=3, margin=0.25), Architecture(3, (7,), 1, "relu3"), Parameterisation("unnorm"), init_seed=1
)


def test_control_ll_gd_wrong_degree_passes_where_gamma_rises_faster_than_the_norm():
    """Why the control above asks for some draw: on WIDE_RISE every step raises log gamma~ by
    more than log ||w||, so degree L + 1 never falls."""
    trajectory = WIDE_RISE.train(SCHEDULE, "cpu")
    after = trajectory.log_loss_history < 0
    levels, log_norm = trajectory.log_loss_history[after], trajectory.log_norm_history[after]
    rise = np.diff(log_smoothed_margin(levels, log_norm, WIDE_RISE.arch.degree))
    assert np.all(rise > np.diff(log_norm))
    assert gd_verdict(WIDE_RISE).status is Status.PASS
    assert gd_verdict(WIDE_RISE, degree_offset=1).status is Status.PASS


SMALL_MARGIN = Case(
    DataSpec("binary", seed=13008832, m=4, d=2, margin=0.109375),
    Architecture(2, (4,), 1, "relu3"),
    Parameterisation("unnorm"),
    init_seed=0,
)


def test_control_ll_gd_a_step_too_large_for_its_net_is_halved():
    """SMALL_MARGIN under SCHEDULE undoes a step and gamma~ falls (a fail on that run alone);
    with k halved it passes, and that is the verdict."""
    first = judge(SMALL_MARGIN.train(SCHEDULE, "cpu"), SCHEDULE, SMALL_MARGIN.arch.degree)
    assert first.status is Status.FAIL and first.claims[0].value == 1.0
    verdict = gd_verdict(SMALL_MARGIN)
    assert verdict.status is Status.PASS and verdict.metrics["k0"] == SCHEDULE.k0 / 2
    wrong = gd_verdict(SMALL_MARGIN, degree_offset=1)
    assert wrong.status is Status.FAIL and wrong.metrics["k0"] == SCHEDULE.k0 / 2**HALVINGS, "fails at every step"


@settings(max_examples=examples(3))
@given(case=gd_cases())
def test_control_ll_gd_c_one_schedule_falls_while_the_loss_falls(case):
    """The finding: with eta = k / L, gamma~ falls at an accepted step, one that lowered the
    loss; the claims alone fail, and the (S5) proxy makes the verdict inconclusive."""
    trajectory = case.train(C_ONE, "cpu")
    # From L ~ 4, eta = 0.05 / L can crawl for 20,000 steps near L = 1 (1 of 4 ci draws): such
    # a run never passes the threshold and says nothing about the finding.
    assume(trajectory.final.log_loss <= -100.0)
    after = trajectory.log_loss_history < 0
    levels = trajectory.log_loss_history[after]
    falls = np.diff(log_smoothed_margin(levels, trajectory.log_norm_history[after], case.arch.degree))
    first = int(np.argmax(falls < -GD_ALLOWANCE))
    assert falls[first] < -GD_ALLOWANCE, "gamma~ never fell under eta = k / L"
    assert levels[first + 1] < levels[first], "the loss fell at the step where gamma~ fell"
    verdict = judge(trajectory, C_ONE, case.arch.degree)
    assert verdict.status is Status.INCONCLUSIVE
    assert decide([], verdict.claims).status is Status.FAIL
