"""simple-traj: the paper's figure 4. One point x = (2, 1) labelled +1, a linear net with two
effective scalar weights (Phi = w_1 x_1 + w_2 x_2), trained to log L = -50 from several
initialisations. EWN heads for an axis (the node with the larger x_j w_j(0) takes the whole
direction), Unnorm does not: its direction tends to x/||x|| (Proposition 3).

GD runs (eta = k/L) are checked against the exact flow of verify.simple_traj at the same loss.
Claim: for every initialisation, EWN ends closer to an axis than Unnorm; the node predicted
by x_j w_j(0) wins, and its log-lead over the other node grows at every milestone; the EWN
and Unnorm GD states agree with the flow's closed form. Initialisations whose top two
x_j w_j(0) are within `min_top_gap` of each other cannot be predicted at finite loss and
are left out of the winner check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from verify import data, files, simple_traj
from verify.cases import simple_traj_architecture
from verify.experiment import Claim, Outcome
from verify.gd import GDSettings, train_gd
from verify.parameterisations import Parameterisation, ParamNet
from verify.trajectory import Trajectory
from verify.verdicts import Check, decide

FIGURES = ["figure4.png"]


@dataclass(frozen=True)
class Settings:
    point: list[float]
    target_log_loss: float
    k: float
    initialisations: int
    init_low: float
    init_high: float
    min_top_gap: float
    ewn_rtol: float
    unnorm_rtol: float


def initialisations(settings: Settings, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(settings.init_low, settings.init_high, len(settings.point)) for _ in range(settings.initialisations)]


def train(kind: str, x: np.ndarray, w0: np.ndarray, settings: Settings, device: str) -> Trajectory:
    arch = simple_traj_architecture(len(x))
    point = data.make_dataset("simple-traj", x[None, :], [1.0])
    gd = GDSettings(
        c=1.0, k0=settings.k, k_max=settings.k, target_log_loss=settings.target_log_loss, max_steps=200_000, snapshot_every=1.0
    )
    return train_gd(ParamNet(arch, Parameterisation(kind)), point, simple_traj.weights_for(arch, w0), gd, device)


def axis_angle(w: np.ndarray) -> float:
    """Degrees between w and the nearest coordinate axis."""
    return float(np.degrees(np.arccos(np.max(np.abs(w)) / np.linalg.norm(w))))


def relative_error(w: np.ndarray, oracle: np.ndarray) -> float:
    return float(np.max(np.abs(w - oracle) / np.abs(oracle)))


def axis_verdict(x: np.ndarray, inits, ewn: list[Trajectory], unnorm: list[Trajectory], settings: Settings):
    """The claim's verdict for EWN runs `ewn` and Unnorm runs `unnorm` from `inits`, and the
    measured quantities behind it."""
    finals = {"ewn": [t.final for t in ewn], "unnorm": [t.final for t in unnorm]}
    errors = {
        "ewn": [relative_error(s.w, simple_traj.ewn_state(x, w0, -s.log_loss)) for s, w0 in zip(finals["ewn"], inits)],
        "unnorm": [relative_error(s.w, simple_traj.linear_state(x, w0, -s.log_loss)) for s, w0 in zip(finals["unnorm"], inits)],
    }
    angles = {kind: [axis_angle(s.w) for s in snapshots] for kind, snapshots in finals.items()}
    clear = [i for i, w0 in enumerate(inits) if 1 - np.sort(x * w0)[-2] / np.max(x * w0) >= settings.min_top_gap]
    winners = [float(np.argmax(finals["ewn"][i].w) == simple_traj.predicted_winner(x, inits[i])) for i in clear]
    lead_growth = []
    for w0, trajectory in zip(inits, ewn):
        w = trajectory.series("w")
        winner = simple_traj.predicted_winner(x, w0)
        lead_growth.append(float(np.diff(np.log(w[:, winner]) - np.log(np.delete(w, winner, axis=1).max(axis=1))).min()))
    reached = max(t.final.log_loss for t in ewn + unnorm)
    proxies = [
        Check("highest final log L", reached, settings.target_log_loss),
        Check("initialisations with a predictable winner", float(len(clear)), 1.0, ">="),
    ]
    checks = [
        Check(
            "min over inits of Unnorm's axis angle - EWN's (degrees)",
            float(np.min(np.subtract(angles["unnorm"], angles["ewn"]))),
            0.0,
            ">",
        ),
        Check(
            "share of predictable inits where the predicted node wins",
            float(np.mean(winners)) if winners else float("nan"),
            1.0,
            ">=",
        ),
        Check("min growth of the winner's log-lead per milestone", float(np.min(lead_growth)), 0.0, ">"),
        Check("EWN GD vs exact flow, max relative error", float(np.max(errors["ewn"])), settings.ewn_rtol),
        Check("Unnorm GD vs exact flow, max relative error", float(np.max(errors["unnorm"])), settings.unnorm_rtol),
    ]
    verdict = decide(proxies, checks, {"ewn_max_axis_angle": max(angles["ewn"]), "unnorm_min_axis_angle": min(angles["unnorm"])})
    measured = {
        "initialisations": [w0.tolist() for w0 in inits],
        "final_w": {kind: [s.w.tolist() for s in snapshots] for kind, snapshots in finals.items()},
        "axis_angle_degrees": angles,
        "relative_error_to_flow": errors,
        "predicted_winner": [simple_traj.predicted_winner(x, w0) for w0 in inits],
    }
    return verdict, measured


def _figure(x, inits, runs, target: float, path: Path) -> None:
    plt = files.pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(9.5, 4.2), sharex=True, sharey=True)
    for axis, kind, oracle in ((axes[0], "ewn", simple_traj.ewn_state), (axes[1], "unnorm", simple_traj.linear_state)):
        for w0, trajectory in zip(inits, runs[kind]):
            w = trajectory.series("w")
            line = axis.plot(w[:, 0], w[:, 1], marker=".", markersize=3, linewidth=1)[0]
            levels = np.linspace(float(x @ w0), -trajectory.final.log_loss, 200)
            exact = np.array([oracle(x, w0, level) for level in levels])
            axis.plot(exact[:, 0], exact[:, 1], linestyle="--", color=line.get_color(), linewidth=0.8)
        axis.set_title(f"{'EWN' if kind == 'ewn' else 'Unnorm'} (dots: GD, dashed: exact flow)", fontsize=10)
        axis.set_xlabel("w_1")
    axes[0].set_ylabel("w_2")
    figure.suptitle(f"Figure 4: Simple-Traj, x = {tuple(x.tolist())}, GD to log L <= {target:g}", fontsize=11)
    figure.tight_layout()
    files.save_figure(figure, path)


def run(settings: Settings, *, seed: int, device: str, out: Path) -> Outcome:
    x = np.array(settings.point)
    inits = initialisations(settings, seed)
    runs = {kind: [train(kind, x, w0, settings, device) for w0 in inits] for kind in ("ewn", "unnorm")}
    verdict, measured = axis_verdict(x, inits, runs["ewn"], runs["unnorm"], settings)
    found = [Claim("simple-traj/ewn-to-an-axis", "EWN converges toward an axis, Unnorm toward x/||x||", verdict)]
    _figure(x, inits, runs, settings.target_log_loss, out / FIGURES[0])
    return Outcome(measured, found, list(FIGURES))
