"""lemma3 — Lemma 3: a uniform margin on spherical caps.

Statement. For unit a, b with a^T b in [0, 1) there is an eps > 0 such that
b^T (I - c c^T) d >= eps for all unit c, d with c^T a >= cos eps and d^T b >= cos eps.
The proof gives a computable eps: the largest eps with
    cos eps - (a^T b + sqrt(2 - 2 cos eps)) (a^T b + 2 sqrt(2 - 2 cos eps) + 2 - 2 cos eps) >= eps.

Checked with that eps: a, b drawn at angle phi in (0, pi/2], c and d drawn anywhere in their
caps (boundary included). Examples (ci): 300; thorough: 10x.
"""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.profiles import examples
from verify.strategies import seeds
from verify.tally import property_of, record
from verify.verdicts import Check, Status, Verdict, decide
from verify_ewn import analysis

# Rounding in b^T d - (b^T c)(c^T d) for unit vectors is ~1e-16; 1e-12 is the slack on ">= eps".
ROUNDING = 1e-12
# Below this eps the caps are thinner than float64 can place c and d in (a^T b -> 1).
MIN_EPS = 1e-9


def verdict(dim, phi, theta_frac, psi_frac, seed, c_centre="a") -> Verdict:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(dim)
    a /= np.linalg.norm(a)
    b = analysis.in_cap(a, phi, rng)
    eps = analysis.lemma3_epsilon(float(a @ b))
    if eps < MIN_EPS:
        return Verdict(Status.INCONCLUSIVE, f"eps = {eps:.3g} below float64 resolution", metrics={"eps": eps})
    c = analysis.in_cap(a if c_centre == "a" else b, theta_frac * eps, rng)
    d = analysis.in_cap(b, psi_frac * eps, rng)
    margin = analysis.lemma3_margin(a, b, c, d)
    hypotheses = [Check("a^T b", float(a @ b), 0.0, ">="), Check("a^T b", float(a @ b), 1.0 - 1e-15, "<=")]
    claims = [Check("b^T (I - c c^T) d - eps", margin - eps, -ROUNDING, ">=")]
    return decide(hypotheses, claims, {"eps": eps, "margin": margin})


@property_of("lemma3")
@settings(max_examples=examples(300))
@given(
    dim=st.integers(2, 6),
    phi=st.floats(1e-3, math.pi / 2),
    theta_frac=st.floats(0, 1),
    psi_frac=st.floats(0, 1),
    seed=seeds(),
)
def test_property_lemma3_uniform_margin(dim, phi, theta_frac, psi_frac, seed):
    record(verdict(dim, phi, theta_frac, psi_frac, seed))


def test_epsilon_is_positive_and_shrinks_as_a_and_b_align():
    values = [analysis.lemma3_epsilon(ab) for ab in (0.0, 0.3, 0.6, 0.9, 0.99)]
    assert all(v > 0 for v in values)
    assert values == sorted(values, reverse=True)
    assert analysis.lemma3_epsilon(1.0) == 0.0


def test_control_cap_around_the_wrong_vector_fails():
    """c drawn around b instead of a: then (I - c c^T) nearly annihilates b."""
    assert verdict(3, 0.7, 0.0, 0.5, 1).status is Status.PASS
    assert verdict(3, 0.7, 0.0, 0.5, 1, c_centre="b").status is Status.FAIL
