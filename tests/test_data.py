"""Seeded data generators: reproducible, separable by certificate, and refusing what is not."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from verify import data
from verify.cases import DataSpec, xor_architecture
from verify.errors import ConfigError, NotSeparableError
from verify.nets import forward, init_weights
from verify.strategies import binary_data, multiclass_data


def verified_margin(ds: data.Dataset) -> float:
    """The margin the certificate's separator attains, recomputed from scratch."""
    phi = data.FEATURES[ds.certificate.features](ds.x).numpy()
    u = ds.certificate.separator
    if ds.y.is_floating_point():
        return float((ds.y.numpy() * (phi @ u)).min())
    scores = phi @ u.reshape(ds.num_classes, -1).T
    y = ds.y.numpy()
    true = scores[np.arange(len(y)), y]
    scores[np.arange(len(y)), y] = -np.inf
    return float((true - scores.max(axis=1)).min())


@given(spec=binary_data() | multiclass_data())
def test_generated_sets_are_certified_and_reproducible(spec: DataSpec):
    ds, again = spec.build(), spec.build()
    assert torch.equal(ds.x, again.x) and torch.equal(ds.y, again.y)
    assert ds.x.shape == (spec.m, spec.d)
    assert ds.certificate.margin > 0
    assert verified_margin(ds) >= ds.certificate.margin - 1e-7


@given(spec=binary_data())
def test_binary_points_respect_the_requested_margin(spec: DataSpec):
    ds = spec.build()
    assert float(ds.x.norm(dim=1).max()) <= 1.0
    assert ds.loss == "exponential"


@pytest.mark.parametrize("build", [data.xor, data.single_point, lambda: data.lin_sep(torch.Generator().manual_seed(5))])
def test_paper_sets_are_certified(build):
    ds = build()
    assert verified_margin(ds) >= ds.certificate.margin - 1e-7 > 0


def test_lin_sep_keeps_the_paper_points_and_draws_one_per_class():
    ds = data.lin_sep(torch.Generator().manual_seed(3))
    assert ds.x[:2].tolist() == [[1.0, 1.0], [-1.0, 1.0]]
    assert ds.y.tolist() == [-1.0, 1.0, -1.0, 1.0]
    assert 1.0 <= float(ds.x[2, 0]) <= 2.0 and -2.0 <= float(ds.x[3, 0]) <= -1.0


def test_different_seeds_give_different_sets():
    a = data.binary_separable(10, 3, 0.1, torch.Generator().manual_seed(0))
    b = data.binary_separable(10, 3, 0.1, torch.Generator().manual_seed(1))
    assert not torch.equal(a.x, b.x)


@given(st.integers(0, 2**31 - 1), st.integers(2, 6))
def test_binary_sets_have_both_labels(seed, m):
    """Draws with one label are drawn again; the smallest (seed 0, 4 points in 2-D) was one."""
    ds = DataSpec("binary", seed=seed, m=m, d=2, margin=0.1).build()
    assert set(ds.y.tolist()) == {-1.0, 1.0}


def test_a_binary_set_with_both_labels_is_drawn_as_before():
    """Only one-label draws are drawn again: a set that had both labels keeps its points."""
    generator = torch.Generator().manual_seed(0)
    u = torch.randn(3, generator=generator, dtype=torch.float64)
    u = u / u.norm()
    first = data._draw_until(10, 3, generator, lambda b: (b @ u).abs() >= 0.1, "a binary separable set")
    assert set(torch.sign(first @ u).tolist()) == {-1.0, 1.0}
    assert torch.equal(data.binary_separable(10, 3, 0.1, torch.Generator().manual_seed(0)).x, first)


def test_generators_leave_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    data.binary_separable(10, 3, 0.1, torch.Generator().manual_seed(0))
    assert torch.equal(torch.rand(3), expected)


def test_xor_is_not_linearly_separable():
    xor = data.xor()
    with pytest.raises(NotSeparableError, match="not separable through linear"):
        data.make_dataset("xor-linear", xor.x, xor.y)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(m=1, d=2, margin=0.1), "m=1"),
        (dict(m=5, d=0, margin=0.1), "d=0"),
        (dict(m=5, d=2, margin=1.5), "margin=1.5"),
    ],
)
def test_bad_generator_arguments_name_the_value(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        data.binary_separable(generator=torch.Generator().manual_seed(0), **kwargs)


@pytest.mark.parametrize(
    "x, y, classes, message",
    [
        ([[0.0, 1.0]], [2.0], 2, "must be \\+1 or -1"),
        ([[0.0, float("nan")]], [1.0], 2, "non-finite"),
        ([[0.0, 1.0], [1.0, 0.0]], [0, 3], 3, "0..2"),
        ([[0.0, 1.0]], [1.0, 1.0], 2, "shape"),
    ],
)
def test_bad_arrays_are_refused(x, y, classes, message):
    with pytest.raises(ConfigError, match=message):
        data.make_dataset("bad", x, y, num_classes=classes)


def test_unknown_data_kind_is_named():
    with pytest.raises(ConfigError, match="'spiral'"):
        DataSpec("spiral")


@given(st.integers(0, 2**31 - 1), st.integers(3, 4), st.integers(0, 3))
def test_multiclass_sets_have_every_class(seed, k, extra):
    """Draws missing a class are drawn again; with m = k, most first draws miss one."""
    ds = data.multiclass_separable(k + extra, 2, k, 0.1, torch.Generator().manual_seed(seed))
    assert sorted(set(ds.y.tolist())) == list(range(k))
    assert ds.loss == "cross_entropy"


def test_a_multiclass_set_with_every_class_is_drawn_as_before():
    """Only draws missing a class are drawn again: a set with every class keeps its points."""
    generator = torch.Generator().manual_seed(3)
    u = torch.randn(3, 2, generator=generator, dtype=torch.float64)
    u = u / u.norm(dim=1, keepdim=True)
    spread = float(torch.pdist(u).min())

    def gap(b):
        top2 = (b @ u.T).topk(2, dim=1).values
        return top2[:, 0] - top2[:, 1] >= 0.1 * spread

    first = data._draw_until(12, 2, generator, gap, "a multi-class separable set")
    assert set((first @ u.T).argmax(dim=1).tolist()) == {0, 1, 2}
    assert torch.equal(data.multiclass_separable(12, 2, 3, 0.1, torch.Generator().manual_seed(3)).x, first)


def test_multiclass_sets_need_a_point_per_class():
    with pytest.raises(ConfigError, match="m=3 must be an integer >= k=4"):
        data.multiclass_separable(3, 2, 4, 0.1, torch.Generator().manual_seed(0))


def test_two_class_xor_is_the_exponential_xor_doubled():
    ce, exp = data.xor(classes=True), data.xor()
    assert ce.loss == "cross_entropy" and exp.loss == "exponential"
    weights = init_weights(xor_architecture(6), torch.Generator().manual_seed(0))
    two = [weights[0], xor_architecture(6, 2).frozen[1].values]
    difference = forward(xor_architecture(6, 2), two, ce.x) @ torch.tensor([-1.0, 1.0], dtype=torch.float64)
    assert torch.allclose(difference, 2 * forward(xor_architecture(6), weights, exp.x)[:, 0], rtol=1e-15, atol=0)
