"""verify.closed_form: log L and its theta-gradient equal autograd's to rounding, and central
finite differences to their truncation error, on every architecture kind the harness builds."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import closed_form
from verify.cases import DataSpec, simple_traj_architecture, xor_architecture
from verify.closed_form import ClosedForm
from verify.data import Dataset
from verify.errors import ConfigError
from verify.nets import Architecture, init_weights
from verify.objective import ENGINES, Objective
from verify.parameterisations import KINDS, Parameterisation, ParamNet
from verify.strategies import architectures, seeds

# Both engines sum the same products in another order (NumPy's BLAS against torch's kernels),
# so they differ by a few ulps of the largest intermediate. Measured over 400 draws of
# problems(): value <= 4.6e-15 relative to max(1, |log L|), gradient <= 8.5e-14 relative to its
# largest entry. 1e-12 leaves 12x; a gradient taken 1e-9 away (a stale one) is 1.6e-9 off.
ROUNDING = 1e-12
# Central differences with h = STEP * max(1, |theta_i|): each difference of two log L values
# carries their rounding, a few ulps of |log L|, divided by 2h (the floor below), plus a
# truncation error that grows with the net's curvature (the relative term). Measured over
# 1,200 draws of problems(decades=0..2): the error is <= 0.54 of 1e-8 * largest entry +
# eps (1 + |log L|) / STEP, so 1e-7 and ten times that floor leave at least 18x. A gradient
# with one factor wrong (ReLU^2's slope r in place of 2r) is off by O(1) of the largest entry.
STEP = 1e-6
DIFFERENCE_RELATIVE = 1e-7
DIFFERENCE_FLOOR_ULPS = 10.0


@st.composite
def problems(draw, decades: int = 3):
    """(net, data, theta): plain nets of depth 1-3 on both losses, and the frozen layouts (XOR's
    fixed output layer, Simple-Traj's fixed zeros), weights scaled by 10^(-decades..decades).
    With 3 decades, 12 of 47 cross-entropy draws (of 300) had a point on the loss's series
    branch (a <= -30)."""
    frozen = draw(st.sampled_from([None, "xor", "simple-traj"]))
    seed = draw(seeds())
    if frozen == "xor":
        arch = xor_architecture(2 * draw(st.integers(1, 3)))
    elif frozen == "simple-traj":
        arch = simple_traj_architecture(draw(st.integers(2, 4)))
    else:
        classes = draw(st.sampled_from([1, 3]))
        arch = draw(architectures(input_dim=st.integers(1, 3), output_dim=st.just(classes), widths=(2, 5)))
    if arch.output_dim == 1:
        spec = DataSpec("binary", seed=seed, m=draw(st.integers(2, 8)), d=arch.input_dim)
    else:
        spec = DataSpec("multiclass", seed=seed, m=draw(st.integers(3, 8)), d=max(arch.input_dim, 2), k=arch.output_dim)
        arch = Architecture(spec.d, arch.widths, arch.output_dim, arch.activation)
    net = ParamNet(arch, Parameterisation(draw(st.sampled_from(KINDS)), normalise_last=draw(st.booleans())))
    scale = 10.0 ** draw(st.integers(-decades, decades))
    weights = init_weights(arch, torch.Generator().manual_seed(seed), scale=scale)
    return net, spec.build(), net.params_from_weights(weights)


def assert_gradients_close(grads, expected, tol, floor=0.0):
    """Every entry within tol of the largest expected entry, plus an absolute floor."""
    top = max(float(np.abs(g).max()) for g in expected)
    for g, e in zip(grads, expected):
        assert np.isfinite(g).all()
        assert float(np.abs(np.asarray(g) - np.asarray(e)).max()) <= tol * top + floor


def difference_floor(value: float) -> float:
    return DIFFERENCE_FLOOR_ULPS * np.finfo(np.float64).eps * (1 + abs(value)) / STEP


@settings(max_examples=60, deadline=None)
@given(problem=problems())
def test_value_and_gradient_equal_autograd(problem):
    net, data, theta = problem
    value, grads = ClosedForm(net, data).value_and_grad([t.numpy() for t in theta])
    expected_value, expected = Objective(net, data, engine="autograd").value_and_grad(theta)
    assert math.isfinite(value) and math.isfinite(expected_value)
    assert abs(value - expected_value) <= ROUNDING * max(1.0, abs(expected_value))
    assert_gradients_close(grads, [g.numpy() for g in expected], ROUNDING)
    assert ClosedForm(net, data).log_loss([t.numpy() for t in theta]) == pytest.approx(value, rel=ROUNDING, abs=ROUNDING)


def central_differences(form: ClosedForm, theta: list[np.ndarray]) -> list[np.ndarray]:
    grads = []
    for index, t in enumerate(theta):
        grad = np.zeros_like(t)
        for position in np.ndindex(t.shape):
            h = STEP * max(1.0, abs(t[position]))
            values = []
            for sign in (1, -1):
                moved = [p.copy() for p in theta]
                moved[index][position] += sign * h
                values.append(form.log_loss(moved))
            grad[position] = (values[0] - values[1]) / (2 * h)
        grads.append(grad)
    return grads


@settings(max_examples=20, deadline=None)
@given(problem=problems(decades=2))
def test_gradient_equals_central_differences(problem):
    net, data, theta = problem
    form = ClosedForm(net, data)
    arrays = [t.numpy().copy() for t in theta]
    value, grads = form.value_and_grad(arrays)
    assert_gradients_close(grads, central_differences(form, arrays), DIFFERENCE_RELATIVE, difference_floor(value))


def test_the_rounding_band_rejects_a_stale_gradient():
    """The gradient at theta moved by 1e-9 (relative), as a gradient kept from the previous
    state would be, falls outside ROUNDING."""
    arch = Architecture(3, (5,), 1, "relu2")
    net = ParamNet(arch, Parameterisation("ewn"))
    data = DataSpec("binary", seed=3, m=8, d=3).build()
    theta = net.params_from_weights(init_weights(arch, torch.Generator().manual_seed(3)))
    moved = [t * (1 + 1e-9) for t in theta]
    _, grads = ClosedForm(net, data).value_and_grad([t.numpy() for t in moved])
    _, expected = Objective(net, data, engine="autograd").value_and_grad(theta)
    with pytest.raises(AssertionError):
        assert_gradients_close(grads, [g.numpy() for g in expected], ROUNDING)


def test_a_wrong_relu2_slope_is_caught_by_finite_differences(monkeypatch):
    """The finite-difference band rejects the nearest wrong formula: ReLU^2's slope r, not 2r."""
    right = closed_form._activate

    def wrong(name, z):
        value, slope = right(name, z)
        return value, slope / 2 if name == "relu2" else slope

    arch = Architecture(3, (5,), 1, "relu2")
    net = ParamNet(arch, Parameterisation("unnorm"))
    data = DataSpec("binary", seed=1, m=8, d=3).build()
    arrays = [t.numpy().copy() for t in net.params_from_weights(init_weights(arch, torch.Generator().manual_seed(1)))]
    form = ClosedForm(net, data)
    expected = central_differences(form, arrays)
    value, grads = form.value_and_grad(arrays)
    assert_gradients_close(grads, expected, DIFFERENCE_RELATIVE, difference_floor(value))
    monkeypatch.setattr(closed_form, "_activate", wrong)
    value, grads = form.value_and_grad(arrays)
    with pytest.raises(AssertionError):
        assert_gradients_close(grads, expected, DIFFERENCE_RELATIVE, difference_floor(value))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scale", [1e-200, 1e-3, 1.0, 1e200])
def test_log_norm_equals_the_autograd_engines_at_any_scale(kind, scale):
    arch = Architecture(2, (4,), 1, "relu")
    net = ParamNet(arch, Parameterisation(kind))
    weights = [w * scale for w in init_weights(arch, torch.Generator().manual_seed(0))]
    theta = net.params_from_weights(weights)
    data = DataSpec("binary", m=4).build()
    closed = Objective(net, data).log_norm(theta)
    expected = Objective(net, data, engine="autograd").log_norm(theta)
    # log ||w|| is |log scale| + O(1): a few ulps of it, in nats.
    assert math.isfinite(closed) and abs(closed - expected) <= 1e-13 * max(1.0, abs(expected))


def test_a_non_finite_state_is_returned_not_raised():
    arch = Architecture(2, (3,), 1, "relu2")
    net = ParamNet(arch, Parameterisation("unnorm"))
    data = DataSpec("binary", m=4).build()
    theta = [t.numpy().copy() for t in net.params_from_weights(init_weights(arch, torch.Generator().manual_seed(0)))]
    theta[0][0, 0] = math.nan
    value, grads = ClosedForm(net, data).value_and_grad(theta)
    assert not (math.isfinite(value) and all(np.isfinite(g).all() for g in grads))


def test_the_cpu_default_is_the_closed_form_and_an_unknown_engine_is_named():
    arch = Architecture(2, (3,), 1, "relu")
    net = ParamNet(arch, Parameterisation("ewn"))
    data = DataSpec("binary", m=4).build()
    assert Objective(net, data).engine == "closed-form"
    with pytest.raises(ConfigError, match="unknown engine 'jax'"):
        Objective(net, data, engine="jax")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_a_minibatch_is_the_data_set_of_its_points(engine, kind):
    """value_and_grad over `points` equals the autograd engine's on a data set of those points."""
    spec = DataSpec(kind, seed=5, m=9, d=3, k=3)
    data = spec.build()
    arch = Architecture(3, (4,), 1 if kind == "binary" else 3, "relu2")
    net = ParamNet(arch, Parameterisation("ewn"))
    theta = net.params_from_weights(init_weights(arch, torch.Generator().manual_seed(5)))
    points = torch.tensor([7, 2, 4, 0])
    subset = Dataset(data.name, data.x[points], data.y[points], data.num_classes, data.certificate)
    value, grads = Objective(net, data, engine=engine).value_and_grad(theta, points)
    expected_value, expected = Objective(net, subset, engine="autograd").value_and_grad(theta)
    assert abs(value - expected_value) <= ROUNDING * max(1.0, abs(expected_value))
    assert_gradients_close([g.numpy() for g in grads], [g.numpy() for g in expected], ROUNDING)
    whole, _ = Objective(net, data, engine=engine).value_and_grad(theta)
    assert whole > value  # the other five points' losses are left out


def test_the_closed_form_engine_is_refused_off_the_cpu():
    arch = Architecture(2, (3,), 1, "relu")
    net = ParamNet(arch, Parameterisation("ewn"))
    with pytest.raises(ConfigError, match="the closed-form engine runs on the CPU only, not on meta"):
        Objective(net, DataSpec("binary", m=4).build(), device="meta", engine="closed-form")
