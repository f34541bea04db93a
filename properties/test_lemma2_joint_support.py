"""lemma2 — Lemma 2: some node carries both weight and gradient in the limit.

Statement. Under A1-A4 (flow) or A1-A5 (GD), there is a node u with ||w~_u|| > 0 and
||g~_u|| > 0.

Checked on GD runs to log L = -300 (verify.regimes): some node has
min(||w_u||/||w||, ||grad_u L||/||grad L||) >= floor at the end, and not falling across the
late window faster than a settled share does.
Examples (ci): 8 (EWN, exponential loss); thorough: 10x.
"""

import numpy as np
from hypothesis import given, settings

from verify import claims, regimes
from verify.cases import Case, DataSpec, lin_sep_architecture
from verify.parameterisations import Parameterisation
from verify.profiles import examples
from verify.strategies import gd_cases
from verify.tally import property_of, record
from verify.verdicts import Status

# Best joint share at -300: 0.026-0.55 on 28 EWN runs (exponential and cross-entropy); the
# low end is a lone surviving output node whose gradient share is small but not vanishing.
FLOOR = 0.01


def verdict(case: Case, grad_shares_of=None):
    trajectory = case.train(regimes.to_minus_300(case.param.kind))
    return claims.joint_support_claim(
        trajectory, regimes.TARGET, regimes.PROXIES, FLOOR, regimes.SURVIVORS.settled, grad_shares_of
    )


@property_of("lemma2")
@settings(max_examples=examples(8))
@given(case=gd_cases(["ewn"]))
def test_property_lemma2_joint_support(case):
    record(verdict(case))


def test_control_gradient_withheld_from_survivors_fails():
    """Gradient shares of a net whose surviving nodes receive no gradient."""
    case = Case(DataSpec("lin-sep", seed=0), lin_sep_architecture(), Parameterisation("ewn"))
    assert verdict(case).status is Status.PASS

    def withheld(s):
        return np.where(s.node_share >= FLOOR, 0.0, claims.grad_shares(s))

    assert verdict(case, withheld).status is Status.FAIL
