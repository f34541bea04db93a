"""The trainers on CUDA agree with the CPU; skipped cleanly where there is no GPU."""

import pytest
import torch
from agreement import assert_trajectories_agree, sensitivity, snapshot_deviations

from verify.cases import Case, DataSpec, lin_sep_architecture, train_cases
from verify.flow import FlowSettings, train_flow
from verify.gd import GDSettings, train_gd
from verify.parameterisations import Parameterisation

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]

# CPU and CUDA differ in the order of every reduction and in their exp / log, so each
# evaluation differs by a few ulps, which GD carries forward (tests/agreement.py, with a CPU
# shadow for where the dynamics amplify). Measured on an H200 in agreement's units: EWN
# 5.1e-14 and Unnorm 1.8e-15 per step; SWN near its stability edge grew to 2.3e-5 by step 339,
# as a CPU run perturbed by 4e-16 does (2.1e-5), which the shadow covers. 1e-12 per step.
CUDA_PER_STEP = 1e-12


@pytest.mark.parametrize("kind", ["ewn", "swn", "unnorm"])
def test_cuda_trajectory_matches_cpu(kind):
    case = Case(DataSpec("lin-sep"), lin_sep_architecture(), Parameterisation(kind))
    settings = GDSettings(c=1 - 1 / 30, k_max=0.01, target_log_loss=-50.0)
    cpu, gpu = case.train(settings, "cpu"), case.train(settings, "cuda")
    on_cpu = sensitivity(lambda w, case=case: train_gd(case.net(), case.dataset(), w, settings), case.initial_weights(), cpu)
    agreement = assert_trajectories_agree(gpu, cpu, CUDA_PER_STEP, on_cpu)
    print(f"\ncuda-vs-cpu {kind}: {agreement}")


def test_cuda_batch_matches_cpu():
    cases = [
        Case(DataSpec("binary", seed=s, m=10), lin_sep_architecture(), Parameterisation("ewn"), init_seed=s) for s in range(8)
    ]
    settings = GDSettings(c=1 - 1 / 30, k_max=0.01, target_log_loss=-50.0)
    cpu, gpu = train_cases(cases, settings, "cpu"), train_cases(cases, settings, "cuda")
    for case, a, b in zip(cases, cpu, gpu):
        on_cpu = sensitivity(lambda w, case=case: train_gd(case.net(), case.dataset(), w, settings), case.initial_weights())
        print(f"\ncuda-vs-cpu batch row: {assert_trajectories_agree(b, a, CUDA_PER_STEP, on_cpu)}")


def test_cuda_flow_matches_cpu():
    case = Case(DataSpec("lin-sep"), lin_sep_architecture(), Parameterisation("ewn"))
    settings = FlowSettings(target_log_loss=-50.0)
    args = (case.net(), case.dataset(), case.initial_weights(), settings)
    cpu, gpu = train_flow(*args, device="cpu"), train_flow(*args, device="cuda")
    # Rounding only makes the solver choose different adaptive steps; each solve stays within
    # its own global error of the exact flow. Measured on the CPU in tests/agreement.py's units:
    # this rtol-1e-10 solve is 1.9e-9 from an rtol-1e-11 one (a proxy for the exact flow), so
    # two rtol-1e-10 solves differ by at most about twice that: 1e-8.
    assert len(gpu.snapshots) == len(cpu.snapshots)
    deviations = [max(snapshot_deviations(a, b).values()) for a, b in zip(gpu.snapshots, cpu.snapshots)]
    print(f"\ncuda-vs-cpu flow: worst deviation {max(deviations):.3g}")
    assert max(deviations) <= 1e-8


@pytest.mark.parametrize("name", ["xor", "pruning"])
def test_experiment_runs_on_cuda(name, tmp_path):
    """The batched experiments at a tiny budget on CUDA give the same claim outcomes as on the CPU."""
    from test_experiments import tiny_config

    from verify import experiment as experiments
    from verify import packs

    path = tiny_config(tmp_path, name)
    outcomes = {
        device: [
            c["status"]
            for c in experiments.run_experiment(
                packs.installed()["ewn"].experiment(name), tmp_path / device, device=device, config_path=path
            )["claims"]
        ]
        for device in ("cpu", "cuda")
    }
    assert outcomes["cuda"] == outcomes["cpu"]
