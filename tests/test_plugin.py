"""The pytest plugin, run in-process on a small pack: serial and xdist give one report."""

import json
import os

import pytest
from tiny_pack import make_pack

pytest_plugins = ["pytester"]

PASSING = """
from hypothesis import given, settings, strategies as st
from verify.tally import property_of, record
from verify.verdicts import Check, decide


@property_of("lemma6")
@settings(max_examples=12, derandomize=True, database=None)
@given(x=st.floats(0.0, 0.5))
def test_property_lemma6_small(x):
    record(decide([Check("proxy", x, 0.4)], [Check("deviation", x / 10, 0.1)], {"x": x}))


def test_control_lemma6():
    assert decide([], [Check("deviation", 0.2, 0.1)]).status.value == "fail"
"""

FAILING = """
from hypothesis import given, settings, strategies as st
from verify.tally import property_of, record
from verify.verdicts import Check, decide


@property_of("prop4")
@settings(max_examples=20, derandomize=True, database=None)
@given(n=st.integers(0, 100))
def test_property_prop4_counterexample(n):
    record(decide([], [Check("n", n, 50)]))


def test_prop1_control():
    assert decide([], [Check("n", 51, 50)]).status.value == "fail"


def test_prop1_broken_helper():
    raise FloatingPointError("non-finite state")
"""


@pytest.fixture
def property_set(pytester, monkeypatch):
    """The pack `mini` (installed through its entry point) and a harness test outside it."""
    site = make_pack(
        pytester.path,
        "mini",
        ["lemma6", "prop1", "prop4", "thm4"],
        {
            "test_lemma6_small.py": PASSING,
            "test_prop1_small.py": FAILING,
        },
    )
    monkeypatch.syspath_prepend(str(site))
    # xdist's workers ignore PYTHONPATH; a root conftest puts the pack on their sys.path.
    (pytester.path / "conftest.py").write_text(f"import sys\n\nsys.path.insert(0, {str(site)!r})\n")
    (pytester.path / "properties").symlink_to(site / "verify_mini")
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_harness.py").write_text("def test_outside_properties():\n    assert True\n")
    return pytester


def stable(report_path):
    """The report without what legitimately differs between runs (times, environment)."""
    document = json.loads(report_path.read_text())
    for entry in document["results"]:
        entry.pop("duration_s")
        entry.pop("test_durations_s")
    return document["results"]


def results_by_id(report_path):
    results = json.loads(report_path.read_text())["results"]
    assert all(r["pack"] == "mini" and r["key"] == f"mini:{r['id']}" for r in results)
    return {r["id"]: r for r in results}


def test_serial_and_xdist_reports_agree(property_set):
    serial = property_set.path / "serial"
    parallel = property_set.path / "parallel"
    property_set.runpytest_inprocess(
        "properties", "tests", "--verify-report", str(serial), "-p", "no:cacheprovider", "--verify-packs", "mini"
    )
    property_set.runpytest_inprocess(
        "properties",
        "tests",
        "-n",
        "2",
        "--dist",
        "loadgroup",
        "--verify-report",
        str(parallel),
        "-p",
        "no:cacheprovider",
        "--verify-packs",
        "mini",
    )
    assert stable(serial / "report.json") == stable(parallel / "report.json")


def test_report_content(property_set):
    folder = property_set.path / "report"
    result = property_set.runpytest_inprocess("properties", "tests", "--verify-report", str(folder), "--verify-packs", "mini")
    result.assert_outcomes(passed=4, failed=2)
    results = results_by_id(folder / "report.json")
    lemma6 = results["lemma6"]
    assert lemma6["status"] == "pass"
    assert lemma6["examples"]["pass"] + lemma6["examples"]["inconclusive"] >= 12
    assert lemma6["metrics"]["deviation"]["relation"] == "<="
    assert lemma6["metrics"]["deviation"]["value"] <= 0.04
    # prop4's property lives in the prop1 module: attributed by its property_of id.
    assert results["prop4"]["status"] == "fail"
    assert results["prop4"]["counterexample"].startswith(("Falsifying example", "Failing test case"))
    assert "n=51" in results["prop4"]["counterexample"], "Hypothesis shrinks to the smallest failing n"
    # prop1's own tests: one passes, one raises a non-assertion error.
    assert results["prop1"]["status"] == "error"
    assert set(results["prop1"]["tests"].values()) == {"passed", "failed"}
    # Catalogued results with no property tests are listed as skipped; the harness test is no result.
    assert results["thm4"]["status"] == "skipped"
    assert all(not nodeid.startswith("tests/") for r in results.values() for nodeid in r["tests"])
    for name in ("index.md", "index.html", "mini/lemma6.json", "mini/lemma6.md", "mini/lemma6.html", "mini/prop4.html"):
        assert (folder / name).is_file()
    assert "## Pack mini" in (folder / "index.md").read_text()


def test_terminal_table_and_selection(property_set):
    result = property_set.runpytest_inprocess(
        "properties", "--verify-results", "mini:lemma6", "--verify-progress", "--verify-packs", "mini"
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*[[]1/1 results[]] mini:lemma6 pass*", "*verdicts per result*", "mini:lemma6*pass*"])


THREADS = """
import os
import torch


def test_threads():
    with open(os.environ["THREADS_LOG"], "a") as log:
        log.write(f"{torch.get_num_threads()}\\n")
"""


@pytest.mark.parametrize("chosen", [None, "OMP_NUM_THREADS", "MKL_NUM_THREADS"])
def test_each_xdist_worker_gets_its_share_of_the_cores(pytester, monkeypatch, chosen):
    """Two workers on C cores run max(1, C // 2) torch threads each, not C each; a thread count
    chosen through OMP_NUM_THREADS or MKL_NUM_THREADS (one that differs from the share) is left
    alone."""
    from verify.plugin import cores

    if cores() < 2:
        pytest.skip("one core: the share and any chosen count coincide")
    share = max(1, cores() // 2)
    log = pytester.path / "threads.log"
    monkeypatch.setenv("THREADS_LOG", str(log))
    # One set by the caller's environment (or left by a Dask LocalCluster, tests/test_cluster.py)
    # would decide the count instead.
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    if chosen:
        monkeypatch.setenv(chosen, "1" if share > 1 else "2")
    pytester.makepyfile(test_threads=THREADS)
    pytester.runpytest_inprocess("-n", "2", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    expected = int(os.environ[chosen]) if chosen else share
    assert log.read_text().split() == [str(expected)]
