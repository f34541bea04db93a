"""The `verify` command: listing, comparing, and every bad-input path (one line, exit 2)."""

import json
import shutil

import pytest
import torch

from verify import cli, report


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, fragment):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("verify: error:") and fragment in lines[0], err
    assert "Traceback" not in err


def write_report(folder, status="pass"):
    entry = {
        "key": "ewn:thm1",
        "pack": "ewn",
        "id": "thm1",
        "title": "t",
        "status": status,
        "examples": {"pass": 1, "fail": 0, "inconclusive": 0},
        "metrics": {},
        "counterexample": None,
        "duration_s": 0.1,
        "tests": {},
        "series": {},
    }
    report.write({"schema_version": report.SCHEMA_VERSION, "environment": report.environment(), "results": [entry]}, folder)
    return folder


def test_list_shows_every_catalogued_result_with_its_last_status(capsys, tmp_path):
    write_report(tmp_path)
    code, out, _ = run(capsys, "list", "--report-dir", str(tmp_path))
    assert code == 0
    assert out.splitlines()[0].startswith("pack ewn: ")
    rows = {line.split()[0]: line for line in out.splitlines()[2:] if line.startswith("  ") and "title" not in line}
    assert len(rows) >= 19
    assert "pass" in rows["thm1"] and "test_thm1_flow_equivalence.py" in rows["thm1"]
    assert "unknown" in rows["thm2"]
    assert "test_thm4_norm_gradient_ce.py" in rows["thm4"]


def test_compare_exit_codes(capsys, tmp_path):
    old, new = write_report(tmp_path / "old"), write_report(tmp_path / "new")
    code, out, _ = run(capsys, "compare", str(old), str(new))
    assert code == 0 and "no regressions" in out
    write_report(new, status="fail")
    code, out, _ = run(capsys, "compare", str(old), str(new / "report.json"))
    assert code == 3 and "ewn:thm1: status pass -> fail" in out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["run", "--theorem", "thm99"], "unknown theorem id 'thm99'"),
        (["run", "--theorem", "nopack:thm1"], "unknown theorem id 'nopack:thm1'"),
        (["run", "--pack", "nopack"], "unknown pack 'nopack'"),
        (["list", "--pack", "nopack"], "unknown pack 'nopack'"),
        (["experiment", "nothing"], "unknown experiment 'nothing'"),
        (["experiment", "ewn:nothing"], "pack 'ewn' has no experiment 'nothing'"),
        (["run", "--workers", "many"], "--workers 'many'"),
        (["run", "--profile", "fast"], "invalid choice: 'fast'"),
        (["run", "--device", "tpu"], "invalid choice: 'tpu'"),
        (["run", "--baseline", "/nonexistent/baseline"], "no report at"),
        (["compare", "/nonexistent/a", "/nonexistent/b"], "no report at"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["compare", "only-one"], "the following arguments are required: new"),
        (["run", "--seed", "3", "--profile", "dev"], "--seed needs"),
        (["run", "--seed", "-1", "--profile", "ci"], "--seed needs"),
        (["run", "--cluster", "local:none"], "local:N needs a positive worker count"),
        (["selftest", "--cluster", "ssh://host"], "choose local, local:N or tcp://HOST:PORT"),
        (["selftest", "--false-alarms", "2", "--first-seed", "-3"], "--first-seed must be >= 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, fragment):
    code, _, err = run(capsys, *argv)
    assert_one_line_error(code, err, fragment)


def test_corrupt_baseline_is_refused_before_running(capsys, tmp_path):
    (tmp_path / "report.json").write_text("{ half a report")
    code, _, err = run(capsys, "run", "--theorem", "lemma6", "--baseline", str(tmp_path))
    assert_one_line_error(code, err, "corrupt report")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA message")
def test_cuda_without_a_gpu(capsys):
    code, _, err = run(capsys, "run", "--device", "cuda")
    assert_one_line_error(code, err, "CUDA is not available")


def test_unwritable_report_dir(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(capsys, "run", "--theorem", "lemma6", "--workers", "0", "--report-dir", str(blocker / "sub"))
    assert_one_line_error(code, err, "cannot create report folder")


def test_run_writes_a_report_and_compares_with_the_baseline(capsys, tmp_path):
    code, out, _ = run(capsys, "run", "--theorem", "lemma6", "--workers", "0", "--report-dir", str(tmp_path / "a"))
    assert code == 0, out
    document = json.loads((tmp_path / "a" / "report.json").read_text())
    assert [r["key"] for r in document["results"]] == ["ewn:lemma6"]
    assert document["results"][0]["status"] == "pass"
    baseline = tmp_path / "baseline"
    shutil.copytree(tmp_path / "a", baseline)
    stored = json.loads((baseline / "report.json").read_text())
    stored["results"].append(dict(stored["results"][0], id="lemma6b", key="ewn:lemma6b"))
    stored["results"][0]["status"] = "pass"
    (baseline / "report.json").write_text(json.dumps(stored))
    code, out, _ = run(
        capsys, "run", "--theorem", "lemma6", "--workers", "0", "--report-dir", str(tmp_path / "b"), "--baseline", str(baseline)
    )
    assert code == 0, "a result outside the selection is not 'disappeared'"


def test_a_third_party_pack_runs_through_verify_run(tmp_path):
    """A pack from outside this repository (one result, one property module), found through its
    entry point only, is listed, run and reported like the shipped ones."""
    import os
    import subprocess
    import sys

    from tiny_pack import PASSING, make_pack

    site = make_pack(tmp_path, "tiny", ["ratio"], {"test_ratio_small.py": PASSING})
    env = dict(os.environ, PYTHONPATH=str(site))
    verify = [sys.executable, "-m", "verify.cli"]
    listing = subprocess.run(verify + ["list", "--pack", "tiny"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert listing.returncode == 0 and "test_ratio_small.py" in listing.stdout, listing.stderr
    done = subprocess.run(
        verify + ["run", "--pack", "tiny", "--workers", "2", "--report-dir", str(tmp_path / "report")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((tmp_path / "report" / "report.json").read_text())
    (entry,) = document["results"]
    assert (entry["key"], entry["status"], entry["title"]) == ("tiny:ratio", "pass", "Result ratio")
    assert entry["examples"]["pass"] >= 12 and len(entry["tests"]) == 2
    assert "## Pack tiny" in (tmp_path / "report" / "index.md").read_text()


def test_a_failing_test_outside_every_result_fails_the_run(tmp_path):
    """CI judges the properties by `verify run` alone, so a failing helper test that no result
    records must still make the run exit 1."""
    import os
    import subprocess
    import sys

    from tiny_pack import PASSING, make_pack

    broken = "def test_helper_sums():\n    assert sum([0.1, 0.2]) == 0.3\n"
    site = make_pack(tmp_path, "tiny", ["ratio"], {"test_ratio_small.py": PASSING, "test_helpers.py": broken})
    done = subprocess.run(
        [sys.executable, "-m", "verify.cli", "run", "--pack", "tiny", "--workers", "0", "--report-dir", str(tmp_path / "r")],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(site)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    document = json.loads((tmp_path / "r" / "report.json").read_text())
    assert [r["status"] for r in document["results"]] == ["pass"], "the helper belongs to no result"
    assert done.returncode == 1 and "a test outside the results' records" in done.stdout, done.stdout + done.stderr


def test_repeated_list_options_accumulate():
    """`--fault A --fault B` runs both, as `--fault A B` does (argparse alone keeps the last)."""
    parser = cli._parser()
    assert parser.parse_args(["selftest", "--fault", "a", "--fault", "b", "c"]).fault == ["a", "b", "c"]
    args = parser.parse_args(["run", "--theorem", "thm1", "--theorem", "ewn:thm2", "--pack", "ewn", "--pack", "lyu-li"])
    assert (args.theorem, args.pack) == (["thm1", "ewn:thm2"], ["ewn", "lyu-li"])
