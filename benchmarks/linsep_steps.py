"""Steps and seconds for each parameterisation to reach log L = -300 on the Lin-Sep setting.

Run: python benchmarks/linsep_steps.py [--device cuda]
All rows are measured in the same run, on the same case (data seed 0, init seed 0),
so the ratios between them are what to compare across machines.
"""

from __future__ import annotations

import argparse
import time

from verify.cases import Case, DataSpec, lin_sep_architecture
from verify.gd import GDSettings
from verify.parameterisations import Parameterisation

# The paper's caps: k <= 0.01 for EWN and SWN on Lin-Sep; Unnorm run at the same cap.
ROWS = [(kind, c) for c in (1.0, 1 - 1 / 30) for kind in ("ewn", "swn", "unnorm")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print(f"Lin-Sep, 2 layers, 8 hidden ReLU^2, k0 = k_max = 0.01, target log L = -300, device {args.device}")
    print(f"{'param':>7} {'c':>7} {'seed':>4} {'stop':>15} {'accepted':>9} {'rejected':>9} {'seconds':>8} {'us/step':>8}")
    for kind, c in ROWS:
        for seed in range(args.seeds):
            case = Case(DataSpec("lin-sep", seed=seed), lin_sep_architecture(), Parameterisation(kind), init_seed=seed)
            settings = GDSettings(c=c, k_max=0.01, target_log_loss=-300.0, max_steps=200_000)
            start = time.perf_counter()
            trajectory = case.train(settings, args.device)
            seconds = time.perf_counter() - start
            attempts = trajectory.accepted + trajectory.rejected
            print(
                f"{kind:>7} {c:7.4f} {seed:4d} {trajectory.stop_reason.value:>15} {trajectory.accepted:9d} "
                f"{trajectory.rejected:9d} {seconds:8.2f} {1e6 * seconds / attempts:8.0f}"
            )


if __name__ == "__main__":
    main()
