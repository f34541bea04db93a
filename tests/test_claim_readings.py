"""The quantities the claims read off a trajectory, each against a computation that shares no
code with it: the rate fit (`claims.fit_rate`) on a trajectory built from its own closed form,
the effective node count and the gradient shares against 50-digit mpmath far into underflow,
and the survivors' alignment drift against a hand-worked window.

Each input also carries what the nearest wrong reading would take instead: snapshots outside
the fitted range or without a time, the log of t in place of log log t, norms whose plain
exponentials underflow, the window's first cosine in place of its last."""

import dataclasses

import mpmath
import numpy as np
import pytest
from test_verdicts import snapshot, trajectory

from verify import claims

mpmath.mp.dps = 50


def rate_run(b: float, s: float, c: float, log_t: list[float], wrong: list[tuple[float, float]]):
    """Snapshots on -log L = log t + b log log t + c and ||w|| = (log t)^s, one per log t; then
    `wrong` snapshots as (log L, log t), off both curves."""
    snaps = []
    for lt in log_t:
        w = np.array([0.6, 0.8]) * lt**s
        snaps.append(dataclasses.replace(snapshot(-(lt + b * np.log(lt) + c), [1.0]), log_d=lt, w=w))
    for level, lt in wrong:
        snaps.append(dataclasses.replace(snapshot(level, [1.0]), log_d=lt, w=np.array([1e6, 0.0])))
    snaps.sort(key=lambda x: -x.log_loss)
    return trajectory(snaps)


@pytest.mark.parametrize("b, s", [(2.0, 0.5), (1.0, 1.0 / 3), (0.0, 1.0)])
def test_the_rate_fit_recovers_b_and_the_norm_slope_of_its_closed_form(b, s):
    log_t = list(np.geomspace(60.0, 900.0, 9))
    # Off the curves: above the range (-20), below it (-5,000), and inside it without a usable
    # time (log t non-finite, or 0: t = 1, where log log t is -inf).
    wrong = [(-20.0, 10.0), (-5000.0, 4000.0), (-300.0, float("nan")), (-310.0, 0.0)]
    fit = claims.fit_rate(rate_run(b, s, 0.3, log_t, wrong), lo=-50.0, hi=-1200.0)
    assert fit.points == 9
    assert np.isfinite(fit.b) and np.isfinite(fit.s)
    # Rounding only (a least-squares fit of exact points). Fitted against log t in place of
    # log log t, b and s would come out below b / 60 and s / 60, more than 0.3 off for each
    # nonzero b and s here.
    assert fit.b == pytest.approx(b, abs=1e-9)
    assert fit.s == pytest.approx(s, abs=1e-9)


def test_the_rate_fit_against_log_t_is_rejected_by_the_closed_form_check():
    """The band above rejects the nearest wrong fit: b fitted against log t, not log log t."""
    log_t = np.geomspace(60.0, 900.0, 9)
    levels = -(log_t + 2.0 * np.log(log_t) + 0.3)
    wrong_b = np.polyfit(log_t, -levels - log_t, 1)[0]
    assert abs(wrong_b - 2.0) > 1.0


def test_a_rate_fit_on_fewer_than_three_snapshots_is_not_a_number():
    fit = claims.fit_rate(rate_run(2.0, 0.5, 0.3, [60.0, 900.0], []), lo=-50.0, hi=-1200.0)
    assert fit.points == 2 and np.isnan(fit.b) and np.isnan(fit.s)


def mp_effective(log_norms: list[float]) -> mpmath.mpf:
    norms = [mpmath.exp(mpmath.mpf(v)) for v in log_norms]
    return sum(norms) ** 2 / sum(n**2 for n in norms)


@pytest.mark.parametrize(
    "log_norms",
    [
        [0.0, 0.0, 0.0, 0.0],  # all equal: the node count
        [-800.0, -800.7, -803.0, -840.0],  # every plain exponential underflows
        [700.0, 699.0, 650.0],  # their squares overflow
        [-5.0, 1.2, 0.3, -0.4, 2.0],
    ],
)
def test_effective_nodes_matches_mpmath_at_any_size(log_norms):
    s = dataclasses.replace(snapshot(-300.0, np.ones(len(log_norms))), node_log_norm=np.array(log_norms))
    value = claims.effective_nodes(s)
    assert np.isfinite(value)
    # Rounding only: a relative 1e-12 against 50 digits. The nearest wrong formulas (l1 / l2
    # without the square, or the sum of squares over the square of the sum) differ by more than
    # a relative 0.05 on each of these sets except the equal one, where l1/l2 gives 2 for 4.
    assert value == pytest.approx(float(mp_effective(log_norms)), rel=1e-12)
    chosen = np.array([0, 2])
    assert claims.effective_nodes(s, chosen) == pytest.approx(float(mp_effective([log_norms[i] for i in chosen])), rel=1e-12)


@pytest.mark.parametrize("log_grads", [[-900.0, -900.5, -1000.0], [3.0, 3.0], [-2.0, 0.5, -1.0, 0.1]])
def test_gradient_shares_match_mpmath_at_any_size(log_grads):
    s = dataclasses.replace(snapshot(-300.0, np.ones(len(log_grads))), node_log_grad_norm=np.array(log_grads))
    shares = claims.grad_shares(s)
    assert np.isfinite(shares).all()
    grads = [mpmath.exp(mpmath.mpf(v)) for v in log_grads]
    total = mpmath.sqrt(sum(g**2 for g in grads))
    # Rounding only; the nearest wrong reading (shares of the l1 total) is off by at least a
    # relative 0.1 on each of these sets.
    np.testing.assert_allclose(shares, [float(g / total) for g in grads], rtol=1e-12, atol=0)


def test_the_alignment_drift_is_the_largest_move_of_a_chosen_node_from_its_final_cosine():
    cosines = [[0.90, 0.2, 0.99], [0.97, 0.9, 0.99], [0.99, -0.5, 0.90], [0.98, 0.7, 0.95]]
    window = [
        dataclasses.replace(snapshot(level, [1.0, 1.0, 1.0]), node_cos=np.array(c))
        for level, c in zip([-225, -250, -275, -300], cosines)
    ]
    # Nodes 0 and 2: node 0 moves 0.08 (0.90 to 0.98), node 2 0.05; node 1 (not chosen) 1.2.
    # Read from the window's first cosine, node 0 would give 0.09.
    assert claims.alignment_drift(window, np.array([0, 2])) == pytest.approx(0.08, abs=1e-15)
    assert claims.alignment_drift(window, np.array([1])) == pytest.approx(1.2, abs=1e-15)
