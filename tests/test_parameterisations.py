"""w -> (alpha, v) or (gamma, v) -> w round trips, and the shape of each parameterisation."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from verify.cases import simple_traj_architecture, xor_architecture
from verify.errors import ConfigError
from verify.nets import Architecture, init_weights
from verify.parameterisations import KINDS, Parameterisation, ParamNet
from verify.strategies import architectures, seeds

# w/||w|| times exp(log ||w||) differs from w by a few ulps.
ROUND_TRIP_ATOL = 1e-12

frozen_archs = st.sampled_from([xor_architecture(6), simple_traj_architecture(3)])


@given(arch=architectures() | frozen_archs, seed=seeds(), kind=st.sampled_from(KINDS), last=st.booleans())
def test_round_trip_is_exact(arch, seed, kind, last):
    weights = init_weights(arch, torch.Generator().manual_seed(seed), scale=3.0)
    net = ParamNet(arch, Parameterisation(kind, normalise_last=last))
    back = net.weights(net.params_from_weights(weights))
    for w, b in zip(weights, back):
        assert torch.isfinite(b).all()
        assert float((w - b).abs().max()) <= ROUND_TRIP_ATOL * max(1.0, float(w.abs().max()))


def test_normalised_parameters_have_unit_v_and_log_scale():
    arch = Architecture(2, (3,), 1, "relu")
    weights = init_weights(arch, torch.Generator().manual_seed(0))
    alpha, v, _, _ = ParamNet(arch, Parameterisation("ewn")).params_from_weights(weights)
    assert torch.allclose(v.norm(dim=1), torch.ones(3, dtype=torch.float64), atol=1e-15)
    assert torch.allclose(alpha, weights[0].norm(dim=1).log(), atol=1e-15)
    gamma, _, _, _ = ParamNet(arch, Parameterisation("swn")).params_from_weights(weights)
    assert torch.allclose(gamma, weights[0].norm(dim=1), atol=1e-15)


def test_unnormalised_last_layer_keeps_raw_weights():
    arch = Architecture(2, (3,), 1, "relu")
    weights = init_weights(arch, torch.Generator().manual_seed(0))
    theta = ParamNet(arch, Parameterisation("ewn", normalise_last=False)).params_from_weights(weights)
    assert len(theta) == 3
    assert torch.equal(theta[2], weights[1])


def test_frozen_layers_get_no_parameters_and_keep_their_values():
    arch = xor_architecture(4)
    net = ParamNet(arch, Parameterisation("ewn"))
    weights = init_weights(arch, torch.Generator().manual_seed(1))
    theta = net.params_from_weights(weights)
    assert len(theta) == 2
    moved = [t + 0.3 for t in theta]
    assert torch.equal(net.weights(moved)[1], weights[1])


def test_v_norm_does_not_change_w():
    arch = Architecture(2, (3,), 1, "relu")
    weights = init_weights(arch, torch.Generator().manual_seed(2))
    for kind in ("ewn", "swn"):
        net = ParamNet(arch, Parameterisation(kind))
        theta = net.params_from_weights(weights)
        theta[1] = theta[1] * torch.tensor([[0.5], [2.0], [7.0]], dtype=torch.float64)
        assert torch.allclose(net.weights(theta)[0], weights[0], atol=1e-14)


@pytest.mark.parametrize("kind", ["ewn", "swn"])
def test_zero_node_is_refused_by_normalised_kinds(kind):
    arch = Architecture(2, (3,), 1, "relu")
    weights = init_weights(arch, torch.Generator().manual_seed(0))
    weights[0][1] = 0.0
    with pytest.raises(ConfigError, match="zero node"):
        ParamNet(arch, Parameterisation(kind)).params_from_weights(weights)
