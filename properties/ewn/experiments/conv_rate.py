"""conv-rate: the paper's figure 6. Deep linear nets of depth 1-4 start from the same
end-to-end function and take the same number of constant-rate GD steps; EWN's loss curves
spread less across depth than SWN's and Unnorm's (Theorem 3: EWN's rate does not depend on
depth, the others' exponent is 2 - 2/L).

Claim, per data seed: EWN's spread (max - min over depths) of the final log L is at most
`spread_ratio` times the smaller of SWN's and Unnorm's (verify.claims.depth_spread_claim).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from verify import claims, files
from verify.cases import DataSpec, same_function_deep_linear
from verify.experiment import Claim, Outcome
from verify.gd import GDSettings, train_gd
from verify.nets import Architecture
from verify.parameterisations import KINDS, Parameterisation, ParamNet
from verify.trajectory import Trajectory

FIGURES = ["figure6.png"]


@dataclass(frozen=True)
class Settings:
    depths: list[int]
    width: int
    points: int
    data_margin: float
    eta: float
    steps: int
    data_seeds: int
    spread_ratio: float


def constant_rate(eta: float, steps: int) -> GDSettings:
    """Plain GD with a constant step eta for exactly `steps` steps (no target, no adaptation)."""
    return GDSettings(
        c=0.0, k0=eta, k_max=eta, grow=1.0, target_log_loss=-1e9, max_steps=steps, snapshot_every=1e6, patience=steps + 1
    )


def same_function_runs(
    data_seed: int, depths, width: int, points: int, data_margin: float, eta: float, steps: int, device="cpu"
) -> dict[str, list[Trajectory]]:
    """For each parameterisation, one run per depth: a deep linear net (hidden widths `width`,
    `width` inputs) from the same end-to-end function (seeded by data_seed) on one binary data
    set, trained by constant-rate GD."""
    data = DataSpec("binary", seed=data_seed, m=points, d=width, margin=data_margin).build()
    gd = constant_rate(eta, steps)
    runs: dict[str, list[Trajectory]] = {}
    for kind in KINDS:
        for depth in depths:
            arch = Architecture(width, (width,) * (depth - 1), 1, "linear")
            weights = same_function_deep_linear(width, depth, data_seed)
            runs.setdefault(kind, []).append(train_gd(ParamNet(arch, Parameterisation(kind)), data, weights, gd, device))
    return runs


def _figure(runs: dict[str, list[Trajectory]], depths, path: Path) -> None:
    plt = files.pyplot()
    figure, axes = plt.subplots(1, len(runs), figsize=(4.2 * len(runs), 3.4), sharey=True)
    for axis, (kind, trajectories) in zip(axes, runs.items()):
        for depth, trajectory in zip(depths, trajectories):
            axis.plot(trajectory.log_loss_history, label=f"depth {depth}", linewidth=1.2)
        axis.set_title(kind.upper() if kind != "unnorm" else "Unnorm")
        axis.set_xlabel("GD step")
    axes[0].set_ylabel("log L")
    axes[0].legend(fontsize=8)
    figure.suptitle("Figure 6: same initial function, constant step; spread across depth", fontsize=11)
    figure.tight_layout()
    files.save_figure(figure, path)


def run(settings: Settings, *, seed: int, device: str, out: Path) -> Outcome:
    measured: dict = {"final_log_loss": {}, "depth_spread": {}}
    found: list[Claim] = []
    first_runs = None
    for data_seed in range(seed, seed + settings.data_seeds):
        runs = same_function_runs(
            data_seed,
            settings.depths,
            settings.width,
            settings.points,
            settings.data_margin,
            settings.eta,
            settings.steps,
            device,
        )
        first_runs = first_runs or runs
        finals = {kind: [t.final.log_loss for t in trajectories] for kind, trajectories in runs.items()}
        measured["final_log_loss"][str(data_seed)] = finals
        measured["depth_spread"][str(data_seed)] = {kind: float(np.ptp(v)) for kind, v in finals.items()}
        found.append(
            Claim(
                f"conv-rate/depth-spread/data-seed-{data_seed}",
                f"EWN's final log L spreads across depths {settings.depths} at most {settings.spread_ratio} times "
                "as much as the smaller of SWN's and Unnorm's",
                claims.depth_spread_claim(finals, "ewn", settings.spread_ratio),
            )
        )
    _figure(first_runs, settings.depths, out / FIGURES[0])
    return Outcome(measured, found, list(FIGURES))
