"""Which property tests check which result: discovered from a pack's property modules.

The paper's side (ids, titles, statements) comes from each pack's statement file
(verify.packs). The test side is discovered, not listed: a module test_<slug>_*.py of a pack
belongs to the result whose slug (its id with every non-alphanumeric character made '_')
prefixes the name, the longest such; a test decorated with verify.tally.property_of("<id>"),
or whose name holds a result's slug between underscores, belongs to that result. So a new
property module appears in `verify list` and in the reports without an edit here; an id found
in the properties but missing from the statement file is still reported, with its id as its
title.

Results are keyed `pack:id` (`key`), so two packs may use the same id.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from pathlib import Path

from verify.errors import ConfigError
from verify.packs import Pack, Result


def key(pack: str, rid: str) -> str:
    """The qualified name of a result: `pack:id`."""
    return f"{pack}:{rid}"


def slug(rid: str) -> str:
    """A result id as it appears in module and test names: 'ab-c1' -> 'ab_c1'."""
    return re.sub(r"[^0-9a-zA-Z]", "_", rid)


@dataclass(frozen=True)
class PropertyModule:
    """One test_*.py of a pack: its pack, its primary result and the result of each named test."""

    pack: str
    path: Path
    primary: str | None
    tests: dict[str, str]

    def result_of(self, function: str) -> str | None:
        return self.tests.get(function, self.primary)

    @property
    def results(self) -> tuple[str, ...]:
        ids = ([self.primary] if self.primary else []) + sorted(set(self.tests.values()))
        return tuple(dict.fromkeys(ids))


def _named(name: str, ids: list[str]) -> str | None:
    """The catalogued id whose slug sits in `name` between underscores (the longest one)."""
    padded = f"_{name}_"
    found = [rid for rid in ids if f"_{slug(rid)}_" in padded]
    return max(found, key=len) if found else None


def _primary(module_name: str, ids: list[str]) -> str | None:
    stem = module_name.removeprefix("test_")
    found = [rid for rid in ids if stem.startswith(slug(rid) + "_") or stem == slug(rid)]
    if found:
        return max(found, key=len)
    match = re.match(r"^([a-z]+[0-9]*)_", stem)
    return match.group(1) if match else None


def _decorated_results(source: str, ids: list[str]) -> dict[str, str]:
    """Test function name -> id: for functions decorated with property_of("<id>"), and for other
    test functions whose name holds a catalogued id's slug as a word (test_control_thm5_...)."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef):
            continue
        named = _named(node.name, ids)
        if node.name.startswith("test_") and named:
            found[node.name] = named
        for decorator in node.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and getattr(decorator.func, "id", getattr(decorator.func, "attr", None)) == "property_of"
                and decorator.args
                and isinstance(decorator.args[0], ast.Constant)
            ):
                found[node.name] = str(decorator.args[0].value)
    return found


def discover(pack: Pack) -> dict[Path, PropertyModule]:
    """Every property module of the pack, by its resolved path."""
    ids = [r.id for r in pack.results]
    modules = {}
    for path in sorted(Path(pack.properties).glob("test_*.py")):
        modules[path.resolve()] = PropertyModule(
            pack.name, path, _primary(path.stem, ids), _decorated_results(path.read_text(encoding="utf-8"), ids)
        )
    return modules


def catalogue(pack: Pack) -> dict[str, Result]:
    """The pack's results with their property modules filled in, plus any discovered id that
    its statement file lacks."""
    by_id: dict[str, list[str]] = {}
    for module in discover(pack).values():
        for result in module.results:
            by_id.setdefault(result, []).append(module.path.name)
    merged = {r.id: replace(r, modules=tuple(by_id.get(r.id, ()))) for r in pack.results}
    for rid in sorted(set(by_id) - set(merged)):
        merged[rid] = Result(rid, rid, "", "", "unknown", tuple(by_id[rid]))
    return merged


class Index:
    """Test node -> result key, over the property modules of the given packs."""

    def __init__(self, packs: dict[str, Pack]):
        self.modules: dict[Path, PropertyModule] = {}
        for pack in packs.values():
            self.modules.update(discover(pack))

    def result_of(self, nodeid: str, root: Path) -> str | None:
        """The `pack:id` a test belongs to, from its node id (relative to root); None outside the packs."""
        path, _, rest = nodeid.partition("::")
        module = self.modules.get((Path(root) / path).resolve())
        if module is None:
            return None
        rid = module.result_of(re.split(r"[\[:@]", rest, maxsplit=1)[0])
        return key(module.pack, rid) if rid is not None else None


def resolve_ids(ids: list[str], catalogues: dict[str, dict[str, Result]]) -> list[str]:
    """Each id (`id` or `pack:id`) as its `pack:id`; ConfigError names an unknown or ambiguous one."""
    keys = []
    for rid in ids:
        pack, sep, bare = rid.rpartition(":")
        if sep:
            if pack not in catalogues or bare not in catalogues[pack]:
                raise ConfigError(f"unknown theorem id {rid!r}; choose from {', '.join(_all(catalogues))}")
            keys.append(rid)
            continue
        owners = [name for name, results in catalogues.items() if rid in results]
        if not owners:
            raise ConfigError(f"unknown theorem id {rid!r}; choose from {', '.join(_all(catalogues))}")
        if len(owners) > 1:
            raise ConfigError(f"theorem id {rid!r} is in packs {owners}; write it as PACK:{rid}")
        keys.append(key(owners[0], rid))
    return keys


def _all(catalogues: dict[str, dict[str, Result]]) -> list[str]:
    return [key(pack, rid) for pack, results in catalogues.items() for rid in results]
