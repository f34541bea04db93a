"""Meta-tests of the shared Hypothesis strategies: what they draw is valid and replays exactly."""

import torch
from hypothesis import find, given, settings
from hypothesis import strategies as st

from verify.cases import Case, DataSpec
from verify.gd import GDSettings
from verify.nets import Architecture
from verify.parameterisations import Parameterisation
from verify.strategies import architectures, cases, gd_cases, gd_settings, multiclass_data, multiclass_flow_cases
from verify_ewn import regimes
from verify_ewn import test_thm3_rates as thm3


@given(arch=architectures())
def test_architectures_respect_their_ranges(arch):
    assert 1 <= arch.depth <= 3
    assert all(2 <= w <= 12 for w in arch.widths)
    assert arch.degree >= 1


@given(case=cases() | cases(data=multiclass_data()))
@settings(max_examples=30)
def test_cases_fit_their_data_and_replay_from_seeds(case):
    ds = case.dataset()
    assert case.arch.input_dim == ds.x.shape[1]
    assert case.arch.output_dim == (1 if ds.loss == "exponential" else ds.num_classes)
    again = case.dataset()
    assert torch.equal(ds.x, again.x) and torch.equal(ds.y, again.y)
    for w, v in zip(case.initial_weights(), case.initial_weights()):
        assert torch.equal(w, v)


@given(case=gd_cases(["ewn", "swn"]))
@settings(max_examples=20)
def test_gd_cases_are_two_layer_relu2_without_dead_points(case):
    assert case.arch.depth == 2 and case.arch.activation == "relu2"
    assert case.dead_points() == 0


@given(case=gd_cases(["ewn"], loss="cross_entropy", classes=(2, 3), activation="linear"))
@settings(max_examples=10)
def test_cross_entropy_cases_have_one_output_per_class(case):
    assert case.arch.output_dim == case.data.k == case.dataset().num_classes


@given(case=multiclass_flow_cases("ewn", depth=(1, 1)) | multiclass_flow_cases("swn"))
@settings(max_examples=20)
def test_multiclass_flow_cases_keep_their_depth(case):
    """The depth-1 arms draw one linear node per class; the default arms draw 2-4 layers."""
    assert case.arch.activation == "linear" and case.arch.output_dim == case.data.k
    assert case.arch.depth == 1 if case.param.kind == "ewn" else 2 <= case.arch.depth <= 4


@given(case=regimes.deep_linear_domain(["ewn"]))
@settings(max_examples=10)
def test_deep_linear_domain_is_one_output_linear_and_separates(case):
    assert case.arch.activation == "linear" and case.arch.output_dim == 1
    assert case.arch.depth == 2 and all(2 <= w <= 4 for w in case.arch.widths)
    assert regimes.flow_separates(case)


@given(s=gd_settings())
def test_gd_settings_are_valid(s):
    assert isinstance(s, GDSettings) and s.c <= 1 and s.k_max > 0


@given(seed=st.integers(0, 100))
def test_dead_points_are_detected(seed):
    case = Case(DataSpec("single-point"), Architecture(2, (3,), 1, "relu"), Parameterisation("unnorm"), init_seed=seed)
    weights = case.initial_weights()
    x = case.dataset().x[0]
    all_off = bool((weights[0] @ x <= 0).all())
    assert (case.dead_points() == 1) == all_off


# A case whose GD run (c = 1 - 1/30) stalls at log L = log 2 while its gradient flow separates
# the data and reaches -300 (found among 6 drawn SWN cases, 2-4 hidden ReLU^2).
GD_STALLS_FLOW_SEPARATES = Case(
    DataSpec("binary", seed=1363349907, m=4, d=2, margin=0.10508917219869217),
    Architecture(2, (4,), 1, "relu2"),
    Parameterisation("swn"),
    init_seed=39534911,
)


def test_each_domain_screens_by_its_own_trainer():
    """The GD-trained and flow-trained arms draw from the same family but keep the cases their
    own trainer separates: the screens disagree on this case, each as its trainer does."""
    assert not regimes.gd_separates(GD_STALLS_FLOW_SEPARATES)
    assert regimes.flow_separates(GD_STALLS_FLOW_SEPARATES)
    assert regimes.gd_separates(GD_STALLS_FLOW_SEPARATES.with_param(Parameterisation("ewn")))


WIDE_CE = dict(
    data=multiclass_data(m=(6, 8), d=(2, 3), k=(3, 4)),
    arch_kwargs=dict(depth=(2, 4), widths=(2, 4), activation=st.just("linear")),
)


@given(case=cases(**WIDE_CE, hidden_at_least_outputs=True) | thm3.EWN_CE_DEEP)
@settings(max_examples=30)
def test_hidden_widths_can_be_held_at_least_the_output_count(case):
    assert case.arch.widths and all(case.data.k <= w <= 4 for w in case.arch.widths)


def test_hidden_widths_reach_the_output_count_and_go_below_it_unless_held():
    """The held range starts at the class count itself (find raises if no draw satisfies);
    unheld, the same strategy draws below it."""
    find(thm3.EWN_CE_DEEP, lambda c: c.data.k in c.arch.widths)
    find(cases(**WIDE_CE), lambda c: min(c.arch.widths) < c.data.k)
