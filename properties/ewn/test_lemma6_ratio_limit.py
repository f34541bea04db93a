"""lemma6 — Lemma 6: comparable divergent series with a ratio limit have ratio limit 1.

Statement. If sum a_k = sum b_k = oo, sum (a_k - b_k) is finite and lim a_k/b_k exists, then
lim a_k/b_k = 1.

Checked on a_k = k^-p + gamma k^-q, b_k = k^-p with rational p in (0, 1], q in (1, 3] and
gamma in (0, 4], every hypothesis and the limit decided by sympy. Examples (ci): 8.
"""

import sympy as sp
from hypothesis import given, settings

from verify.profiles import examples
from verify.strategies import rationals
from verify.tally import property_of, record
from verify.verdicts import Check, Status, decide
from verify_ewn import analysis
from verify_ewn.analysis import k


def verdict(a: sp.Expr, b: sp.Expr):
    ratio = analysis.limit_at_infinity(a / b, k)
    hypotheses = [
        Check("sum a_k diverges", float(analysis.series_diverges(a)), 1.0, ">="),
        Check("sum b_k diverges", float(analysis.series_diverges(b)), 1.0, ">="),
        Check("sum (a_k - b_k) converges", float(analysis.series_converges(a - b)), 1.0, ">="),
        Check("lim a_k/b_k exists", float(ratio.is_finite is True), 1.0, ">="),
    ]
    claims = [Check("|lim a_k/b_k - 1|", float(abs(ratio - 1)) if ratio.is_finite else float("inf"), 0.0, "<=")]
    return decide(hypotheses, claims, {"limit": float(ratio) if ratio.is_finite else float("inf")})


@property_of("lemma6")
@settings(max_examples=examples(8))
@given(p=rationals(0, 1, 4, 12), q=rationals(1, 3, 4, 12), gamma=rationals(0, 4, 4, 12))
def test_property_lemma6_ratio_limit_is_one(p, q, gamma):
    record(verdict(k**-p + gamma * k**-q, k**-p))


def test_control_difference_not_summable():
    """a_k = 2/k, b_k = 1/k: sum (a_k - b_k) diverges, and the ratio limit is 2."""
    v = verdict(2 / k, 1 / k)
    assert v.status is Status.INCONCLUSIVE
    assert not all(c.holds for c in v.claims)
