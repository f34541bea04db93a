"""Bad configurations raise ConfigError with a one-line message naming the bad value."""

import pytest
import torch

from verify.cases import Case, DataSpec, lin_sep_architecture
from verify.errors import ConfigError
from verify.gd import GDSettings, train_gd
from verify.nets import Architecture, Frozen, init_weights
from verify.parameterisations import Parameterisation, ParamNet


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    "build, fragment",
    [
        (lambda: Architecture(2, (8,), 1, "tanh"), "'tanh'"),
        (lambda: Architecture(2, (0,), 1, "relu"), "width 0"),
        (lambda: Architecture(0, (3,), 1, "relu"), "input_dim=0"),
        (
            lambda: Architecture(2, (3,), 1, "relu", {5: Frozen(torch.ones(1, 3, dtype=torch.bool), torch.ones(1, 3))}),
            "frozen layer 5",
        ),
        (
            lambda: Architecture(2, (3,), 1, "relu", {1: Frozen(torch.tensor([[True, False, False]]), torch.ones(1, 3))}),
            "frozen non-zero",
        ),
        (
            lambda: Architecture(
                2,
                (3,),
                1,
                "relu",
                {
                    0: Frozen(torch.ones(3, 2, dtype=torch.bool), torch.ones(3, 2)),
                    1: Frozen(torch.ones(1, 3, dtype=torch.bool), torch.ones(1, 3)),
                },
            ),
            "every layer is frozen",
        ),
        (lambda: Parameterisation("batchnorm"), "'batchnorm'"),
        (lambda: GDSettings(target_log_loss=float("nan")), "nan"),
        (lambda: GDSettings(c=1.5), "c=1.5"),
        (lambda: GDSettings(k_max=-1.0), "k_max=-1.0"),
        (lambda: GDSettings(shrink=0.5), "shrink=0.5"),
        (lambda: GDSettings(max_steps=0), "max_steps=0"),
        (lambda: DataSpec("spiral"), "'spiral'"),
    ],
)
def test_bad_configuration_is_named(build, fragment):
    with pytest.raises(ConfigError) as error:
        build()
    assert fragment in one_line(error)


CASE = Case(DataSpec("lin-sep"), lin_sep_architecture(), Parameterisation("ewn"))


def test_float32_is_refused():
    with pytest.raises(ConfigError) as error:
        train_gd(CASE.net(), CASE.dataset(), CASE.initial_weights(), GDSettings(), dtype=torch.float32)
    assert "float32" in one_line(error)


def test_data_and_architecture_must_agree():
    arch = Architecture(3, (4,), 1, "relu")
    with pytest.raises(ConfigError) as error:
        train_gd(ParamNet(arch, Parameterisation("ewn")), CASE.dataset(), init_weights(arch, torch.Generator()), GDSettings())
    assert "expects 3" in one_line(error)


def test_non_finite_initial_state_is_refused():
    weights = CASE.initial_weights()
    weights[1][0, 0] = float("inf")
    with pytest.raises(ConfigError) as error:
        train_gd(ParamNet(CASE.arch, Parameterisation("unnorm")), CASE.dataset(), weights, GDSettings())
    assert "not finite" in one_line(error)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message given when CUDA is missing")
def test_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(ConfigError) as error:
        CASE.train(GDSettings(), device="cuda")
    assert "CUDA is not available" in one_line(error)
