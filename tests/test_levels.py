"""Window bounds read a snapshot's level up to the flow's placement error
(`verify.trajectory.LEVEL_SLACK`), so which snapshots a window holds does not depend on the
last bits of a level, which another CPU's reduction order decides.

The mechanism: the flow root-finds each snapshot onto log L = j * snapshot_every, landing
within ~1e-13 nats of it on either side, and window bounds sit on such levels. Without the
slack, thm3's DYING_NODE control fitted b = 1.968 or 1.977 on -50..-325 as the -50 snapshot
fell in or out, and its run failed on one machine and passed on another."""

import dataclasses

import numpy as np
import pytest
import torch
from test_verdicts import snapshot, trajectory

from verify import claims
from verify import trajectory as trajectory_module
from verify.checks import late_window
from verify.flow import first_level, train_flow
from verify.trajectory import LEVEL_SLACK, at_or_above, at_or_below
from verify_ewn import test_thm3_rates as thm3

# The largest placement error measured (verify.trajectory's comment), on either side.
PLACED = 2.3e-13


@pytest.mark.parametrize("offset", [-PLACED, 0.0, PLACED])
def test_a_snapshot_placed_on_a_bound_is_on_it_from_either_side(offset):
    assert at_or_below(-50.0 + offset, -50.0) and at_or_above(-50.0 + offset, -50.0)
    levels = np.array([-40.0, -50.0 + offset, -60.0])
    assert at_or_below(levels, -50.0).tolist() == [False, True, True]
    assert at_or_above(levels, -50.0).tolist() == [True, True, False]


def test_a_snapshot_off_a_bound_by_more_than_the_slack_is_off_it():
    assert LEVEL_SLACK < 1e-6
    assert not at_or_below(-50.0 + 1e-6, -50.0) and not at_or_above(-50.0 - 1e-6, -50.0)


def levels_run(levels, log_t=None):
    snaps = [snapshot(level, [1.0]) for level in levels]
    if log_t is not None:
        snaps = [dataclasses.replace(s, log_d=lt, w=np.array([lt, 0.0])) for s, lt in zip(snaps, log_t)]
    return trajectory(snaps)


@pytest.mark.parametrize("offset", [-PLACED, PLACED])
def test_the_late_window_holds_its_first_level_from_either_side(offset):
    run = levels_run([-200.0, -225.0 + offset, -250.0, -275.0, -300.0 - offset])
    assert len(late_window(run)) == 4


@pytest.mark.parametrize("offset", [-PLACED, PLACED])
def test_the_rate_fit_holds_both_end_levels_from_either_side(offset):
    log_t = [30.0, 40.0, 55.0, 70.0, 90.0]
    run = levels_run([-40.0, -50.0 + offset, -60.0, -70.0, -80.0 - offset], log_t)
    assert claims.fit_rate(run, lo=-50.0, hi=-80.0).points == 4


def test_a_rate_judged_on_a_flow_does_not_move_with_rounding():
    """DYING_NODE's early and late b, from its initial weights changed by a relative 1e-14
    (rounding, as another CPU's reduction order makes it) in four ways."""
    case, fits = thm3.DYING_NODE, []
    weights = case.initial_weights()
    for seed in range(4):
        generator = torch.Generator().manual_seed(seed)
        moved = [w * (1 + 1e-14 * torch.randn(w.shape, generator=generator, dtype=w.dtype)) for w in weights]
        run = train_flow(case.net(), case.dataset(), moved, thm3.FLOW)
        fits.append((claims.fit_rate(run, -50.0, -325.0).b, claims.fit_rate(run, -325.0, -600.0).b))
    assert np.isfinite(fits).all()
    # Measured spread 1.1e-9 over eight such changes (the solver's rtol of 1e-10 moves the fit this
    # little); a snapshot taken or left at a bound moves the early b by 0.009 (below).
    assert np.ptp(fits, axis=0).max() < 1e-6


def test_without_the_slack_a_bound_snapshot_moves_the_fit_by_its_last_bits(monkeypatch):
    """The control: DYING_NODE's flow with its -50 snapshot placed 2.3e-13 above or below -50,
    as rounding places it. Read with the slack, the early b is the same; read bare, it moves by
    0.009, 9,000 times the band above."""
    run = thm3.DYING_NODE.flow(thm3.FLOW)
    (at,) = [i for i, s in enumerate(run.snapshots) if abs(s.log_loss + 50.0) < 1e-9]

    def early_b(offset: float) -> float:
        snaps = list(run.snapshots)
        snaps[at] = dataclasses.replace(snaps[at], log_loss=-50.0 + offset)
        return claims.fit_rate(dataclasses.replace(run, snapshots=snaps), -50.0, -325.0).b

    assert early_b(PLACED) == pytest.approx(early_b(-PLACED), abs=1e-9)
    monkeypatch.setattr(trajectory_module, "LEVEL_SLACK", 0.0)
    assert abs(early_b(PLACED) - early_b(-PLACED)) > 5e-3


@pytest.mark.parametrize("offset", [-PLACED, 0.0, PLACED])
def test_a_flow_started_on_a_level_records_the_next_one_first(offset):
    """A stage continued from a snapshot placed at -300 starts on that level, read to its last
    bits; its first snapshot level is -310 whichever side the start lies."""
    assert first_level(-300.0 + offset, 10.0) == -31


@pytest.mark.parametrize(("start", "expected"), [(-299.9, -30), (-300.5, -31), (-300.0 + 2e-9, -30), (-1.0, -1)])
def test_a_flow_started_off_a_level_records_the_largest_below_it(start, expected):
    assert first_level(start, 10.0) == expected
