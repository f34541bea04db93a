"""Packs: one paper's results, found through the `verify.packs` entry-point group.

A pack is a distribution (this repository ships two) whose entry point in the group
`verify.packs` names a `Pack`, or a function of no arguments that returns one:

    [project.entry-points."verify.packs"]
    ewn = "verify_ewn:PACK"

The pack gives its name (the entry point's name), a title and citation, its statement file
(TOML: one `[[result]]` table per result with id, title, statement, assumptions and loss),
the folder of its property modules, and its experiments. The core knows no paper: every
result id, statement and experiment reaches it through a pack. Result ids are unique within
a pack and addressed as `pack:id` across packs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from verify.errors import ConfigError, require

GROUP = "verify.packs"
_RESULT_KEYS = ("id", "title", "statement", "assumptions", "loss")


@dataclass(frozen=True)
class Result:
    """One result of a paper: what it states, and (once discovered) which modules check it."""

    id: str
    title: str
    statement: str
    assumptions: str
    loss: str
    modules: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Experiment:
    """One of a paper's experiments: `verify experiment NAME` imports `module` (which defines
    Settings, FIGURES and run) and reads its settings from `config` (verify.experiment_config)."""

    name: str
    module: str
    config: Path


@dataclass(frozen=True)
class Pack:
    """A paper's results, property modules and experiments."""

    name: str
    title: str
    statements: Path
    properties: Path
    experiments: tuple[Experiment, ...] = ()

    @property
    def results(self) -> tuple[Result, ...]:
        """The results of the statement file, in its order (ConfigError if it is malformed)."""
        return read_statements(self.statements)

    def experiment(self, name: str) -> Experiment:
        for experiment in self.experiments:
            if experiment.name == name:
                return experiment
        raise ConfigError(f"pack {self.name!r} has no experiment {name!r}; choose one of {[e.name for e in self.experiments]}")


def read_statements(path: Path) -> tuple[Result, ...]:
    """The `[[result]]` tables of a statement file; ConfigError names the file and the fault."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"statement file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read statement file {path}: {error}") from None
    tables = document.get("result")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{path}: no [[result]] tables")
    results = []
    for table in tables:
        require(
            isinstance(table, dict) and all(isinstance(table.get(k), str) for k in _RESULT_KEYS),
            f"{path}: every [[result]] needs string fields {list(_RESULT_KEYS)}",
        )
        unknown = sorted(set(table) - set(_RESULT_KEYS))
        require(not unknown, f"{path}: unknown result field(s) {unknown}")
        results.append(Result(**{k: table[k] for k in _RESULT_KEYS}))
    ids = [r.id for r in results]
    duplicated = sorted({rid for rid in ids if ids.count(rid) > 1})
    require(not duplicated, f"{path}: result id(s) {duplicated} appear twice")
    for rid in ids:
        require(bool(rid) and ":" not in rid and rid.strip() == rid, f"{path}: bad result id {rid!r}")
    return tuple(results)


def _load(entry: metadata.EntryPoint) -> Pack:
    try:
        target: Pack | Callable[[], Pack] = entry.load()
    except Exception as error:  # a broken third-party pack must not take the harness down
        raise ConfigError(f"pack {entry.name!r} ({entry.value}) failed to import: {error}") from None
    pack = target() if callable(target) else target
    require(isinstance(pack, Pack), f"entry point {entry.name!r} ({entry.value}) is not a verify Pack")
    require(pack.name == entry.name, f"entry point {entry.name!r} declares a pack named {pack.name!r}")
    require(Path(pack.properties).is_dir(), f"pack {pack.name!r}: no property folder at {pack.properties}")
    return pack


def installed() -> dict[str, Pack]:
    """Every installed pack by name, sorted; ConfigError if two distributions claim one name."""
    packs: dict[str, Pack] = {}
    for entry in metadata.entry_points(group=GROUP):
        require(entry.name not in packs, f"two installed distributions declare the pack {entry.name!r}")
        packs[entry.name] = _load(entry)
    return dict(sorted(packs.items()))


def select(names: list[str] | None, packs: dict[str, Pack] | None = None) -> dict[str, Pack]:
    """The named packs (all when names is None); ConfigError names an unknown one."""
    packs = installed() if packs is None else packs
    require(bool(packs), f"no verify packs are installed (entry-point group {GROUP!r})")
    if names is None:
        return packs
    for name in names:
        require(name in packs, f"unknown pack {name!r}; installed: {', '.join(packs)}")
    return {name: packs[name] for name in names}
