"""pruning: the paper's figures 7 and 11. A 2-layer ReLU net (only the first layer normalised)
is trained on 10-class digits with cross-entropy; at each loss level reached, first-layer
nodes are pruned in order of least norm growth ||w_u(level)|| - ||w_u(0)||, and the test
accuracy is measured against the fraction pruned.

Data: scikit-learn's bundled 8x8 digits by default; real MNIST with `mnist_dir` (IDX files).
Claim, per other parameterisation: at the lowest loss both runs of a seed reached (on the
snapshot grid), EWN's mean test accuracy over `compare_fractions` pruned exceeds the other's
in at least `win_share` of the seeds. A seed whose pair did not both reach the first (highest)
configured level is left out; with no seed left, the claim is inconclusive.

Trainer (`trainer`): "gd", full-batch GD with eta = k / L^c (verify.gd), one batched program
for all parameterisations and seeds (verify.batched); or "sgd", the paper's recipe, minibatch
SGD with the loss-normalised step and k adapted per epoch (verify.sgd), one run at a time,
`max_steps` then counting minibatch steps. What each budget reaches is recorded in
`measured.reached`; the README has the figures for digits on 2 CPU cores, for both trainers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch

from verify import files, image_data
from verify.batched import Problem, train_grouped
from verify.errors import require
from verify.experiment import Claim, Outcome
from verify.gd import GDSettings, Schedule
from verify.nets import Architecture, forward
from verify.parameterisations import KINDS, Parameterisation, ParamNet
from verify.sgd import SGDSettings, train_sgd
from verify.trajectory import Snapshot, Trajectory, at_or_below
from verify.verdicts import Check, decide

FIGURES = ["figure7.png", "figure11.png"]
TRAINERS = ("gd", "sgd")


@dataclass(frozen=True)
class Settings:
    train_points: int
    test_points: int
    hidden: int
    init_scale: float
    c: float
    k_max: float
    max_steps: int
    snapshot_every: float
    levels: list[float]
    prune_fractions: list[float]
    compare_fractions: list[float]
    seeds: int
    win_share: float
    trainer: str
    batch_size: int
    sgd_undo_rising: bool

    def __post_init__(self) -> None:
        require(self.hidden >= 2 and self.seeds >= 1, "pruning needs hidden >= 2 and seeds >= 1")
        for level in self.levels:
            ratio = level / self.snapshot_every
            require(
                level < 0 and abs(ratio - round(ratio)) < 1e-9, f"level {level} must be a negative multiple of snapshot_every"
            )
        for fraction in self.prune_fractions + self.compare_fractions:
            require(0 <= fraction < 1, f"pruned fraction {fraction} must lie in [0, 1)")
        require(0 < self.win_share <= 1, f"win_share {self.win_share} must lie in (0, 1]")
        require(self.trainer in TRAINERS, f"trainer {self.trainer!r} must be one of {list(TRAINERS)}")
        require(self.batch_size >= 1, f"batch_size {self.batch_size} must be >= 1")


def load_split(settings: Settings, seed: int, mnist_dir=None) -> image_data.Split:
    if mnist_dir is not None:
        return image_data.mnist(mnist_dir, settings.train_points, settings.test_points, seed)
    return image_data.digits(settings.train_points, seed)


def initial_weights(arch: Architecture, scale: float, seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [scale * torch.randn(arch.layer_shape(layer), generator=generator, dtype=torch.float64) for layer in range(2)]


def layers_of(arch: Architecture, w: np.ndarray) -> list[torch.Tensor]:
    """The two weight matrices from a snapshot's flat trainable vector (no frozen entries)."""
    first = arch.layer_shape(0)
    size = first[0] * first[1]
    return [torch.tensor(w[:size].reshape(first)), torch.tensor(w[size:].reshape(arch.layer_shape(1)))]


def pruned_accuracy(
    arch: Architecture, snapshot: Snapshot, initial_norms: np.ndarray, fraction: float, x: torch.Tensor, y: torch.Tensor
) -> float:
    """Test accuracy after zeroing the round(fraction * hidden) first-layer nodes whose norm
    grew least since initialisation (ties broken by node index)."""
    first, second = layers_of(arch, snapshot.w)
    growth = first.norm(dim=1).numpy() - initial_norms
    pruned = np.argsort(growth, kind="stable")[: int(round(fraction * len(growth)))]
    first[pruned] = 0.0
    return float((forward(arch, [first, second], x).argmax(dim=-1) == y).double().mean())


def at_level(trajectory: Trajectory, level: float) -> Snapshot | None:
    """The first snapshot at or below `level` (snapshots sit on multiples of snapshot_every)."""
    return next((s for s in trajectory.snapshots if at_or_below(s.log_loss, level)), None)


def _accuracy_curves(arch, trajectory, initial_norms, levels, fractions, split) -> dict[str, list[float]]:
    curves = {}
    for level in levels:
        snapshot = at_level(trajectory, level)
        if snapshot is not None:
            curves[str(level)] = [
                pruned_accuracy(arch, snapshot, initial_norms, f, split.test_x, split.test_y) for f in fractions
            ]
    return curves


def common_level(a: Trajectory, b: Trajectory, every: float) -> float:
    """The lowest multiple of `every` that both runs passed (each has a snapshot there)."""
    return every * np.ceil(max(a.final.log_loss, b.final.log_loss) / every)


def mean_pruned_accuracy(arch, trajectory, initial_norms, level, fractions, split) -> float:
    snapshot = at_level(trajectory, level)
    return float(np.mean([pruned_accuracy(arch, snapshot, initial_norms, f, split.test_x, split.test_y) for f in fractions]))


def comparison(arch, runs, initial_norms, split, settings: Settings, favoured: str, other: str):
    """The verdict that `favoured` keeps more test accuracy than `other` once pruned, and the
    per-seed record (levels compared at, accuracy leads). A seed counts when both runs passed
    the first configured level; the claim needs win_share of the counted seeds."""
    trained_level = max(settings.levels)
    levels, leads = [], []
    for i in range(settings.seeds):
        level = common_level(runs[favoured][i], runs[other][i], settings.snapshot_every)
        levels.append(float(level))
        if level <= trained_level:
            leads.append(
                mean_pruned_accuracy(arch, runs[favoured][i], initial_norms[i], level, settings.compare_fractions, split)
                - mean_pruned_accuracy(arch, runs[other][i], initial_norms[i], level, settings.compare_fractions, split)
            )
    proxies = [Check(f"seeds where {favoured} and {other} both reached log L {trained_level:g}", float(len(leads)), 1.0, ">=")]
    share = float(np.mean(np.array(leads) > 0)) if leads else float("nan")
    checks = [Check(f"share of those seeds where {favoured} beats {other}", share, settings.win_share, ">=")]
    metrics = {"mean_lead": float(np.mean(leads)) if leads else float("nan"), "lowest_common_level": min(levels)}
    return decide(proxies, checks, metrics), {"levels": levels, "accuracy_lead": leads}


def _figures(arch, runs, initial_norms, settings, split, out: Path) -> None:
    plt = files.pyplot()
    fractions = settings.prune_fractions
    seed0 = {kind: runs[kind][0] for kind in KINDS}
    lowest = settings.snapshot_every * np.ceil(max(t.final.log_loss for t in seed0.values()) / settings.snapshot_every)
    levels = sorted(
        {lv for lv in settings.levels if any(at_level(t, lv) for t in seed0.values())} | {float(lowest)}, reverse=True
    )
    curves = {kind: _accuracy_curves(arch, t, initial_norms[0], levels, fractions, split) for kind, t in seed0.items()}
    figure, axes = plt.subplots(1, len(levels), figsize=(max(4.6 * len(levels), 7.0), 3.6), squeeze=False)
    for axis, level in zip(axes[0], levels):
        for kind in KINDS:
            if str(level) in curves[kind]:
                axis.plot([100 * f for f in fractions], curves[kind][str(level)], marker=".", label=kind)
        note = " (lowest reached by all)" if level == lowest else ""
        axis.set_title(f"L = e^{level:g}{note}", fontsize=10)
        axis.set_xlabel("% of first-layer nodes pruned")
        axis.set_ylabel("test accuracy")
        axis.legend(fontsize=8)
    figure.suptitle("Figure 7: test accuracy against pruning (first seed), by loss level", fontsize=11)
    figure.tight_layout()
    files.save_figure(figure, out / FIGURES[0])

    figure, axes = plt.subplots(1, len(KINDS), figsize=(4.4 * len(KINDS), 3.4))
    for axis, kind in zip(axes, KINDS):
        trajectory = runs[kind][0]
        steps = [snapshot.step for snapshot in trajectory.snapshots]
        norms = np.exp(trajectory.series("node_log_norm")[:, : settings.hidden])
        axis.plot(steps, norms, linewidth=0.8)
        axis.set_title(kind)
        axis.set_xlabel("GD step")
    axes[0].set_ylabel("||w_u||, first-layer nodes")
    figure.suptitle("Figure 11: first-layer node norms against GD steps (seed 0)", fontsize=11)
    figure.tight_layout()
    files.save_figure(figure, out / FIGURES[1])


def _sgd_settings(settings: Settings, gd: GDSettings, points: int, seed: int) -> SGDSettings:
    """The GD settings' schedule (every Schedule field) as minibatch SGD, with as many epochs as
    max_steps minibatch steps fill; the minibatch order drawn from `seed`."""
    return SGDSettings(
        **{f.name: getattr(gd, f.name) for f in fields(Schedule)},
        batch_size=settings.batch_size,
        max_epochs=max(1, settings.max_steps // math.ceil(points / settings.batch_size)),
        seed=seed,
        undo_rising=settings.sgd_undo_rising,
    )


def train_runs(settings: Settings, split: image_data.Split, seed: int, device: str):
    """The architecture, each parameterisation's runs (one per seed, batched) and the seeds'
    initial first-layer node norms."""
    arch = Architecture(int(split.train.x.shape[1]), (settings.hidden,), 10, "relu")
    gd = GDSettings(
        c=settings.c,
        k0=settings.k_max,
        k_max=settings.k_max,
        max_steps=settings.max_steps,
        target_log_loss=min(settings.levels),
        snapshot_every=settings.snapshot_every,
        patience=settings.max_steps,
    )
    inits = [initial_weights(arch, settings.init_scale, seed + i) for i in range(settings.seeds)]
    nets = [(ParamNet(arch, Parameterisation(kind, normalise_last=False)), i) for kind in KINDS for i in range(settings.seeds)]
    if settings.trainer == "gd":
        trained = train_grouped([Problem(net, split.train, inits[i], gd) for net, i in nets], device)
    else:
        trained = [
            train_sgd(net, split.train, inits[i], _sgd_settings(settings, gd, len(split.train.y), seed + i), device)
            for net, i in nets
        ]
    runs = {kind: trained[i * settings.seeds : (i + 1) * settings.seeds] for i, kind in enumerate(KINDS)}
    return arch, runs, [init[0].norm(dim=1).numpy() for init in inits]


def run(settings: Settings, *, seed: int, device: str, out: Path, mnist_dir=None) -> Outcome:
    split = load_split(settings, seed, mnist_dir)
    arch, runs, initial_norms = train_runs(settings, split, seed, device)
    accuracy = {
        kind: [
            _accuracy_curves(arch, t, norms, settings.levels, settings.prune_fractions, split)
            for t, norms in zip(runs[kind], initial_norms)
        ]
        for kind in KINDS
    }
    measured_leads: dict = {}
    found = []
    for other in ("swn", "unnorm"):
        verdict, record = comparison(arch, runs, initial_norms, split, settings, "ewn", other)
        found.append(
            Claim(
                f"pruning/ewn-vs-{other}",
                f"At the lowest loss both reached, EWN keeps more test accuracy than {other} with "
                f"{min(settings.compare_fractions):.0%}-{max(settings.compare_fractions):.0%} of first-layer nodes pruned",
                verdict,
            )
        )
        measured_leads[other] = record
    _figures(arch, runs, initial_norms, settings, split, out)
    measured = {
        "data": "mnist" if mnist_dir is not None else "digits",
        "train_points": int(split.train.x.shape[0]),
        "test_points": int(split.test_x.shape[0]),
        "reached": {kind: [t.final.log_loss for t in runs[kind]] for kind in KINDS},
        "steps": {kind: [t.accepted + t.rejected for t in runs[kind]] for kind in KINDS},
        "stop_reason": {kind: [t.stop_reason.value for t in runs[kind]] for kind in KINDS},
        "prune_fractions": settings.prune_fractions,
        "test_accuracy_at_levels": accuracy,
        "ewn_lead_at_lowest_common_level": measured_leads,
    }
    return Outcome(measured, found, list(FIGURES))
