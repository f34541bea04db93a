"""verify.norms: exact to rounding at any scale, and bit for bit torch's norm where that is safe."""

import math

import pytest
import torch

from verify import norms

BASE = torch.tensor([[3.0, -4.0, 12.0], [1.0, 0.0, 0.0]], dtype=torch.float64)
LENGTHS = torch.tensor([13.0, 1.0], dtype=torch.float64)


@pytest.mark.parametrize("scale", [1e-320, 1e-200, 1e-160, 1.0, 1e160, 1e300])
def test_norm_and_unit_follow_the_scale(scale):
    """Closed form: ||s v|| = s ||v|| and (s v) / ||s v|| = v / ||v||, far past where squares
    leave the doubles (1e-160^2 underflows, 1e160^2 overflows). 1e-320 is subnormal, kept to
    the 1e-3 its few significant bits carry."""
    v = BASE * scale
    expected = LENGTHS * scale
    rel = 1e-3 if scale < 1e-300 else 1e-15
    assert torch.allclose(norms.norm(v), expected, rtol=rel, atol=0)
    assert torch.allclose(norms.unit(v), BASE / LENGTHS[:, None], rtol=rel, atol=0)


def test_the_safe_range_is_torchs_own_norm_bit_for_bit():
    generator = torch.Generator().manual_seed(0)
    exponents = torch.randint(-100, 100, (50, 1), generator=generator).double()
    v = torch.randn(50, 7, generator=generator, dtype=torch.float64) * torch.pow(10.0, exponents)
    assert torch.equal(norms.norm(v), v.norm(dim=-1))
    assert torch.equal(norms.unit(v), v / v.norm(dim=-1, keepdim=True))


def test_a_zero_vector_has_norm_zero_and_no_direction():
    zero = torch.zeros(1, 3, dtype=torch.float64)
    assert float(norms.norm(zero)[0]) == 0.0
    assert all(math.isnan(x) for x in norms.unit(zero)[0].tolist())
