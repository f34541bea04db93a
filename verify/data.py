"""Seeded separable data sets, each proved separable before it is returned.

Every generator draws from a torch.Generator it is given (never the global RNG) and returns a
Dataset carrying a separability certificate found by a linear program (scipy's HiGHS):
maximise t subject to y_i <u, phi(x_i)> >= t (binary) or <u_{y_i} - u_j, phi(x_i)> >= t
(multi-class), with |u|_inf <= 1. A set whose optimum t is not positive raises
NotSeparableError. phi is the identity for linearly separable sets; for XOR it is the four
ReLU diagonal features, so the certificate is a 2-layer bias-free ReLU net, the class the
XOR experiment trains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import linprog

from verify.errors import ConfigError, NotSeparableError, require

# LP optima below this are indistinguishable from 0 at HiGHS's default feasibility tolerance (1e-7).
_SEPARABLE_MIN_MARGIN = 1e-6
_MAX_REJECTION_ROUNDS = 10_000


def linear_features(x: torch.Tensor) -> torch.Tensor:
    return x


def relu_diagonal_features(x: torch.Tensor) -> torch.Tensor:
    """phi(x) = relu(+-x1 +- x2): a 2-layer bias-free ReLU net separates XOR through these."""
    diag = torch.tensor([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]], dtype=x.dtype)
    return torch.relu(x @ diag.T)


FEATURES = {"linear": linear_features, "relu-diagonals": relu_diagonal_features}


@dataclass(frozen=True)
class Certificate:
    """A separator u in feature space and the margin t it attains (|u|_inf <= 1)."""

    features: str
    separator: np.ndarray
    margin: float


@dataclass(frozen=True)
class Dataset:
    """Inputs x (m, d) float64; labels y: +-1 floats (binary) or class indices (multi-class)."""

    name: str
    x: torch.Tensor
    y: torch.Tensor
    num_classes: int
    certificate: Certificate

    @property
    def loss(self) -> str:
        """The loss the paper pairs with this label format."""
        return "exponential" if self.num_classes == 2 and self.y.is_floating_point() else "cross_entropy"

    def to(self, device) -> Dataset:
        return Dataset(self.name, self.x.to(device), self.y.to(device), self.num_classes, self.certificate)


def certify(x: torch.Tensor, y: torch.Tensor, num_classes: int, features: str = "linear") -> Certificate:
    """Prove (x, y) separable through `features` by LP, or raise NotSeparableError."""
    require(features in FEATURES, f"unknown feature map {features!r}; choose one of {sorted(FEATURES)}")
    phi = FEATURES[features](x.detach().cpu().to(torch.float64)).numpy()
    m, d = phi.shape
    yy = y.detach().cpu().numpy()
    if y.is_floating_point():
        rows = -(yy[:, None] * phi)
        a_ub = np.hstack([rows, np.ones((m, 1))])
        n_u = d
    else:
        rows = []
        for i in range(m):
            for j in range(num_classes):
                if j == yy[i]:
                    continue
                r = np.zeros((num_classes, d))
                r[yy[i]] -= phi[i]
                r[j] += phi[i]
                rows.append(r.ravel())
        a_ub = np.hstack([np.array(rows), np.ones((len(rows), 1))])
        n_u = num_classes * d
    cost = np.zeros(n_u + 1)
    cost[-1] = -1.0
    bounds = [(-1.0, 1.0)] * n_u + [(None, 1.0)]
    res = linprog(cost, A_ub=a_ub, b_ub=np.zeros(len(a_ub)), bounds=bounds, method="highs")
    if res.status != 0 or -res.fun < _SEPARABLE_MIN_MARGIN:
        raise NotSeparableError(f"data set is not separable through {features} features (LP margin {-res.fun:.3g})")
    return Certificate(features, res.x[:-1], float(-res.fun))


def _check_labels(x: torch.Tensor, y: torch.Tensor, num_classes: int) -> None:
    require(x.ndim == 2 and x.shape[0] >= 1, f"inputs must have shape (m, d), got {tuple(x.shape)}")
    require(y.shape == (x.shape[0],), f"labels must have shape ({x.shape[0]},), got {tuple(y.shape)}")
    require(bool(torch.isfinite(x).all()), "inputs contain a non-finite value")
    if y.is_floating_point():
        require(num_classes == 2, f"+-1 labels need num_classes=2, got {num_classes}")
        require(bool(((y == 1) | (y == -1)).all()), "binary labels must be +1 or -1")
    else:
        require(num_classes >= 2, f"num_classes must be >= 2, got {num_classes}")
        require(bool(((y >= 0) & (y < num_classes)).all()), f"class labels must lie in 0..{num_classes - 1}")


def make_dataset(name: str, x, y, num_classes: int = 2, features: str = "linear") -> Dataset:
    """A validated, certified data set from arrays (binary labels +-1 or class indices)."""
    x = torch.as_tensor(x, dtype=torch.float64)
    y = torch.as_tensor(y)
    y = y.to(torch.float64) if num_classes == 2 and (y.is_floating_point() or bool((y < 0).any())) else y.long()
    _check_labels(x, y, num_classes)
    return Dataset(name, x, y, num_classes, certify(x, y, num_classes, features))


def _in_general_position(x: torch.Tensor) -> bool:
    """No repeated point and full rank: holds almost surely for continuous draws."""
    m, d = x.shape
    if m > 1 and float(torch.pdist(x).min()) < 1e-9:
        return False
    return int(torch.linalg.matrix_rank(x)) == min(m, d)


def _unit_ball(n: int, d: int, generator: torch.Generator) -> torch.Tensor:
    g = torch.randn(n, d, generator=generator, dtype=torch.float64)
    r = torch.rand(n, 1, generator=generator, dtype=torch.float64) ** (1.0 / d)
    return g / g.norm(dim=1, keepdim=True) * r


def _draw_until(m: int, d: int, generator: torch.Generator, keep, what: str) -> torch.Tensor:
    kept = []
    total = 0
    for _ in range(_MAX_REJECTION_ROUNDS):
        batch = _unit_ball(4 * m, d, generator)
        batch = batch[keep(batch)]
        kept.append(batch)
        total += batch.shape[0]
        if total >= m:
            return torch.cat(kept)[:m]
    raise ConfigError(f"could not draw {m} points for {what}; the margin is too large for d={d}")


def binary_separable(m: int, d: int, margin: float, generator: torch.Generator) -> Dataset:
    """m points in the unit ball of R^d, labelled by a random unit u*, with |<u*, x>| >= margin
    and both labels present.

    A set whose points all fell on one side of u* is drawn again from the same generator (so
    every set that had both labels is unchanged). One label only is not a classification
    problem: Hypothesis's smallest draw (m = 4, seed 0) was such a set, drawn first in every run
    of the GD properties, and each of its EWN runs lost its output node's share with the margin
    (A4's exponent -0.16 at -300 and -450). 2-5% of uniform draws with m = 4-7 had one label."""
    require(isinstance(m, int) and m >= 2, f"m={m!r} must be an integer >= 2")
    require(isinstance(d, int) and d >= 1, f"d={d!r} must be an integer >= 1")
    require(0 < margin < 1, f"margin={margin!r} must lie in (0, 1)")
    u = torch.randn(d, generator=generator, dtype=torch.float64)
    u = u / u.norm()
    for _ in range(_MAX_REJECTION_ROUNDS):
        x = _draw_until(m, d, generator, lambda b: (b @ u).abs() >= margin, "a binary separable set")
        y = torch.sign(x @ u)
        if bool((y > 0).any()) and bool((y < 0).any()):
            break
    else:
        raise ConfigError(f"could not draw {m} points with both labels")
    require(_in_general_position(x), "drawn points are not in general position")
    return make_dataset(f"binary-separable(m={m}, d={d}, margin={margin})", x, y)


def multiclass_separable(m: int, d: int, k: int, margin: float, generator: torch.Generator) -> Dataset:
    """m points labelled by argmax_j <u_j, x> for k random unit u_j, with top-two gap at least
    margin * min_{i != j} ||u_i - u_j|| (the gap is relative, so nearby class directions
    cannot make the margin unreachable), and every class present.

    A set missing a class is drawn again, directions and points, from the same generator (so
    every set that had all k classes is unchanged): a k-class problem with a class absent is a
    smaller problem with an output no point asks for. 132 of 300 uniform draws (6-12 points,
    3-4 classes) missed a class, and on EWN deep linear flows of depth 2-4 to -300 A4 held on 2
    of 11 such sets against 8 of 17 with every class."""
    require(isinstance(k, int) and k >= 2, f"k={k!r} must be an integer >= 2")
    require(isinstance(m, int) and m >= k, f"m={m!r} must be an integer >= k={k}, so that every class has a point")
    require(isinstance(d, int) and d >= 1, f"d={d!r} must be an integer >= 1")
    require(0 < margin < 1, f"margin={margin!r} must lie in (0, 1)")
    for _ in range(_MAX_REJECTION_ROUNDS):
        u = torch.randn(k, d, generator=generator, dtype=torch.float64)
        u = u / u.norm(dim=1, keepdim=True)
        spread = float(torch.pdist(u).min())
        require(spread > 0, "class directions coincide")

        def gap(b, u=u, spread=spread):
            top2 = (b @ u.T).topk(2, dim=1).values
            return top2[:, 0] - top2[:, 1] >= margin * spread

        x = _draw_until(m, d, generator, gap, "a multi-class separable set")
        y = (x @ u.T).argmax(dim=1)
        if len(set(y.tolist())) == k:
            break
    else:
        raise ConfigError(f"could not draw {m} points with all {k} classes")
    require(_in_general_position(x), "drawn points are not in general position")
    return make_dataset(f"multiclass-separable(m={m}, d={d}, k={k}, margin={margin})", x, y, num_classes=k)


def lin_sep(generator: torch.Generator) -> Dataset:
    """The paper's Lin-Sep set: (1, 1) labelled -1, (-1, 1) labelled +1, and one more point per
    class drawn uniformly in a unit square on its own side, a unit away from the separator x_1 = 0
    (squares [1, 2] x [-1/2, 1/2] for -1 and its mirror image for +1)."""
    offsets = torch.rand(2, 2, generator=generator, dtype=torch.float64) + torch.tensor([[1.0, -0.5], [1.0, -0.5]])
    x = torch.tensor([[1.0, 1.0], [-1.0, 1.0]], dtype=torch.float64)
    extra = torch.stack([offsets[0], offsets[1] * torch.tensor([-1.0, 1.0], dtype=torch.float64)])
    return make_dataset("lin-sep", torch.cat([x, extra]), torch.tensor([-1.0, 1.0, -1.0, 1.0]))


def xor(classes: bool = False) -> Dataset:
    """(1, 1), (-1, -1) labelled -1; (1, -1), (-1, 1) labelled +1 (exponential loss), or with
    classes=True labelled 0 and 1 (two-class cross-entropy)."""
    x = torch.tensor([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]], dtype=torch.float64)
    if classes:
        return make_dataset("xor-classes", x, torch.tensor([0, 0, 1, 1]), num_classes=2, features="relu-diagonals")
    return make_dataset("xor", x, torch.tensor([-1.0, -1.0, 1.0, 1.0]), features="relu-diagonals")


def single_point(x=(2.0, 1.0)) -> Dataset:
    """One point labelled +1 (Simple-Traj uses x = (2, 1))."""
    return make_dataset("single-point", torch.tensor([list(x)], dtype=torch.float64), torch.tensor([1.0]))
