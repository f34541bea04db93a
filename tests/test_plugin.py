"""The pytest plugin: verdict counts travel on report.user_properties and are summed per result."""

from types import SimpleNamespace

from verify.plugin import VERDICTS_KEY, collect_verdicts


def report(result, passed, failed, inconclusive, extra=()):
    counts = {"result": result, "pass": passed, "fail": failed, "inconclusive": inconclusive}
    return SimpleNamespace(user_properties=[*extra, (VERDICTS_KEY, counts)])


def test_counts_are_summed_per_result_across_reports():
    reports = [report("thm2", 8, 0, 3), report("thm2", 2, 0, 1, extra=[("other", 1)]), report("prop1", 6, 1, 0)]
    assert collect_verdicts(reports) == {
        "prop1": {"pass": 6, "fail": 1, "inconclusive": 0},
        "thm2": {"pass": 10, "fail": 0, "inconclusive": 4},
    }


def test_reports_without_verdicts_are_ignored():
    assert collect_verdicts([SimpleNamespace(user_properties=[("other", 1)])]) == {}
