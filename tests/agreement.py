"""Agreement of two code paths that compute the same GD trajectory with different rounding.

The mechanism that separates the paths (batched against loop, padded against grouped, CPU
against CUDA, one CPU's kernels against another's): each evaluation of log L and its gradient
sums the same terms in a different order, so the two differ by a few ulps per evaluation
(tests/test_batched.py measures <= 4.7e-16 relative for padding). GD carries these
differences forward, and they do two different things:

- they move every state a little. Each quantity is compared in its natural unit: w relative to
  ||w||; logarithms (log L, log d, log eta, per-node log-norms and A5) absolutely, in nats,
  which is a relative error of the underlying value; cosines, shares and unit directions
  absolutely, since they are bounded by 1 and an entry near 0 has no meaningful relative
  error (an elementwise relative test failed on an AMD EPYC for a node_cos entry near 0).
- they can flip a decision: an undo, or the step at which a snapshot milestone is crossed,
  when the two candidates sit within rounding of a tie. After that the two runs are different
  runs, and only their outcomes compare.

So `assert_trajectories_agree` pairs the snapshots while their decisions agree ((step,
attempts) equal; k, a function of the decisions alone, then equal to the bit), compares the
states of that common prefix within `per_step * (step + 1)` in the units above (ulp-sized
differences entering once per step and adding up), and then compares outcomes: the stop reason,
and, where the decisions never diverged, the step counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verify.trajectory import StopReason, Trajectory

# Fields compared absolutely (bounded by 1, or logarithms in nats).
BOUNDED = ("node_cos", "node_share", "grad_direction", "loss_direction")
LOGARITHMS = ("node_log_norm", "node_log_grad_norm", "node_log_a5")
SCALARS = ("log_loss", "log_eta", "log_d", "normalised_margin")


@dataclass(frozen=True)
class Agreement:
    """What two trajectories shared: the snapshots paired before the first diverging decision,
    whether the decisions diverged at all, and the worst deviation per step seen on the prefix."""

    paired: int
    diverged: bool
    worst_per_step: float


def _deviation(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert np.isfinite(a).all() and np.isfinite(b).all(), "a recorded value is not finite"
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def _snapshot_deviation(a, b) -> float:
    worst = _deviation(a.w, b.w) / max(float(np.linalg.norm(a.w)), 1e-300)
    for name in BOUNDED + LOGARITHMS:
        worst = max(worst, _deviation(getattr(a, name), getattr(b, name)))
    for name in SCALARS:
        x, y = getattr(a, name), getattr(b, name)
        if not (np.isneginf(x) and np.isneginf(y)):  # log d is -inf before the first step
            worst = max(worst, _deviation(x, y))
    return worst


def _first_divergence(a: np.ndarray, b: np.ndarray, per_step: float) -> int | None:
    """The first accepted step at which two log-L histories differ by more than rounding."""
    for i, (x, y) in enumerate(zip(a, b)):
        if abs(x - y) > per_step * (i + 1):
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def assert_trajectories_agree(a: Trajectory, b: Trajectory, per_step: float) -> Agreement:
    """Assert that `a` and `b` are one trajectory computed with different rounding (module
    docstring); `per_step` is the deviation allowed per GD step, in the fields' natural units.

    A decision may diverge only at a tie: at the first accepted step where the log-L histories
    part, one run accepted a step that moved log L by at most twice the allowed deviation (the
    other run, within that deviation of it, could then have seen a rise and undone it).
    """
    paired, worst = 0, 0.0
    for x, y in zip(a.snapshots, b.snapshots):
        if (x.step, x.attempts) != (y.step, y.attempts):
            break
        assert x.k == y.k, f"k differs at step {x.step} although every decision agreed"
        deviation = _snapshot_deviation(x, y)
        allowed = per_step * (x.step + 1)
        assert deviation <= allowed, f"snapshot at step {x.step}: deviation {deviation:.3g} > {allowed:.3g}"
        worst = max(worst, deviation / (x.step + 1))
        paired += 1
    assert paired >= 1, "the trajectories differ in their first snapshot's decisions"
    assert a.stop_reason is b.stop_reason, f"stop reasons differ: {a.stop_reason} and {b.stop_reason}"
    split = _first_divergence(a.log_loss_history, b.log_loss_history, per_step)
    if split is None:
        assert (a.accepted, a.rejected) == (b.accepted, b.rejected), "same accepted steps, different undo counts"
        return Agreement(paired, paired < max(len(a.snapshots), len(b.snapshots)), worst)
    assert 0 < split < min(len(a.log_loss_history), len(b.log_loss_history)), (
        f"log L histories part at accepted step {split} without a later step to compare"
    )
    moves = [abs(h[split] - h[split - 1]) for h in (a.log_loss_history, b.log_loss_history)]
    assert min(moves) <= 2 * per_step * (split + 1), (
        f"decisions diverge at accepted step {split}, where neither run was within rounding of a tie "
        f"(log L moved by {moves[0]:.3g} and {moves[1]:.3g})"
    )
    return Agreement(paired, True, worst)
