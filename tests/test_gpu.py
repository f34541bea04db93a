"""The trainer on CUDA agrees with the CPU; skipped cleanly where there is no GPU."""

import numpy as np
import pytest
import torch

from verify.cases import Case, DataSpec, lin_sep_architecture
from verify.gd import GDSettings
from verify.parameterisations import Parameterisation

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


@pytest.mark.parametrize("kind", ["ewn", "swn", "unnorm"])
def test_cuda_trajectory_matches_cpu(kind):
    case = Case(DataSpec("lin-sep"), lin_sep_architecture(), Parameterisation(kind))
    settings = GDSettings(c=1 - 1 / 30, k_max=0.01, target_log_loss=-50.0)
    cpu, gpu = case.train(settings, "cpu"), case.train(settings, "cuda")
    assert gpu.stop_reason is cpu.stop_reason
    # Reduction order differs between devices; 1e-8 relative over a few hundred steps is measured slack.
    assert np.allclose(gpu.final.w, cpu.final.w, rtol=1e-8, atol=0)
