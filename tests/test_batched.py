"""The batched GD trainer: rows equal the one-network trainer, padding is inert, bad batches are named."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from agreement import assert_trajectories_agree, sensitivity

from verify.batched import Problem, _Batch, train_batch, train_grouped
from verify.cases import Case, DataSpec, lin_sep_architecture, train_cases
from verify.errors import ConfigError
from verify.gd import GDSettings, train_gd
from verify.nets import Architecture
from verify.objective import Objective
from verify.parameterisations import Parameterisation, ParamNet
from verify.trajectory import StopReason

SETTINGS = GDSettings(c=1 - 1 / 30, k0=0.01, k_max=0.01, target_log_loss=-60.0, max_steps=4_000, snapshot_every=10.0)
ARCH = Architecture(3, (5,), 1, "relu2")


def binary_case(kind: str, seed: int, m: int = 8) -> Case:
    return Case(DataSpec("binary", seed=seed, m=m, d=3), ARCH, Parameterisation(kind), init_seed=seed)


# Batched and loop evaluations sum in different orders (padding reorders the sums over points,
# and another CPU's kernels reorder any sum): a few ulps per evaluation (test below), which GD
# carries forward. Measured on padded rows over 1,221 steps: <= 2.9e-14 per step under AVX512
# and 2.7e-15 under ATEN_CPU_CAPABILITY=default, one thread or two; rows of equal size were
# bit-identical here. 1e-12 per step leaves 35x for another CPU; a step size off by 1e-6
# (test_a_step_size_off_by_a_millionth_is_rejected) deviates by 1e-9 per step.
ROUNDING_PER_STEP = 1e-12


def assert_same_trajectory(batched, case, settings):
    """`batched` is case's one-network trajectory up to rounding, its amplification measured by
    a shadow of the one-network trainer (tests/agreement.py)."""
    alone = case.train(settings)
    on_loop = sensitivity(lambda w: train_gd(case.net(), case.dataset(), w, settings), case.initial_weights(), alone)
    return assert_trajectories_agree(batched, alone, ROUNDING_PER_STEP, on_loop)


@pytest.mark.parametrize("kind", ["ewn", "swn", "unnorm"])
def test_each_row_equals_the_one_network_trainer(kind):
    cases = [binary_case(kind, seed) for seed in range(4)]
    # Per-row settings: a different target, cap and snapshot spacing on each row.
    settings = [
        replace(SETTINGS, target_log_loss=-40.0 - 10 * i, k_max=0.01 * (1 + i), snapshot_every=5.0 + i) for i in range(len(cases))
    ]
    batched = train_cases(cases, settings)
    for case, s, trajectory in zip(cases, settings, batched):
        assert_same_trajectory(trajectory, case, s)


def test_rows_keep_their_own_stop_reasons():
    case = binary_case("ewn", 0)
    dead_arch = Architecture(3, (4,), 1, "relu")
    dead = [torch.zeros(4, 3, dtype=torch.float64), torch.zeros(1, 4, dtype=torch.float64)]
    problems = [
        case.problem(SETTINGS),
        case.problem(replace(SETTINGS, max_steps=7)),
    ]
    stall = Problem(ParamNet(dead_arch, Parameterisation("unnorm")), case.dataset(), dead, replace(SETTINGS, patience=20))
    reasons = [t.stop_reason for t in train_batch(problems)] + [train_batch([stall])[0].stop_reason]
    assert reasons == [StopReason.TARGET, StopReason.BUDGET, StopReason.STALLED]


def test_cross_entropy_rows_equal_the_one_network_trainer():
    arch = Architecture(2, (6,), 3, "relu2")
    cases = [
        Case(DataSpec("multiclass", seed=seed, m=9, d=2, k=3), arch, Parameterisation("ewn"), init_seed=seed) for seed in range(3)
    ]
    settings = replace(SETTINGS, target_log_loss=-30.0)
    for case, trajectory in zip(cases, train_cases(cases, settings)):
        assert_same_trajectory(trajectory, case, settings)


def test_grouped_training_returns_results_in_input_order():
    cases = [
        binary_case("ewn", 0),
        Case(DataSpec("lin-sep", seed=1), lin_sep_architecture(), Parameterisation("swn"), init_seed=1),
        binary_case("unnorm", 2, m=6),
        binary_case("ewn", 3, m=6),
        binary_case("ewn", 4),
    ]
    settings = replace(SETTINGS, target_log_loss=-20.0)
    grouped = train_grouped([c.problem(settings) for c in cases], max_batch=1)
    for case, trajectory in zip(cases, grouped):
        assert_same_trajectory(trajectory, case, settings)


@pytest.mark.parametrize("kind", ["ewn", "swn", "unnorm"])
def test_padded_points_add_nothing_to_the_loss_or_gradient(kind):
    problems = [binary_case(kind, seed, m=3 + seed).problem(SETTINGS) for seed in range(6)]
    batch = _Batch(problems, "cpu")
    assert int(batch.points.sum()) == sum(int(p.data.x.shape[0]) for p in problems)
    values, grads = batch.value_and_grad(batch.theta)
    for row, problem in enumerate(problems):
        objective = Objective(problem.net, problem.data)
        value, grad = objective.value_and_grad(problem.net.params_from_weights(problem.weights))
        # Padding reorders the sums over points: measured deviation <= 4.7e-16 relative.
        assert abs(float(values[row]) - value) <= 1e-14 * abs(value)
        for batched_grad, alone in zip(grads, grad):
            assert float((batched_grad[row] - alone).abs().max()) <= 1e-14 * float(alone.abs().max())


def test_padded_rows_follow_the_same_trajectory():
    cases = [binary_case("ewn", seed, m=4 + 2 * seed) for seed in range(3)]
    settings = replace(SETTINGS, target_log_loss=-30.0)
    padded = train_batch([c.problem(settings) for c in cases])
    for case, trajectory in zip(cases, padded):
        assert_same_trajectory(trajectory, case, settings)


def test_mismatched_case_is_named():
    problems = [binary_case("ewn", 0).problem(SETTINGS), binary_case("swn", 1).problem(SETTINGS)]
    with pytest.raises(ConfigError, match="case 1 does not match case 0"):
        train_batch(problems)


def test_non_finite_initial_state_is_named():
    problems = [binary_case("unnorm", seed).problem(SETTINGS) for seed in range(3)]
    bad = [w.clone() for w in problems[2].weights]
    bad[0][0, 0] = float("nan")
    problems[2] = replace(problems[2], weights=bad)
    with pytest.raises(ConfigError, match="case 2: initial state is not finite"):
        train_batch(problems)
    with pytest.raises(ConfigError, match="case 2: initial state is not finite"):
        train_grouped(problems, max_batch=2)


def test_zero_node_is_named():
    problems = [binary_case("ewn", seed).problem(SETTINGS) for seed in range(2)]
    zero = [w.clone() for w in problems[1].weights]
    zero[0][2] = 0.0
    problems[1] = replace(problems[1], weights=zero)
    with pytest.raises(ConfigError, match="case 1: layer 0 has a zero node"):
        train_batch(problems)


def test_plain_trainer_is_the_batch_of_one():
    case = binary_case("swn", 5)
    assert_same_trajectory(train_batch([case.problem(SETTINGS)])[0], case, SETTINGS)


def test_a_step_size_off_by_a_millionth_is_rejected():
    """The agreement tolerance rejects the nearest wrong trainer: the same rule with k off by 1e-6."""
    case = binary_case("ewn", 1)
    wrong = replace(SETTINGS, k0=SETTINGS.k0 * (1 + 1e-6), k_max=SETTINGS.k_max * (1 + 1e-6))
    with pytest.raises(AssertionError):
        assert_same_trajectory(train_batch([case.problem(wrong)])[0], case, SETTINGS)


def test_decisions_may_part_only_at_a_tie():
    """Histories that part where one run's accepted step moved log L within rounding (a tie)
    agree; histories that part where both steps moved log L clearly do not."""
    alone = binary_case("swn", 2).train(SETTINGS)
    history = alone.log_loss_history
    tie = np.concatenate([history[:5], [history[4] - 1e-15], history[5:] - 1e-3])
    assert_trajectories_agree(replace(alone, log_loss_history=tie), alone, ROUNDING_PER_STEP)
    parted = np.concatenate([history[:5], history[5:] - 1e-3])
    with pytest.raises(AssertionError, match="neither run was within rounding of a tie"):
        assert_trajectories_agree(replace(alone, log_loss_history=parted), alone, ROUNDING_PER_STEP)
