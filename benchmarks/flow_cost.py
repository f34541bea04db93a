"""Gradient evaluations per nat of gradient flow, for EWN, SWN and Unnorm on the Lin-Sep setting.

Run: python benchmarks/flow_cost.py [--device cuda] [--target -300]
Lin-Sep (data seed 0, init seed 0), 2 layers, 8 hidden ReLU^2, all three parameterisations from
the same initial function, flowed to --target in loss time. Three solvers side by side:
LSODA (switches to BDF when the problem turns stiff; verify.flow's default) and the explicit
DOP853 and RK45. The ratio column is evaluations per nat over EWN's with the same solver.
"""

from __future__ import annotations

import argparse
import time

from verify.cases import Case, DataSpec, lin_sep_architecture
from verify.flow import FlowSettings, train_flow
from verify.parameterisations import Parameterisation


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--target", type=float, default=-300.0)
    args = parser.parse_args()
    print(f"Lin-Sep, 8 hidden ReLU^2, flow to log L = {args.target}, rtol 1e-10, device {args.device}")
    print(f"{'method':>7} {'param':>7} {'stop':>15} {'evaluations':>12} {'per nat':>8} {'vs EWN':>7} {'seconds':>8}")
    for method in ("LSODA", "DOP853", "RK45"):
        ewn_rate = None
        for kind in ("ewn", "swn", "unnorm"):
            case = Case(DataSpec("lin-sep", seed=0), lin_sep_architecture(), Parameterisation(kind), init_seed=0)
            settings = FlowSettings(target_log_loss=args.target, method=method, max_evaluations=500_000)
            start = time.perf_counter()
            trajectory = train_flow(case.net(), case.dataset(), case.initial_weights(), settings, args.device)
            seconds = time.perf_counter() - start
            evaluations = trajectory.final.attempts
            per_nat = evaluations / (trajectory.snapshots[0].log_loss - trajectory.final.log_loss)
            ewn_rate = ewn_rate or per_nat
            print(
                f"{method:>7} {kind:>7} {trajectory.stop_reason.value:>15} {evaluations:>12} {per_nat:>8.1f} "
                f"{per_nat / ewn_rate:>7.2f} {seconds:>8.1f}"
            )


if __name__ == "__main__":
    main()
