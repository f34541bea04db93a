"""Hypothesis strategies for cases: sizes and integer seeds only, never arrays.

Every drawn object rebuilds its torch state from the drawn seeds (see verify.cases), so a
failing example replays exactly and shrinks towards small sizes and seeds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sympy as sp
from hypothesis import event
from hypothesis import strategies as st

from verify.cases import Case, DataSpec
from verify.gd import GDSettings
from verify.nets import ACTIVATION_DEGREE, Architecture
from verify.parameterisations import KINDS, Parameterisation
from verify.tally import outside_domain

SEED_MAX = 2**31 - 1
T = TypeVar("T")


def seeds() -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=SEED_MAX)


def rationals(low, high, max_den: int = 6, max_num: int = 6) -> st.SearchStrategy:
    """Exact sympy rationals num/den in (low, high], num in 1..max_num, den in 1..max_den:
    exponents and constants for which sympy decides sums and limits exactly."""
    return st.builds(lambda den, num: sp.Rational(num, den), st.integers(1, max_den), st.integers(1, max_num)).filter(
        lambda r: low < r <= high
    )


def activations(allowed=tuple(ACTIVATION_DEGREE)) -> st.SearchStrategy[str]:
    return st.sampled_from(list(allowed))


@st.composite
def architectures(
    draw,
    input_dim: st.SearchStrategy[int] = st.integers(1, 4),
    output_dim: st.SearchStrategy[int] = st.just(1),
    depth: tuple[int, int] = (1, 3),
    widths: tuple[int, int] = (2, 12),
    activation: st.SearchStrategy[str] | None = None,
) -> Architecture:
    """Bias-free nets with depth weight layers in the given range and hidden widths in range."""
    n_layers = draw(st.integers(*depth))
    hidden = tuple(draw(st.integers(*widths)) for _ in range(n_layers - 1))
    act = draw(activation if activation is not None else activations())
    return Architecture(draw(input_dim), hidden, draw(output_dim), act)


def parameterisations(kinds=KINDS, normalise_last: st.SearchStrategy[bool] = st.just(True)):
    return st.builds(Parameterisation, st.sampled_from(list(kinds)), normalise_last)


def binary_data(m=(4, 20), d=(1, 4), margin=(0.05, 0.3)) -> st.SearchStrategy[DataSpec]:
    """Linearly separable binary sets (exponential loss)."""
    return st.builds(
        DataSpec,
        kind=st.just("binary"),
        seed=seeds(),
        m=st.integers(*m),
        d=st.integers(*d),
        margin=st.floats(*margin),
    )


def multiclass_data(m=(6, 20), d=(2, 4), k=(3, 4), margin=(0.05, 0.3)) -> st.SearchStrategy[DataSpec]:
    """Separable multi-class sets (cross-entropy loss)."""
    return st.builds(
        DataSpec,
        kind=st.just("multiclass"),
        seed=seeds(),
        m=st.integers(*m),
        d=st.integers(*d),
        k=st.integers(*k),
        margin=st.floats(*margin),
    )


@st.composite
def cases(draw, data=None, arch_kwargs=None, params=None, init_scale=st.just(1.0), hidden_at_least_outputs: bool = False) -> Case:
    """A data set with an architecture that fits it (input and output sizes follow the data).
    With hidden_at_least_outputs, every hidden width is also at least the output count: the
    widths range (arch_kwargs' "widths", which must then be given) starts there."""
    spec = draw(data if data is not None else binary_data())
    outputs = 1 if spec.kind != "multiclass" else spec.k
    kwargs = dict(arch_kwargs or {})
    if hidden_at_least_outputs:
        low, high = kwargs["widths"]
        kwargs["widths"] = (max(low, outputs), high)
    arch = draw(architectures(input_dim=st.just(spec.d), output_dim=st.just(outputs), **kwargs))
    param = draw(params if params is not None else parameterisations())
    return Case(spec, arch, param, draw(seeds()), draw(init_scale))


def live_cases(**kwargs) -> st.SearchStrategy[Case]:
    """cases(**kwargs) restricted to initialisations that leave no point dead (see Case.dead_points):
    a dead point keeps the loss above 0 for ever, so such a case could only be inconclusive."""
    return cases(**kwargs).filter(lambda case: case.dead_points() == 0)


def multiclass_flow_cases(kind: str, depth: tuple[int, int] = (2, 4)) -> st.SearchStrategy[Case]:
    """Multi-class cross-entropy cases for gradient flow: 6-12 points in 2-3 dimensions, 3-4
    classes, deep linear nets of `depth` layers (2-4 by default) with hidden widths 2-4,
    parameterisation `kind`.
    (ReLU^2 nets are smooth enough for the flow, but 2 of 5 drawn multi-class ReLU^2 flows
    stalled near log L = 1 with a point every unit had turned away from.)"""
    return cases(
        data=multiclass_data(m=(6, 12), d=(2, 3), k=(3, 4), margin=(0.1, 0.3)),
        arch_kwargs=dict(depth=depth, widths=(2, 4), activation=st.just("linear")),
        params=st.just(Parameterisation(kind)),
    )


def gd_settings(
    c=st.sampled_from([1.0, 1 - 1 / 30, 1 - 1 / 15]),
    k_max=st.sampled_from([0.01, 0.1]),
    target=st.just(-300.0),
    max_steps=st.just(50_000),
) -> st.SearchStrategy[GDSettings]:
    return st.builds(GDSettings, c=c, k_max=k_max, target_log_loss=target, max_steps=max_steps)


def gd_cases(
    kinds=("ewn",),
    loss: str = "exponential",
    widths: tuple[int, int] = (4, 8),
    activation: str = "relu2",
    classes: tuple[int, int] = (2, 2),
    d: tuple[int, int] = (2, 3),
) -> st.SearchStrategy[Case]:
    """The domain of the GD-trained properties: 2-layer bias-free nets (ReLU^2 by default:
    smooth, degree 3, the paper's Lin-Sep family) on small separable sets, parameterised by
    one of `kinds`. Widths start at 4: with 2-6 hidden ReLU^2 units, 5 of 24 EWN runs lost a
    point (every unit off there) and stalled; with 4-8, none of 24 did."""
    if loss == "exponential":
        data = binary_data(m=(4, 12), d=d, margin=(0.1, 0.3))
    else:
        data = multiclass_data(m=(6, 12), d=d, k=classes, margin=(0.1, 0.3))
    arch = dict(depth=(2, 2), widths=widths, activation=st.just(activation))
    return live_cases(data=data, arch_kwargs=arch, params=st.sampled_from([Parameterisation(k) for k in kinds]))


@st.composite
def screened_cases(draw, cases: st.SearchStrategy[T], admits: Callable[[T], bool], outside: str, inside: str) -> T:
    """Cases from `cases` (Case objects, or whatever a property draws as its case) that
    admits(case) accepts. The others lie outside the claim's domain (an assumption cannot hold
    for them, or holds too weakly to be seen in a finite run): they are rejected here, where the
    domain is chosen, and counted apart from the verdicts under `outside`
    (verify.tally.outside_domain: the report's outside_domain and the Hypothesis event
    'domain: <outside>'); admitted cases raise the event 'domain: <inside>'."""
    case = draw(cases)
    if not admits(case):
        outside_domain(outside)
    event(f"domain: {inside}")
    return case


def separating_cases(cases: st.SearchStrategy[Case], separates: Callable[[Case], bool]) -> st.SearchStrategy[Case]:
    """Cases from `cases` whose training run separates the data: separates(case) says whether
    the property's trainer, started from the case's seeds, reaches log L <= -1 (every point's
    margin positive, as the loss sums over points) within its screening budget.

    Assumption A1 (L -> 0) cannot hold for a run that never separates, so such cases are
    rejected (screened_cases) as 'stalls before separating'. The full run is trained again from
    the same seeds by the property, along the same trajectory."""
    return screened_cases(cases, separates, "stalls before separating", "separates")
