"""The three-verdict model: pass, fail (a counterexample) or inconclusive (a proxy failed).

A Verdict carries the measured metrics, the assumption proxies (each with value and
threshold) and a one-line reason. `decide` turns proxies and claim checks into a status:
any failing proxy makes the example inconclusive, whatever the claim says.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field


class Status(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Check:
    """One comparison: `value` against `threshold` in the sense `relation` ('<=', '>=', '>')."""

    name: str
    value: float
    threshold: float
    relation: str = "<="
    # The series the value summarises, (log L levels, values), where a claim judges a trend
    # (checks.LimitResult): report figures plot it. Not part of the comparison.
    trace: tuple[tuple[float, ...], tuple[float, ...]] | None = field(default=None, compare=False, repr=False)
    # The raw values per group that the value summarises, where a claim compares groups (the
    # effective node counts per parameterisation behind "EWN sparsest"): report figures plot
    # them side by side. Not part of the comparison.
    groups: dict[str, tuple[float, ...]] | None = field(default=None, compare=False, repr=False)

    @property
    def holds(self) -> bool:
        if not math.isfinite(self.value):
            return False
        if self.relation == "<=":
            return self.value <= self.threshold
        if self.relation == ">=":
            return self.value >= self.threshold
        if self.relation == ">":
            return self.value > self.threshold
        raise ValueError(f"unknown relation {self.relation!r}")

    def describe(self) -> str:
        return f"{self.name} = {self.value:.4g} (needs {self.relation} {self.threshold:.4g})"

    def as_dict(self) -> dict:
        """Plain JSON-ready fields; a non-finite value becomes None (strict JSON has no NaN)."""
        return {
            "name": self.name,
            "value": finite_or_none(self.value),
            "threshold": finite_or_none(self.threshold),
            "relation": self.relation,
            "holds": bool(self.holds),
        }


@dataclass
class Verdict:
    status: Status
    reason: str
    proxies: list[Check] = field(default_factory=list)
    claims: list[Check] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    # Per-snapshot series of the run behind the verdict (Trajectory.plot_series), for reports.
    series: dict[str, list] = field(default_factory=dict, repr=False)

    def summary(self) -> str:
        lines = [f"{self.status.value}: {self.reason}"]
        lines += [f"  proxy {p.describe()} {'ok' if p.holds else 'FAILS'}" for p in self.proxies]
        lines += [f"  claim {c.describe()} {'ok' if c.holds else 'FAILS'}" for c in self.claims]
        lines += [f"  metric {k} = {v:.6g}" for k, v in self.metrics.items()]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        """Status, reason, proxies, claim checks and metrics as plain JSON-ready values."""
        return {
            "status": self.status.value,
            "reason": self.reason,
            "proxies": [p.as_dict() for p in self.proxies],
            "checks": [c.as_dict() for c in self.claims],
            "metrics": {name: finite_or_none(value) for name, value in self.metrics.items()},
        }


def finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def decide(proxies: list[Check], claims: list[Check], metrics: dict[str, float] | None = None) -> Verdict:
    """Inconclusive if a proxy fails; else fail if a claim fails; else pass."""
    metrics = dict(metrics or {})
    bad_proxy = next((p for p in proxies if not p.holds), None)
    if bad_proxy is not None:
        return Verdict(Status.INCONCLUSIVE, f"proxy {bad_proxy.describe()}", proxies, claims, metrics)
    bad_claim = next((c for c in claims if not c.holds), None)
    if bad_claim is not None:
        return Verdict(Status.FAIL, f"claim {bad_claim.describe()}", proxies, claims, metrics)
    return Verdict(Status.PASS, "proxies hold and the claim holds", proxies, claims, metrics)


def inconclusive(reason: str, metrics: dict[str, float] | None = None) -> Verdict:
    return Verdict(Status.INCONCLUSIVE, reason, metrics=dict(metrics or {}))
