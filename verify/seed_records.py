"""Records of a false-alarm sweep's seeded runs, so that a sweep split across sessions or
machines is pooled as one run of one code, or refused.

`verify selftest --false-alarms N --first-seed K --record DIR` writes one file per seed as each
ends; `verify selftest --pool DIR ...` reads them back. A record carries what decides its
verdicts: a fingerprint of the judging code (every source and data file under verify/,
properties/ and fixtures/), the library versions, the Hypothesis profile, and whether the seed
ran in one pytest process with xdist or as one process per test on a cluster (the two draw
differently; see verify.selftest). Records that differ in any of these are not pooled, since then a seed no
longer names one draw of one suite.

Written here rather than with a cache library: a record is a small JSON file, and what must be
guaranteed (atomic writes, a refusal to mix code) is specific to the sweep.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from verify import files, report
from verify.errors import ConfigError
from verify.selftest import SeedRun, profile

SCHEMA = "verify-seed-run/1"
JUDGING_FOLDERS = ("verify", "properties", "fixtures")
# Sources and data; caches, bytecode and stray outputs (reports, logs) are left out.
JUDGING_SUFFIXES = frozenset({".py", ".ini", ".toml", ".json"})


def code_fingerprint(root: Path) -> str:
    """A SHA-256 over the relative path and bytes of every judging file under root's verify/,
    properties/ and fixtures/ (sorted by path): equal exactly when those files are equal."""
    digest = hashlib.sha256()
    for folder in JUDGING_FOLDERS:
        paths = sorted(p for p in (root / folder).rglob("*") if _judges(p.relative_to(root)) and p.is_file())
        for path in paths:
            name = path.relative_to(root).as_posix().encode()
            data = path.read_bytes()
            digest.update(len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _judges(relative: Path) -> bool:
    hidden = any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
    return not hidden and relative.suffix in JUDGING_SUFFIXES


@dataclass(frozen=True)
class Identity:
    """What must be equal for two seeded runs to be pooled: the judging code's fingerprint, the
    library versions, the profile, and the executor ("xdist": one pytest process; "cluster": a
    process per test)."""

    code: str
    versions: tuple[tuple[str, str | None], ...]
    profile: str
    executor: str

    def describe(self) -> str:
        """One line: the fingerprint's first 12 digits, torch's and Hypothesis's versions, the
        profile and the executor."""
        v = dict(self.versions)
        libraries = f"torch {v.get('torch')}, hypothesis {v.get('hypothesis')}"
        return f"code {self.code[:12]} ({libraries}, profile {self.profile}, {self.executor})"


def identity(root: Path, executor: str) -> Identity:
    """The identity of seeded runs made now from the checkout at root."""
    versions = tuple(sorted(report.environment()["versions"].items()))
    return Identity(code_fingerprint(root), versions, profile(), executor)


@dataclass(frozen=True)
class SeedRecord:
    """One seeded run as recorded, with the identity of the code and libraries that ran it, and
    the CPU it ran on (report.cpu; None where it is not known: a seed run on a cluster's workers,
    or a record made before the CPU was kept). The CPU is not part of the identity: a sweep
    pooled over several machines is the stronger evidence."""

    run: SeedRun
    identity: Identity
    cpu: str | None = None


def record_path(folder: Path, seed: int) -> Path:
    """Where seed's record lives in folder: seed-NNNNN.json, so that a listing sorts by seed."""
    return folder / f"seed-{seed:05d}.json"


def write(folder: Path, record: SeedRecord) -> Path:
    """Write the record atomically to folder/seed-NNNNN.json (replacing an earlier run of the
    seed) and return its path."""
    document = {
        "schema": SCHEMA,
        **asdict(record.run),
        "identity": asdict(record.identity),
        "platform": platform.platform(),
        "cpu": record.cpu,
    }
    path = record_path(files.make_folder(folder, "seed record"), record.run.seed)
    files.write_bytes(path, (json.dumps(document, indent=1, sort_keys=True) + "\n").encode())
    return path


def load(paths: list[Path]) -> list[SeedRecord]:
    """The records in the given files and folders (a folder: its seed-*.json), in seed order.

    ConfigError, in one line, if a path holds none, a record is unreadable or of another schema,
    a seed is recorded twice, or the records differ in identity (naming each identity and how
    many seeds ran under it)."""
    found: list[tuple[Path, SeedRecord]] = []
    for path in paths:
        chosen = sorted(path.glob("seed-*.json")) if path.is_dir() else [path]
        if not chosen or not all(p.is_file() for p in chosen):
            raise ConfigError(f"no seed records at {path}")
        found += [(p, _read(p)) for p in chosen]
    seen: dict[int, Path] = {}
    for path, record in found:
        seed = record.run.seed
        if seed in seen:
            raise ConfigError(f"seed {seed} is recorded twice: {seen[seed]} and {path}")
        seen[seed] = path
    counts = Counter(record.identity for _, record in found)
    if len(counts) > 1:
        kinds = "; ".join(f"{n} under {k.describe()}" for k, n in counts.items())
        raise ConfigError(f"the records are of different runs and cannot be pooled: {kinds}")
    return sorted((record for _, record in found), key=lambda r: r.run.seed)


def _read(path: Path) -> SeedRecord:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("schema") != SCHEMA:
            raise ConfigError(f"{path} is not a seed record of schema {SCHEMA}")
        ident = document["identity"]
        run = SeedRun(
            seed=int(document["seed"]),
            failures=[(str(test), str(line)) for test, line in document["failures"]],
            verdicts=_counts(document["verdicts"]),
            tests=_counts(document["tests"]),
            seconds=float(document["seconds"]),
        )
        versions = tuple((str(name), None if v is None else str(v)) for name, v in ident["versions"])
        identity = Identity(str(ident["code"]), versions, str(ident["profile"]), str(ident["executor"]))
        cpu = document.get("cpu")
        return SeedRecord(run, identity, None if cpu is None else str(cpu))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"corrupt seed record {path}: {error!r}") from None


def _counts(table: dict) -> dict[str, dict[str, int]]:
    return {str(key): {str(status): int(n) for status, n in counts.items()} for key, counts in table.items()}


def machines(records: list[SeedRecord]) -> str:
    """The CPUs the records ran on, each with its seeds: "AMD EPYC (AVX512): 1-9, 12; CPU not
    recorded: 10-11"."""
    seeds: dict[str, list[int]] = {}
    for record in records:
        seeds.setdefault(record.cpu or "CPU not recorded", []).append(record.run.seed)
    return "; ".join(f"{cpu}: {seed_ranges(found)}" for cpu, found in seeds.items())


def seed_ranges(seeds: list[int]) -> str:
    """Sorted seeds as ranges: [1, 2, 3, 6, 8, 9] -> "1-3, 6, 8-9"."""
    runs: list[list[int]] = []
    for seed in sorted(seeds):
        if runs and seed == runs[-1][1] + 1:
            runs[-1][1] = seed
        else:
            runs.append([seed, seed])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
