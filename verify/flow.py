"""Gradient flow in loss time (THEOREMS.md section 2), with scipy's adaptive solvers.

The flow dtheta/dt = -eta(t) grad_theta L traces one path whatever eta > 0 is, so it is
integrated in loss time tau: dtheta/dtau = -grad log L / ||grad log L||^2, along which log L
falls by exactly one nat per unit tau. Beside theta the state carries z = t * L, where t is
the time of the eta = 1 flow: dz/dtau = 1/||grad log L||^2 - z (from dt/dtau = 1/(L ||grad
log L||^2) and dL/dtau = -L). z stays of order 1/||grad log L||^2 while t grows like e^tau,
so log t = log z - log L is available at e^-1000 without overflow.

Why scipy rather than a batched solver of our own: one network's flow is one ODE of a few
dozen unknowns, where scipy's step-wise solver objects (solver.step(), dense output) give
exact control of stops and snapshots, and LSODA switches to a stiff (BDF) method by itself.
SWN's flow can be stiff (its directions relax much faster than the loss falls): a prototype
spent ~97,000 explicit RK45 evaluations to reach -300 against ~10,000 for EWN to -600.
LSODA meets stiffness with its BDF branch; on the Lin-Sep case of benchmarks/flow_cost.py
SWN costs 1.5x EWN's evaluations per nat with LSODA and 2.6x with the explicit DOP853. Batching networks into
one ODE would force one step size on all
of them, so the stiffest would set the pace; throughput across many networks comes from
the batched GD trainer instead.

Stops and snapshots are exact: after every solver step the dense output is root-found
(brentq) for log L crossing the target and each multiple of snapshot_every, so snapshots lie
at log L = j * snapshot_every and the run ends at log L = target, each to ~1e-12 nats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.integrate import BDF, DOP853, LSODA, RK45, Radau
from scipy.optimize import brentq

from verify.data import Dataset
from verify.errors import ConfigError, require
from verify.gd import next_milestone
from verify.objective import Objective
from verify.parameterisations import ParamNet
from verify.trajectory import StopReason, Trajectory, at_or_above

SOLVERS = {"LSODA": LSODA, "DOP853": DOP853, "RK45": RK45, "Radau": Radau, "BDF": BDF}


@dataclass(frozen=True)
class FlowSettings:
    """Solver and stopping settings for train_flow.

    max_evaluations caps the gradient evaluations (right-hand-side calls) of one run.
    """

    target_log_loss: float = -300.0
    snapshot_every: float = 25.0
    method: str = "LSODA"
    rtol: float = 1e-10
    atol: float = 1e-12
    max_evaluations: int = 2_000_000

    def __post_init__(self) -> None:
        require(self.method in SOLVERS, f"unknown flow method {self.method!r}; choose one of {sorted(SOLVERS)}")
        require(
            math.isfinite(self.target_log_loss),
            f"bad target log L {self.target_log_loss!r}: must be a finite number of nats",
        )
        for name in ("snapshot_every", "rtol", "atol"):
            value = getattr(self, name)
            require(math.isfinite(value) and value > 0, f"bad flow setting {name}={value!r}: must be finite and > 0")
        require(
            isinstance(self.max_evaluations, int) and self.max_evaluations >= 1,
            f"bad flow setting max_evaluations={self.max_evaluations!r}: must be an integer >= 1",
        )


def first_level(log_l0: float, every: float) -> int:
    """The j of the first snapshot level j * every that a flow starting at log_l0 records: the
    largest below log_l0, skipping one within LEVEL_SLACK of it, which is the start itself read
    to its last bits (a stage continued from a snapshot at -300 starts at -299.9999999999999 or
    -300.0000000000001, and must not record the start twice)."""
    # Integer multiples: repeated subtraction would drift off them (1/12 subtracted twelve times
    # from 1 leaves 8e-17, not 0).
    j = round(next_milestone(log_l0, every) / every)
    return j - 1 if at_or_above(j * every, log_l0) else j


class _Field:
    """The loss-time vector field on the flattened state (theta, z), with evaluation counts."""

    def __init__(self, objective: Objective, shapes: list[torch.Size]):
        self.objective = objective
        ends = np.cumsum([int(np.prod(s)) for s in shapes]).tolist()
        # Slices and views rather than torch.split, which took a fifth of a Lin-Sep flow's time.
        self.parts = [(start, end, shape) for start, end, shape in zip([0] + ends[:-1], ends, shapes)]
        self.evaluations = 0

    def theta(self, y: np.ndarray) -> list[torch.Tensor]:
        flat = torch.from_numpy(np.ascontiguousarray(y[:-1])).to(self.objective.device)
        return [flat[start:end].view(shape) for start, end, shape in self.parts]

    def __call__(self, tau: float, y: np.ndarray) -> np.ndarray:
        self.evaluations += 1
        log_l, grads = self.objective.value_and_grad(self.theta(y))
        g = torch.cat([part.reshape(-1) for part in grads]).cpu().numpy()
        square = float(g @ g)
        if not (math.isfinite(log_l) and math.isfinite(square)) or square == 0.0:
            raise FloatingPointError(
                f"gradient flow reached a non-finite or stationary state at log L = {log_l} "
                f"(||grad log L||^2 = {square}) after {self.evaluations} evaluations"
            )
        with np.errstate(all="ignore"):
            derivative = np.concatenate([-g / square, [1.0 / square - y[-1]]])
        if not np.isfinite(derivative).all():
            raise FloatingPointError(
                f"gradient flow's vector field is not finite at log L = {log_l} (||grad log L||^2 = {square})"
            )
        return derivative

    def log_loss(self, y: np.ndarray) -> float:
        with torch.no_grad():
            value = float(self.objective.log_loss(self.theta(y)))
        if not math.isfinite(value):
            raise FloatingPointError(f"gradient flow reached a non-finite log L = {value}")
        return value


def _crossing(field: _Field, dense, t_old: float, t_new: float, level: float) -> float:
    """The tau in [t_old, t_new] where log L along the dense output equals level (t_old if it
    is already at or below it there)."""

    def excess(tau: float) -> float:
        return field.log_loss(dense(tau)) - level

    # The dense output at t_old can sit a rounding below a level that the solver's own state
    # there was above; the crossing is then t_old itself.
    if excess(t_old) <= 0:
        return t_old
    return brentq(excess, t_old, t_new, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=200)


def train_flow(
    net: ParamNet,
    data: Dataset,
    weights: list[torch.Tensor],
    settings: FlowSettings = FlowSettings(),
    device="cpu",
    engine: str | None = None,
) -> Trajectory:
    """Integrate the flow from the parameters representing `weights` down to the target log L.

    Snapshots: the start, log L at each multiple of snapshot_every passed, and the end (at the
    target, or wherever the evaluation budget ran out). Each snapshot has k = 1 and c = 0
    (the eta = 1 flow), log_d = log t, step = solver steps and attempts = gradient evaluations
    so far. The log-loss and log-norm histories hold log L and log ||w|| after every solver step.
    `engine` evaluates log L and its gradient (verify.objective.ENGINES; the device's default
    when None).
    """
    objective = Objective(net, data, device, engine=engine)
    theta0 = [t.to(objective.device, torch.float64) for t in net.params_from_weights([w.to(torch.float64) for w in weights])]
    field = _Field(objective, [t.shape for t in theta0])
    y0 = np.concatenate([torch.cat([t.flatten() for t in theta0]).cpu().numpy(), [0.0]])
    log_l0 = field.log_loss(y0)
    if not np.isfinite(y0).all():
        raise ConfigError("initial state is not finite")
    s = settings
    require(log_l0 > s.target_log_loss, f"the initial log L {log_l0:.6g} is already at or below the target")
    # log L = log L0 - tau along the exact path; the slack lets the root-finder see the crossing.
    horizon = 1.05 * (log_l0 - s.target_log_loss) + 1.0
    solver = SOLVERS[s.method](field, 0.0, y0, horizon, rtol=s.rtol, atol=s.atol)
    steps = 0

    def snap(y: np.ndarray):
        theta = field.theta(y)
        log_l = field.log_loss(y)
        log_t = math.log(y[-1]) - log_l if y[-1] > 0 else -math.inf
        return objective.measure(theta, step=steps, attempts=field.evaluations, k=1.0, c=0.0, log_d=log_t)

    snapshots = [snap(y0)]
    history = [log_l0]
    norms = [objective.log_norm(field.theta(y0))]
    j = first_level(log_l0, s.snapshot_every)
    milestone = j * s.snapshot_every
    reason = StopReason.BUDGET
    while solver.status == "running" and field.evaluations < s.max_evaluations:
        t_old = solver.t
        message = solver.step()
        if solver.status == "failed":
            raise FloatingPointError(f"gradient flow solver failed at log L = {history[-1]:.6g}: {message}")
        steps += 1
        log_l = field.log_loss(solver.y)
        dense = solver.dense_output()
        while milestone > s.target_log_loss and log_l <= milestone:
            snapshots.append(snap(dense(_crossing(field, dense, t_old, solver.t, milestone))))
            j -= 1
            milestone = j * s.snapshot_every
        if log_l <= s.target_log_loss:
            end = dense(_crossing(field, dense, t_old, solver.t, s.target_log_loss))
            snapshots.append(snap(end))
            history.append(snapshots[-1].log_loss)
            norms.append(objective.log_norm(field.theta(end)))
            reason = StopReason.TARGET
            final = end
            break
        history.append(log_l)
        norms.append(objective.log_norm(field.theta(solver.y)))
        final = solver.y
    else:
        if solver.status == "finished":
            raise FloatingPointError(
                f"gradient flow ran to tau = {horizon:.6g} without reaching the target (log L = {history[-1]:.6g})"
            )
        snapshots.append(snap(solver.y))
        final = solver.y
    return Trajectory(
        snapshots=snapshots,
        stop_reason=reason,
        log_loss_history=np.array(history),
        log_norm_history=np.array(norms),
        accepted=steps,
        rejected=0,
        final_weights=[w.detach().cpu() for w in net.weights(field.theta(final))],
    )
