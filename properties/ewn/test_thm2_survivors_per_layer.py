"""thm2-survivors — derived here from Theorem 2 and Proposition 2, not stated in the paper:
under EWN the number of survivors in each layer is proportional to the layer's degree.

Statement (derived). For a trained EWN net under A1-A4 (flow) or A1-A5 (GD), let n_l be the
number of survivors (w~_u != 0) in layer l and d_l the degree of Phi in that layer's weights
alone (p^(layers after l) for activation degree p). Then n_l / d_l is the same for every
layer. So a one-output two-layer ReLU^2 net (d = 2 and 1) keeps exactly two hidden survivors.

Derivation. Euler's identity per layer gives sum_{u in l} w_u . (-grad_u L) = d_l S with S the
same for every layer. Survivors align with their negative gradients (prop2) and under EWN
carry equal ||w_u|| ||grad_u L|| (thm2), so each survivor's term w_u . (-grad_u L) is the same
e, while a dying node's term is at most its weight share times its gradient share of
||w|| ||grad L||, which vanishes. Hence n_l e = d_l S. Under SWN, thm2 fixes
||w_u|| / ||grad_u L|| instead, each survivor's term is proportional to ||w_u||^2, and no count
follows.

Checked on GD runs to log L = -300, continued to -450 when unsettled
(verify_ewn.regimes.judged_until_settled), with the survivor rule of thm2: the settled
survivors' counts per layer, divided by the layers' degrees, must agree exactly. Undecided
nodes make the example inconclusive when some choice of which of them survive would satisfy
the claim. Cases are drawn where GD separates the data (verify_ewn.regimes.gd_domain).
Examples (ci): 6 one-output ReLU^2 nets with 3 hidden units (the crisp arm, where one node must
die: regimes.SURVIVOR_COUNT_WIDTHS) and 2 with 4-8 (the generic arm); thorough: 10x. A third
arm draws one-output deep linear nets of 2 layers on gradient flow (regimes.deep_linear_domain):
every layer's degree is 1, so every layer keeps exactly one survivor, and each hidden layer of
2-4 nodes must lose the rest; SWN and Unnorm flows of the same cases keep more (6 examples).
Its flows are continued while unsettled, doubling |log L|, as far as -3,600
(regimes.DEEP_LINEAR_FLOW).

Measured on 48 drawn EWN runs (2, 3, 4 and 6 hidden units, 12 each): every run
that settled kept exactly two hidden survivors and its output node (3 hidden: 10 of 10, the
third node dying as |log L|^-0.33; 6 hidden: 3 of 3); the runs that did not settle had three
nodes still sharing the two places (shares 0.2-0.45 falling as |log L|^-0.07 to -0.14) or had
stalled near log L = 0.
"""

import pytest
from hypothesis import given, settings

from verify import claims
from verify.cases import Case, DataSpec
from verify.nets import Architecture
from verify.parameterisations import Parameterisation
from verify.profiles import examples
from verify.tally import expect_fail, property_of, record
from verify.verdicts import Status
from verify_ewn import regimes


def degrees(arch: Architecture) -> dict[int, int]:
    return {layer: arch.layer_degree(layer) for layer in range(arch.depth)}


def judge(arch: Architecture, layer_degrees: dict[int, int]) -> regimes.Judge:
    def judged(trajectory, judging):
        return claims.survivor_count_claim(trajectory, judging, arch.node_layers(), layer_degrees)

    return judged


def verdict(case: Case):
    return regimes.judged_until_settled(case, judge(case.arch, degrees(case.arch)), regimes.GD)


@property_of("thm2-survivors")
@settings(max_examples=examples(6))
@given(case=regimes.gd_domain(["ewn"], regimes.SURVIVOR_COUNT_WIDTHS))
def test_property_thm2_survivors_ewn_crisp(case):
    record(verdict(case))


@property_of("thm2-survivors")
@settings(max_examples=examples(regimes.GENERIC_EXAMPLES))
@given(case=regimes.gd_domain(["ewn"], regimes.GENERIC_WIDTHS))
def test_property_thm2_survivors_ewn(case):
    record(verdict(case))


@property_of("thm2-survivors")
@settings(max_examples=examples(6))
@given(case=regimes.deep_linear_domain(["ewn"]))
def test_property_thm2_survivors_ewn_deep_linear(case):
    record(regimes.judged_until_settled(case, judge(case.arch, degrees(case.arch)), regimes.DEEP_LINEAR_FLOW))


@settings(max_examples=examples(3))
@given(case=regimes.gd_domain(["ewn"], regimes.SURVIVOR_COUNT_WIDTHS))
def test_control_thm2_survivors_nearest_wrong_counts_fail(case):
    """The nearest wrong formulas on the property's own runs: one survivor per layer (the
    degrees ignored), and counts in inverse proportion to the degrees."""
    wrong = [judge(case.arch, {0: 1, 1: 1}), judge(case.arch, {0: 1, 1: 2})]
    for v in regimes.verdicts_until_settled(case, wrong, regimes.GD):
        expect_fail(v)


# One data set and initialisation, trained by gradient flow to -300 under both
# parameterisations: SWN keeps three hidden survivors (shares 0.43, 0.54, 0.41, every one
# settled), EWN two (0.53, 0.66). Of 6 such drawn pairs (5 hidden), SWN kept three in 2, EWN
# two in each of the 4 that settled.
PAIR = Case(
    DataSpec("binary", seed=1560023974, m=12, d=3, margin=0.2952487411415408),
    Architecture(3, (5,), 1, "relu2"),
    Parameterisation("swn"),
    init_seed=1098067557,
)


def flow_verdict(case: Case):
    trajectory = case.flow(regimes.FLOW_TO_TARGET)
    return judge(case.arch, degrees(case.arch))(trajectory, regimes.FLOW.judging(regimes.TARGET))


@pytest.mark.slow
def test_control_thm2_survivors_swn_keeps_a_third_hidden_survivor():
    """The count needs EWN's equal norm-gradient products: the same case under SWN fails."""
    assert flow_verdict(PAIR.with_param(Parameterisation("ewn"))).status is Status.PASS
    swn = flow_verdict(PAIR)
    assert swn.status is Status.FAIL
    assert swn.metrics["survivors_layer_0"] == 3


def test_control_thm2_survivors_deep_linear_swn_and_unnorm_keep_more_survivors():
    """On the deep linear arm the count is EWN's too: regimes.DEEP_LINEAR_CASE flowed to -300
    keeps one hidden survivor under EWN, two under SWN and three under Unnorm, every one settled
    (a rank-one limit whose rows all survive), so the claim fails on the last two."""
    verdicts = {}
    for kind in ("ewn", "swn", "unnorm"):
        case = regimes.DEEP_LINEAR_CASE.with_param(Parameterisation(kind))
        verdicts[kind] = regimes.judged_until_settled(case, judge(case.arch, degrees(case.arch)), regimes.DEEP_LINEAR_FLOW)
    assert verdicts["ewn"].status is Status.PASS
    assert verdicts["swn"].status is Status.FAIL
    assert verdicts["unnorm"].status is Status.FAIL
    assert (verdicts["swn"].metrics["survivors_layer_0"], verdicts["unnorm"].metrics["survivors_layer_0"]) == (2, 3)


# A drawn case of the deep linear arm whose hidden survivor settles at a share below
# regimes.SURVIVORS.floor: 0.0508, 0.0478, 0.0460, 0.0449 at -900, -1,800, -3,600, -7,200, while
# the other hidden node dies (0.0196 to 0.0072) and A4's exponent recovers (-0.17 to -0.04).
SMALL_SURVIVOR = Case(
    DataSpec("binary", seed=586013, m=5, d=3, margin=0.26465040360720626),
    Architecture(3, (2,), 1, "linear"),
    Parameterisation("ewn"),
    init_seed=1572,
)


def test_control_thm2_survivors_a_settled_node_below_the_floor_is_undecided_not_dying():
    """Flowed on to -7,200 every assumption proxy holds; the hidden survivor's share (0.045) is
    below the floor and no longer falling, which the rule cannot tell from a node dying slowly,
    so the count is inconclusive. Read as dying (the rule before), the layer had no survivor
    and the run failed."""
    trajectory = None
    for target in (-300.0, -900.0, -1800.0, -3600.0, -7200.0):
        start = None if trajectory is None else trajectory.final_weights
        trajectory = regimes.FLOW.run(SMALL_SURVIVOR, target, start)
    assert trajectory.final.node_share[:2].max() < regimes.SURVIVORS.floor
    verdict = judge(SMALL_SURVIVOR.arch, degrees(SMALL_SURVIVOR.arch))(trajectory, regimes.FLOW.judging(-7200.0))
    assert verdict.status is Status.INCONCLUSIVE, verdict.summary()
    assert [p.name for p in verdict.proxies if not p.holds] == [claims.UNDECIDED_NODES]
    assert verdict.metrics["undecided"] == 1
