"""Phi(lambda w, x) = lambda^L Phi(w, x) and Euler's w^T grad_w Phi = L Phi, for drawn architectures."""

import pytest
import torch
from hypothesis import given, note
from hypothesis import strategies as st

from verify.cases import simple_traj_architecture, xor_architecture
from verify.nets import Architecture, forward, init_weights
from verify.strategies import architectures, seeds

# Both identities are exact in real arithmetic; 1e-10 leaves room for float64 rounding
# through up to three layers and lambda^7 (ReLU^2 at depth 3).
RTOL = 1e-10


def scaled(arch: Architecture, weights, lam):
    return [torch.where(arch.trainable_mask(i), lam * w, w) for i, w in enumerate(weights)]


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    assert torch.isfinite(a).all() and torch.isfinite(b).all()
    return float((a - b).abs().max() / b.abs().max().clamp(min=1e-300))


frozen_archs = st.sampled_from([xor_architecture(4), xor_architecture(20), simple_traj_architecture(3)])


@given(arch=architectures() | frozen_archs, seed=seeds(), lam=st.floats(0.25, 4.0))
def test_homogeneity_and_euler(arch, seed, lam):
    g = torch.Generator().manual_seed(seed)
    weights = init_weights(arch, g)
    x = torch.randn(7, arch.input_dim, generator=g, dtype=torch.float64)
    phi = forward(arch, weights, x)
    scaled_err = relative_error(forward(arch, scaled(arch, weights, lam), x), lam**arch.degree * phi)

    def along_w(t):
        return forward(arch, scaled(arch, weights, t), x)

    _, directional = torch.func.jvp(along_w, (torch.tensor(1.0, dtype=torch.float64),), (torch.tensor(1.0, dtype=torch.float64),))
    euler_err = relative_error(directional, arch.degree * phi)
    note(f"degree={arch.degree} homogeneity rel err={scaled_err:.2e} euler rel err={euler_err:.2e}")
    assert scaled_err <= RTOL
    assert euler_err <= RTOL


@pytest.mark.parametrize(
    "arch, degree",
    [
        (Architecture(3, (), 1, "relu"), 1),
        (Architecture(3, (4,), 1, "relu2"), 3),
        (Architecture(3, (4, 4), 1, "relu2"), 7),
        (Architecture(3, (4, 4, 4), 1, "linear"), 4),
        (xor_architecture(20), 1),
        (simple_traj_architecture(2), 1),
    ],
)
def test_degree_follows_the_recursion(arch, degree):
    assert arch.degree == degree


def test_same_function_deep_linear_has_one_end_to_end_map():
    from verify.cases import same_function_deep_linear

    maps = []
    for depth in (1, 2, 3, 4):
        product = torch.eye(3, dtype=torch.float64)
        for layer in same_function_deep_linear(3, depth, seed=7):
            product = layer @ product
        maps.append(product)
    for other in maps[1:]:
        assert torch.allclose(other, maps[0], rtol=1e-12, atol=1e-14)


def scaled_layer(arch: Architecture, weights, layer: int, lam):
    return [torch.where(arch.trainable_mask(i), lam * w, w) if i == layer else w for i, w in enumerate(weights)]


@given(arch=architectures() | frozen_archs, seed=seeds(), lam=st.floats(0.25, 4.0))
def test_each_layer_degree_is_the_homogeneity_of_that_layer_alone(arch, seed, lam):
    """Phi(lambda W_l, others fixed) = lambda^(d_l) Phi, measured by scaling one layer; the
    trainable layers' degrees add up to the net's degree."""
    g = torch.Generator().manual_seed(seed)
    weights = init_weights(arch, g)
    x = torch.randn(7, arch.input_dim, generator=g, dtype=torch.float64)
    phi = forward(arch, weights, x)
    for layer in range(arch.depth):
        err = relative_error(forward(arch, scaled_layer(arch, weights, layer, lam), x), lam ** arch.layer_degree(layer) * phi)
        note(f"layer {layer}: degree {arch.layer_degree(layer)}, rel err {err:.2e}")
        assert err <= RTOL
    assert sum(arch.layer_degree(layer) for layer in range(arch.depth)) == arch.degree
