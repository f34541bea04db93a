#!/bin/sh
# The GPU check, as one script for a machine with CUDA: the GPU tests, then the benchmark tables
# with device="cuda" beside the same tables on that machine's CPU.
# Run from the repository root: sh benchmarks/gpu_run.sh
set -e
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0))"
python3 -m pytest -q -p no:cacheprovider tests/test_gpu.py || echo 'GPU tests FAILED'
python3 benchmarks/batched_throughput.py --device cuda --steps 200 --loop-cases 4 --sizes 1 16 256 1024 4096 16384
python3 benchmarks/batched_throughput.py --device cpu --steps 200 --sizes 1 16 256 1024
python3 benchmarks/flow_cost.py --device cuda
python3 benchmarks/linsep_steps.py --device cuda --seeds 1
