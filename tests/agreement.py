"""Agreement of two code paths that compute the same GD trajectory with different rounding.

The mechanism that separates the paths (batched against loop, padded against grouped, CPU
against CUDA, one CPU's kernels against another's): each evaluation of log L and its gradient
sums the same terms in a different order (and CUDA's exp and log are within 1-2 ulp, not
correctly rounded), so the two differ by a few ulps per evaluation (tests/test_batched.py
measures <= 4.7e-16 relative for padding). GD carries these differences forward, and they do
three different things:

- they move every state a little, adding up step by step: `per_step * (step + 1)`. Each
  quantity is compared in its natural unit: w relative to ||w||; logarithms (log L, log d,
  log eta, per-node log-norms and A5) absolutely, in nats, which is a relative error of the
  underlying value; cosines, shares and unit directions absolutely, since they are bounded by
  1 and an entry near 0 has no meaningful relative error (an elementwise relative test failed
  on an AMD EPYC for a node_cos entry near 0).
- where the dynamics themselves amplify small differences, the differences grow with them.
  Measured on an SWN Lin-Sep run near its stability edge: a 4e-16 relative perturbation of the
  initial weights, on one path, grows to 2e-5 nats in a node's log gradient norm between steps
  317 and 339; CPU against CUDA differed there by 2.3e-5. No fixed budget describes that, so a
  *shadow* measures it: one path run again from weights perturbed by SHADOW_PERTURBATION, and
  compared with that path's unperturbed run. The allowance adds SHADOW_FACTOR times the
  largest shadow's deviation, field by field. There are SHADOW_SEEDS shadows, since one is a
  single sample of a growth that depends on the perturbation: on an SWN run at the stability
  edge, between steps 523 and 557, one shadow grew from 2e-14 to 1e-4 nats while a simulated
  other CPU grew from 9e-14 to 1.4e-3 (13.6x, past the factor), and the two other shadows
  parted from their origin there, which ends the comparison. The factor: differences enter at
  every evaluation, not once; those entering later have had less time to grow, and when growth
  is faster than linear their sum is within a small multiple of the first's effect (the
  per-step term covers linear growth).
- they can flip a decision: an undo, or the step at which a snapshot milestone is crossed,
  when the two candidates sit within rounding of a tie. After that the two runs are different
  runs, and only their outcomes compare. The first shadow whose decisions part from its own
  unperturbed run marks where comparison ends: from there rounding alone decides the path.

So `assert_trajectories_agree` pairs the snapshots while their decisions agree ((step,
attempts) and k equal; k follows the order of the decisions, which equal counts do not fix:
seen on an SWN run under ATEN_CPU_CAPABILITY=default, where a tie near step 1,197 swapped an
accept and an undo, with ||w_u|| rounded in another order), compares the
states of that common prefix field by field, checks that the log-L histories part only at a
tie, and compares outcomes: the stop reason, and, where nothing parted, the step counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from verify.trajectory import Snapshot, Trajectory

# Fields compared absolutely (bounded by 1, or logarithms in nats).
BOUNDED = ("node_cos", "node_share", "grad_direction", "loss_direction")
LOGARITHMS = ("node_log_norm", "node_log_grad_norm", "node_log_a5")
SCALARS = ("log_loss", "log_eta", "log_d", "normalised_margin")
FIELDS = ("w",) + BOUNDED + LOGARITHMS + SCALARS

# One evaluation's discrepancy between paths, as a relative perturbation of the weights: a few
# ulps (4.7e-16 measured for padding; CUDA's exp and log are within 2 ulp = 4.4e-16).
SHADOW_PERTURBATION = 4.4e-16
SHADOW_FACTOR = 10.0
SHADOW_SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class Sensitivity:
    """One path's run (`origin`) and its `shadows` from perturbed weights: how far rounding-sized
    differences grow along this trajectory."""

    origin: Trajectory
    shadows: tuple[Trajectory, ...]


@dataclass(frozen=True)
class Agreement:
    """What two trajectories shared: the snapshots paired before the first diverging decision,
    whether anything parted at all, and the worst deviation per step seen on the prefix."""

    paired: int
    diverged: bool
    worst_per_step: float


def _deviation(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape == () and np.isneginf(a) and np.isneginf(b):  # log d is -inf before the first step
        return 0.0
    assert np.isfinite(a).all() and np.isfinite(b).all(), "a recorded value is not finite"
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def snapshot_deviations(a: Snapshot, b: Snapshot) -> dict[str, float]:
    """Each field's deviation between two snapshots, in its natural unit (module docstring)."""
    deviations = {name: _deviation(getattr(a, name), getattr(b, name)) for name in FIELDS}
    deviations["w"] /= max(float(np.linalg.norm(a.w)), 1e-300)
    return deviations


def sensitivity(
    train: Callable[[list[torch.Tensor]], Trajectory],
    weights: list[torch.Tensor],
    origin: Trajectory | None = None,
) -> Sensitivity:
    """`train` (one path) from `weights` (its run `origin`, trained here unless given) and, once
    per seed of SHADOW_SEEDS, from `weights` perturbed entrywise by SHADOW_PERTURBATION relative,
    with signs and sizes drawn from a torch Generator with that seed (the shadows)."""
    shadows = []
    for seed in SHADOW_SEEDS:
        generator = torch.Generator().manual_seed(seed)
        perturbed = [w * (1 + SHADOW_PERTURBATION * torch.randn(w.shape, dtype=w.dtype, generator=generator)) for w in weights]
        shadows.append(train(perturbed))
    return Sensitivity(origin if origin is not None else train(weights), tuple(shadows))


def _history_allowance(b: Trajectory, per_step: float, sensitivity: Sensitivity | None) -> np.ndarray:
    """Per accepted step of b, the log-L deviation rounding allows (module docstring)."""
    allowed = per_step * np.arange(1, len(b.log_loss_history) + 1)
    if sensitivity is not None:
        origin = sensitivity.origin.log_loss_history
        n = min([len(origin), len(allowed)] + [len(s.log_loss_history) for s in sensitivity.shadows])
        moved = np.max([np.abs(s.log_loss_history[:n] - origin[:n]) for s in sensitivity.shadows], axis=0)
        allowed[:n] += SHADOW_FACTOR * moved
        allowed[n:] = np.inf  # a shadow or its origin stopped first: past that nothing is measured
    return allowed


def _first_divergence(a: np.ndarray, b: np.ndarray, allowed: np.ndarray) -> int | None:
    """The first accepted step at which two log-L histories differ by more than `allowed`."""
    for i, (x, y) in enumerate(zip(a, b)):
        if abs(x - y) > allowed[i]:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def _decisions(snapshot: Snapshot) -> tuple[int, int, float]:
    """The decisions up to a snapshot: how many steps were accepted and attempted, and k, which
    their order sets (once k_max caps the growth, accepting then undoing and undoing then
    accepting leave equal counts and different k)."""
    return snapshot.step, snapshot.attempts, snapshot.k


def assert_trajectories_agree(a: Trajectory, b: Trajectory, per_step: float, sensitivity: Sensitivity | None = None) -> Agreement:
    """Assert that `a` and `b` are one trajectory computed with different rounding (module
    docstring). `per_step` is the deviation allowed per GD step, in the fields' natural units;
    `sensitivity`, where given, is a run of this trajectory on one of the paths with its shadows,
    and widens the allowance by how far the shadows stray from that run.

    A decision may diverge only at a tie: at the first accepted step where the log-L histories
    part, one run accepted a step that moved log L by at most twice the allowed deviation (the
    other run, within that deviation of it, could then have seen a rise and undone it).
    """
    paired, worst = 0, 0.0
    for index, (x, y) in enumerate(zip(a.snapshots, b.snapshots)):
        if _decisions(x) != _decisions(y):
            break
        amplified = None
        if sensitivity is not None:
            runs = (sensitivity.origin, *sensitivity.shadows)
            if any(index >= len(run.snapshots) or _decisions(run.snapshots[index]) != _decisions(y) for run in runs):
                break  # the path parts from a shadow of its own here: rounding decides what follows
            deviations = [snapshot_deviations(shadow.snapshots[index], runs[0].snapshots[index]) for shadow in runs[1:]]
            amplified = {name: max(d[name] for d in deviations) for name in FIELDS}
        for name, deviation in snapshot_deviations(x, y).items():
            allowed = per_step * (x.step + 1) + (SHADOW_FACTOR * amplified[name] if amplified else 0.0)
            assert deviation <= allowed, f"{name} at step {x.step}: deviation {deviation:.3g} > {allowed:.3g}"
            worst = max(worst, deviation / (x.step + 1))
        paired += 1
    assert paired >= 1, "the trajectories differ in their first snapshot's decisions"
    assert a.stop_reason is b.stop_reason, f"stop reasons differ: {a.stop_reason} and {b.stop_reason}"
    if paired < min(len(a.snapshots), len(b.snapshots)) and sensitivity is not None:
        return Agreement(paired, True, worst)
    allowed = _history_allowance(b, per_step, sensitivity)
    split = _first_divergence(a.log_loss_history, b.log_loss_history, allowed)
    if split is None:
        assert (a.accepted, a.rejected) == (b.accepted, b.rejected), "same accepted steps, different undo counts"
        return Agreement(paired, paired < max(len(a.snapshots), len(b.snapshots)), worst)
    assert 0 < split < min(len(a.log_loss_history), len(b.log_loss_history)), (
        f"log L histories part at accepted step {split} without a later step to compare"
    )
    moves = [abs(h[split] - h[split - 1]) for h in (a.log_loss_history, b.log_loss_history)]
    assert min(moves) <= 2 * allowed[split], (
        f"decisions diverge at accepted step {split}, where neither run was within rounding of a tie "
        f"(log L moved by {moves[0]:.3g} and {moves[1]:.3g})"
    )
    return Agreement(paired, True, worst)
