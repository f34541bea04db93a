"""Counting verdicts per result, and the rule that a mostly inconclusive property fails.

`record` is called once per Hypothesis example: it counts the verdict, notes it for the
failure report, discards inconclusive examples with `assume`, and asserts pass. The
`property_of` decorator wraps a whole Hypothesis test: after all its examples it fails the
test when more than MAX_INCONCLUSIVE_SHARE of them were inconclusive (a vacuous property).
That rule is enforced under the `ci` and `thorough` profiles; under `dev`, whose few random
examples make the share noisy (about 1 run in 8 crosses one half for a property whose true
inconclusive rate is 0.4), it is a VacuousPropertyWarning instead.
"""

from __future__ import annotations

import functools
import warnings
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import assume, event, note

from verify import profiles
from verify.verdicts import Status, Verdict

MAX_INCONCLUSIVE_SHARE = 0.5
ENFORCED_UNDER = ("ci", "thorough")


class VacuousPropertyWarning(UserWarning):
    """More than half of a property's examples were inconclusive under the dev profile."""


@dataclass
class Tally:
    """One run of a property: verdict counts, the worst value of each claim over the examples
    that reached their claims, and the plot series of one example (the last pass, else the last)."""

    result: str
    counts: Counter = field(default_factory=Counter)
    checks: dict = field(default_factory=dict)
    series: dict = field(default_factory=dict)
    series_status: str | None = None

    def add(self, verdict: Verdict) -> None:
        self.counts[verdict.status] += 1
        if verdict.status is not Status.INCONCLUSIVE:
            for check in verdict.claims:
                self._worst(check)
        if verdict.series and (verdict.status is Status.PASS or self.series_status != Status.PASS.value):
            self.series, self.series_status = verdict.series, verdict.status.value

    def _worst(self, check) -> None:
        seen = self.checks.get(check.name)
        worse = seen is None or (
            check.value > seen["value"] if check.relation == "<=" else check.value < seen["value"]
        )
        entry = seen or {"examples": 0}
        if worse:
            entry.update(value=float(check.value), threshold=float(check.threshold), relation=check.relation)
        entry["examples"] += 1
        self.checks[check.name] = entry

    def summary(self) -> dict:
        """Plain data (for pytest-xdist to carry): counts, checks, series."""
        return {
            "counts": {status.value: self.counts[status] for status in Status},
            "checks": self.checks,
            "series": self.series,
        }

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def inconclusive_share(self) -> float:
        return self.counts[Status.INCONCLUSIVE] / self.total if self.total else 0.0


_ACTIVE: list[Tally] = []


def record(verdict: Verdict) -> None:
    """Count the verdict of one example, discard it if inconclusive, and assert it passed."""
    for tally in _ACTIVE:
        tally.add(verdict)
    note(verdict.summary())
    event(f"verdict: {verdict.status.value}")
    assume(verdict.status is not Status.INCONCLUSIVE)
    assert verdict.status is Status.PASS, verdict.summary()


def property_of(result: str):
    """Decorate a Hypothesis test of `result`: its verdicts are tallied under that id, and it
    fails if more than half of its examples were inconclusive."""

    def decorate(test):
        @functools.wraps(test)
        def wrapper(*args, **kwargs):
            run = Tally(result)
            _ACTIVE[:] = [run]
            try:
                test(*args, **kwargs)
            finally:
                _ACTIVE.clear()
                wrapper.last_run = run.summary()
            share = run.inconclusive_share()
            if share <= MAX_INCONCLUSIVE_SHARE:
                return
            message = (
                f"{result}: {run.counts[Status.INCONCLUSIVE]} of {run.total} examples inconclusive "
                f"({share:.0%} > {MAX_INCONCLUSIVE_SHARE:.0%}): the property has become vacuous"
            )
            if profiles.chosen() in ENFORCED_UNDER:
                raise AssertionError(message)
            warnings.warn(message, VacuousPropertyWarning, stacklevel=2)

        wrapper.verify_result = result
        wrapper.last_run = None
        return wrapper

    return decorate
