"""The max-margin oracle: exact on hand cases, KKT-verified on drawn ones."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings

from verify import data, max_margin
from verify.errors import ConfigError
from verify.strategies import binary_data


def test_two_points_give_their_bisector():
    ds = data.make_dataset("pair", [[1.0, 0.0], [0.0, -1.0]], [1.0, -1.0])
    mm = max_margin.max_margin_direction(ds)
    assert np.allclose(mm.direction, np.array([1.0, 1.0]) / np.sqrt(2), atol=1e-12)
    assert mm.margin == pytest.approx(1 / np.sqrt(2), rel=1e-12)


def test_a_point_inside_the_hull_does_not_move_the_answer():
    base = [[2.0, 1.0], [1.0, 2.0]]
    a = max_margin.max_margin_direction(data.make_dataset("a", base, [1.0, 1.0]))
    b = max_margin.max_margin_direction(data.make_dataset("b", base + [[3.0, 3.0]], [1.0, 1.0, 1.0]))
    assert np.allclose(a.direction, b.direction, atol=1e-12)


@given(spec=binary_data(m=(4, 20), d=(2, 5)))
@settings(max_examples=40)
def test_drawn_sets_pass_the_kkt_check(spec):
    mm = max_margin.max_margin_direction(spec.build())
    assert mm.kkt_residual <= 1e-9
    assert np.isclose(np.linalg.norm(mm.direction), 1.0)


def test_end_to_end_multiplies_the_layers():
    shapes = [(2, 3), (1, 2)]
    w1, w2 = np.arange(6.0).reshape(2, 3), np.array([[1.0, -1.0]])
    theta = max_margin.end_to_end(shapes, np.concatenate([w1.ravel(), w2.ravel()]))
    assert np.allclose(theta, (w2 @ w1)[0])


def test_cross_entropy_labels_are_refused():
    ds = data.multiclass_separable(8, 2, 3, 0.1, torch.Generator().manual_seed(0))
    with pytest.raises(ConfigError, match="labels"):
        max_margin.max_margin_direction(ds)
