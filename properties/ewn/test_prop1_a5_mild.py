"""prop1 / prop4 — Propositions 1 and 4: assumption A5 is mild (exponential / cross-entropy loss).

Statement. Under A1-A4 (for cross-entropy, A3 on the direction of M[i, j] = exp(-(Phi_{y_i} - Phi_j))),
with eta(t) = O(1/L^c) for some c < 1,
    eta(t) ||w_u(t)|| ||grad_{w_u} L(w(t))|| -> 0   for every node u.

Checked on GD runs with eta = k/L^c, c = 1 - 1/30, to log L = -300: the largest A5 quantity over
nodes is small at the end, does not grow across the late window, and its fitted rate agrees
with the theory (||w_u|| ||grad_u L|| ~ L |log L|, so log A5 - log|log L| has slope 1 - c in
log L). Control: c = 1 violates the hypothesis, and the property reports fail.
prop1's cases are drawn where GD separates the data (verify_ewn.regimes.gd_domain), and a run
inconclusive at -300 only because it has not settled is continued to -450
(verify_ewn.regimes.judged_until_settled). Examples (ci): prop1 4 with 2 hidden units (the crisp
arm, see regimes.CRISP_WIDTHS) and 2 with 4-8 (the generic arm, regimes.GENERIC_EXAMPLES),
EWN and Unnorm, ReLU^2, to -300, and 4 EWN one-output deep linear nets of 2 layers
(regimes.deep_linear_domain); prop4 6 (Unnorm, linear, 2-3 classes, to -150); thorough: 10x.
The cross-entropy domain is Unnorm because EWN's normalised margin kept falling (as
|log L|^-0.1 to -0.3, so A4 was not met) in 10 of 16 EWN runs, and stops at -150 because Unnorm
linear nets spent 40,000 steps reaching -190 to -220.
"""

import dataclasses

import pytest
from hypothesis import given, settings

from verify import claims
from verify.cases import Case, DataSpec, lin_sep_architecture
from verify.parameterisations import Parameterisation
from verify.profiles import examples
from verify.strategies import gd_cases
from verify.tally import property_of, record
from verify.verdicts import Status
from verify_ewn import regimes

# Final max_u A5: measured 1.4e-4 to 2.7e-4 at -300 on 28 EWN/SWN runs, and up to ~0.02 at -150
# on the cross-entropy Unnorm runs (theory: ~ k e^((1-c) log L) |log L|, i.e. 1e-2 at -150);
# 0.05 is ~2.5x the latter and ~60x below the c = 1 value (k |log L| ~ 3).
A5_TOL = 5e-2
# Fitted slope / (1 - c): measured 1.00-1.08 on 28 exponential-loss runs and up to 1.41 on
# cross-entropy runs (k wobbles with undone steps over the short window).
# What this band cannot do (issue 14, class 3): the |log L| correction moves the slope by
# 1 / log L ~ -0.0038 at the window's centre (-262), i.e. by 0.11 (1 - c). A fit without the
# correction reads 0.89 (1 - c), one with its sign flipped 1.11 (1 - c): both inside the band,
# and the exponential runs' own spread (0.08) is two thirds of that shift, the cross-entropy
# runs' (0.41) four times it. So the band confirms the rate 1 - c, not the correction; the
# correction is left unconfirmed here rather than judged inside the runs' scatter.
SLOPE_BAND = (0.5, 1.6)
# Cross-entropy runs stop at -150: Unnorm linear nets needed more than 40,000 steps for -300.
CE_TARGET = -150.0


def slope_band(c: float) -> tuple[float, float]:
    """SLOPE_BAND in units of 1 - c."""
    return (SLOPE_BAND[0] * (1 - c), SLOPE_BAND[1] * (1 - c))


def verdict(case: Case, c: float = regimes.C_LIN_SEP, k_max: float = 0.01, target: float = regimes.TARGET):
    settings = dataclasses.replace(regimes.to_target(case.param.kind, target, c), k0=k_max, k_max=k_max)
    trajectory = case.train(settings)
    return claims.a5_claim(trajectory, target, regimes.PROXIES, A5_TOL, slope_band(c))


def settled_verdict(case: Case):
    """The regime's run, continued to -450 when it has not settled at -300."""

    def judge(trajectory, judging):
        return claims.a5_claim(trajectory, judging.target, judging.proxies, A5_TOL, slope_band(regimes.C_LIN_SEP))

    return regimes.judged_until_settled(case, judge, regimes.GD)


@property_of("prop1")
@settings(max_examples=examples(4))
@given(case=regimes.gd_domain(["ewn", "unnorm"], regimes.CRISP_WIDTHS))
def test_property_prop1_a5_vanishes_crisp(case):
    record(settled_verdict(case))


@property_of("prop1")
@settings(max_examples=examples(regimes.GENERIC_EXAMPLES))
@given(case=regimes.gd_domain(["ewn", "unnorm"], regimes.GENERIC_WIDTHS))
def test_property_prop1_a5_vanishes(case):
    record(settled_verdict(case))


# EWN GD on one-output deep linear nets (regimes.deep_linear_domain, then depth 2-3), measured on 12
# drawn cases (2026-11-29): 10 passed, 2 inconclusive (A4), 0.2-14 s a case. Unnorm is left out
# of this arm: its depth-2 runs had not reached -300 by the end of their budgets (2 of 2).
@property_of("prop1")
@settings(max_examples=examples(4))
@given(case=regimes.deep_linear_domain(["ewn"], regimes.gd_separates))
def test_property_prop1_a5_vanishes_ewn_deep_linear(case):
    record(settled_verdict(case))


@property_of("prop4")
@settings(max_examples=examples(6))
@given(case=gd_cases(["unnorm"], loss="cross_entropy", widths=(3, 6), activation="linear", classes=(2, 3)))
def test_property_prop4_a5_vanishes(case):
    record(verdict(case, target=CE_TARGET))


LIN_SEP_SWN = Case(DataSpec("lin-sep", seed=0), lin_sep_architecture(), Parameterisation("swn"))


def test_lin_sep_swn_passes():
    assert verdict(LIN_SEP_SWN).status is Status.PASS


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_control_c_equal_one_fails_on_unnorm(seed):
    # With c = 1 the A5 quantity stays near k |log L| (~0.09 at -300 for k = 3e-4). k <= 3e-4
    # keeps GD off its stability edge: at k = 1e-3 the loss vector flipped between milestones
    # (A3 drift up to 1), making the run inconclusive instead of a counterexample.
    case = Case(DataSpec("lin-sep", seed=seed), lin_sep_architecture(), Parameterisation("unnorm"), init_seed=seed)
    assert verdict(case, c=1.0, k_max=3e-4).status is Status.FAIL


def test_control_c_equal_one_fails_on_an_ewn_deep_linear_run():
    """On regimes.DEEP_LINEAR_CASE the claim passes at c = 1 - 1/30; at c = 1 its A5 quantity
    ends at 0.11."""
    assert verdict(regimes.DEEP_LINEAR_CASE).status is Status.PASS
    assert verdict(regimes.DEEP_LINEAR_CASE, c=1.0).status is Status.FAIL
