"""pytest plugin (registered through the `pytest11` entry point): results, progress and reports.

On the workers (or in a serial run) each test report is annotated through user_properties,
which pytest-xdist carries to the controller: the run summary of a property test (verdict
counts, worst claim values, one example's plot series) and whether a failure was an assertion
(a counterexample, 'fail') or another exception ('error'). The controller alone gathers the
reports, prints the per-result table and progress, and writes the report files.

The property modules are those of the installed packs (verify.packs); their tests are grouped
per result (the xdist_group mark `pack:id`, for --dist loadgroup) and can be selected per
result with --verify-results. The plugin also registers the markers the packs use, under
`verify run` (--verify-profile) loads the Hypothesis profile, and on an xdist worker gives
torch the worker's share of the cores (share_cores).
"""

from __future__ import annotations

import os
import time

import pytest

from verify import packs, profiles, registry
from verify.report import build, result_status, verdict_table, write, write_records

VERDICTS_KEY = "verify_verdicts"
FAILURE_KEY = "verify_failure"


def pytest_addoption(parser):
    group = parser.getgroup("verify")
    group.addoption("--verify-report", default=None, metavar="DIR", help="write the per-result report into DIR")
    group.addoption("--verify-results", default=None, metavar="IDS", help="comma-separated result ids to run")
    group.addoption("--verify-progress", action="store_true", help="print a line as each result completes")
    group.addoption("--verify-packs", default=None, metavar="NAMES", help="comma-separated packs to report (default: all)")
    group.addoption("--verify-profile", default=None, metavar="NAME", help="load this verify Hypothesis profile")
    group.addoption(
        "--verify-records", default=None, metavar="FILE", help="write the per-test records (JSON) that a report is built from"
    )


def _packs(config) -> dict[str, packs.Pack]:
    if not hasattr(config, "_verify_packs"):
        names = config.getoption("verify_packs")
        config._verify_packs = packs.select(names.split(",") if names else None, packs.installed())
    return config._verify_packs


def _index(config) -> registry.Index:
    if not hasattr(config, "_verify_index"):
        config._verify_index = registry.Index(_packs(config))
    return config._verify_index


MARKERS = (
    "slow: trains to e^-300 or beyond (seconds, not milliseconds)",
    "gpu: needs CUDA; skipped cleanly without it",
)


# Raised inside torch.func on torch 2.13 for its own internals, not by verify or a pack.
WARNING_FILTERS = ("ignore:`torch.jit.script` is deprecated:DeprecationWarning",)


def pytest_configure(config):
    profiles.fix_constant_pool()
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    for line in WARNING_FILTERS:
        config.addinivalue_line("filterwarnings", line)
    if config.getoption("verify_profile"):
        profiles.load(config.getoption("verify_profile"))
    if hasattr(config, "workerinput"):
        share_cores(int(config.workerinput.get("workercount", 1)))
    else:
        config._verify_session = _Session(config)
        config.pluginmanager.register(config._verify_session, "verify-session")


def share_cores(workers: int) -> None:
    """Give this process torch's intra-op threads for its share of the cores, max(1, cores //
    workers), unless OMP_NUM_THREADS or MKL_NUM_THREADS already chose them (torch reads
    MKL_NUM_THREADS over OMP_NUM_THREADS).

    torch defaults to a thread per core in every process, so each of W xdist workers would run
    as many threads as the machine has cores, and spin against the others. Measured on the
    2-core machine (2026-11-30): the ewn pack's two modules with XOR blocks took 213 s under
    `-n 2` with the default 2 threads per worker and 114 s with 1; one serial test took the same
    either way on an idle machine (63 s, 61 s) and 3.5 times as long with the default beside a
    busy core (benchmarks/results/suite-threads-2core-2026-11-30.md).
    Verdicts do not depend on the thread count (tests/test_portability.py runs one thread).
    A Dask worker needs none of this: its nanny sets OMP_NUM_THREADS, MKL_NUM_THREADS and
    OPENBLAS_NUM_THREADS to 1 before the worker starts (keeping any its environment has)."""
    if os.environ.get("OMP_NUM_THREADS") or os.environ.get("MKL_NUM_THREADS"):
        return
    import torch

    torch.set_num_threads(max(1, cores() // max(1, workers)))


def cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    index = _index(config)
    wanted = config.getoption("verify_results")
    wanted = set(wanted.split(",")) if wanted else None
    keep, drop = [], []
    for item in items:
        result = index.result_of(item.nodeid, config.rootpath)
        if wanted is not None and result not in wanted:
            drop.append(item)
            continue
        if result is not None:
            item.add_marker(pytest.mark.xdist_group(result))
        keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None:
        kind = "fail" if call.excinfo.errisinstance(AssertionError) and report.when == "call" else "error"
        report.user_properties.append((FAILURE_KEY, kind))
    function = getattr(item, "function", None)
    result = getattr(function, "verify_result", None)
    last_run = getattr(function, "last_run", None)
    if report.when == "call" and result is not None and last_run is not None:
        report.user_properties.append((VERDICTS_KEY, {"result": result, **last_run}))


class _Session:
    """Controller-side state: per-test records, progress, the summary table and the report."""

    def __init__(self, config):
        self.config = config
        self.tests: dict[str, dict] = {}
        self.expected: dict[str, int] = {}
        self.finished: dict[str, int] = {}
        self.started = time.monotonic()
        self.announced: set[str] = set()

    def _expect(self, nodeids) -> None:
        if self.expected:
            return
        index = _index(self.config)
        for nodeid in nodeids:
            result = index.result_of(nodeid, self.config.rootpath)
            if result is not None:
                self.expected[result] = self.expected.get(result, 0) + 1

    def pytest_collection_finish(self, session):
        self._expect(item.nodeid for item in session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids):
        self._expect(ids)

    def pytest_runtest_logreport(self, report):
        result = _index(self.config).result_of(report.nodeid, self.config.rootpath)
        if result is None:
            return
        record = self.tests.setdefault(
            report.nodeid,
            {"nodeid": report.nodeid, "result": result, "outcome": "passed", "duration_s": 0.0, "run": None},
        )
        record["duration_s"] += float(report.duration)
        for key, value in report.user_properties:
            if key == VERDICTS_KEY:
                record["run"] = {k: v for k, v in value.items() if k != "result"}
            elif key == FAILURE_KEY:
                record["failure"] = value
        if report.failed:
            record["outcome"] = "failed"
            record["longrepr"] = report.longreprtext
        elif report.skipped and record["outcome"] == "passed":
            record["outcome"] = "skipped"
        if report.when == "teardown":
            self._progress(result)

    def _progress(self, result: str) -> None:
        self.finished[result] = self.finished.get(result, 0) + 1
        if not self.config.getoption("verify_progress") or result in self.announced:
            return
        if self.finished[result] < self.expected.get(result, 0):
            return
        self.announced.add(result)
        status = result_status([t for t in self.tests.values() if t["result"] == result])
        elapsed = time.monotonic() - self.started
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        line = (
            f"verify: [{len(self.announced)}/{len(self.expected)} results] {result} {status}"
            f"  ({int(elapsed // 60)}m{int(elapsed % 60):02d}s elapsed)"
        )
        if reporter is not None:
            reporter.write_line(line)

    def pytest_terminal_summary(self, terminalreporter):
        lines = verdict_table(self.tests.values())
        if lines:
            terminalreporter.section("verdicts per result")
        for line in lines:
            terminalreporter.write_line(line)

    def pytest_sessionfinish(self, session, exitstatus):
        records = self.config.getoption("verify_records")
        if records is not None:
            write_records(list(self.tests.values()), records)
        target = self.config.getoption("verify_report")
        if target is None:
            return
        wanted = self.config.getoption("verify_results")
        workers = getattr(self.config.option, "numprocesses", None)
        executor = f"pytest-xdist ({workers} workers)" if workers else "pytest"
        write(build(self.tests.values(), _packs(self.config), wanted.split(",") if wanted else None, executor), target)
