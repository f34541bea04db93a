"""margin-growth: the paper's margin-growth figure on the 8x8 digits (Lyu & Li, Section 6).

A 2-layer bias-free ReLU^3 net (C^2, L = 4) is trained by gradient descent with the loss-based
step eta = k / L^c on the digits split into the first five classes against the last five, from
`seeds` initialisations, until log L reaches the target. The figure plots the normalised
margin gamma-bar and the smoothed margin gamma~ against -log L and against the step.

Claims, per initialisation, judged as the ll-gd property judges them:
- gamma~ never falls after the loss threshold (every step), under the (S5) step-size proxy;
- the margin grows: gamma-bar at the end exceeds gamma-bar at the first state with L < 1;
- gamma-bar - log(N) / ||w||^L <= gamma~ <= gamma-bar at every snapshot (the sandwich).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from verify import files, image_data
from verify.data import make_dataset
from verify.experiment import Claim, Outcome
from verify.gd import GDSettings, train_gd
from verify.margins import largest_drawdown, log_smoothed_margin
from verify.nets import Architecture, init_weights
from verify.parameterisations import Parameterisation, ParamNet
from verify.trajectory import Trajectory
from verify.verdicts import Check, decide

FIGURES = ["margin-growth.png"]


@dataclass(frozen=True)
class Settings:
    train_points: int
    hidden: int
    k: float
    c: float
    target_log_loss: float
    max_steps: int
    seeds: int
    s5_max: float
    allowance: float


def _binary_digits(train_points: int, seed: int):
    split = image_data.digits(train_points, seed)
    labels = torch.where(split.train.y < 5, 1.0, -1.0).double()
    return make_dataset(f"digits 0-4 vs 5-9 ({train_points} points)", split.train.x, labels)


def _judge(run: Trajectory, settings: Settings, degree: int, points: int):
    after = run.log_loss_history < 0
    levels = run.log_loss_history[after]
    log_margin = log_smoothed_margin(levels, run.log_norm_history[after], degree)
    s5 = np.log(settings.k) + (1 - settings.c) * levels + (2 - 2 / degree) * np.log(-levels)
    bars = [(s.log_loss, s.normalised_margin, s.w) for s in run.snapshots if s.log_loss < 0]
    proxies = [
        Check("final log L", run.final.log_loss, settings.target_log_loss, "<="),
        Check("(S5) proxy max s(t)", float(np.exp(s5.max())) if s5.size else math.nan, settings.s5_max),
    ]
    if len(bars) < 2:
        return decide(proxies, []), bars
    sandwich = float(
        max(
            max(
                -level / np.linalg.norm(w) ** degree - bar,
                bar - math.log(points) / np.linalg.norm(w) ** degree + level / np.linalg.norm(w) ** degree,
            )
            for level, bar, w in bars
        )
    )
    claims = [
        Check("largest fall of log gamma~ after t0", largest_drawdown(log_margin)[0], settings.allowance),
        Check("gamma-bar final - gamma-bar at t0", bars[-1][1] - bars[0][1], 0.0, ">"),
        Check("sandwich violation (worst)", sandwich, 1e-9 * max(abs(b) for _, b, _ in bars)),
    ]
    return decide(proxies, claims, {"gamma-bar final": bars[-1][1]}), bars


def run(settings: Settings, *, seed: int, device: str, out: Path) -> Outcome:
    data = _binary_digits(settings.train_points, seed)
    arch = Architecture(data.x.shape[1], (settings.hidden,), 1, "relu3")
    net = ParamNet(arch, Parameterisation("unnorm"))
    schedule = GDSettings(
        k0=settings.k,
        k_max=settings.k,
        c=settings.c,
        grow=1.0,
        shrink=2.0,
        max_steps=settings.max_steps,
        patience=settings.max_steps,
        target_log_loss=settings.target_log_loss,
        snapshot_every=1.0,
    )
    plt = files.pyplot()
    figure, (by_loss, by_step) = plt.subplots(1, 2, figsize=(11, 3.8))
    found, measured = [], {"runs": []}
    for offset in range(settings.seeds):
        weights = init_weights(arch, torch.Generator().manual_seed(seed + offset), 1.0)
        trajectory = train_gd(net, data, weights, schedule, device)
        verdict, bars = _judge(trajectory, settings, arch.degree, data.x.shape[0])
        found.append(Claim(f"margin-growth/init-{seed + offset}", "gamma~ never falls and gamma-bar grows after t0", verdict))
        levels = np.array([b[0] for b in bars])
        steps = [s.step for s in trajectory.snapshots if s.log_loss < 0]
        smoothed = [-level / np.linalg.norm(w) ** arch.degree for level, _, w in bars]
        (line,) = by_loss.plot(-levels, [b[1] for b in bars], label=f"gamma-bar, init {seed + offset}")
        by_loss.plot(-levels, smoothed, linestyle="--", color=line.get_color(), label=f"gamma~, init {seed + offset}")
        by_step.plot(steps, [b[1] for b in bars], color=line.get_color())
        by_step.plot(steps, smoothed, linestyle="--", color=line.get_color())
        measured["runs"].append(
            {
                "init": seed + offset,
                "steps": trajectory.accepted + trajectory.rejected,
                "final_log_loss": trajectory.final.log_loss,
                "gamma_bar_at_t0": bars[0][1] if bars else None,
                "gamma_bar_final": bars[-1][1] if bars else None,
            }
        )
    by_loss.set_xscale("log")
    by_loss.set_xlabel("-log L")
    by_step.set_xlabel("GD step")
    for axis in (by_loss, by_step):
        axis.set_ylabel("margin")
    by_loss.legend(fontsize=7)
    figure.suptitle(
        f"Normalised (solid) and smoothed (dashed) margins: {data.name}, ReLU^3, eta = {settings.k} / L^{settings.c}", fontsize=10
    )
    figure.tight_layout()
    files.save_figure(figure, out / FIGURES[0])
    return Outcome(measured, found, list(FIGURES))
