"""prop3 — Proposition 3: EWN is asymptotically sparse, SWN is not (exponential loss).

Statement. For survivors u, v with ||g~_v|| >= ||g~_u|| > 0 and c = ||g~_u||/||g~_v||: under SWN,
||w_u||/||w_v|| -> c; under EWN the ratio -> oo once it exceeds 1/((c - eps) cos delta), and -> 0
once it falls below cos delta/(c + eps).

Exact oracle (verify.simple_traj): one point x > 0, Phi = sum_j w_j x_j with scalar nodes and
w(0) > 0. EWN follows 1/w_j = 1/w_j(0) - x_j S, so the node with the largest x_j w_j(0) wins;
Unnorm and SWN follow w_j = w_j(0) + x_j S, so w/||w|| -> x/||x|| and w_u/w_v -> x_u/x_v.
Checked on GD (eta = k/L, to log L = -50 as in the paper's Simple-Traj): the final state
against the closed form at the same loss; for EWN the error halves with k (O(eta)), the
predicted node wins and the winner's lead grows across milestones; for SWN and Unnorm the
ratios approach x_u/x_v. Examples (ci): 12; thorough: 10x.

Statistical part, on the paper's XOR setting (20 hidden ReLU, second layer frozen to +1 and -1,
GD to log L = -50 with the paper's rates): over a block of initialisations, each trained under
EWN, SWN and Unnorm (one batched program per parameterisation), EWN has the fewest effective
nodes (sum ||w_u||)^2 / sum ||w_u||^2 in at least 90% of the initialisations where it and
another parameterisation reached the target. Control: the swapped claim (SWN sparsest) fails.
Examples (ci): 3 blocks of 8 initialisations, widths 12-24; thorough: 10x.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import claims, data, simple_traj
from verify.cases import simple_traj_architecture
from verify.gd import GDSettings, train_gd
from verify.parameterisations import Parameterisation, ParamNet
from verify.profiles import examples
from verify.strategies import screened_cases, seeds
from verify.tally import property_of, record
from verify.verdicts import Check, Status, decide
from verify_ewn import regimes

TARGET = -50.0
K = 0.01
# EWN GD against the flow's closed form: relative error 4.4e-3 to 6.9e-2 at k = 0.01 and half
# that at k = 0.005 (ratios 1.9-2.2 on 6 cases). Unnorm and SWN GD move along x exactly: 5e-15
# to 1e-13.
HALVING_RATIO = (1.6, 2.6)
EWN_RTOL = 0.1
LINEAR_RTOL = 1e-10
# The domain: points whose top two x_j w_j(0) differ by at least 10% (THEOREMS: the prototype
# predicted the winner in all 176 cases with such a gap). About 17% of uniform draws (70 of 400)
# are closer races; they are outside the domain, not inconclusive. It is a conservative choice:
# 12 of those 70 were judged (gaps 5e-4 to 0.095) and every claim held on all 12.
MIN_TOP_GAP = 0.1


def draw_point(d: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, d), rng.uniform(0.2, 1.5, d)


def top_gap(x: np.ndarray, w0: np.ndarray) -> float:
    """1 - (second largest x_j w_j(0)) / (largest)."""
    top = np.sort(x * w0)[::-1]
    return float(1 - top[1] / top[0])


def clear_winner_points() -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(x, w(0)) from draw_point, d = 2-4, with a top-two gap of at least MIN_TOP_GAP."""
    points = st.builds(draw_point, st.integers(2, 4), seeds())
    return screened_cases(points, lambda point: top_gap(*point) >= MIN_TOP_GAP, "top two too close to call", "clear winner")


def run(kind: str, x: np.ndarray, w0: np.ndarray, k: float = K):
    arch = simple_traj_architecture(len(x))
    point = data.make_dataset("simple-traj", x[None, :], [1.0])
    settings_ = GDSettings(c=1.0, k0=k, k_max=k, target_log_loss=TARGET, max_steps=200_000, snapshot_every=5.0)
    return train_gd(ParamNet(arch, Parameterisation(kind)), point, simple_traj.weights_for(arch, w0), settings_)


def relative_error(trajectory, oracle) -> float:
    w = trajectory.final.w
    assert np.isfinite(w).all()
    return float(np.max(np.abs(w - oracle) / np.abs(oracle)))


def ewn_verdict(x, w0, oracle=simple_traj.ewn_state):
    coarse, fine = run("ewn", x, w0, K), run("ewn", x, w0, K / 2)
    errors = [relative_error(tr, oracle(x, w0, -tr.final.log_loss)) for tr in (coarse, fine)]
    ratio = errors[0] / errors[1] if errors[1] > 0 else float("inf")
    winner = simple_traj.predicted_winner(x, w0)
    lead = np.array([np.log(s.w[winner]) - np.log(np.delete(s.w, winner).max()) for s in fine.snapshots])
    proxies = [Check("A1 final log L", fine.final.log_loss, TARGET)]
    claims = [
        Check("relative error at k/2", errors[1], EWN_RTOL),
        Check("error ratio k vs k/2", ratio, HALVING_RATIO[0], ">="),
        Check("error ratio k vs k/2", ratio, HALVING_RATIO[1], "<="),
        Check("predicted node is the largest", float(np.argmax(fine.final.w) == winner), 1.0, ">="),
        Check("min growth of the winner's log-lead per milestone", float(np.diff(lead).min()), 0.0, ">"),
    ]
    return decide(proxies, claims, {"relative_error": errors[1], "error_ratio": ratio})


def linear_verdict(kind, x, w0, oracle=simple_traj.linear_state):
    trajectory = run(kind, x, w0)
    error = relative_error(trajectory, oracle(x, w0, -trajectory.final.log_loss))
    target_ratio = x / x[0]
    gaps = np.array([np.max(np.abs(s.w / s.w[0] - target_ratio)) for s in trajectory.snapshots])
    proxies = [Check("A1 final log L", trajectory.final.log_loss, TARGET)]
    claims = [
        Check("relative error", error, LINEAR_RTOL),
        Check("max growth of |w_u/w_v - x_u/x_v| per milestone", float(np.diff(gaps).max()), 0.0, "<="),
    ]
    return decide(proxies, claims, {"relative_error": error, "ratio_gap_final": float(gaps[-1])})


@property_of("prop3")
@settings(max_examples=examples(12))
@given(point=clear_winner_points())
def test_property_prop3_ewn_picks_the_predicted_node(point):
    record(ewn_verdict(*point))


@property_of("prop3")
@settings(max_examples=examples(12))
@given(kind=st.sampled_from(["swn", "unnorm"]), d=st.integers(2, 4), seed=seeds())
def test_property_prop3_swn_and_unnorm_follow_x(kind, d, seed):
    record(linear_verdict(kind, *draw_point(d, seed)))


@pytest.mark.parametrize("w0, winner", [((0.6, 1.0), 0), ((0.4, 1.0), 1)])
def test_paper_simple_traj_both_sides_of_the_threshold(w0, winner):
    """x = (2, 1): EWN's node 1 wins iff w_1(0)/w_2(0) > 1/2."""
    x, w0 = np.array([2.0, 1.0]), np.array(w0)
    assert simple_traj.predicted_winner(x, w0) == winner
    assert ewn_verdict(x, w0).status is Status.PASS
    assert linear_verdict("swn", x, w0).status is Status.PASS


def test_top_gap_matches_the_paper_case():
    """x = (2, 1), w(0) = (0.6, 1): x w(0) = (1.2, 1.0), gap 1 - 1/1.2 = 1/6."""
    assert top_gap(np.array([2.0, 1.0]), np.array([0.6, 1.0])) == pytest.approx(1 / 6, rel=1e-12)


@settings(max_examples=30, database=None, derandomize=True)
@given(point=clear_winner_points())
def test_the_domain_draws_only_clear_winners(point):
    x, w0 = point
    products = sorted(x * w0)
    assert products[-2] <= (1 - MIN_TOP_GAP) * products[-1]


def test_control_ewn_oracle_on_an_swn_run_fails():
    x, w0 = np.array([2.0, 1.0]), np.array([0.6, 1.0])
    assert linear_verdict("swn", x, w0, oracle=simple_traj.ewn_state).status is Status.FAIL


def test_control_linear_oracle_on_an_ewn_run_fails():
    x, w0 = np.array([2.0, 1.0]), np.array([0.6, 1.0])
    assert ewn_verdict(x, w0, oracle=simple_traj.linear_state).status is Status.FAIL


# ---- statistical part: XOR ------------------------------------------------------------------

# Effective nodes at -50, 16 initialisations of 20 hidden units (verify_ewn.regimes.XOR_SETTINGS):
# EWN 5.1-7.1 (the prototype: 5.8-7.8), SWN 15.8-19.9, Unnorm 14.7-19.9; EWN was the sparsest
# in all 16. SWN stalled at -41 to -46 in 3 of 16 (the prototype's 2 of 6). So: EWN sparsest in
# >= 90% (issue 7's threshold) of the conclusive initialisations, at least half of a block
# conclusive.
SPARSEST_SHARE = 0.9
MIN_CONCLUSIVE = 0.5


def xor_comparisons(hidden: int, first_seed: int):
    return regimes.xor_comparisons(hidden, first_seed, "exponential")


@property_of("prop3")
@settings(max_examples=examples(3))
@given(hidden=st.sampled_from([12, 16, 20, 24]), first_seed=seeds())
def test_property_prop3_ewn_is_sparsest_on_xor(hidden, first_seed):
    comparisons = xor_comparisons(hidden, first_seed)
    record(claims.sparser_claim(comparisons, "ewn", ("swn", "unnorm"), SPARSEST_SHARE, MIN_CONCLUSIVE))


def test_mostly_stalled_block_is_inconclusive():
    stalled = [claims.Comparison({"ewn": 5.0, "swn": None, "unnorm": None})] * 5 + [
        claims.Comparison({"ewn": 5.0, "swn": 18.0, "unnorm": None})
    ] * 3
    assert claims.sparser_claim(stalled, "ewn", ("swn", "unnorm"), SPARSEST_SHARE, MIN_CONCLUSIVE).status is Status.INCONCLUSIVE


def test_control_nearest_wrong_claims_fail_on_xor():
    """On one block of XOR runs (trained once for both controls): the claim passes; the swapped
    claim (SWN sparsest) fails; and the claim is 'fewer effective nodes than every other
    parameterisation': with EWN's own counts entered again as a third parameterisation, EWN is
    never strictly sparsest, although it still beats SWN and Unnorm, so a claim counting a win
    against any one of them would pass."""
    comparisons = xor_comparisons(20, 0)
    assert claims.sparser_claim(comparisons, "ewn", ("swn", "unnorm"), SPARSEST_SHARE, MIN_CONCLUSIVE).status is Status.PASS
    assert claims.sparser_claim(comparisons, "swn", ("ewn",), SPARSEST_SHARE, MIN_CONCLUSIVE).status is Status.FAIL
    with_copy = [claims.Comparison({**c.counts, "ewn-again": c.counts["ewn"]}) for c in comparisons]
    verdict = claims.sparser_claim(with_copy, "ewn", ("swn", "unnorm", "ewn-again"), SPARSEST_SHARE, MIN_CONCLUSIVE)
    assert verdict.status is Status.FAIL
