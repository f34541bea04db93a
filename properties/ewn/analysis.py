"""The analysis lemmas (lemma3-lemma6, stolz) as checkable statements.

Each statement is split into its hypotheses and its conclusion, so that a property can report
inconclusive when a drawn instance falls outside the hypotheses and fail when an instance
inside them contradicts the conclusion. Sequence families are symbolic (sympy), with rational
exponents so that sympy decides sums and limits exactly; divergence is shown through an
explicit lower bound whose limit sympy evaluates, and partial sums are checked numerically
against that bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.optimize import brentq

from verify.verdicts import Check

k, n, t = sp.symbols("k n t", positive=True)


# ---- lemma3 ---------------------------------------------------------------------------------


def lemma3_epsilon(ab: float) -> float:
    """The proof's sufficient epsilon: the largest e in [0, pi/2] with
    cos e - (ab + sqrt(2 - 2 cos e)) (ab + 2 sqrt(2 - 2 cos e) + 2 - 2 cos e) >= e; 0 when ab >= 1."""

    def slack(e: float) -> float:
        chord = math.sqrt(max(2 - 2 * math.cos(e), 0.0))
        return math.cos(e) - (ab + chord) * (ab + 2 * chord + 2 - 2 * math.cos(e)) - e

    if slack(0.0) <= 0:
        return 0.0
    return brentq(slack, 0.0, math.pi / 2, xtol=1e-15)


def in_cap(centre: np.ndarray, angle: float, rng: np.random.Generator) -> np.ndarray:
    """A unit vector at exactly `angle` from the unit vector `centre`, in a random direction."""
    u = rng.standard_normal(centre.shape)
    u -= (u @ centre) * centre
    u /= np.linalg.norm(u)
    return math.cos(angle) * centre + math.sin(angle) * u


def lemma3_margin(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> float:
    """b^T (I - c c^T) d."""
    return float(b @ d - (b @ c) * (c @ d))


# ---- lemma4 / lemma5: divergence through an explicit lower bound ----------------------------


def power_sequence_hypotheses(p: sp.Rational) -> list[Check]:
    """a_k = k^-p: a_k > 0, sum a_k = oo and a_k -> 0, each decided by sympy (1 = holds)."""
    diverges = series_diverges(k**-p)
    vanishes = sp.limit(k**-p, k, sp.oo) == 0
    return [Check("sum a_k diverges", float(diverges), 1.0, ">="), Check("a_k -> 0", float(vanishes), 1.0, ">=")]


def power_sum_bounds(p: sp.Rational) -> tuple[sp.Expr, sp.Expr]:
    """For a_k = k^-p: A_n = sum_{k<=n} a_k >= int_1^{n+1} x^-p dx and
    S_n = sum_{k<=n} a_k^2 <= 1 + int_1^n x^-2p dx (a_k decreasing)."""
    x = sp.Symbol("x", positive=True)
    lower = sp.integrate(x**-p, (x, 1, n + 1))
    upper = 1 + sp.integrate(x ** (-2 * p), (x, 1, n))
    return sp.simplify(lower), sp.simplify(upper)


def diverges_to_infinity(expr: sp.Expr) -> bool:
    return sp.limit(expr, n, sp.oo) == sp.oo


@dataclass(frozen=True)
class PartialSums:
    """Numeric partial sums at checkpoints against the symbolic lower bound there."""

    checkpoints: np.ndarray
    sums: np.ndarray
    bounds: np.ndarray

    def bound_check(self) -> Check:
        """min over checkpoints of (partial sum - bound); >= 0 up to rounding."""
        return Check("partial sum - lower bound", float(np.min(self.sums - self.bounds)), -1e-9, ">=")


def partial_sums(terms: np.ndarray, bound: sp.Expr, checkpoints=(10, 100, 1000, 10_000)) -> PartialSums:
    cumulative = np.cumsum(terms)
    f = sp.lambdify(n, bound, "math")
    cps = np.array([c for c in checkpoints if c <= len(terms)])
    return PartialSums(cps, cumulative[cps - 1], np.array([float(f(int(c))) for c in cps]))


# ---- lemma6 and Stolz-Cesaro ----------------------------------------------------------------


def series_converges(term: sp.Expr) -> bool:
    """sympy's convergence tests (not summation, which returns zeta(p) for divergent p < 1)."""
    return bool(sp.Sum(term, (k, 1, sp.oo)).is_convergent())


def series_diverges(term: sp.Expr) -> bool:
    return sp.Sum(term, (k, 1, sp.oo)).is_convergent() is sp.false


def limit_at_infinity(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    return sp.limit(expr, var, sp.oo)


def integral_ratio_limit(f: sp.Expr, g: sp.Expr) -> sp.Expr:
    """lim_{T -> oo} int_1^T f / int_1^T g."""
    T = sp.Symbol("T", positive=True)
    return sp.limit(sp.integrate(f, (t, 1, T)) / sp.integrate(g, (t, 1, T)), T, sp.oo)


def integral_diverges(g: sp.Expr) -> bool:
    """Whether int_1^oo g dt = oo: the integral Stolz-Cesaro hypothesis."""
    return sp.integrate(g, (t, 1, sp.oo)) == sp.oo
