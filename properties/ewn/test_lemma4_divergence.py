"""lemma4 — Lemma 4: sum a_k / sqrt(sum_{j<=k} a_j^2) diverges.

Statement. If a_k > 0, sum a_k = oo and a_k -> 0, then sum_k a_k / sqrt(S_k) = oo, where
S_k = sum_{j<=k} a_j^2.

Checked on a_k = k^-p with rational p drawn in (0, 1] and, outside the hypotheses, p > 1.
Hypotheses are decided by sympy. Divergence is shown through the explicit bound
    sum_{k<=n} a_k/sqrt(S_k) >= A_n/sqrt(S_n) >= int_1^{n+1} x^-p dx / sqrt(1 + int_1^n x^-2p dx),
whose limit sympy evaluates, and the numeric partial sums (to 10^4 terms) are checked against
it. Examples (ci): 8; thorough: 10x.
"""

import numpy as np
import sympy as sp
from hypothesis import given, settings

from verify.profiles import examples
from verify.strategies import rationals
from verify.tally import property_of, record
from verify.verdicts import Check, Status, decide
from verify_ewn import analysis

TERMS = 10_000


def conclusion(p: sp.Rational) -> list[Check]:
    lower, upper = analysis.power_sum_bounds(p)
    bound = lower / sp.sqrt(upper)
    a = np.arange(1, TERMS + 1, dtype=float) ** -float(p)
    terms = a / np.sqrt(np.cumsum(a**2))
    sums = analysis.partial_sums(terms, bound)
    return [Check("lower bound -> oo (sympy)", float(analysis.diverges_to_infinity(bound)), 1.0, ">="), sums.bound_check()]


def verdict(p: sp.Rational):
    return decide(analysis.power_sequence_hypotheses(p), conclusion(p), {"p": float(p)})


@property_of("lemma4")
@settings(max_examples=examples(8))
@given(p=rationals(0, 1))
def test_property_lemma4_diverges(p):
    record(verdict(p))


def test_control_summable_sequence():
    """a_k = k^-3/2 is summable: outside the hypotheses, and the sum really converges
    (S_k >= 1 bounds it by zeta(3/2)); the conclusion check says so, the verdict is inconclusive."""
    p = sp.Rational(3, 2)
    assert not all(c.holds for c in conclusion(p))
    assert verdict(p).status is Status.INCONCLUSIVE
