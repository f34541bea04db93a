"""The project installs like a package: a wheel in a fresh venv runs the EWN pack from another folder.

The venv gets the wheel with `pip install --no-deps`; its dependencies (torch and the rest,
which a fresh install would download) are borrowed from this interpreter through a .pth
line. A .pth line adds a folder to sys.path without running the .pth files inside it, so this
checkout's editable install stays invisible and everything `verify` imports comes from the
wheel. `.ci/run` does the same with the whole `ci` run of every pack.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(command: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """A fresh venv with the wheel built from this checkout: (its bin folder, the wheel)."""
    tmp = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools keeps a build/ folder whose stale files would enter the wheel.
    source = tmp / "source"
    ignore = shutil.ignore_patterns(".venv", "build", "dist", "reports", "*.egg-info", "__pycache__", ".hypothesis", ".git")
    shutil.copytree(ROOT, source, ignore=ignore)
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp / "dist"), str(source)],
        tmp,
    )
    (wheel,) = (tmp / "dist").glob("verify-*.whl")
    _run([sys.executable, "-m", "venv", str(tmp / "venv")], tmp)
    bin_dir = tmp / "venv" / "bin"
    _run([str(bin_dir / "python"), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], tmp)
    purelib = _run([str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp)
    Path(purelib.stdout.strip(), "borrowed_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return bin_dir, wheel


@pytest.fixture(scope="module")
def installed(built) -> Path:
    return built[0]


def test_the_wheel_holds_the_core_and_the_packs_with_their_data(built):
    names = set(zipfile.ZipFile(built[1]).namelist())
    for name in (
        "verify/py.typed",
        "verify/run.ini",
        "verify/packs.py",
        "verify_ewn/__init__.py",
        "verify_ewn/test_thm1_flow_equivalence.py",
        "verify_ewn/experiments/xor.py",
        "verify_ewn/fixtures/statements.toml",
        "verify_ewn/fixtures/experiments/xor.json",
        "verify_lyu_li/test_ll_thm41_smoothed_margin.py",
        "verify_lyu_li/fixtures/statements.toml",
        "verify_lyu_li/fixtures/experiments/margin-growth.json",
    ):
        assert name in names, name
    assert not any(n.startswith(("tests/", "properties/", "fixtures/")) for n in names)
    modules = {n for n in names if n.endswith(".py")}
    sources = {f"verify/{p.name}" for p in (ROOT / "verify").glob("*.py")}
    assert {n for n in modules if n.startswith("verify/")} == sources, "the wheel's core is the checkout's"
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    declared = zipfile.ZipFile(built[1]).read(entry_points).decode()
    assert "ewn = verify_ewn:PACK" in declared and "lyu-li = verify_lyu_li:PACK" in declared


def test_the_installed_wheel_runs_the_ewn_pack_elsewhere(installed, tmp_path):
    python = installed / "python"
    where = _run([str(python), "-c", "import verify, verify_ewn; print(verify.__file__); print(verify_ewn.__file__)"], tmp_path)
    assert all(str(installed.parent) in line for line in where.stdout.split()), where.stdout
    listing = _run([str(installed / "verify"), "list", "--pack", "ewn"], tmp_path)
    assert "test_thm1_flow_equivalence.py" in listing.stdout and "experiments: lin-sep" in listing.stdout
    report = tmp_path / "report"
    _run(
        [
            str(installed / "verify"),
            "run",
            "--pack",
            "ewn",
            "--profile",
            "dev",
            "--theorem",
            "lemma6",
            "stolz",
            "--workers",
            "0",
            "--report-dir",
            str(report),
        ],
        tmp_path,
    )
    document = json.loads((report / "report.json").read_text())
    assert [(r["key"], r["status"]) for r in document["results"]] == [("ewn:lemma6", "pass"), ("ewn:stolz", "pass")]
    assert document["environment"]["profile"] == "dev"
    assert (report / "ewn" / "lemma6.html").is_file()


def test_the_installed_wheel_reads_its_fixtures(installed, tmp_path):
    code = (
        "from verify import experiment_config as c, packs\n"
        "e = packs.installed()['ewn'].experiment('xor')\n"
        "import verify_ewn.experiments.xor as x\n"
        "print(e.config); print(c.load('xor', 'quick', x.Settings, e.config))\n"
    )
    done = _run([str(installed / "python"), "-c", code], tmp_path)
    assert str(installed.parent) in done.stdout.splitlines()[0]
