"""prop6 — Proposition 6: EWN is asymptotically sparse, SWN is not (cross-entropy loss).

Statement. Proposition 3 for the cross-entropy loss: for survivors u, v with
||g~_v|| >= ||g~_u|| > 0 and c = ||g~_u||/||g~_v||, under SWN ||w_u||/||w_v|| -> c; under EWN
the ratio -> oo once it exceeds 1/((c - eps) cos delta), and -> 0 once below cos delta/(c + eps).
Assumptions: A1-A5, with A3 on the direction of M[i, j] = exp(-(Phi_{y_i} - Phi_j)(w, x_i)).

Checked as prop3's statistical part, on the paper's XOR setting as a two-class problem: the
class-1 output carries the frozen +1 / -1 weights and the class-0 output their negatives. Over
a block of initialisations, each trained under EWN, SWN and Unnorm to log L = -50, EWN has the
fewest effective nodes in at least 90% of those where it and another parameterisation reached
the target. Control: the swapped claim (SWN sparsest) fails. Examples (ci): 3 blocks of 8
initialisations, widths 12-24; thorough: 10x.

Not covered: a cross-entropy closed form like prop3's one-point oracle.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from verify import claims
from verify.profiles import examples
from verify.strategies import seeds
from verify.tally import property_of, record
from verify.verdicts import Status
from verify_ewn import regimes

# Effective nodes at -50, 16 initialisations of 20 hidden units: EWN 6.4-8.9, SWN 15.7-19.5,
# Unnorm 14.6-19.7; EWN the sparsest in all 16, none stalled. Thresholds as in prop3.
SPARSEST_SHARE = 0.9
MIN_CONCLUSIVE = 0.5


@property_of("prop6")
@settings(max_examples=examples(3))
@given(hidden=st.sampled_from([12, 16, 20, 24]), first_seed=seeds())
def test_property_prop6_ewn_is_sparsest_on_xor(hidden, first_seed):
    comparisons = regimes.xor_comparisons(hidden, first_seed, "cross_entropy")
    record(claims.sparser_claim(comparisons, "ewn", ("swn", "unnorm"), SPARSEST_SHARE, MIN_CONCLUSIVE))


def test_control_nearest_wrong_claims_fail():
    """On one block of XOR runs (trained once for both controls): the claim passes; the swapped
    claim (Unnorm sparsest) fails; and the claim is 'fewer effective nodes than every other
    parameterisation': with EWN's own counts entered again as a third parameterisation, EWN is
    never strictly sparsest, although it still beats SWN and Unnorm, so a claim counting a win
    against any one of them would pass."""
    comparisons = regimes.xor_comparisons(20, 0, "cross_entropy")
    assert claims.sparser_claim(comparisons, "ewn", ("swn", "unnorm"), SPARSEST_SHARE, MIN_CONCLUSIVE).status is Status.PASS
    assert claims.sparser_claim(comparisons, "unnorm", ("ewn",), SPARSEST_SHARE, MIN_CONCLUSIVE).status is Status.FAIL
    with_copy = [claims.Comparison({**c.counts, "ewn-again": c.counts["ewn"]}) for c in comparisons]
    verdict = claims.sparser_claim(with_copy, "ewn", ("swn", "unnorm", "ewn-again"), SPARSEST_SHARE, MIN_CONCLUSIVE)
    assert verdict.status is Status.FAIL
