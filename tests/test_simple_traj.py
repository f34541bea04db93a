"""The Simple-Traj closed forms: they start at w(0) and land exactly on the requested loss level."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify import simple_traj
from verify.errors import ConfigError


@given(d=st.integers(1, 5), seed=st.integers(0, 10_000), extra=st.floats(0.0, 500.0))
def test_closed_forms_hit_the_level(d, seed, extra):
    rng = np.random.default_rng(seed)
    x, w0 = rng.uniform(0.5, 2.0, d), rng.uniform(0.2, 1.5, d)
    level = float(x @ w0) + extra
    for state in (simple_traj.ewn_state(x, w0, level), simple_traj.linear_state(x, w0, level)):
        assert np.isfinite(state).all()
        assert float(x @ state) == pytest.approx(level, rel=1e-10)


def test_closed_forms_start_at_w0():
    x, w0 = np.array([2.0, 1.0]), np.array([0.6, 1.0])
    assert np.allclose(simple_traj.ewn_state(x, w0, float(x @ w0)), w0)
    assert np.allclose(simple_traj.linear_state(x, w0, float(x @ w0)), w0)


def test_ewn_winner_takes_the_direction():
    x, w0 = np.array([2.0, 1.0]), np.array([0.6, 1.0])
    w = simple_traj.ewn_state(x, w0, 1e6)
    assert w[0] / np.linalg.norm(w) > 0.999999


def test_negative_weights_are_refused():
    with pytest.raises(ConfigError, match="positive"):
        simple_traj.ewn_state(np.array([1.0, 1.0]), np.array([-0.5, 1.0]), 10.0)
