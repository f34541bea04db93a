"""cor1 — Corollary 1: deep linear nets reach the max-margin separator.

Statement. For a deep linear net y = W_n ... W_1 x under SWN or EWN, trained on linearly
separable data in general position, theta = W_1^T ... W_n^T converges in direction to the
hard-margin SVM direction (no bias) w*.

Oracle: w* is the normalised minimum-norm point of the convex hull of {y_i x_i}
(verify.max_margin), accepted only once its KKT conditions hold to 1e-9. Checked on gradient
flow (verify.flow) to log L = -300: 1 - cos(theta, w*) is small at the end and decays across
the late window (-225..-300) at a clear power of |log L|. Examples (ci): EWN 8, SWN 4 (depth
2-4, ~1-2 s each); thorough: 10x.
"""

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import claims, max_margin, regimes
from verify.cases import Case, DataSpec
from verify.checks import LimitTolerance
from verify.flow import FlowSettings, train_flow
from verify.nets import Architecture
from verify.parameterisations import Parameterisation
from verify.profiles import examples
from verify.strategies import binary_data, cases
from verify.tally import property_of, record
from verify.verdicts import Status

# 1 - cos(theta, w*) on 16 drawn flows (EWN and SWN, depth 2-4): at -300, 11 were at 2.4e-7 to
# 6.2e-6 and fell as |log L|^-1.9 to -4.4 (the prototype: 1e-4, 1e-5, 1e-6, 1e-7 at -10, -30,
# -100, -300, the same |log L|^-2); 3 EWN depth-3 runs approached more slowly, 3.7e-6 to 2.7e-3
# at -300 falling as |log L|^-0.58 to -0.62 (2 of them inconclusive: margin still falling);
# Hypothesis found one (depth 3, widths 2) at 2.0e-4 falling as |log L|^-0.40. So: at most 1e-2
# at the end, falling at least as |log L|^-0.2, unless already below 1e-5.
# (Issue 5's hard 1e-5 at -300 would call the slow but converging runs counterexamples.) On GD
# the same runs floor at the step size (~1e-4, A5), which is why the property uses the flow.
# The class-mean oracle leaves a gap of 0.02-0.12 with exponents of +0.001 to +0.015 (5 runs).
GAP_TOL = LimitTolerance(final=1e-2, min_decay=0.2, converged_below=1e-5)
KKT_TOL = 1e-9
TARGET = -300.0
# Snapshots every 12.5 nats: seven in the late window, for a steadier decay fit.
FLOW = FlowSettings(target_log_loss=TARGET, snapshot_every=12.5, max_evaluations=50_000)
# The flow stops at the target to ~1e-12 nats, either side; A5 is a GD assumption.
REACHED = TARGET + 1e-6
PROXIES = dataclasses.replace(regimes.PROXIES, a5_max=None)


def deep_linear_cases(kind: str, depth: tuple[int, int]):
    return cases(
        data=binary_data(m=(6, 12), d=(2, 4), margin=(0.1, 0.3)),
        arch_kwargs=dict(depth=depth, widths=(2, 4), activation=st.just("linear")),
        params=st.just(Parameterisation(kind)),
    )


def verdict(case: Case, oracle=None):
    data = case.dataset()
    direction = max_margin.max_margin_direction(data, KKT_TOL).direction if oracle is None else oracle(data)
    trajectory = train_flow(case.net(), data, case.initial_weights(), FLOW)
    shapes = [case.arch.layer_shape(layer) for layer in range(case.arch.depth)]
    return claims.max_margin_claim(trajectory, shapes, direction, REACHED, PROXIES, GAP_TOL)


@property_of("cor1")
@settings(max_examples=examples(8))
@given(case=deep_linear_cases("ewn", (2, 4)))
def test_property_cor1_ewn(case):
    record(verdict(case))


@property_of("cor1")
@settings(max_examples=examples(4))
@given(case=deep_linear_cases("swn", (2, 4)))
def test_property_cor1_swn(case):
    record(verdict(case))


CONTROL = Case(DataSpec("binary", seed=0, m=8, d=3, margin=0.2), Architecture(3, (3, 3), 1, "linear"), Parameterisation("ewn"))


def test_control_class_mean_oracle_fails():
    assert verdict(CONTROL).status is Status.PASS
    assert verdict(CONTROL, oracle=max_margin.class_mean_direction).status is Status.FAIL


def test_oracle_beats_every_other_unit_separator():
    """w* attains the largest 2-norm margin: no LP certificate or class mean does better."""
    data = CONTROL.dataset()
    best = max_margin.max_margin_direction(data, KKT_TOL)
    z = (data.y[:, None] * data.x).numpy()
    assert np.isclose((z @ best.direction).min(), best.margin, rtol=1e-9)
    for other in (data.certificate.separator, max_margin.class_mean_direction(data)):
        assert (z @ (other / np.linalg.norm(other))).min() <= best.margin + 1e-12
