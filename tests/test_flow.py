"""The gradient-flow integrator against closed forms, against GD with a small step, and its stops."""

import math

import numpy as np
import pytest
import torch
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from verify import simple_traj
from verify.cases import Case, DataSpec, lin_sep_architecture, simple_traj_architecture
from verify.data import Dataset, certify
from verify.errors import ConfigError
from verify.flow import FlowSettings, train_flow
from verify.gd import GDSettings
from verify.parameterisations import Parameterisation, ParamNet
from verify.profiles import examples
from verify.trajectory import StopReason

LIN_SEP = Case(DataSpec("lin-sep", seed=0), lin_sep_architecture(), Parameterisation("ewn"), init_seed=0)


def point(x: np.ndarray) -> Dataset:
    xs, ys = torch.tensor(x, dtype=torch.float64)[None], torch.ones(1, dtype=torch.float64)
    return Dataset("one point", xs, ys, 2, certify(xs, ys, 2))


@st.composite
def simple_traj_draws(draw):
    """x > 0 and w(0) > 0 of dimension 2-4 whose top two x_j w_j(0) differ by >= 10%."""
    d = draw(st.integers(2, 4))
    x = np.array(draw(st.lists(st.floats(0.25, 3.0), min_size=d, max_size=d)))
    w0 = np.array(draw(st.lists(st.floats(0.1, 1.5), min_size=d, max_size=d)))
    top = np.sort(x * w0)[::-1]
    assume(top[0] >= 1.1 * top[1])
    return x, w0


def flow_on_point(kind, x, w0, target=-40.0, **options):
    arch = simple_traj_architecture(len(x))
    net = ParamNet(arch, Parameterisation(kind))
    flow_settings = FlowSettings(target_log_loss=target, snapshot_every=10.0, **options)
    return train_flow(net, point(x), simple_traj.weights_for(arch, w0), flow_settings)


def node_values(snapshot) -> np.ndarray:
    """The scalar weights w_j of a Simple-Traj snapshot (node j's only trainable entry)."""
    return np.exp(snapshot.node_log_norm)


@settings(max_examples=examples(12), deadline=None)
@given(simple_traj_draws())
def test_ewn_flow_matches_the_closed_form(draw):
    x, w0 = draw
    trajectory = flow_on_point("ewn", x, w0)
    assert trajectory.stop_reason is StopReason.TARGET
    worst = 0.0
    for snapshot in trajectory.snapshots[1:]:
        exact = simple_traj.ewn_state(x, w0, -snapshot.log_loss)
        got = node_values(snapshot)
        assert np.isfinite(got).all()
        worst = max(worst, float(np.max(np.abs(got - exact) / np.abs(exact))))
    note(f"max relative error {worst:.3g} over {len(trajectory.snapshots) - 1} snapshots")
    # Issue 3 asks for <= 1e-9; LSODA at rtol 1e-10 measured 1e-11 to 3e-11.
    assert worst <= 1e-9
    assert int(np.argmax(node_values(trajectory.final))) == simple_traj.predicted_winner(x, w0)


@pytest.mark.parametrize("kind", ["swn", "unnorm"])
def test_scalar_flows_move_along_x(kind):
    x, w0 = np.array([2.0, 1.0, 0.5]), np.array([0.3, 0.9, 0.4])
    trajectory = flow_on_point(kind, x, w0)
    for snapshot in trajectory.snapshots[1:]:
        exact = simple_traj.linear_state(x, w0, -snapshot.log_loss)
        np.testing.assert_allclose(node_values(snapshot), exact, rtol=1e-9, atol=0)


def test_flow_time_matches_the_closed_form():
    # Unnorm, one point: dPhi/dt = ||x||^2 e^-Phi, so t = (e^Phi - e^Phi0) / ||x||^2.
    x, w0 = np.array([1.5, 0.5]), np.array([0.2, 0.7])
    trajectory = flow_on_point("unnorm", x, w0, target=-600.0)
    phi0 = float(x @ w0)
    for snapshot in trajectory.snapshots[1:]:
        phi = -snapshot.log_loss
        log_t = phi + math.log1p(-math.exp(phi0 - phi)) - 2 * math.log(float(np.linalg.norm(x)))
        assert math.isfinite(snapshot.log_d)
        assert abs(snapshot.log_d - log_t) <= 1e-9 * abs(log_t)
    assert trajectory.final.log_d > 590, "t = e^600 must be carried in log space"


@pytest.mark.parametrize(("target", "every"), [(-100.0, 25.0), (-1.0, 1 / 12)])
def test_snapshots_and_stop_are_exact(target, every):
    """Snapshots at every multiple j * every between the start and the target, however fine
    the grid (a grid of 1/12 once drifted off its multiples and failed to bracket 0)."""
    flow_settings = FlowSettings(target_log_loss=target, snapshot_every=every)
    trajectory = train_flow(LIN_SEP.net(), LIN_SEP.dataset(), LIN_SEP.initial_weights(), flow_settings)
    levels = trajectory.series("log_loss")
    first = math.ceil(levels[0] / every) - 1
    np.testing.assert_allclose(levels[1:], every * np.arange(first, round(target / every) - 1, -1), rtol=0, atol=1e-9)
    assert trajectory.stop_reason is StopReason.TARGET
    assert (np.diff(trajectory.log_loss_history) < 0).all()
    assert (np.diff(trajectory.series("attempts")) > 0).all()


@pytest.mark.parametrize("kind", ["ewn", "swn", "unnorm"])
def test_gd_with_a_small_step_tracks_the_flow(kind):
    case = LIN_SEP.with_param(Parameterisation(kind))
    deviations = []
    for k in (2e-3, 1e-3):
        gd = case.train(GDSettings(k0=k, k_max=k, c=1.0, grow=1.0, target_log_loss=-10.0, max_steps=20_000))
        flow = train_flow(case.net(), case.dataset(), case.initial_weights(), FlowSettings(target_log_loss=gd.final.log_loss))
        deviation = np.linalg.norm(gd.final.w - flow.final.w) / np.linalg.norm(flow.final.w)
        deviations.append(deviation)
    # O(eta): halving k measured a ratio of 1.98-2.04 for all three kinds.
    assert 1.7 <= deviations[0] / deviations[1] <= 2.3, f"relative deviations at k = 2e-3, 1e-3: {deviations}"
    assert deviations[1] < 1e-3


def test_budget_stop():
    flow_settings = FlowSettings(target_log_loss=-300.0, max_evaluations=50)
    trajectory = train_flow(LIN_SEP.net(), LIN_SEP.dataset(), LIN_SEP.initial_weights(), flow_settings)
    assert trajectory.stop_reason is StopReason.BUDGET
    assert trajectory.final.log_loss > -300.0


def test_bad_flow_settings():
    with pytest.raises(ConfigError, match="unknown flow method"):
        FlowSettings(method="euler")
    with pytest.raises(ConfigError, match="rtol"):
        FlowSettings(rtol=0.0)
    with pytest.raises(ConfigError, match="already at or below the target"):
        train_flow(LIN_SEP.net(), LIN_SEP.dataset(), LIN_SEP.initial_weights(), FlowSettings(target_log_loss=5.0))
