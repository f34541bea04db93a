"""`verify selftest`: run the tests that must catch each deliberate fault, with the fault active.

For each fault of the catalogue (tests/fault_catalogue.py), its tests are run in a pytest
subprocess with the fault in place (`-p fault_plugin --verify-fault NAME`, tests/fault_plugin.py),
after the same tests passed without it. The fault is caught when
a target test fails; the report names the test and its first assertion line (for a property,
the verdict with the metric and its threshold). A fault no target catches is 'missed'; one
whose only failures were raised inside the catalogue's own code is 'crashed', not caught.
False alarms: the correct implementation under N Hypothesis seeds of the ci profile; a run with
any failing test is a false alarm.

With a cluster (verify.cluster), a fault is one unit and a false-alarm run is one unit per
(seed, property test), each its own pytest process. A test seeded alone can draw other
examples than the same test after others in an xdist worker (see the README's Dask section),
so a seed's sweep on a cluster is not the same draw as on this machine. The workers need this
source checkout at the same path (a local cluster, or a shared file system), since the
catalogue and the tests live there.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from verify import cluster, units
from verify.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS = REPO_ROOT / "tests"


def catalogue():
    """The fault catalogue (tests/fault_catalogue.py of the source checkout), as a module.

    The catalogue and the plugin that puts a fault in place live with the tests, not in the
    library: the self-test needs the checkout's tests and properties anyway."""
    if not (TESTS / "fault_catalogue.py").is_file():
        raise ConfigError(f"verify selftest needs a source checkout: no fault catalogue at {TESTS}")
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    return importlib.import_module("fault_catalogue")


def check(name: str):
    """The fault called `name`; ConfigError names the known ones otherwise."""
    known = catalogue().FAULTS
    if name not in known:
        raise ConfigError(f"unknown fault {name!r}; choose one of {', '.join(sorted(known))}")
    return known[name]


@dataclass(frozen=True)
class Outcome:
    fault: str
    caught: bool
    by: str | None
    how: str | None
    baseline_ok: bool
    crashed: bool = False


# pytest's long traceback ends with the innermost frame as "path:line: ExceptionType".
_INNERMOST = re.compile(r"^(\S+):\d+: \w+")


def raised_in_catalogue(traceback: str) -> bool:
    """Whether a failure's innermost frame lies in tests/fault_catalogue.py: the fault's own
    code raised (a stale signature, say), which says nothing about the suite's power."""
    frames = [m.group(1) for m in map(_INNERMOST.match, traceback.splitlines()) if m]
    return bool(frames) and Path(frames[-1]).name == "fault_catalogue.py"


def profile() -> str:
    """The Hypothesis profile the self-test's pytest runs use: $VERIFY_PROFILE, or ci."""
    return os.environ.get("VERIFY_PROFILE", "ci")


@dataclass(frozen=True)
class PytestRun:
    """One pytest subprocess: its exit code, (test id, first failure line) of each failed test,
    the ids of those whose failure was raised inside the fault catalogue, and (for a seeded
    run) the verdict counts from its report, per result and per property test (arm)."""

    code: int
    failures: list[tuple[str, str]]
    crashed: set[str]
    verdicts: dict[str, dict[str, int]]
    tests: dict[str, dict[str, int]]


def _run(targets: tuple[str, ...], fault: str | None, extra: tuple[str, ...] = (), seed: int | None = None) -> PytestRun:
    """Run the targets in a pytest subprocess, with the fault in place if one is named; with a
    seed, the ci profile draws from it instead of derandomising, and the run writes a report."""
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "junit.xml"
        command = [sys.executable, "-m", "pytest", *targets, "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *extra]
        if seed is not None:
            command += ["--hypothesis-seed", str(seed), "--verify-report", str(Path(folder) / "report")]
        if fault is not None:
            command += ["-p", "fault_plugin", "--verify-fault", fault]
        # The ci profile keeps no example database, so a fault's failing examples are not
        # replayed into later correct runs.
        env = dict(os.environ, VERIFY_PROFILE=profile())
        env.pop("VERIFY_SEEDED", None)
        if seed is not None:
            env["VERIFY_SEEDED"] = "1"
        if fault is not None:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
        code = subprocess.call(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        failures = []
        crashed = set()
        if junit.is_file():
            for case in ElementTree.parse(junit).iter("testcase"):
                for problem in list(case.findall("failure")) + list(case.findall("error")):
                    name = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
                    message = (problem.get("message") or "").strip().splitlines()
                    failures.append((name, message[0] if message else problem.tag))
                    if raised_in_catalogue(problem.text or ""):
                        crashed.add(name)
        written = Path(folder) / "report" / "report.json"
        verdicts, tests = _verdict_counts(written), _test_counts(written)
    return PytestRun(code, failures, crashed, verdicts, tests)


def _verdict_counts(path: Path) -> dict[str, dict[str, int]]:
    """Each result's pass / fail / inconclusive counts in a report (none if it was not written)."""
    if not path.is_file():
        return {}
    results = json.loads(path.read_text())["results"]
    return {r["key"]: dict(r["examples"]) for r in results if sum(r["examples"].values())}


def _test_counts(path: Path) -> dict[str, dict[str, int]]:
    """Each property test's pass / fail / inconclusive counts in a report, keyed by its node id:
    a result pools its arms, and these are the arms (none if the report was not written)."""
    if not path.is_file():
        return {}
    results = json.loads(path.read_text())["results"]
    return {test: dict(counts) for r in results for test, counts in r.get("test_examples", {}).items() if sum(counts.values())}


def pooled(runs: list[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    """Verdict counts per key (a result, or a property test), summed over runs."""
    total: dict[str, dict[str, int]] = {}
    for run in runs:
        for key, counts in run.items():
            into = total.setdefault(key, dict.fromkeys(counts, 0))
            for status, n in counts.items():
                into[status] = into.get(status, 0) + n
    return dict(sorted(total.items()))


def run_fault(name: str) -> Outcome:
    """Run one fault's targets without and then with the fault."""
    targets = check(name).tests
    baseline = _run(targets, None).code
    faulty = _run(targets, name)
    code, failures, crashed = faulty.code, faulty.failures, faulty.crashed
    caught = [(test, line) for test, line in failures if test not in crashed]
    if caught:
        test, line = caught[0]
        return Outcome(name, True, test, line, baseline == 0)
    if failures:
        test, line = failures[0]
        return Outcome(name, False, test, f"raised in the fault's own code: {line}", baseline == 0, crashed=True)
    return Outcome(name, code not in (0, 5), None, None if code in (0, 5) else f"pytest exit {code}", baseline == 0)


def run_faults(names: list[str], on: cluster.Cluster | None = None) -> Iterator[Outcome]:
    """run_fault for each name: in turn, or as units on the cluster (yielded as they end)."""
    if on is None:
        yield from map(run_fault, names)
        return
    for _, outcome in cluster.run(on, run_fault, names):
        yield outcome


# The standard every property is held to: at most this share of its examples inconclusive,
# pooled over seeded runs as in one derandomised run.
INCONCLUSIVE_BOUND = 0.2


def pooled_table(counts: dict[str, dict[str, int]], runs: int, per: str = "result") -> str:
    """The verdict counts per result (or per `per`: "test" for the arms) pooled over `runs`
    seeded runs, each one's inconclusive share, and a mark where the share is over
    INCONCLUSIVE_BOUND."""
    width = max([22, *map(len, counts)])
    lines = [
        f"verdicts per {per} pooled over {runs} seeded runs",
        f"{per:<{width}} {'pass':>6} {'fail':>6} {'inconclusive':>13} {'share':>6}",
    ]
    for key, c in counts.items():
        share = c.get("inconclusive", 0) / max(1, sum(c.values()))
        mark = f"  over {INCONCLUSIVE_BOUND:.0%}" if share > INCONCLUSIVE_BOUND else ""
        counted = f"{c.get('pass', 0):>6} {c.get('fail', 0):>6} {c.get('inconclusive', 0):>13}"
        lines.append(f"{key:<{width}} {counted} {share:>6.0%}{mark}")
    return "\n".join(lines)


@dataclass(frozen=True)
class SeedRun:
    """The correct implementation under one seed: its failed tests (id, first failure line),
    any of which makes the run a false alarm, the verdict counts per result and per property
    test, and its wall time (on a cluster, summed over its tests)."""

    seed: int
    failures: list[tuple[str, str]]
    verdicts: dict[str, dict[str, int]]
    tests: dict[str, dict[str, int]]
    seconds: float


def _seeded_test(unit: tuple[int, str]) -> SeedRun:
    seed, nodeid = unit
    start = time.perf_counter()
    run = _run((nodeid,), None, seed=seed)
    failures = run.failures or ([(nodeid, f"pytest exit {run.code}")] if run.code != 0 else [])
    return SeedRun(seed, failures, run.verdicts, run.tests, time.perf_counter() - start)


def false_alarms(
    runs: int, targets: tuple[str, ...] = ("properties",), on: cluster.Cluster | None = None, first: int = 1
) -> Iterator[SeedRun]:
    """For seeds first .. first + runs - 1, the correct implementation under the ci profile
    drawing from that seed (a long sweep can so be split across sessions or machines, and its
    parts pooled). Yields each seed's run as soon as it ends: in seed order on this machine, in
    order of completion on a cluster."""
    seeds = range(first, first + runs)
    if on is None:
        for seed in seeds:
            start = time.perf_counter()
            run = _run(targets, None, ("-n", "auto"), seed=seed)
            failures = run.failures or ([("(pytest)", f"exit {run.code}")] if run.code != 0 else [])
            yield SeedRun(seed, failures, run.verdicts, run.tests, time.perf_counter() - start)
        return
    nodeids = units.collect([sys.executable, "-m", "pytest", *targets, "-q", "-p", "no:cacheprovider"], cwd=REPO_ROOT)
    work = [(seed, nodeid) for seed in seeds for nodeid in nodeids]
    left = {seed: len(nodeids) for seed in seeds}
    found: dict[int, list[SeedRun]] = defaultdict(list)
    for (seed, _), part in cluster.run(on, _seeded_test, work, label=lambda u: f"seed {u[0]} {u[1]}"):
        found[seed].append(part)
        left[seed] -= 1
        if not left[seed]:
            parts = found.pop(seed)
            failures = [f for p in parts for f in p.failures]
            seconds = sum(p.seconds for p in parts)
            yield SeedRun(seed, failures, pooled([p.verdicts for p in parts]), pooled([p.tests for p in parts]), seconds)
