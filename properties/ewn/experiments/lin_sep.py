"""lin-sep: the paper's figures 2, 3, 8 and 9. Four points in the plane, a 2-layer net with 8
hidden ReLU^2 units, GD with eta = k / L^c (c = 1 - 1/30, k <= 0.01) to log L = -300, under
EWN (figures 2, 3) and SWN (figures 8, 9).

Claims per data draw and parameterisation, judged exactly as the properties judge them on the
snapshots every 25 nats (verify_ewn.regimes' Lin-Sep regime, PROXIES and SURVIVORS):
- assumptions: A2-A5 hold at -300 (figures 2, 8);
- prop2: the gradient direction converges and survivors align with -grad_u L (figures 3a-b, 9a-b);
- thm2: survivors' log||w_u|| + log||grad_u L|| (EWN) or log||w_u|| - log||grad_u L|| (SWN)
  agree in the limit (figures 3c-e, 9c-e, at e^-200, e^-250, e^-300).
The figures use snapshots every `snapshot_every` nats; the claims use the multiples of 25
among them, which are the same states a 25-nat run records (snapshots do not change the run).
A claim whose survivors are still unsettled at -300 is inconclusive here: the paper's claims
are about -300, while the properties continue such runs to -450
(verify_ewn.regimes.judged_until_settled).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from verify import claims, files
from verify.cases import Case, DataSpec, lin_sep_architecture
from verify.checks import LimitTolerance, assumption_proxies, classify_survivors, late_window
from verify.experiment import Claim, Outcome
from verify.gd import GDSettings, next_milestone
from verify.parameterisations import Parameterisation
from verify.trajectory import Trajectory
from verify.verdicts import decide
from verify_ewn import regimes

FIGURES = ["figure2.png", "figure3.png", "figure8.png", "figure9.png"]
KINDS = ("ewn", "swn")
JUDGED_EVERY = 25.0
THM2_LEVELS = (-200.0, -250.0, -300.0)


@dataclass(frozen=True)
class Settings:
    data_seeds: int
    c: float
    k_max: float
    ewn_max_steps: int
    swn_max_steps: int
    snapshot_every: float
    ratio_final: float
    ratio_min_decay: float
    ratio_converged_below: float
    gradient_drift_max: float
    alignment_drift_max: float
    cos_final: float
    cos_min_decay: float
    cos_converged_below: float
    gradient_move_max: float
    loss_move_max: float


def train(kind: str, data_seed: int, settings: Settings, device: str) -> Trajectory:
    case = Case(DataSpec("lin-sep", seed=data_seed), lin_sep_architecture(), Parameterisation(kind), init_seed=data_seed)
    steps = settings.ewn_max_steps if kind == "ewn" else settings.swn_max_steps
    gd = GDSettings(
        c=settings.c,
        k0=settings.k_max,
        k_max=settings.k_max,
        target_log_loss=regimes.TARGET,
        max_steps=steps,
        snapshot_every=settings.snapshot_every,
    )
    return case.train(gd, device)


def on_grid(trajectory: Trajectory, every: float = JUDGED_EVERY) -> Trajectory:
    """The snapshots a run with snapshot_every = `every` would have recorded: the start, the
    first snapshot at or below each multiple of `every` (verify.gd's rule), and the end. Exact
    when `every` is a multiple of the run's own snapshot_every."""
    snapshots = trajectory.snapshots
    keep = [snapshots[0]]
    milestone = next_milestone(snapshots[0].log_loss, every)
    for snapshot in snapshots[1:]:
        if snapshot.log_loss <= milestone:
            keep.append(snapshot)
            milestone = next_milestone(snapshot.log_loss, every)
    if keep[-1] is not snapshots[-1]:
        keep.append(snapshots[-1])
    return dataclasses.replace(trajectory, snapshots=keep)


def judge(kind: str, data_seed: int, trajectory: Trajectory, settings: Settings) -> list[Claim]:
    """The three claims (assumptions, prop2, thm2) for one run, on its 25-nat milestones."""
    t = on_grid(trajectory)
    proxies = assumption_proxies(t, regimes.TARGET, regimes.PROXIES)
    # A1 and enough late milestones make the run judgeable; A2-A5 are the figure's claim.
    reached, rest = proxies[:2], proxies[2:]
    ratio = LimitTolerance(settings.ratio_final, settings.ratio_min_decay, settings.ratio_converged_below)
    cos = LimitTolerance(settings.cos_final, settings.cos_min_decay, settings.cos_converged_below)
    judging = claims.Judging(regimes.TARGET, regimes.PROXIES, regimes.SURVIVORS)
    name = kind.upper()
    return [
        Claim(
            f"lin-sep/assumptions-{kind}/data-seed-{data_seed}",
            f"{name}: assumptions A2-A5 hold at log L = -300",
            decide(reached, rest),
        ),
        Claim(
            f"lin-sep/prop2-{kind}/data-seed-{data_seed}",
            f"{name}: the gradient direction converges and surviving nodes align with -grad_u L",
            claims.alignment_claim(
                t, judging, claims.AlignmentTolerance(settings.gradient_move_max, cos, settings.loss_move_max)
            ),
        ),
        Claim(
            f"lin-sep/thm2-{kind}/data-seed-{data_seed}",
            f"{name}: surviving nodes' log||w_u|| {'+' if kind == 'ewn' else '-'} log||grad_u L|| agree in the limit",
            claims.norm_gradient_claim(
                t,
                claims.STATISTICS[kind],
                judging,
                claims.NormGradientTolerance(ratio, settings.gradient_drift_max, settings.alignment_drift_max),
            ),
        ),
    ]


def _steps(trajectory: Trajectory) -> list[int]:
    return [s.step for s in trajectory.snapshots]


def _assumptions_figure(kind: str, trajectory: Trajectory, data, path: Path, number: int) -> None:
    plt = files.pyplot()
    steps = _steps(trajectory)
    figure, axes = plt.subplots(1, 5, figsize=(20, 3.6))
    x, y = data.x.numpy(), data.y.numpy()
    for label, marker in ((-1.0, "o"), (1.0, "s")):
        axes[0].scatter(x[y == label, 0], x[y == label, 1], marker=marker, label=f"class {label:+.0f}")
    axes[0].legend(fontsize=8)
    w = trajectory.series("w")
    panels = [
        (np.exp(trajectory.series("node_log_norm")), "(b) ||w_u|| of each node"),
        (w / np.linalg.norm(w, axis=1, keepdims=True), "(c) components of w/||w||"),
        (trajectory.series("loss_direction"), "(d) components of the loss vector"),
        (trajectory.series("normalised_margin"), "(e) normalised margin"),
    ]
    axes[0].set_title("(a) data", fontsize=10)
    for axis, (values, title) in zip(axes[1:], panels):
        axis.plot(steps, values, linewidth=0.9)
        axis.set_title(title, fontsize=10)
        axis.set_xlabel("GD step")
    figure.suptitle(f"Figure {number}: assumptions for {kind.upper()} on Lin-Sep", fontsize=11)
    figure.tight_layout()
    files.save_figure(figure, path)


def _results_figure(kind: str, trajectory: Trajectory, survivors: list[int], path: Path, number: int) -> None:
    plt = files.pyplot()
    steps = _steps(trajectory)
    figure, axes = plt.subplots(1, 5, figsize=(20, 3.6))
    g = trajectory.series("grad_direction")
    axes[0].plot(steps, g @ g[-1], linewidth=1)
    axes[0].set_title("(a) cos(-grad L/||grad L||, its final value)", fontsize=10)
    axes[1].plot(steps, trajectory.series("node_cos")[:, survivors], linewidth=1)
    axes[1].set_title("(b) survivors' cos(w_u, -grad_u L)", fontsize=10)
    for axis in axes[:2]:
        axis.set_xlabel("GD step")
    sign = 1.0 if kind == "ewn" else -1.0
    for axis, level, letter in zip(axes[2:], THM2_LEVELS, "cde"):
        snapshot = next((s for s in trajectory.snapshots if s.log_loss <= level), None)
        axis.set_title(f"({letter}) at log L = {level:g}", fontsize=10)
        axis.set_xlabel("log ||w_u||")
        if snapshot is None or not survivors:
            continue
        log_w = snapshot.node_log_norm[survivors]
        log_g = snapshot.node_log_grad_norm[survivors]
        axis.scatter(log_w, log_g)
        for node, a, b in zip(survivors, log_w, log_g):
            axis.annotate(str(node + 1), (a, b), fontsize=8)
        centre = float(np.mean(log_g + (log_w if kind == "ewn" else -log_w)))
        line = np.linspace(log_w.min() - 0.1, log_w.max() + 0.1, 2)
        axis.plot(line, centre - sign * line, linestyle="--", linewidth=0.8)
    axes[2].set_ylabel("log ||grad_u L||")
    statistic = "log||w_u|| + log||grad_u L||" if kind == "ewn" else "log||grad_u L|| - log||w_u||"
    figure.suptitle(
        f"Figure {number}: {kind.upper()} on Lin-Sep: Proposition 2 (a, b); Theorem 2, {statistic} equal (c-e)", fontsize=11
    )
    figure.tight_layout()
    files.save_figure(figure, path)


def survivors_of(trajectory: Trajectory) -> list[int]:
    """The surviving nodes by the properties' rule (verify_ewn.regimes.SURVIVORS), [] if unsettled."""
    window = late_window(on_grid(trajectory))
    if len(window) < 2:
        return []
    return [int(i) for i in classify_survivors(window, regimes.SURVIVORS).indices]


def run(settings: Settings, *, seed: int, device: str, out: Path) -> Outcome:
    found: list[Claim] = []
    measured: dict = {"final_log_loss": {}, "steps": {}, "survivors": {}}
    first: dict[str, Trajectory] = {}
    for data_seed in range(seed, seed + settings.data_seeds):
        for kind in KINDS:
            trajectory = train(kind, data_seed, settings, device)
            first.setdefault(kind, trajectory)
            found += judge(kind, data_seed, trajectory, settings)
            measured["final_log_loss"].setdefault(kind, []).append(trajectory.final.log_loss)
            measured["steps"].setdefault(kind, []).append(trajectory.accepted + trajectory.rejected)
            measured["survivors"].setdefault(kind, []).append([u + 1 for u in survivors_of(trajectory)])
    data = DataSpec("lin-sep", seed=seed).build()
    for kind, (assumptions, results) in zip(KINDS, ((2, 3), (8, 9))):
        _assumptions_figure(kind, first[kind], data, out / f"figure{assumptions}.png", assumptions)
        _results_figure(kind, first[kind], survivors_of(first[kind]), out / f"figure{results}.png", results)
    return Outcome(measured, found, list(FIGURES))
