"""The core's margin and KKT oracles, against computations that share no code with them."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.cases import Case, DataSpec
from verify.errors import ConfigError
from verify.gd import GDSettings
from verify.kkt import kkt_residual, margins_and_gradients, weights_from_vector
from verify.margins import largest_drawdown, log_smoothed_margin
from verify.max_margin import max_margin_direction
from verify.nets import Architecture, init_weights
from verify.parameterisations import Parameterisation


@given(log_loss=st.floats(-1e4, -1e-6), log_norm=st.floats(-50, 50), degree=st.integers(1, 4))
def test_smoothed_margin_matches_mpmath(log_loss, log_norm, degree):
    expected = mpmath.log(-mpmath.mpf(log_loss) / mpmath.exp(degree * mpmath.mpf(log_norm)))
    assert abs(float(log_smoothed_margin(log_loss, log_norm, degree)) - float(expected)) <= 1e-12 * max(1.0, abs(float(expected)))


def test_smoothed_margin_is_undefined_before_the_threshold():
    assert np.isnan(log_smoothed_margin(np.array([0.0, 0.5]), np.array([0.0, 0.0]), 2)).all()


@given(st.lists(st.floats(-100, 100), min_size=1, max_size=30))
def test_largest_drawdown_is_the_worst_fall_below_an_earlier_value(values):
    fall, at = largest_drawdown(np.array(values))
    brute = max([values[i] - values[j] for i in range(len(values)) for j in range(i, len(values))])
    assert fall == pytest.approx(max(brute, 0.0), abs=1e-12)
    assert (at == -1) == (fall == 0.0)


def test_recorded_smoothed_margin_on_a_run_is_the_definition():
    """At every snapshot, the per-step history gives gamma~ = -log L / ||w||^L with w the
    snapshot's own weights (numpy's norm), on a ReLU^3 run with a generic step schedule."""
    case = Case(
        DataSpec("binary", seed=3, m=8, d=2, margin=0.2), Architecture(2, (5,), 1, "relu3"), Parameterisation("unnorm"), 4
    )
    run = case.train(GDSettings(k0=0.01, k_max=0.01, c=1 - 1 / 30, grow=1.0, target_log_loss=-20.0, snapshot_every=2.0))
    for s in run.snapshots:
        if s.log_loss < 0:
            expected = math.log(-s.log_loss) - 4 * math.log(np.linalg.norm(s.w))
            recorded = log_smoothed_margin(run.log_loss_history[s.step], run.log_norm_history[s.step], 4)
            assert abs(float(recorded) - expected) <= 1e-12


def linear_set(seed: int):
    data = DataSpec("binary", seed=seed, m=12, d=3, margin=0.1).build()
    return data, Architecture(3, (), 1, "linear")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kkt_residual_is_zero_at_the_svm_and_not_off_it(seed):
    data, arch = linear_set(seed)
    direction = max_margin_direction(data).direction
    assert kkt_residual(arch, data, direction).epsilon <= 1e-10
    # A separating direction tilted off the SVM one is not a KKT point of (P).
    tilted = direction + 0.05 * np.linalg.svd(direction[None, :])[2][1]
    assert float((data.y[:, None] * data.x).numpy().dot(tilted).min()) > 0, "the tilt must still separate"
    assert kkt_residual(arch, data, tilted).epsilon >= 1e-3


def test_kkt_uses_the_near_active_points_only():
    """With every point allowed (huge tau), the cone of all margin gradients can contain a
    non-KKT direction: the restriction is what gives epsilon its meaning."""
    data, arch = linear_set(0)
    direction = max_margin_direction(data).direction
    tilted = direction + 0.05 * np.linalg.svd(direction[None, :])[2][1]
    assert kkt_residual(arch, data, tilted, tau=1e6).epsilon < kkt_residual(arch, data, tilted, tau=0.05).epsilon


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 100), activation=st.sampled_from(["relu2", "relu3", "linear"]))
def test_margin_gradients_match_finite_differences_and_euler(seed, activation):
    data = DataSpec("binary", seed=seed, m=6, d=2, margin=0.2).build()
    arch = Architecture(2, (4,), 1, activation)
    w = torch.cat([t.flatten() for t in init_weights(arch, torch.Generator().manual_seed(seed), 1.0)]).numpy()
    q, grads = margins_and_gradients(arch, data, w)
    # Euler's identity for an L-homogeneous margin: <grad q_n, w> = L q_n.
    assert np.allclose(grads.T @ w, arch.degree * q, rtol=1e-10, atol=1e-12)
    h = 1e-6
    for index in range(0, len(w), 3):
        step = np.zeros_like(w)
        step[index] = h
        numeric = (margins_and_gradients(arch, data, w + step)[0] - margins_and_gradients(arch, data, w - step)[0]) / (2 * h)
        assert np.allclose(numeric, grads[index], rtol=1e-5, atol=1e-7)


def test_weights_from_vector_round_trips_and_refuses_a_wrong_length():
    arch = Architecture(3, (4, 2), 1, "relu2")
    weights = init_weights(arch, torch.Generator().manual_seed(0), 1.0)
    w = torch.cat([t.flatten() for t in weights]).numpy()
    assert all(torch.equal(a, b) for a, b in zip(weights_from_vector(arch, w), weights))
    with pytest.raises(ConfigError, match="w has 21 entries, the architecture 22"):
        weights_from_vector(arch, w[:-1])
