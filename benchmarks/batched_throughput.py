"""Network-steps per second: the batched GD trainer against a one-network-at-a-time loop.

Run: python benchmarks/batched_throughput.py [--device cuda] [--steps 200]
Cases: the prototype's setting, 20 points in 2-D, 2 layers of 8 hidden ReLU^2, EWN, each case
with its own data seed and initialisation. Every network runs exactly --steps attempted
steps (the target is out of reach, so each stops on its budget). The loop runs
verify.gd.train_gd on min(B, --loop-cases) of the cases; its rate per network does not
depend on B. Both are measured in this run, so the printed ratio is what to compare.
"""

from __future__ import annotations

import argparse
import time

import torch

from verify.batched import train_batch
from verify.cases import Case, DataSpec
from verify.gd import GDSettings
from verify.nets import Architecture
from verify.parameterisations import Parameterisation

ARCH = Architecture(2, (8,), 1, "relu2")


def cases(count: int) -> list[Case]:
    return [
        Case(DataSpec("binary", seed=seed, m=20, d=2, margin=0.1), ARCH, Parameterisation("ewn"), init_seed=seed)
        for seed in range(count)
    ]


def rate(run, network_steps: int, device: str) -> float:
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    run()
    if device == "cuda":
        torch.cuda.synchronize()
    return network_steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--loop-cases", type=int, default=16)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 16, 256, 1024])
    args = parser.parse_args()
    settings = GDSettings(c=1 - 1 / 30, k0=0.01, k_max=0.01, target_log_loss=-1e9, max_steps=args.steps)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    print(f"EWN, 20 points, 8 hidden ReLU^2, {args.steps} steps per network")
    print(f"{'B':>6} {'loop net-steps/s':>17} {'batched net-steps/s':>20} {'ratio':>7}")
    for size in args.sizes:
        problems = [case.problem(settings) for case in cases(size)]
        looped = problems[: min(size, args.loop_cases)]
        loop = rate(
            lambda looped=looped: [case.train(settings, args.device) for case in cases(len(looped))],
            len(looped) * args.steps,
            args.device,
        )
        batched = rate(
            lambda problems=problems: train_batch(problems, args.device, record_history=False), size * args.steps, args.device
        )
        print(f"{size:>6} {loop:>17.0f} {batched:>20.0f} {batched / loop:>7.1f}")


if __name__ == "__main__":
    main()
