"""xor: the paper's figures 5 and 10. Four XOR points, a 2-layer ReLU net with 20 hidden units
whose output weights are frozen to +1 (first half) and -1, trained by GD to log L = -50 under
EWN, SWN and Unnorm from the same initialisations. EWN grows few hidden nodes (at least 4 are
needed), SWN and Unnorm many (Proposition 3).

Claim: EWN has fewer effective nodes (sum ||w_u||)^2 / sum ||w_u||^2 than SWN and Unnorm in at
least `sparsest_share` of the initialisations where it and another run reached the target;
inconclusive when fewer than `min_conclusive` of them are comparable (SWN stalls before -50
on some initialisations; verify.claims.sparser_claim).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from verify import claims, files
from verify.data import xor as xor_data
from verify.experiment import Claim, Outcome
from verify.gd import GDSettings
from verify.trajectory import Trajectory
from verify_ewn import regimes

FIGURES = ["figure5.png", "figure10.png"]
NAMES = {"ewn": "EWN", "swn": "SWN", "unnorm": "Unnorm"}


@dataclass(frozen=True)
class Settings:
    hidden: int
    target_log_loss: float
    max_steps: int
    ewn_c: float
    ewn_k_max: float
    others_c: float
    others_k_max: float
    initialisations: int
    sparsest_share: float
    min_conclusive: float


def gd_settings(settings: Settings) -> dict[str, GDSettings]:
    def make(c: float, k: float) -> GDSettings:
        return GDSettings(
            c=c, k0=k, k_max=k, target_log_loss=settings.target_log_loss, max_steps=settings.max_steps, snapshot_every=1.0
        )

    others = make(settings.others_c, settings.others_k_max)
    return {"ewn": make(settings.ewn_c, settings.ewn_k_max), "swn": others, "unnorm": others}


def _norm_panel(axis, trajectory: Trajectory, hidden: int, title: str) -> None:
    steps = [s.step for s in trajectory.snapshots]
    axis.plot(steps, np.exp(trajectory.series("node_log_norm")[:, :hidden]), linewidth=0.9)
    axis.set_title(title, fontsize=10)
    axis.set_xlabel("GD step")


def _figure(runs, kinds, hidden: int, path: Path, title: str) -> None:
    plt = files.pyplot()
    points = xor_data()
    figure, axes = plt.subplots(1, 1 + len(kinds), figsize=(3.8 * (1 + len(kinds)), 3.4))
    x, y = points.x.numpy(), points.y.numpy()
    for label, marker in ((-1.0, "o"), (1.0, "s")):
        axes[0].scatter(x[y == label, 0], x[y == label, 1], marker=marker, label=f"class {label:+.0f}")
    axes[0].set_title("(a) data", fontsize=10)
    axes[0].legend(fontsize=8)
    for index, (axis, kind) in enumerate(zip(axes[1:], kinds)):
        _norm_panel(axis, runs[kind][0], hidden, f"({chr(ord('b') + index)}) {NAMES[kind]}: ||w_u|| of hidden nodes")
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    files.save_figure(figure, path)


def run(settings: Settings, *, seed: int, device: str, out: Path) -> Outcome:
    seeds = list(range(seed, seed + settings.initialisations))
    runs = regimes.xor_runs(settings.hidden, seeds, "exponential", gd_settings(settings), device)
    comparisons = regimes.xor_effective_nodes(runs, settings.target_log_loss)
    verdict = claims.sparser_claim(comparisons, "ewn", ("swn", "unnorm"), settings.sparsest_share, settings.min_conclusive)
    found = [
        Claim(
            "xor/ewn-sparsest",
            f"EWN has fewer effective hidden nodes than SWN and Unnorm in at least {settings.sparsest_share:.0%} of "
            "the initialisations",
            verdict,
        )
    ]
    _figure(runs, ("ewn", "unnorm"), settings.hidden, out / FIGURES[0], "Figure 5: XOR, first initialisation")
    _figure(runs, ("ewn", "unnorm", "swn"), settings.hidden, out / FIGURES[1], "Figure 10: XOR with SWN, first initialisation")
    measured = {
        "effective_nodes": {kind: [c.counts[kind] for c in comparisons] for kind in runs},
        "nodes_grown_over_twice_initial_norm": {
            kind: [
                int(
                    (
                        np.exp(t.final.node_log_norm[: settings.hidden])
                        > 2 * np.exp(t.snapshots[0].node_log_norm[: settings.hidden])
                    ).sum()
                )
                for t in trajectories
            ]
            for kind, trajectories in runs.items()
        },
        "final_log_loss": {kind: [t.final.log_loss for t in trajectories] for kind, trajectories in runs.items()},
        "steps": {kind: [t.accepted + t.rejected for t in trajectories] for kind, trajectories in runs.items()},
    }
    return Outcome(measured, found, list(FIGURES))
