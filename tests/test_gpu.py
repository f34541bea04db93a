"""The trainers on CUDA agree with the CPU; skipped cleanly where there is no GPU."""

import numpy as np
import pytest
import torch

from verify.cases import Case, DataSpec, lin_sep_architecture, train_cases
from verify.flow import FlowSettings, train_flow
from verify.gd import GDSettings
from verify.parameterisations import Parameterisation

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


@pytest.mark.parametrize("kind", ["ewn", "swn", "unnorm"])
def test_cuda_trajectory_matches_cpu(kind):
    case = Case(DataSpec("lin-sep"), lin_sep_architecture(), Parameterisation(kind))
    settings = GDSettings(c=1 - 1 / 30, k_max=0.01, target_log_loss=-50.0)
    cpu, gpu = case.train(settings, "cpu"), case.train(settings, "cuda")
    assert gpu.stop_reason is cpu.stop_reason
    assert (gpu.accepted, gpu.rejected) == (cpu.accepted, cpu.rejected)
    # Reduction order differs between devices and GD amplifies the ulps: measured on an H200,
    # SWN ended 2.2e-7 relative apart after 349 steps.
    assert np.allclose(gpu.final.w, cpu.final.w, rtol=1e-4, atol=1e-12)


def test_cuda_batch_matches_cpu():
    cases = [Case(DataSpec("binary", seed=s, m=10), lin_sep_architecture(), Parameterisation("ewn"), init_seed=s) for s in range(8)]
    settings = GDSettings(c=1 - 1 / 30, k_max=0.01, target_log_loss=-50.0)
    cpu, gpu = train_cases(cases, settings, "cpu"), train_cases(cases, settings, "cuda")
    for a, b in zip(cpu, gpu):
        assert b.stop_reason is a.stop_reason
        assert (b.accepted, b.rejected) == (a.accepted, a.rejected)
        # Measured on an H200: up to 1.2e-5 relative apart (an EWN row with 30 undone steps).
        assert np.allclose(b.final.w, a.final.w, rtol=1e-3, atol=1e-12)


def test_cuda_flow_matches_cpu():
    case = Case(DataSpec("lin-sep"), lin_sep_architecture(), Parameterisation("ewn"))
    settings = FlowSettings(target_log_loss=-50.0)
    args = (case.net(), case.dataset(), case.initial_weights(), settings)
    cpu, gpu = train_flow(*args, device="cpu"), train_flow(*args, device="cuda")
    # The solver's adaptive steps follow rounding; rtol 1e-10 integration keeps states within ~1e-8.
    assert np.allclose(gpu.final.w, cpu.final.w, rtol=1e-7, atol=0)


@pytest.mark.parametrize("name", ["xor", "pruning"])
def test_experiment_runs_on_cuda(name, tmp_path):
    """The batched experiments at a tiny budget on CUDA give the same claim outcomes as on the CPU."""
    from test_experiments import tiny_config

    from verify import experiments

    path = tiny_config(tmp_path, name)
    outcomes = {
        device: [c["status"] for c in experiments.run_experiment(name, tmp_path / device, device=device, config_path=path)["claims"]]
        for device in ("cpu", "cuda")
    }
    assert outcomes["cuda"] == outcomes["cpu"]
