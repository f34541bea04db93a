"""pytest plugin (registered through the `pytest11` entry point): verdict counts per result.

Each property test decorated with verify.tally.property_of leaves its pass / fail /
inconclusive counts on the test report's user_properties, which pytest-xdist carries from the
workers to the controller; the controller alone prints the per-result table at the end.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

VERDICTS_KEY = "verify_verdicts"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    function = getattr(item, "function", None)
    result = getattr(function, "verify_result", None)
    if report.when == "call" and result is not None and function.last_counts is not None:
        report.user_properties.append((VERDICTS_KEY, {"result": result, **function.last_counts}))


def collect_verdicts(reports) -> dict[str, dict[str, int]]:
    """Sum the verdict counts carried by test reports, per result id."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for report in reports:
        for key, value in getattr(report, "user_properties", []):
            if key != VERDICTS_KEY:
                continue
            for status, count in value.items():
                if status != "result":
                    totals[value["result"]][status] += count
    return {result: dict(counts) for result, counts in sorted(totals.items())}


def pytest_terminal_summary(terminalreporter):
    reports = [r for group in terminalreporter.stats.values() for r in group if hasattr(r, "user_properties")]
    totals = collect_verdicts(reports)
    if not totals:
        return
    terminalreporter.section("verdicts per result")
    terminalreporter.write_line(f"{'result':<10} {'pass':>6} {'fail':>6} {'inconclusive':>13}")
    for result, counts in totals.items():
        terminalreporter.write_line(
            f"{result:<10} {counts.get('pass', 0):>6} {counts.get('fail', 0):>6} {counts.get('inconclusive', 0):>13}"
        )
