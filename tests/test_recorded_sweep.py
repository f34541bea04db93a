"""benchmarks/recorded_sweep.sh, the sweep that survives interruption: it refuses bad input and a
tree at another revision, runs one `--record` call per seed, and skips seeds already recorded.

The script's first run builds a worktree and a venv, which costs minutes; these tests hand it a
tree that already exists, whose `.venv/bin/activate` puts a stand-in `verify` on the PATH. The
stand-in logs its arguments and writes the record the real one would, so what is checked is the
script's own logic: which seeds it runs, with which arguments, and what it says of each."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "recorded_sweep.sh"

# Records seed N as the real `verify selftest --record DIR` would name it; seed 7 fails.
STAND_IN = """#!/bin/sh
echo "$*" >> "$CALLS"
seed=$5
[ "$seed" = 7 ] && exit 3
printf '{}' > "$7/seed-$(printf %05d "$seed").json"
"""

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="the script needs git")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str, str]:
    """A repository with two commits, and a worktree of the first holding a stand-in venv."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    revs = []
    for n in (1, 2):
        (root / "f").write_text(str(n))
        git(root, "add", "f")
        git(root, "commit", "-q", "-m", str(n))
        revs.append(git(root, "rev-parse", "HEAD"))
    tree = tmp_path / "tree"
    git(root, "worktree", "add", "-q", "--detach", str(tree), revs[0])
    bin_dir = tree / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "verify").write_text(STAND_IN)
    (bin_dir / "verify").chmod(0o755)
    (bin_dir / "activate").write_text(f'PATH="{bin_dir}:$PATH"\n')
    return tree, revs[0], revs[1]


def sweep(repo_root: Path, tree: Path, *args: str, calls: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SWEEP_TREE": str(tree), "CALLS": str(calls)}
    return subprocess.run(["sh", str(SCRIPT), *args], cwd=repo_root, env=env, capture_output=True, text=True)


def test_too_few_arguments_get_the_usage_line(tmp_path: Path):
    done = subprocess.run(["sh", str(SCRIPT), "HEAD", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["usage: sh benchmarks/recorded_sweep.sh REV DIR SEED..."]


def test_a_tree_at_another_revision_is_refused(repo, tmp_path: Path):
    tree, _, second = repo
    calls = tmp_path / "calls"
    done = sweep(tmp_path / "repo", tree, second, str(tmp_path / "records"), "1", calls=calls)
    assert done.returncode == 2
    assert done.stderr.strip() == f"{tree} is not at {second}; remove it or set SWEEP_TREE"
    assert not calls.exists()


def test_each_seed_is_recorded_once_and_a_failed_seed_does_not_stop_the_rest(repo, tmp_path: Path):
    tree, first, _ = repo
    records = tmp_path / "records"
    records.mkdir()
    (records / "seed-00006.json").write_text("{}")
    calls = tmp_path / "calls"
    done = sweep(tmp_path / "repo", tree, first, str(records), "5", "6", "7", "8", calls=calls)
    assert done.returncode == 0, done.stderr
    assert calls.read_text().splitlines() == [
        f"selftest --false-alarms 1 --first-seed {seed} --record {records}" for seed in (5, 7, 8)
    ]
    said = [line.split(" 20")[0] for line in done.stdout.splitlines()]
    assert said == [
        "seed 5: start",
        "seed 5: clean",
        "seed 7: start",
        f"seed 7: exit 3 (see {records}/logs/seed-7.log)",
        "seed 8: start",
        "seed 8: clean",
    ]
    assert sorted(p.name for p in records.glob("seed-*.json")) == ["seed-00005.json", "seed-00006.json", "seed-00008.json"]
    # Going on is the same command: only the failed seed runs again.
    calls.unlink()
    again = sweep(tmp_path / "repo", tree, first, str(records), "5", "6", "7", "8", calls=calls)
    assert again.returncode == 0
    assert calls.read_text().splitlines() == [f"selftest --false-alarms 1 --first-seed 7 --record {records}"]
