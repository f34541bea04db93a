"""One network's evaluation, GD step and gradient-flow evaluation, per engine, side by side.

Run: python benchmarks/step_cost.py [--steps 3000] [--repeats 3]

On the paper's Lin-Sep setting (2 layers, 8 hidden ReLU^2, c = 1 - 1/30, k0 = k_max = 0.01),
for each parameterisation and each engine of verify.objective (autograd, closed-form):

- eval:  microseconds per value_and_grad, the best of --repeats timings of 2,000 calls;
- GD:    microseconds per attempted step of train_gd over --steps attempts (snapshots and the
         per-step log ||w|| included), the best of --repeats runs;
- flow:  microseconds per right-hand-side evaluation of train_flow to log L = -60.

Every row runs in this one process on the same cases, so the ratios are what to compare across
machines. The last columns say whether the two engines' GD runs took the same decisions and how
far their final log L differ (rounding, carried forward by GD).
"""

from __future__ import annotations

import argparse
import time
import timeit

from verify.cases import Case, DataSpec, lin_sep_architecture
from verify.flow import FlowSettings, train_flow
from verify.gd import GDSettings, train_gd
from verify.objective import ENGINES, Objective
from verify.parameterisations import Parameterisation
from verify.trajectory import Trajectory

CALLS = 2_000
FLOW = FlowSettings(target_log_loss=-60.0)


def best_time(run, repeats: int) -> tuple[float, object]:
    """The shortest of `repeats` wall times of run(), and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure(case: Case, engine: str, settings: GDSettings, repeats: int) -> tuple[float, float, float, Trajectory]:
    """Seconds per evaluation, per GD attempt and per flow evaluation, and the GD run."""
    net, data, weights = case.net(), case.dataset(), case.initial_weights()
    objective = Objective(net, data, engine=engine)
    theta = net.params_from_weights(weights)
    evaluation = min(timeit.repeat(lambda: objective.value_and_grad(theta), number=CALLS, repeat=repeats)) / CALLS
    gd_seconds, gd = best_time(lambda: train_gd(net, data, weights, settings, engine=engine), repeats)
    flow_seconds, flow = best_time(lambda: train_flow(net, data, weights, FLOW, engine=engine), 1)
    return evaluation, gd_seconds / settings.max_steps, flow_seconds / flow.snapshots[-1].attempts, gd


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    settings = GDSettings(c=1 - 1 / 30, k_max=0.01, target_log_loss=-1e9, max_steps=args.steps)
    print(f"Lin-Sep, 8 hidden ReLU^2, c = 1 - 1/30; GD over {args.steps} attempts; flow to {FLOW.target_log_loss:g}")
    header = ("param", "engine", "eval us", "GD us/step", "flow us/eval", "same decisions", "final log L diff")
    print(" ".join(f"{name:>16}" for name in header))
    for kind in ("ewn", "swn", "unnorm"):
        case = Case(DataSpec("lin-sep", seed=0), lin_sep_architecture(), Parameterisation(kind), init_seed=0)
        first = None
        for engine in ENGINES:
            evaluation, step, flow_evaluation, gd = measure(case, engine, settings, args.repeats)
            first = first or gd
            same = (gd.accepted, gd.rejected) == (first.accepted, first.rejected)
            difference = abs(gd.final.log_loss - first.final.log_loss)
            row = (kind, engine, f"{1e6 * evaluation:.0f}", f"{1e6 * step:.0f}", f"{1e6 * flow_evaluation:.0f}", str(same))
            print(" ".join(f"{cell:>16}" for cell in row), f"{difference:16.2e}")


if __name__ == "__main__":
    main()
