"""stolz — the Stolz-Cesaro theorem, in sequence and integral form.

Statement. Sequences: if b_n is strictly increasing and unbounded and
(a_{n+1} - a_n)/(b_{n+1} - b_n) -> l, then a_n/b_n -> l. Integrals: if g > 0,
int_c^t g -> oo and f/g -> l, then int_c^t f / int_c^t g -> l.

Checked by sympy on b_n = n^r, a_n = l n^r + n^s (integers 1 <= r, 0 <= s < r) and on
g = t^r, f = l t^r + t^s (rationals r > -1, s < r), l rational. Examples (ci): 8 each.
"""

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.profiles import examples
from verify.tally import property_of, record
from verify.verdicts import Check, Status, decide
from verify_ewn import analysis
from verify_ewn.analysis import n, t

limits = st.builds(sp.Rational, st.integers(-5, 5), st.integers(1, 4))
exponents = st.builds(sp.Rational, st.integers(-5, 9), st.integers(1, 3))


def close(value: sp.Expr, target: sp.Expr) -> float:
    return float(abs(value - target)) if value.is_finite else float("inf")


def sequence_verdict(a: sp.Expr, b: sp.Expr, ell: sp.Expr):
    differences = analysis.limit_at_infinity((a.subs(n, n + 1) - a) / (b.subs(n, n + 1) - b), n)
    hypotheses = [
        Check("b_n unbounded", float(analysis.limit_at_infinity(b, n) == sp.oo), 1.0, ">="),
        # b' > 0 on n > 0 is sufficient for b_n strictly increasing; sympy decides it for these b.
        Check("b strictly increasing", float(sp.diff(b, n).is_positive is True), 1.0, ">="),
        Check("|lim diff ratio - l|", close(differences, ell), 0.0, "<="),
    ]
    claims = [Check("|lim a_n/b_n - l|", close(analysis.limit_at_infinity(a / b, n), ell), 0.0, "<=")]
    return decide(hypotheses, claims)


def integral_verdict(f: sp.Expr, g: sp.Expr, ell: sp.Expr):
    hypotheses = [
        Check("int g -> oo", float(analysis.integral_diverges(g)), 1.0, ">="),
        Check("|lim f/g - l|", close(analysis.limit_at_infinity(f / g, t), ell), 0.0, "<="),
    ]
    claims = [Check("|lim int f / int g - l|", close(analysis.integral_ratio_limit(f, g), ell), 0.0, "<=")]
    return decide(hypotheses, claims)


@property_of("stolz")
@settings(max_examples=examples(8))
@given(ell=limits, r=st.integers(1, 4), s=st.integers(0, 3))
def test_property_stolz_sequences(ell, r, s):
    s = min(s, r - 1)
    record(sequence_verdict(ell * n**r + n**s, n**r, ell))


@property_of("stolz")
@settings(max_examples=examples(8))
@given(ell=limits, r=exponents, gap=exponents)
def test_property_stolz_integrals(ell, r, gap):
    r = sp.Max(r, sp.Rational(-1, 2))
    s = r - abs(gap) - sp.Rational(1, 3)
    record(integral_verdict(ell * t**r + t**s, t**r, ell))


def test_control_bounded_b_and_integrable_g():
    """b_n = 1 - 1/n is bounded; g = t^-2 is integrable: the conclusions fail (limits l + 1 and
    l + 1/2), and the verdicts are inconclusive."""
    ell = sp.Integer(3)
    seq = sequence_verdict(ell * (1 - 1 / n) + 1, 1 - 1 / n, ell)
    integral = integral_verdict(ell * t**-2 + t**-3, t**-2, ell)
    for v in (seq, integral):
        assert v.status is Status.INCONCLUSIVE
        assert not all(c.holds for c in v.claims)
