"""lemma5 — Lemma 5: sum a_k / b_k diverges when b grows no faster than sqrt(sum a^2).

Statement. If a_k > 0, sum a_k = oo, a_k -> 0, and b_k > 0 is increasing with
b_{k+1}^2 <= b_k^2 + a_k^2, then sum_k a_k / b_k = oo.

Checked on a_k = k^-p (rational p in (0, 1]) and b_k^2 = b_1^2 + beta sum_{j<k} a_j^2 with
b_1^2 in 1..4 and rational beta in (0, 1]. The hypotheses on b are checked on the first 10^4
terms. Divergence: since b is increasing,
    sum_{k<=n} a_k/b_k >= A_n/b_n >= int_1^{n+1} x^-p dx / sqrt(b_1^2 + beta (1 + int_1^n x^-2p dx)),
whose limit sympy evaluates; the partial sums are checked against it. Examples (ci): 8.
"""

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.profiles import examples
from verify.strategies import rationals
from verify.tally import property_of, record
from verify.verdicts import Check, Status, decide
from verify_ewn import analysis

TERMS = 10_000


def growth_hypotheses(a: np.ndarray, b: np.ndarray) -> list[Check]:
    """b increasing and b_{k+1}^2 <= b_k^2 + a_k^2 on the computed terms (largest violations)."""
    rise = float(np.min(np.diff(b)))
    excess = float(np.max(b[1:] ** 2 - b[:-1] ** 2 - a[:-1] ** 2) / np.max(b**2))
    return [Check("min b_{k+1} - b_k", rise, 0.0, ">"), Check("max relative excess of b_{k+1}^2", excess, 1e-12, "<=")]


def verdict(p, b1_squared, beta, b=None):
    """b: an explicit b sequence (a control); by default the family above. The symbolic bound is
    then A_n / b_n with b_n = the control's closed form n."""
    a = np.arange(1, TERMS + 1, dtype=float) ** -float(p)
    lower, upper = analysis.power_sum_bounds(p)
    if b is None:
        b = np.sqrt(b1_squared + float(beta) * np.concatenate([[0.0], np.cumsum(a**2)[:-1]]))
        bound = lower / sp.sqrt(b1_squared + beta * upper)
    else:
        bound = lower / analysis.n
    hypotheses = analysis.power_sequence_hypotheses(p) + growth_hypotheses(a, b)
    sums = analysis.partial_sums(a / b, bound)
    claims = [Check("lower bound -> oo (sympy)", float(analysis.diverges_to_infinity(bound)), 1.0, ">="), sums.bound_check()]
    return decide(hypotheses, claims, {"p": float(p), "beta": float(beta)})


@property_of("lemma5")
@settings(max_examples=examples(8))
@given(p=rationals(0, 1), b1_squared=st.integers(1, 4), beta=rationals(0, 1))
def test_property_lemma5_diverges(p, b1_squared, beta):
    record(verdict(p, b1_squared, beta))


def test_control_b_growing_linearly():
    """b_k = k breaks b_{k+1}^2 <= b_k^2 + a_k^2, and sum k^-p / k converges: the conclusion check
    fails and the verdict is inconclusive, not a counterexample."""
    p = sp.Rational(1, 2)
    v = verdict(p, 1, sp.Integer(1), b=np.arange(1, TERMS + 1, dtype=float))
    assert v.status is Status.INCONCLUSIVE
    assert not all(c.holds for c in v.claims)
    assert analysis.series_converges(analysis.k**-p / analysis.k)
