"""The adaptive loss-based GD trainer: reaching e^-300, undo, stop reasons, reproducibility."""

import math

import numpy as np
import pytest
import torch

from verify.cases import Case, DataSpec, lin_sep_architecture
from verify.gd import GDSettings, train_gd
from verify.nets import Architecture
from verify.objective import Objective
from verify.parameterisations import Parameterisation, ParamNet
from verify.trajectory import StopReason

LIN_SEP = Case(DataSpec("lin-sep", seed=0), lin_sep_architecture(), Parameterisation("ewn"), init_seed=0)


def assert_monotone(trajectory):
    history = trajectory.log_loss_history
    assert np.isfinite(history).all()
    assert (np.diff(history) <= 0).all(), "log L rose between accepted steps"


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind, c",
    [("ewn", 1.0), ("swn", 1.0), ("unnorm", 1.0), ("ewn", 1 - 1 / 30)],
)
def test_lin_sep_reaches_e_minus_300(kind, c):
    settings = GDSettings(c=c, k_max=0.01, target_log_loss=-300.0, max_steps=50_000)
    trajectory = LIN_SEP.with_param(Parameterisation(kind)).train(settings)
    assert trajectory.stop_reason is StopReason.TARGET
    assert trajectory.final.log_loss <= -300.0
    assert_monotone(trajectory)


def test_huge_k_max_is_tamed_by_undo():
    settings = GDSettings(k0=1.0, k_max=1e6, c=1.0, target_log_loss=-10_000.0, max_steps=3_000)
    undone = 0
    for kind in ("ewn", "swn", "unnorm"):
        trajectory = LIN_SEP.with_param(Parameterisation(kind)).train(settings)
        undone += trajectory.rejected
        assert_monotone(trajectory)
        assert all(torch.isfinite(w).all() for w in trajectory.final_weights)
        assert np.isfinite(trajectory.series("w")).all()
    assert undone > 0, "the huge rate never triggered an undo, so this test exercised nothing"


def test_same_seed_gives_a_bit_identical_trajectory():
    settings = GDSettings(c=1 - 1 / 30, k_max=0.1, target_log_loss=-100.0)
    a, b = LIN_SEP.train(settings), LIN_SEP.train(settings)
    assert np.array_equal(a.log_loss_history, b.log_loss_history)
    for sa, sb in zip(a.snapshots, b.snapshots, strict=True):
        assert np.array_equal(sa.w, sb.w) and np.array_equal(sa.node_cos, sb.node_cos)


def test_snapshots_fall_on_milestones():
    settings = GDSettings(c=1 - 1 / 30, k_max=0.01, target_log_loss=-200.0, snapshot_every=25.0)
    trajectory = LIN_SEP.train(settings)
    levels = trajectory.series("log_loss")
    assert (np.diff(levels) < 0).all()
    milestones = np.floor(levels[1:-1] / 25.0)
    assert (np.diff(milestones) < 0).all(), "two snapshots inside one milestone interval"
    assert levels[-1] <= -200.0


def test_budget_and_stall_are_reported():
    budget = LIN_SEP.train(GDSettings(max_steps=5, target_log_loss=-300.0))
    assert budget.stop_reason is StopReason.BUDGET
    assert budget.accepted + budget.rejected == 5

    arch = Architecture(2, (4,), 1, "relu")
    dead = [torch.zeros(4, 2, dtype=torch.float64), torch.zeros(1, 4, dtype=torch.float64)]
    net = ParamNet(arch, Parameterisation("unnorm"))
    stalled = train_gd(net, LIN_SEP.dataset(), dead, GDSettings(patience=20))
    assert stalled.stop_reason is StopReason.STALLED


def test_snapshot_quantities_are_consistent():
    trajectory = LIN_SEP.train(GDSettings(c=1 - 1 / 30, target_log_loss=-100.0))
    final = trajectory.final
    assert final.normalised_margin > 0
    assert math.isclose(float(np.sum(final.node_share**2)), 1.0, rel_tol=1e-12)
    assert math.isclose(float(np.linalg.norm(final.grad_direction)), 1.0, rel_tol=1e-12)
    assert math.isclose(float(np.linalg.norm(final.loss_direction)), 1.0, rel_tol=1e-12)
    expected_a5 = final.log_eta + final.node_log_norm + final.node_log_grad_norm
    assert np.allclose(final.node_log_a5, expected_a5, rtol=0, atol=1e-12)
    assert final.w.shape == (8 * 2 + 8,)
    assert trajectory.series("node_share").shape == (len(trajectory.snapshots), 8 + 1)


@pytest.mark.parametrize("kind", ["ewn", "unnorm"])
def test_a_nearly_dead_node_is_recorded_as_its_scaled_copy(kind):
    """A ReLU^2 node's gradient scales with its weights, so its cosine is scale-free and its log
    gradient norm moves by the log of the scale. At 1e-170 the gradient's entries square below
    the smallest double: the snapshot must still give the values at 1e-3 (which the other nodes
    see as a 1e-6 change in the output, hence the tolerance), not inf or -inf."""
    arch = Architecture(3, (3,), 1, "relu2")
    data = DataSpec("binary", seed=4, m=8, d=3).build()
    net = ParamNet(arch, Parameterisation(kind))
    generator = torch.Generator().manual_seed(4)
    first, second = (
        torch.randn(3, 3, generator=generator, dtype=torch.float64),
        torch.randn(1, 3, generator=generator, dtype=torch.float64),
    )
    objective = Objective(net, data)

    def snapshot(scale):
        w = first.clone()
        w[0] *= scale / w[0].norm()
        return objective.measure(net.params_from_weights([w, second]), step=0, attempts=0, k=1.0, c=1.0, log_d=-math.inf)

    tiny, small = snapshot(1e-170), snapshot(1e-3)
    for s in (tiny, small):
        assert np.isfinite(s.node_cos).all() and np.isfinite(s.node_log_grad_norm).all()
    assert abs(tiny.node_cos[0] - small.node_cos[0]) <= 1e-5
    assert abs(tiny.node_log_grad_norm[0] - small.node_log_grad_norm[0] - math.log(1e-167)) <= 1e-5
    assert abs(tiny.node_log_norm[0] - math.log(1e-170)) <= 1e-12


def test_log_d_accumulates_the_learning_rates():
    trajectory = LIN_SEP.train(GDSettings(c=0.0, k0=0.01, k_max=0.01, max_steps=10, target_log_loss=-300.0))
    assert math.isclose(trajectory.final.log_d, math.log(0.01 * trajectory.accepted), rel_tol=1e-12)


@pytest.mark.parametrize("widths", [(3,), (2, 4)])
def test_node_layers_follow_the_recorded_node_order(widths):
    """Architecture.node_layers, read against the recorder: the log-norms a snapshot stores per
    node are numpy's norms of the final weights' rows, taken layer by layer in that order."""
    arch = Architecture(2, widths, 1, "relu2")
    case = Case(DataSpec("binary", seed=3, m=6, d=2, margin=0.2), arch, Parameterisation("ewn"), init_seed=1)
    trajectory = case.train(GDSettings(c=1 - 1 / 30, target_log_loss=-5.0, max_steps=2_000))
    rows = [np.linalg.norm(w.numpy(), axis=1) for w in trajectory.final_weights]
    layers = arch.node_layers()
    position = {layer: 0 for layer in set(layers)}
    expected = []
    for layer in layers:
        expected.append(np.log(rows[layer][position[layer]]))
        position[layer] += 1
    assert [len(r) for r in rows] == [layers.count(layer) for layer in range(arch.depth)]
    assert np.allclose(trajectory.final.node_log_norm, expected, rtol=0, atol=1e-12)
