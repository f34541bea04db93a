"""Recorded seeded runs: a split false-alarm sweep pools as one run of one code, or is refused."""

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from verify import cli, cluster, report, seed_records, selftest
from verify.errors import ConfigError

ROOT = Path(selftest.__file__).resolve().parent.parent
THM2 = "ewn:thm2"
CRISP = "properties/ewn/test_thm2.py::test_property_thm2_crisp"


def judging_tree(at: Path) -> Path:
    """A small stand-in checkout: one file in each judging folder, plus files that do not judge."""
    for folder, name in (("verify", "core.py"), ("properties", "ewn/test_x.py"), ("fixtures", "ewn/case.json")):
        path = at / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {folder}\n")
    (at / "verify" / "__pycache__").mkdir()
    (at / "verify" / "__pycache__" / "core.cpython-311.pyc").write_bytes(b"\0")
    (at / "properties" / "ewn" / "test_x.log").write_text("a stray log\n")
    (at / "README.md").write_text("not judging\n")
    return at


def a_run(seed: int, inconclusive: int = 0, failures=()) -> selftest.SeedRun:
    counts = {"pass": 5, "fail": 0, "inconclusive": inconclusive}
    return selftest.SeedRun(seed, list(failures), {THM2: counts}, {CRISP: counts}, 61.5)


IDENTITY = seed_records.Identity("ab" * 32, (("hypothesis", "6.1"), ("torch", "2.13.0")), "ci", "xdist")


def test_the_fingerprint_changes_exactly_with_the_judging_files(tmp_path):
    """Equal trees give equal fingerprints; one changed byte, a renamed file or a new judging
    file changes it; caches, logs and files outside the judging folders do not."""
    tree = judging_tree(tmp_path / "a")
    before = seed_records.code_fingerprint(tree)
    assert seed_records.code_fingerprint(shutil.copytree(tree, tmp_path / "b")) == before

    (tree / "verify" / "__pycache__" / "core.cpython-311.pyc").write_bytes(b"\1")
    (tree / "properties" / "ewn" / "test_x.log").write_text("another log\n")
    (tree / "README.md").write_text("edited\n")
    assert seed_records.code_fingerprint(tree) == before

    (tree / "fixtures" / "ewn" / "case.json").write_text("# fixtures!\n")
    assert seed_records.code_fingerprint(tree) != before
    (tree / "fixtures" / "ewn" / "case.json").write_text("# fixtures\n")
    assert seed_records.code_fingerprint(tree) == before

    (tree / "verify" / "core.py").rename(tree / "verify" / "kernel.py")
    assert seed_records.code_fingerprint(tree) != before
    (tree / "verify" / "kernel.py").rename(tree / "verify" / "core.py")
    (tree / "properties" / "run.ini").write_text("")
    assert seed_records.code_fingerprint(tree) != before


def test_the_fingerprint_reads_this_checkouts_judging_code():
    """On the real checkout it is a SHA-256 that is stable between two readings."""
    first = seed_records.code_fingerprint(ROOT)
    assert len(first) == 64 and int(first, 16) >= 0
    assert seed_records.code_fingerprint(ROOT) == first


def test_a_record_round_trips_and_is_plain_json(tmp_path):
    record = seed_records.SeedRecord(a_run(7, 1, [(CRISP, "AssertionError: fail")]), IDENTITY, "Some CPU (AVX2)")
    path = seed_records.write(tmp_path / "sweep", record)
    assert path == tmp_path / "sweep" / "seed-00007.json"
    document = json.loads(path.read_text())
    assert document["schema"] == seed_records.SCHEMA and document["seed"] == 7 and document["platform"]
    assert document["cpu"] == "Some CPU (AVX2)"
    assert seed_records.load([path]) == seed_records.load([path.parent]) == [record]
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary file is left"


def test_records_name_their_cpus_and_older_records_without_one_still_pool(tmp_path):
    for seed, cpu in ((1, "A (AVX512)"), (2, "B (AVX2)"), (3, "A (AVX512)"), (4, None)):
        seed_records.write(tmp_path, seed_records.SeedRecord(a_run(seed), IDENTITY, cpu))
    older = json.loads((tmp_path / "seed-00004.json").read_text())
    del older["cpu"]
    (tmp_path / "seed-00004.json").write_text(json.dumps(older))
    records = seed_records.load([tmp_path])
    assert [r.cpu for r in records] == ["A (AVX512)", "B (AVX2)", "A (AVX512)", None]
    assert seed_records.machines(records) == "A (AVX512): 1, 3; B (AVX2): 2; CPU not recorded: 4"


def test_the_cpu_names_the_instruction_set_torch_chose():
    import torch

    named = report.cpu()
    assert named.endswith(f" ({torch.backends.cpu.get_cpu_capability()})") and len(named) > len(" (X)")


def test_records_of_different_runs_are_refused(tmp_path):
    """Pooling needs one code, library versions, profile and executor, and each seed once."""
    seed_records.write(tmp_path / "a", seed_records.SeedRecord(a_run(1), IDENTITY))
    seed_records.write(tmp_path / "a", seed_records.SeedRecord(a_run(2), IDENTITY))
    changed = {
        "code": replace(IDENTITY, code="cd" * 32),
        "versions": replace(IDENTITY, versions=(("hypothesis", "6.2"), ("torch", "2.13.0"))),
        "profile": replace(IDENTITY, profile="thorough"),
        "executor": replace(IDENTITY, executor="cluster"),
    }
    for name, other in changed.items():
        seed_records.write(tmp_path / name, seed_records.SeedRecord(a_run(3), other))
        with pytest.raises(ConfigError, match="cannot be pooled: 2 under code abababababab.*; 1 under"):
            seed_records.load([tmp_path / "a", tmp_path / name])
    seed_records.write(tmp_path / "again", seed_records.SeedRecord(a_run(2), IDENTITY))
    with pytest.raises(ConfigError, match="seed 2 is recorded twice"):
        seed_records.load([tmp_path / "a", tmp_path / "again"])
    assert [r.run.seed for r in seed_records.load([tmp_path / "a"])] == [1, 2]


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("{ half a record", "corrupt seed record"),
        ('{"schema": "other/1"}', "not a seed record of schema"),
        ('{"schema": "verify-seed-run/1", "seed": 1}', "corrupt seed record"),
        ("[1, 2]", "corrupt seed record"),
    ],
)
def test_a_bad_record_is_one_error(tmp_path, content, fragment):
    (tmp_path / "seed-00001.json").write_text(content)
    with pytest.raises(ConfigError, match=fragment):
        seed_records.load([tmp_path])


def test_a_path_without_records_is_refused(tmp_path):
    for path in (tmp_path, tmp_path / "missing.json"):
        with pytest.raises(ConfigError, match="no seed records at"):
            seed_records.load([path])


def test_seed_ranges():
    assert seed_records.seed_ranges([9, 1, 2, 3, 6, 8]) == "1-3, 6, 8-9"
    assert seed_records.seed_ranges([4]) == "4"


def fake_sweep(monkeypatch, alarm_at: int | None = None):
    """selftest._run replaced by a seeded run that takes no time: seed K has K % 3 inconclusive
    examples, and the seed alarm_at fails a test."""

    def fake_run(targets, fault, extra=(), seed=None):
        run = a_run(seed, seed % 3, [(CRISP, "AssertionError")] if seed == alarm_at else [])
        return selftest.PytestRun(int(bool(run.failures)), run.failures, set(), run.verdicts, run.tests)

    monkeypatch.setattr(selftest, "_run", fake_run)


def test_a_split_sweep_pools_to_the_same_report_as_one_sweep(tmp_path, monkeypatch, capsys):
    """Seeds 1-2 and 3-4 recorded in two parts pool to the false-alarm count and tables that
    one sweep of seeds 1-4 prints, and the pooled run exits 1 for its false alarm."""
    fake_sweep(monkeypatch, alarm_at=3)
    assert cli.main(["selftest", "--false-alarms", "4"]) == 1
    whole = capsys.readouterr().out
    assert cli.main(["selftest", "--false-alarms", "2", "--record", str(tmp_path / "one")]) == 0
    assert cli.main(["selftest", "--false-alarms", "2", "--first-seed", "3", "--record", str(tmp_path / "two")]) == 1
    assert "recorded in" in capsys.readouterr().out
    assert cli.main(["selftest", "--pool", str(tmp_path / "two"), str(tmp_path / "one")]) == 1
    pooled = capsys.readouterr().out
    assert pooled.splitlines()[0].startswith("pooling 4 recorded seeded runs (seeds 1-4) of code ")
    assert pooled.splitlines()[1] == f"machines: {report.cpu()}: 1-4"
    summary = whole[whole.index("false alarms:") :]
    assert summary.startswith("false alarms: 1 of 4") and "ewn:thm2                   20      0             4    17%" in summary
    assert pooled.endswith(summary)
    assert "seed 3    FALSE ALARM" in pooled


def test_a_seed_is_not_recorded_when_the_code_changed_under_it(tmp_path, monkeypatch, capsys):
    fake_sweep(monkeypatch)
    readings = iter(["a" * 64, "a" * 64, "b" * 64])
    monkeypatch.setattr(seed_records, "code_fingerprint", lambda root: next(readings))
    code = cli.main(["selftest", "--false-alarms", "3", "--record", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and err.strip() == "verify: error: the judging code changed during the sweep; seed 2 is not recorded"
    assert [p.name for p in tmp_path.iterdir()] == ["seed-00001.json"]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["selftest", "--pool", "x", "--false-alarms", "2"], "--pool reads recorded runs and takes no other option"),
        (["selftest", "--pool", "x", "--fast"], "--pool reads recorded runs and takes no other option"),
        (["selftest", "--record", "x"], "--record needs --false-alarms N"),
        (["selftest", "--pool", "/nonexistent/sweep"], "no seed records at /nonexistent/sweep"),
    ],
)
def test_bad_sweep_options_are_one_line(capsys, argv, fragment):
    code = cli.main(argv)
    _, err = capsys.readouterr()
    assert code == 2 and len(err.strip().splitlines()) == 1 and fragment in err


def test_a_seed_run_on_a_cluster_names_no_cpu(tmp_path, monkeypatch):
    """The seeds run on the cluster's workers, so the driver's CPU is not theirs."""
    monkeypatch.setattr(cluster, "require", lambda: None)
    monkeypatch.setattr(selftest, "false_alarms", lambda runs, on=None, first=1: iter([a_run(first)]))
    assert cli.main(["selftest", "--false-alarms", "1", "--cluster", "local", "--record", str(tmp_path)]) == 0
    (record,) = seed_records.load([tmp_path])
    assert record.cpu is None and record.identity.executor == "cluster"
