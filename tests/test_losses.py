"""log L against a 50-digit mpmath reference, far into underflow, for both losses."""

import mpmath
import pytest
import torch

from verify import losses

mpmath.mp.dps = 50

# Float64 carries ~16 digits; summing m <= 8 terms in log space loses at most a few ulps.
LOG_LOSS_RTOL = 1e-12
LOG_LEVELS = [-10.0, -300.0, -1000.0, -10000.0]


def exponential_reference(margin):
    return mpmath.log(mpmath.fsum(mpmath.exp(-mpmath.mpf(float(mi))) for mi in margin[:, 0]))


def cross_entropy_reference(outputs, y):
    total = mpmath.mpf(0)
    for row, label in zip(outputs.tolist(), y.tolist()):
        s = mpmath.fsum(mpmath.exp(mpmath.mpf(o) - mpmath.mpf(row[label])) for j, o in enumerate(row) if j != label)
        total += mpmath.log1p(s)
    return mpmath.log(total)


def exponential_case(level, seed):
    """Margins spread over a few nats whose log-sum-exp sits near `level`."""
    g = torch.Generator().manual_seed(seed)
    margin = -level + 3 * torch.rand(8, 1, generator=g, dtype=torch.float64)
    return margin


def cross_entropy_case(level, seed, k=4):
    g = torch.Generator().manual_seed(seed)
    outputs = torch.randn(8, k, generator=g, dtype=torch.float64)
    y = torch.randint(0, k, (8,), generator=g)
    outputs[torch.arange(8), y] += -level
    return outputs, y


def relerr(value, reference):
    assert torch.isfinite(torch.as_tensor(value))
    return abs((mpmath.mpf(float(value)) - reference) / reference)


@pytest.mark.parametrize("level", LOG_LEVELS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exponential_log_loss_matches_mpmath(level, seed):
    margin = exponential_case(level, seed)
    assert relerr(losses.log_loss("exponential", margin), exponential_reference(margin)) <= LOG_LOSS_RTOL


@pytest.mark.parametrize("level", LOG_LEVELS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_entropy_log_loss_matches_mpmath(level, seed):
    outputs, y = cross_entropy_case(level, seed)
    value = losses.log_loss_of_outputs("cross_entropy", outputs, y)
    assert relerr(value, cross_entropy_reference(outputs, y)) <= LOG_LOSS_RTOL


def test_cross_entropy_near_the_series_switch_is_continuous():
    a = torch.tensor([-30.0 - 1e-9, -30.0, -30.0 + 1e-9, -5.0, 0.0, 40.0], dtype=torch.float64)
    for value, ai in zip(losses.log_softplus(a).tolist(), a.tolist()):
        reference = mpmath.log(mpmath.log1p(mpmath.exp(mpmath.mpf(ai))))
        assert abs((mpmath.mpf(value) - reference) / reference) <= LOG_LOSS_RTOL


@pytest.mark.parametrize("loss", ["exponential", "cross_entropy"])
@pytest.mark.parametrize("level", LOG_LEVELS)
def test_gradient_of_log_loss_is_finite_far_into_underflow(loss, level):
    if loss == "exponential":
        outputs = exponential_case(level, 0).requires_grad_(True)
        y = torch.ones(8, dtype=torch.float64)
    else:
        outputs, y = cross_entropy_case(level, 0)
        outputs.requires_grad_(True)
    (grad,) = torch.autograd.grad(losses.log_loss_of_outputs(loss, outputs, y), outputs)
    assert torch.isfinite(grad).all()
    assert float(grad.abs().sum()) > 0


def test_exponential_loss_direction_matches_mpmath():
    margin = exponential_case(-1000.0, 3)
    direction = losses.loss_direction("exponential", margin)
    ells = [mpmath.exp(-mpmath.mpf(float(mi))) for mi in margin[:, 0]]
    norm = mpmath.sqrt(mpmath.fsum(e * e for e in ells))
    for d, e in zip(direction.tolist(), ells):
        assert abs(mpmath.mpf(d) - e / norm) <= 1e-14


def test_normalised_margin_divides_by_norm_to_the_degree():
    margin = torch.tensor([[3.0], [2.0], [5.0]], dtype=torch.float64)
    value = losses.normalised_margin(margin, torch.log(torch.tensor(2.0, dtype=torch.float64)), degree=3)
    assert float(value) == pytest.approx(2.0 / 8.0, rel=1e-15)
