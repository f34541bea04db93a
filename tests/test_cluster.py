"""`--cluster`: Dask runs one unit per test, merges the records into the report a local run
writes, survives a lost worker, never writes a report from part of the units, and shares the
thorough profile's example database."""

import json
import os
import subprocess
import sys
from unittest import mock

import pytest

from verify import cli, cluster
from verify.errors import ConfigError

pytest.importorskip("distributed")

LOSES_ITS_WORKER = """
import os
import signal
from pathlib import Path


def test_outlives_its_worker():
    # The parent of this pytest is the Dask worker: killing it is a worker lost mid-task.
    marker = Path(os.environ["TINY_MARKERS"]) / "killed"
    if os.environ.get("TINY_ALWAYS_KILL") or not marker.exists():
        marker.write_text("once")
        os.kill(os.getppid(), signal.SIGKILL)
        os._exit(1)
"""

FINDS_A_COUNTEREXAMPLE = """
import os

from hypothesis import Phase, given, settings, strategies as st
from verify.tally import property_of, record
from verify.verdicts import Check, decide

# Replay only: the test runs nothing but the examples the database holds.
PHASES = (Phase.explicit, Phase.reuse) if os.environ.get("TINY_REPLAY_ONLY") else tuple(Phase)


@property_of("found")
@settings(max_examples=60, phases=PHASES)
@given(x=st.integers(0, 1000))
def test_property_found(x):
    record(decide([], [Check("size", float(x), 300.0)], {"x": x}))
"""


def verify_run(tmp_path, site, *argv, **env):
    return subprocess.run(
        [sys.executable, "-m", "verify.cli", "run", *argv],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(site), TINY_MARKERS=str(tmp_path), **env),
        capture_output=True,
        text=True,
        timeout=300,
    )


def comparable(folder):
    """A report without what may differ between two runs of the same tests: timings, the
    creation time and the executor."""
    document = json.loads((folder / "report.json").read_text())
    for entry in document["results"]:
        entry.pop("duration_s")
        entry.pop("test_durations_s")
    for key in ("created", "executor"):
        document["environment"].pop(key)
    return document


@pytest.mark.parametrize("spec", ["local", "local:0", "local:x", "tcp://host", "tcp://:80", "ssh://h:1", ""])
def test_cluster_specs_are_parsed_or_refused_in_one_line(spec):
    if spec == "local":
        assert cluster.parse(spec).workers == (os.cpu_count() or 1)
        return
    with pytest.raises(ConfigError, match="--cluster"):
        cluster.parse(spec)


def test_a_scheduler_address_and_a_worker_count_are_read():
    assert cluster.parse("local:3") == cluster.Cluster("local:3", None, 3)
    assert cluster.parse("tcp://10.0.0.2:8786") == cluster.Cluster("tcp://10.0.0.2:8786", "tcp://10.0.0.2:8786", None)


def test_without_the_extra_cluster_is_a_one_line_error_naming_it(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)
    for argv in (["run", "--cluster", "local:2", "--report-dir", str(tmp_path)], ["selftest", "--cluster", "local"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "verify[cluster]" in err[0], err
    assert not (tmp_path / "report.json").exists()


def test_a_local_cluster_report_equals_the_local_one(tmp_path):
    """Two results, three tests, one of them failing: the same report either way."""
    from tiny_pack import PASSING, make_pack

    failing = PASSING.replace("ratio", "other").replace("x / 10, 0.1", "x, 0.1")
    site = make_pack(tmp_path, "tiny", ["ratio", "other"], {"test_ratio_small.py": PASSING, "test_other.py": failing})
    common = ("--pack", "tiny", "--profile", "ci", "--seed", "7")
    local = verify_run(tmp_path, site, *common, "--workers", "0", "--report-dir", str(tmp_path / "local"))
    spread = verify_run(tmp_path, site, *common, "--cluster", "local:2", "--report-dir", str(tmp_path / "cluster"))
    assert local.returncode == spread.returncode == 1, local.stdout + spread.stdout + spread.stderr
    assert "[4/4 tests]" in spread.stdout and "tiny:other" in spread.stdout
    assert comparable(tmp_path / "local") == comparable(tmp_path / "cluster")
    statuses = {r["key"]: r["status"] for r in comparable(tmp_path / "cluster")["results"]}
    assert statuses == {"tiny:ratio": "pass", "tiny:other": "fail"}
    environment = json.loads((tmp_path / "cluster" / "report.json").read_text())["environment"]
    assert (environment["executor"], environment["seed"], environment["profile"]) == ("dask local:2", "7", "ci")


def test_a_lost_workers_test_is_rerun_and_the_report_is_whole(tmp_path):
    from tiny_pack import make_pack

    site = make_pack(tmp_path, "tiny", ["lost"], {"test_lost.py": LOSES_ITS_WORKER})
    done = verify_run(tmp_path, site, "--pack", "tiny", "--cluster", "local:2", "--report-dir", str(tmp_path / "report"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "killed").exists(), "the test never killed its worker"
    (entry,) = comparable(tmp_path / "report")["results"]
    assert entry["status"] == "pass" and entry["tests"] == {"test_lost.py::test_outlives_its_worker": "passed"}


def test_a_unit_lost_for_good_ends_the_run_without_a_report(tmp_path):
    from tiny_pack import PASSING, make_pack

    site = make_pack(tmp_path, "tiny", ["lost", "ratio"], {"test_lost.py": LOSES_ITS_WORKER, "test_ratio_small.py": PASSING})
    done = verify_run(
        tmp_path,
        site,
        *("--pack", "tiny", "--cluster", "local:2", "--report-dir", str(tmp_path / "report")),
        TINY_ALWAYS_KILL="1",
        DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1",
    )
    err = done.stderr.strip().splitlines()
    assert done.returncode == 2 and err and "test_lost.py::test_outlives_its_worker" in err[-1], done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "report" / "report.json").exists()


@pytest.fixture
def environment_restored():
    """Dask's nanny writes its pre-spawn environment (OMP_NUM_THREADS, MKL_NUM_THREADS and
    OPENBLAS_NUM_THREADS of 1, MALLOC_TRIM_THRESHOLD_) into the process that starts a
    LocalCluster. Left in a test worker, it would hold every later test's subprocesses to one
    thread (torch reads MKL_NUM_THREADS over OMP_NUM_THREADS), so it is put back."""
    with mock.patch.dict(os.environ):
        yield


def test_a_local_worker_holds_only_the_unit_it_runs(environment_restored):
    """The mechanism that keeps a lost unit's failure its own: a worker that a unit kills
    holds no second unit, so no innocent unit is counted against `allowed-failures` (CI saw
    one named in the culprit's place under Dask's default saturation)."""
    import time

    with cluster.connect(cluster.parse("local:2")) as client:
        futures = client.map(time.sleep, [3.0] * 6, pure=False)
        deadline = time.monotonic() + 30
        while sum(map(len, client.processing().values())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        held = sorted(len(keys) for keys in client.processing().values())
        client.cancel(futures)
    assert held == [1, 1], held


def test_a_counterexample_found_on_a_worker_is_replayed_locally(tmp_path):
    from tiny_pack import make_pack

    site = make_pack(tmp_path, "tiny", ["found"], {"test_found.py": FINDS_A_COUNTEREXAMPLE})
    database = tmp_path / "examples"
    common = ("--pack", "tiny", "--profile", "thorough")
    found = verify_run(
        tmp_path, site, *common, "--cluster", "local:2", "--report-dir", str(tmp_path / "a"), VERIFY_EXAMPLE_DB=str(database)
    )
    assert found.returncode == 1, found.stdout + found.stderr
    assert any(database.rglob("*")), "the worker's counterexample never reached the shared database"
    replayed = verify_run(
        tmp_path,
        site,
        *common,
        "--workers",
        "0",
        "--report-dir",
        str(tmp_path / "b"),
        VERIFY_EXAMPLE_DB=str(database),
        TINY_REPLAY_ONLY="1",
    )
    (entry,) = comparable(tmp_path / "b")["results"]
    assert replayed.returncode == 1 and entry["status"] == "fail" and "x=301" in entry["counterexample"], replayed.stdout
    # Control: replaying an empty database runs nothing, so nothing fails.
    empty = verify_run(
        tmp_path,
        site,
        *common,
        *("--workers", "0", "--report-dir", str(tmp_path / "c")),
        VERIFY_EXAMPLE_DB=str(tmp_path / "none"),
        TINY_REPLAY_ONLY="1",
    )
    (entry,) = comparable(tmp_path / "c")["results"]
    assert entry["status"] != "fail", empty.stdout
