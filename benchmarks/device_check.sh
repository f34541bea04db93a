#!/bin/sh
# The device check, as one prepared script for a lent GPU machine (writes into $OUT):
#  1. the GPU tests, printing each CPU-against-CUDA agreement in tests/agreement.py's units;
#  2. the numerical tests on that machine's CPU (another CPU than the project's) under its
#     native kernels and under baseline kernels with one thread (torch's ATEN_CPU_CAPABILITY=default;
#     for the closed-form engine NumPy's X86_V2 baseline and OpenBLAS's SSE kernels).
# Run from the repository root: sh benchmarks/device_check.sh
OUT=${OUT:-reports/device}
mkdir -p "$OUT"
NUMERIC="tests/test_closed_form.py tests/test_reference.py tests/test_batched.py tests/test_trainer.py tests/test_flow.py tests/test_data.py tests/test_homogeneity.py tests/test_losses.py tests/test_parameterisations.py tests/test_simple_traj.py tests/test_max_margin.py"
{
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  lscpu | grep 'Model name'
  python3 -c "import torch; print('torch', torch.__version__, 'capability', torch.backends.cpu.get_cpu_capability())"
} > "$OUT/machine.txt" 2>&1
timeout 150 python3 -m pytest -q -s -p no:cacheprovider -n 0 tests/test_gpu.py > "$OUT/gpu_tests.txt" 2>&1
echo "exit $?" >> "$OUT/gpu_tests.txt"
timeout 100 python3 -m pytest -q -p no:cacheprovider -n 8 $NUMERIC > "$OUT/numeric_native.txt" 2>&1
echo "exit $?" >> "$OUT/numeric_native.txt"
ATEN_CPU_CAPABILITY=default NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR" OPENBLAS_CORETYPE=Nehalem OMP_NUM_THREADS=1 timeout 100 python3 -m pytest -q -p no:cacheprovider -n 8 $NUMERIC > "$OUT/numeric_default_1thread.txt" 2>&1
echo "exit $?" >> "$OUT/numeric_default_1thread.txt"
