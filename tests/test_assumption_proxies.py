"""The assumption proxies (`checks.assumption_proxies`), each read on a trajectory whose answer
is known in closed form, and each shown failing when its assumption is broken.

A proxy that never failed would turn every unsettled run into a verdict; one read at the wrong
place would judge the wrong part of the run. So each proxy's value is compared with its closed
form on a trajectory built for it: a direction turned through known angles (A2, A3; the drift
is 1 - cos of the largest angle to the final direction inside the late window), a margin
following a known power of |log L| (A4), and per-node A5 logs set by hand. Each trajectory also
holds values that the nearest wrong readings would report instead: the window's first vector as
the reference, the last step only, the smallest angle, a snapshot before the window, the
margin's power fitted against log L instead of log |log L|, A5 read before the final milestone.
"""

import dataclasses

import numpy as np
import pytest
from test_verdicts import snapshot, trajectory

from verify.checks import MIN_WINDOW_SNAPSHOTS, WINDOW_START, ProxyTolerances, assumption_proxies, late_window
from verify.verdicts import Check

# The late window starts at 3/4 of the final log L: -225 of -300. The first two levels are
# before it.
LEVELS = [-100.0, -200.0, -225.0, -250.0, -275.0, -300.0]
WINDOW = LEVELS[2:]
# Angles (radians) of a direction to its final value, one per level: the largest inside the
# window is 0.3; before it, 0.9. The window's first angle (0.1), its last step (0.05) and its
# smallest angle (0) give the wrong readings.
ANGLES = [0.9, 0.9, 0.1, 0.3, 0.05, 0.0]
LOOSE = ProxyTolerances(a2_weight_drift=1.0, a3_loss_drift=1.0, a4_max_fall=1.0, a5_max=1.0)


def turned(angle: float, dim: int, scale: float = 1.0) -> np.ndarray:
    """A vector at `angle` to the first axis, in the plane of the first two axes."""
    v = np.zeros(dim)
    v[0], v[1] = np.cos(angle), np.sin(angle)
    return scale * v


def run(**series):
    """Snapshots at LEVELS, each field given per level, the rest as test_verdicts' snapshot."""
    snaps = []
    for i, level in enumerate(LEVELS):
        fields = {name: values[i] for name, values in series.items()}
        snaps.append(dataclasses.replace(snapshot(level, [0.8, 0.6]), **fields))
    return trajectory(snaps)


def proxy(checks: list[Check], name: str) -> Check:
    (found,) = [c for c in checks if c.name == name]
    return found


def test_the_late_window_is_every_snapshot_from_three_quarters_of_the_final_log_loss():
    assert WINDOW_START == 3 / 4
    assert [s.log_loss for s in late_window(run())] == WINDOW


@pytest.mark.parametrize(
    "field, name, dim, tolerance",
    [
        ("w", "A2 weight-direction drift", 3, "a2_weight_drift"),
        ("loss_direction", "A3 loss-direction drift", 2, "a3_loss_drift"),
    ],
)
def test_a_direction_drift_is_the_largest_angle_to_the_final_direction_in_the_window(field, name, dim, tolerance):
    # Norms that change from level to level: the drift is a statement about directions.
    vectors = [turned(a, dim, scale) for a, scale in zip(ANGLES, [1.0, 5.0, 0.2, 3.0, 40.0, 7.0])]
    checks = assumption_proxies(run(**{field: vectors}), -300.0, LOOSE)
    drift = proxy(checks, name)
    expected = 1 - np.cos(0.3)
    assert np.isfinite(drift.value)
    # Rounding only: 1 - cos(0.3) = 0.0447, and the nearest wrong readings give 1 - cos(0.2),
    # 1 - cos(0.05), 0 and 1 - cos(0.9), at least 0.022 away.
    assert drift.value == pytest.approx(expected, rel=1e-12)
    assert drift.holds
    strict = dataclasses.replace(LOOSE, **{tolerance: 0.9 * expected})
    assert not proxy(assumption_proxies(run(**{field: vectors}), -300.0, strict), name).holds


@pytest.mark.parametrize("exponent", [-0.2, -0.04, 0.0, 0.1])
def test_the_margin_exponent_is_the_power_of_log_loss_the_margin_follows_in_the_window(exponent):
    # Before the window the margin is far off the power law (10 and 0.001): the fit reads the
    # window only.
    margins = [10.0, 0.001] + [0.2 * (level / WINDOW[0]) ** exponent for level in WINDOW]
    tol = dataclasses.replace(LOOSE, a4_max_fall=0.05)
    fall = proxy(assumption_proxies(run(normalised_margin=margins), -300.0, tol), "A4 margin exponent")
    # Rounding only: the wrong reading against log L (not log |log L|) over -225..-300 gives
    # exponent * log(4/3) / 75, below 0.001 in size.
    assert fall.value == pytest.approx(exponent, abs=1e-12)
    assert fall.holds is (exponent >= -0.05)


def test_a_margin_that_is_not_positive_at_the_end_fails_a4_and_is_not_fitted():
    margins = [0.1, 0.1, 0.1, 0.05, 0.01, -0.02]
    checks = assumption_proxies(run(normalised_margin=margins), -300.0, LOOSE)
    positive = proxy(checks, "A4 normalised margin")
    assert positive.value == -0.02 and not positive.holds
    assert "A4 margin exponent" not in [c.name for c in checks]


def test_a5_is_the_largest_node_value_at_the_final_milestone():
    # Larger values before the end (a step-size transient) are not read.
    a5_logs = [np.array([0.5, 0.5])] * 5 + [np.array([-3.0, -1.5])]
    checks = assumption_proxies(run(node_log_a5=a5_logs), -300.0, dataclasses.replace(LOOSE, a5_max=0.3))
    a5 = proxy(checks, "A5 max eta*|w_u|*|grad_u L|")
    assert a5.value == pytest.approx(np.exp(-1.5), rel=1e-15)
    assert a5.holds
    tighter = assumption_proxies(run(node_log_a5=a5_logs), -300.0, dataclasses.replace(LOOSE, a5_max=0.2))
    assert not proxy(tighter, "A5 max eta*|w_u|*|grad_u L|").holds
    without = assumption_proxies(run(node_log_a5=a5_logs), -300.0, dataclasses.replace(LOOSE, a5_max=None))
    assert not any(c.name.startswith("A5") for c in without)


def test_a1_needs_the_target_reached():
    assert proxy(assumption_proxies(run(), -300.0, LOOSE), "A1 final log L").holds
    assert not proxy(assumption_proxies(run(), -300.5, LOOSE), "A1 final log L").holds


def test_a_window_of_too_few_milestones_fails_and_its_drifts_are_not_read():
    """Two snapshots from -225: the drifts and the margin's fit would rest on one step."""
    snaps = [snapshot(level, [0.8, 0.6]) for level in (-100.0, -200.0, -250.0, -300.0)]
    checks = assumption_proxies(trajectory(snaps), -300.0, LOOSE)
    milestones = proxy(checks, "late milestones")
    assert milestones.value == 2 and milestones.threshold == MIN_WINDOW_SNAPSHOTS and not milestones.holds
    names = [c.name for c in checks]
    assert not any(n.startswith(("A2", "A3")) or n == "A4 margin exponent" for n in names)


def test_every_proxy_holds_on_a_settled_run():
    """The same tolerances pass a run whose directions and margin do not move: the failures
    above come from the broken assumption, not from the thresholds."""
    checks = assumption_proxies(run(), -300.0, dataclasses.replace(LOOSE, a2_weight_drift=1e-12, a3_loss_drift=1e-12))
    assert [c.name for c in checks if not c.holds] == []
    assert len(checks) == 7
