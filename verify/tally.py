"""Counting verdicts per result, and the rule that a mostly inconclusive property fails.

`record` is called once per Hypothesis example: it counts the verdict, notes it for the
failure report, discards inconclusive examples with `assume`, and asserts pass. The
`property_of` decorator wraps a whole Hypothesis test: after all its examples it fails the
test when its counts show that more than MAX_INCONCLUSIVE_SHARE of its examples are
inconclusive (a vacuous property), by a one-sided exact binomial test at VACUITY_ALPHA.

Why a test and not the raw share: a property runs 4 to 30 examples, so its share is a noisy
estimate. Seeded ci runs (`verify selftest --false-alarms`, seeds 1-12) crossed one half 11
times, on properties whose rates sit near it (10 of 18, 14 of 22, 10 of 14, ...: EWN pack);
none of those counts is evidence of a rate over one half (p = 0.09-0.5). Modelling the draws
as Hypothesis makes them (inconclusive ones until 8 valid), a property at rate 0.5 fails 2% of
runs, at 0.7 51% and at 0.8 89%; with 4 valid examples, 2%, 30% and 65%.
The rule is enforced under the `ci` and `thorough` profiles; under `dev` it is a
VacuousPropertyWarning.

Each distinct draw is judged and counted once per run of a property. Hypothesis draws the same
value again through other choice sequences: seeded ci runs of the ReLU^2 GD arms drew their
domain's smallest case (4 points, data and initialisation seeds 0) twice in one run, each time
trained again and counted again. A repeat of a draw already judged (its example returned or
was discarded) is discarded unjudged, under the event "repeated draw"; a draw that raised is
run again, so Hypothesis can replay and shrink a failure.

An arm whose domain mostly fails one of the theorem's assumptions, as measured, is declared
with `property_of(result, unmet=UnmetAssumption(...))`. Its draws are still judged: a
conclusive verdict counts as usual (a fail is a counterexample), and a draw inconclusive
through the declared assumption's proxy is kept as evidence that the assumption is unmet, not
discarded. The report then gives the result the status `assumption-unmet` (never `pass`)
while such draws outnumber the arm's conclusive verdicts.
"""

from __future__ import annotations

import functools
import pickle
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import Phase, assume, event, find, note, settings
from hypothesis.errors import NoSuchExample, UnsatisfiedAssumption
from hypothesis.strategies import SearchStrategy
from scipy.stats import binomtest

from verify import profiles
from verify.verdicts import Status, Verdict

MAX_INCONCLUSIVE_SHARE = 0.5
VACUITY_ALPHA = 0.05
ENFORCED_UNDER = ("ci", "thorough")


class VacuousPropertyWarning(UserWarning):
    """A property was vacuous (see `vacuous`) under the dev profile."""


def vacuous(inconclusive: int, total: int) -> bool:
    """True when `inconclusive` of `total` examples show, at significance VACUITY_ALPHA, that
    the property's inconclusive rate is over MAX_INCONCLUSIVE_SHARE (one-sided exact test)."""
    if total == 0:
        return False
    test = binomtest(inconclusive, total, MAX_INCONCLUSIVE_SHARE, alternative="greater")
    return bool(test.pvalue < VACUITY_ALPHA)


# Examples whose claim values (and traces) a run keeps for the report's claim figure.
KEPT_EXAMPLES = 60


@dataclass(frozen=True)
class UnmetAssumption:
    """The declaration that an arm's domain does not meet one assumption: `proxy` prefixes
    the names of the proxies that judge it ("A4" for "A4 normalised margin" and "A4 margin
    exponent"), `arm` names the arm, `domain` the cases it draws and `evidence` the
    measurement behind the declaration."""

    arm: str
    proxy: str
    domain: str
    evidence: str

    def unmet_by(self, verdict: Verdict) -> list[dict]:
        """The failed proxies of `verdict` that judge this assumption, as plain data (empty
        when the draw met it or reached a conclusive verdict)."""
        if verdict.status is not Status.INCONCLUSIVE:
            return []
        return [
            {"name": p.name, "value": float(p.value), "threshold": float(p.threshold), "relation": p.relation}
            for p in verdict.proxies
            if not p.holds and p.name.startswith(self.proxy)
        ]


def example_record(verdict: Verdict) -> dict:
    """One example for the claim figure: its status, and each claim check's value, threshold,
    relation, trace (log L levels and values, where the claim judges a trend) and groups (the
    values per group, where the claim compares groups)."""
    return {
        "status": verdict.status.value,
        "claims": {
            c.name: {
                "value": float(c.value),
                "threshold": float(c.threshold),
                "relation": c.relation,
                "trace": [list(c.trace[0]), list(c.trace[1])] if c.trace is not None else None,
                "groups": {group: list(values) for group, values in c.groups.items()} if c.groups is not None else None,
            }
            for c in verdict.claims
        },
    }


@dataclass
class Tally:
    """One run of a property: verdict counts, the worst value of each claim over the examples
    that reached their claims, the claim values of up to KEPT_EXAMPLES examples, and the plot
    series of one example (the last pass, else the last)."""

    result: str
    counts: Counter = field(default_factory=Counter)
    checks: dict = field(default_factory=dict)
    examples: list = field(default_factory=list)
    series: dict = field(default_factory=dict)
    series_status: str | None = None
    outside_domain: Counter = field(default_factory=Counter)
    inconclusive_through: Counter = field(default_factory=Counter)
    unmet: UnmetAssumption | None = None
    unmet_draws: list = field(default_factory=list)
    judged: set = field(default_factory=set)

    def add(self, verdict: Verdict) -> None:
        self.counts[verdict.status] += 1
        if verdict.status is Status.INCONCLUSIVE:
            self.inconclusive_through[failed_proxies(verdict)] += 1
        if verdict.claims and len(self.examples) < KEPT_EXAMPLES:
            self.examples.append(example_record(verdict))
        if verdict.status is not Status.INCONCLUSIVE:
            for check in verdict.claims:
                self._worst(check)
        if verdict.series and (verdict.status is Status.PASS or self.series_status != Status.PASS.value):
            self.series, self.series_status = verdict.series, verdict.status.value

    def _worst(self, check) -> None:
        seen = self.checks.get(check.name)
        worse = seen is None or (check.value > seen["value"] if check.relation == "<=" else check.value < seen["value"])
        entry = seen or {"examples": 0}
        if worse:
            entry.update(value=float(check.value), threshold=float(check.threshold), relation=check.relation)
        entry["examples"] += 1
        self.checks[check.name] = entry

    def summary(self) -> dict:
        """Plain data (for pytest-xdist to carry): counts, checks, examples, series, draws
        outside the domain, inconclusive examples by the proxies they failed and, for an arm
        declared unmet, its declaration and the draws that failed the assumption."""
        return {
            "counts": {status.value: self.counts[status] for status in Status},
            "checks": self.checks,
            "examples": self.examples,
            "series": self.series,
            "outside_domain": dict(self.outside_domain),
            "inconclusive_through": dict(self.inconclusive_through),
            **({"assumption_unmet": self._unmet_summary()} if self.unmet is not None else {}),
        }

    def _unmet_summary(self) -> dict:
        assert self.unmet is not None
        return {
            "arm": self.unmet.arm,
            "assumption": self.unmet.proxy,
            "domain": self.unmet.domain,
            "evidence": self.unmet.evidence,
            "draws": self.total + len(self.unmet_draws),
            "unmet": list(self.unmet_draws),
        }

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def inconclusive_share(self) -> float:
        return self.counts[Status.INCONCLUSIVE] / self.total if self.total else 0.0


_ACTIVE: list[Tally] = []


def failed_proxies(verdict: Verdict) -> str:
    """The names of the proxies an inconclusive verdict failed, sorted and joined: the key
    under which the report counts it."""
    return ", ".join(sorted(p.name for p in verdict.proxies if not p.holds))


def record(verdict: Verdict) -> None:
    """Count the verdict of one example, discard it if inconclusive, and assert it passed.
    In an arm declared with an UnmetAssumption, a draw inconclusive through that assumption
    is kept as evidence instead (see the module docstring)."""
    note(verdict.summary())
    for tally in _ACTIVE:
        unmet = tally.unmet.unmet_by(verdict) if tally.unmet is not None else []
        if unmet:
            tally.unmet_draws.append(unmet)
            event("assumption unmet: " + ", ".join(p["name"] for p in unmet))
            return
    for tally in _ACTIVE:
        tally.add(verdict)
    event(f"verdict: {verdict.status.value}")
    if verdict.status is Status.INCONCLUSIVE:
        event("inconclusive through: " + failed_proxies(verdict))
    assume(verdict.status is not Status.INCONCLUSIVE)
    assert verdict.status is Status.PASS, verdict.summary()


def outside_domain(reason: str) -> None:
    """Reject the case being drawn as outside the claim's domain (an assumption that cannot
    hold for it), counting it under `reason` for the report beside the verdicts."""
    for tally in _ACTIVE:
        tally.outside_domain[reason] += 1
    event(f"domain: {reason}")
    assume(False)


def expect_fail(verdict: Verdict) -> None:
    """A drawn negative control's verdict on one example: a draw whose proxies fail (an
    inconclusive verdict) says nothing about the control and is discarded with `assume`; every
    other draw must be a fail. (Random draws under thorough found such a draw: a ReLU^2 net
    whose units were all dead at the start, so its flow never left log L = 0.)"""
    note(verdict.summary())
    assume(verdict.status is not Status.INCONCLUSIVE)
    assert verdict.status is Status.FAIL, verdict.summary()


def expect_fail_on_some(cases: SearchStrategy[Any], verdict_of: Callable[[Any], Verdict], max_examples: int) -> Any:
    """A drawn negative control for a claim about every draw (every step of every run): its
    wrong formula is refuted by one failing draw, so some draw of `cases` among max_examples must
    make verdict_of fail; returns the first such draw. Asking every draw to fail asks more than
    the claim does: a wrong formula can agree with the right one on a whole run (a smoothed
    margin read at degree L + 1, on a net whose margin rises faster than its norm). Draws are
    generated, not shrunk, and none is stored."""
    try:
        return find(
            cases,
            lambda case: verdict_of(case).status is Status.FAIL,
            settings=settings(max_examples=max_examples, phases=[Phase.generate], database=None),
        )
    except NoSuchExample:
        raise AssertionError(f"no draw of {max_examples} failed the control") from None


def _draw_key(args: tuple, kwargs: dict) -> bytes | None:
    """The pickle of a draw's arguments: equal only for equal values (a repr is not: numpy
    prints arrays to 8 digits). None when they cannot be pickled, and such draws are never
    taken for repeats."""
    try:
        return pickle.dumps((args, sorted(kwargs.items())))
    except Exception:
        return None


def _judged_once(inner_test):
    """Hypothesis's per-example function, made to discard a repeat of a draw the active run has
    already judged (see the module docstring)."""

    @functools.wraps(inner_test)
    def once(*args, **kwargs):
        key = _draw_key(args, kwargs)
        judged = _ACTIVE[0].judged if _ACTIVE and key is not None else set()
        if key in judged:
            event("repeated draw")
            assume(False)
        try:
            inner_test(*args, **kwargs)
        except UnsatisfiedAssumption:
            judged.add(key)
            raise
        judged.add(key)

    return once


def property_of(result: str, unmet: UnmetAssumption | None = None):
    """Decorate a Hypothesis test of `result`: its verdicts are tallied under that id, each
    distinct draw once, and it fails if its counts show it to be vacuous (see `vacuous`).
    `unmet` declares an arm whose domain does not meet one assumption (see the module
    docstring)."""

    def decorate(test):
        # Hypothesis reads the per-example function from this attribute at call time, so that
        # plugins can wrap it (https://github.com/HypothesisWorks/hypothesis/issues/1257).
        hypothesis_test = getattr(test, "hypothesis", None)
        if hypothesis_test is not None:
            hypothesis_test.inner_test = _judged_once(hypothesis_test.inner_test)

        @functools.wraps(test)
        def wrapper(*args, **kwargs):
            run = Tally(result, unmet=unmet)
            _ACTIVE[:] = [run]
            try:
                test(*args, **kwargs)
            finally:
                _ACTIVE.clear()
                marked.last_run = run.summary()
            inconclusive = run.counts[Status.INCONCLUSIVE]
            if not vacuous(inconclusive, run.total):
                return
            message = (
                f"{result}: {inconclusive} of {run.total} examples inconclusive, a rate over "
                f"{MAX_INCONCLUSIVE_SHARE:.0%} at significance {VACUITY_ALPHA}: the property has become vacuous"
            )
            if profiles.current() in ENFORCED_UNDER:
                raise AssertionError(message)
            warnings.warn(message, VacuousPropertyWarning, stacklevel=2)

        marked: Any = wrapper  # carries the attributes the plugin reads
        marked.verify_result = result
        marked.last_run = None
        return wrapper

    return decorate
