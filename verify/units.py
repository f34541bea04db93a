"""The pytest command behind `verify run`, and the work units that `--cluster` spreads out.

A property unit is one test (one pytest node id) of one pack. A worker runs it in its own
pytest process, with the same run.ini, plugin, profile, seed and device as a local `verify
run`, and sends back the per-test records that a report is built from (`--verify-records`). Under
the derandomised profiles, and under random draws with one seed, a report merged from units
equals a local run's apart from timings: verify's plugin empties Hypothesis's pool of
constants from local modules, through which the draws used to depend on what the process had
imported (verify.profiles.fix_constant_pool).

Units are finer than a result: a result's tests spread over the workers, where xdist's
`--dist loadgroup` keeps them on one.

The example database (profiles that keep examples: thorough): the controller's folder
(profiles.example_database_folder) is the one shared database. Each unit gets a snapshot of
it, its worker runs against a private copy, and the files the run added or removed come back
and are applied to the controller's folder. A counterexample found on any worker is thus
saved where every later run, local or on a cluster, replays it first.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from verify import files, packs, report
from verify.errors import ConfigError

RUN_INI = Path(__file__).resolve().parent / "run.ini"


def environment(profile: str, device: str, seed: int | None) -> dict[str, str]:
    """The environment of a property run's pytest: the profile, the device and, for a seeded
    run, the seed (the ci profile then draws from it instead of derandomising)."""
    env = dict(os.environ, VERIFY_PROFILE=profile, VERIFY_DEVICE=device)
    env.pop("VERIFY_SEEDED", None)
    env.pop("VERIFY_SEED", None)
    if seed is not None:
        env.update(VERIFY_SEEDED="1", VERIFY_SEED=str(seed))
    return env


def pytest_command(
    targets: list[str],
    root: Path,
    profile: str,
    pack_names: list[str],
    keys: list[str] | None,
    keyword: str | None,
    seed: int | None = None,
) -> list[str]:
    """The pytest command line of a property run over targets (folders or node ids), rooted at
    root, without workers."""
    command = [sys.executable, "-m", "pytest", *targets, "-q"]
    command += ["-c", str(RUN_INI), "--rootdir", str(root), "--confcutdir", str(root), "-p", "no:cacheprovider"]
    command += ["--verify-profile", profile, "--verify-packs", ",".join(pack_names)]
    if keys:
        command += ["--verify-results", ",".join(keys)]
    if keyword:
        command += ["-k", keyword]
    if seed is not None:
        command += ["--hypothesis-seed", str(seed)]
    return command


def collect(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> list[str]:
    """The node ids that the pytest command would run (its --collect-only listing)."""
    done = subprocess.run([*command, "--collect-only"], env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode == 5:
        raise ConfigError("no property tests were selected")
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
        raise ConfigError(f"collecting the property tests failed (pytest exit {done.returncode}): {tail[0]}")
    return [line.strip() for line in done.stdout.splitlines() if "::" in line and not line.startswith(" ")]


@dataclass(frozen=True)
class PropertyUnit:
    """One test: its node id in the controller's run, and its pack and path inside that pack."""

    nodeid: str
    pack: str
    path: str
    profile: str
    device: str
    seed: int | None = None


@dataclass(frozen=True)
class UnitOutcome:
    """A unit's per-test records, and the example-database files its run added or removed."""

    records: list[dict]
    added: dict[str, bytes] = field(default_factory=dict)
    removed: frozenset[str] = frozenset()


class UnitError(RuntimeError):
    """A unit's pytest stopped without a verdict (a crash, a collection error, a missing pack)."""


def property_units(
    nodeids: list[str], root: Path, selected: dict[str, packs.Pack], profile: str, device: str, seed: int | None = None
) -> list[PropertyUnit]:
    """The units of a run's node ids, each placed in the pack whose properties folder holds it."""
    prefixes = {name: Path(pack.properties).resolve().relative_to(root.resolve()).as_posix() for name, pack in selected.items()}
    units = []
    for nodeid in nodeids:
        owner = [name for name, prefix in prefixes.items() if prefix in ("", ".") or nodeid.startswith(prefix + "/")]
        if len(owner) != 1:
            raise ConfigError(f"test {nodeid} belongs to no single selected pack")
        prefix = prefixes[owner[0]]
        path = nodeid if prefix in ("", ".") else nodeid[len(prefix) + 1 :]
        units.append(PropertyUnit(nodeid, owner[0], path, profile, device, seed))
    return units


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder, by its path relative to folder (empty if there is no folder)."""
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def apply(folder: Path, outcome: UnitOutcome) -> None:
    """Apply a unit's example-database changes to the controller's folder (atomic per file)."""
    for name, data in outcome.added.items():
        path = folder / name
        files.make_folder(path.parent, "example database")
        files.write_bytes(path, data)
    for name in outcome.removed:
        (folder / name).unlink(missing_ok=True)


def run_property_unit(unit: PropertyUnit, examples: dict[str, bytes] | None) -> UnitOutcome:
    """Run one test on this machine, as `verify run` would, against a copy of the example
    snapshot (None: the profile keeps no examples). Raises UnitError when pytest stops without
    a verdict, so that the cluster retries the unit elsewhere.

    Each unit is its own pytest process, at about 5 s of imports (torch, sympy, the pack) on
    the 2-core machine. Running units through pytest.main inside the worker avoided that, but
    under random draws the examples then depended on which units had shared the worker (with
    the thorough profile and seed 1, one ewn property drew 5 inconclusive examples instead of
    3), through the constant pool that the plugin now empties. One process per test is kept:
    it also isolates a unit from another's crash or leaked state."""
    installed = packs.installed()
    if unit.pack not in installed:
        raise UnitError(f"pack {unit.pack!r} is not installed on worker {socket.gethostname()}")
    root = Path(installed[unit.pack].properties).resolve()
    module, _, test = unit.path.partition("::")
    with tempfile.TemporaryDirectory(prefix="verify-unit-") as scratch:
        records_file = Path(scratch) / "records.json"
        target = f"{root / module}::{test}" if test else str(root / module)
        command = pytest_command([target], root, unit.profile, [unit.pack], None, None, unit.seed)
        command += ["--verify-records", str(records_file)]
        env = environment(unit.profile, unit.device, unit.seed)
        database = Path(scratch) / "examples"
        if examples is not None:
            for name, data in examples.items():
                (database / name).parent.mkdir(parents=True, exist_ok=True)
                (database / name).write_bytes(data)
            env["VERIFY_EXAMPLE_DB"] = str(database)
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=scratch)
        if done.returncode not in (0, 1) or not records_file.is_file():
            tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
            raise UnitError(f"{unit.nodeid}: pytest exit {done.returncode} on {socket.gethostname()}: {tail[0]}")
        records = report.load_records(records_file)
        for record in records:
            record["nodeid"] = unit.nodeid
        if examples is None:
            return UnitOutcome(records)
        after = snapshot(database)
        added = {name: data for name, data in after.items() if examples.get(name) != data}
        return UnitOutcome(records, added, frozenset(set(examples) - set(after)))
