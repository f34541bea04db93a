"""cor1 — Corollary 1: deep linear nets reach the max-margin separator.

Statement. For a deep linear net y = W_n ... W_1 x under SWN or EWN, trained on linearly
separable data in general position, theta = W_1^T ... W_n^T converges in direction to the
hard-margin SVM direction (no bias) w*.

Oracle: w* is the normalised minimum-norm point of the convex hull of {y_i x_i}
(verify.max_margin), accepted only once its KKT conditions hold to 1e-9. Checked on gradient
flow (verify.flow) to log L = -3000: 1 - cos(theta, w*) is small at the end and decays across
the late window (-2250..-3000) at a clear power of |log L|. The flow is cheap (a few seconds
to -3000) and slow EWN runs need the length: their gap can still rise at -300 (see GAP_TOL).
Examples (ci): EWN 8, SWN 4 (depth 2-4); thorough: 10x.
"""

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import claims, max_margin
from verify.cases import Case, DataSpec
from verify.checks import LimitTolerance
from verify.flow import FlowSettings, train_flow
from verify.nets import Architecture
from verify.parameterisations import Parameterisation
from verify.profiles import examples
from verify.strategies import binary_data, cases
from verify.tally import property_of, record
from verify.verdicts import Status
from verify_ewn import regimes

# 1 - cos(theta, w*) on 16 drawn flows (EWN and SWN, depth 2-4): at -300, 11 were at 2.4e-7 to
# 6.2e-6 and fell as |log L|^-1.9 to -4.4 (the prototype: 1e-4, 1e-5, 1e-6, 1e-7 at -10, -30,
# -100, -300, the same |log L|^-2); slow EWN depth-3/4 runs were at 3.7e-6 to 2.7e-3.
# Seeded false-alarm runs then drew four slow EWN flows that a -300 horizon misjudged: one gap
# rose over -225..-300 (3.9e-5 to 4.4e-5, peaking at 5.1e-5 near -750), one fell only as
# |log L|^-0.19, two were at 0.015-0.019. Continued to -3000, all four were converging: 4.2e-5
# (exponent -0.24 over -2250..-3000), 6.8e-4 (-0.29), 2.7e-3 (-1.04), 4.9e-3 (-0.49); 42 further draws (30
# EWN, 12 SWN) ended at 1e-12 to 1.8e-4, mostly falling as |log L|^-2. So: at most 1e-2 at the
# end, falling at least as |log L|^-0.1, unless already below 1e-5. (Issue 5's hard 1e-5 would
# call the slow but converging runs counterexamples.) On GD the same runs floor at the step
# size (~1e-4, A5), which is why the property uses the flow. The class-mean oracle leaves a
# gap of 0.02-0.12 with exponents of +0.001 to +0.015 (5 runs at -300; the control case: 0.031,
# +0.001 at -3000).
GAP_TOL = LimitTolerance(final=1e-2, min_decay=0.1, converged_below=1e-5)
KKT_TOL = 1e-9
TARGET = -3000.0
# Snapshots every 125 nats: seven in the late window. The slow flows above took 2,000-2,500
# evaluations to -3000 (about 2 s); 50,000 is the cap.
FLOW = FlowSettings(target_log_loss=TARGET, snapshot_every=125.0, max_evaluations=50_000)
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
