"""Experiment configurations: data files, one per experiment, that a pack names (fixtures/<pack>/).

A file holds the experiment's name, where the paper states its setting, the shared `settings`
and per-budget overrides:

    {"experiment": "conv-rate", "paper": "...", "notes": {...}, "settings": {...},
     "budgets": {"quick": {...}, "full": {...}}}

`notes` maps a setting to the measurement behind it (JSON has no comments).

`load` merges `settings` with the chosen budget and builds the experiment's settings
dataclass. Every key must be a field of that dataclass and every field must be given, with a
value of the field's type (an int is accepted where a float is asked for); anything else is a
ConfigError naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from pathlib import Path
from typing import TypeVar

from verify.errors import ConfigError, require

T = TypeVar("T")
BUDGETS = ("quick", "full")
_TOP_KEYS = {"experiment", "paper", "notes", "settings", "budgets"}


def _read(path: Path) -> dict:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"experiment configuration {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read experiment configuration {path}: {error}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path} is not valid JSON: {error.msg} at line {error.lineno}") from None
    require(isinstance(document, dict), f"{path}: the configuration must be a JSON object")
    return document


def _coerce(value, kind, where: str):
    """value checked against the annotation kind (int, float, str, bool, list[...])."""
    origin = typing.get_origin(kind)
    if origin is list:
        require(isinstance(value, list) and bool(value), f"{where} must be a non-empty list")
        (item,) = typing.get_args(kind)
        return [_coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    if kind is bool:
        require(isinstance(value, bool), f"{where} must be true or false, got {value!r}")
        return value
    if kind is int:
        require(isinstance(value, int) and not isinstance(value, bool), f"{where} must be an integer, got {value!r}")
        return value
    if kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        require(ok, f"{where} must be a finite number, got {value!r}")
        return float(value)
    if kind is str:
        require(isinstance(value, str), f"{where} must be a string, got {value!r}")
        return value
    raise TypeError(f"unsupported settings field type {kind!r}")


def load(name: str, budget: str, settings_class: type[T], path: str | Path) -> T:
    """The settings of experiment `name` at `budget`, from the configuration file `path`."""
    require(budget in BUDGETS, f"unknown budget {budget!r}; choose one of {list(BUDGETS)}")
    path = Path(path)
    document = _read(path)
    unknown = set(document) - _TOP_KEYS
    require(not unknown, f"{path}: unknown top-level keys {sorted(unknown)}; expected {sorted(_TOP_KEYS)}")
    require(
        document.get("experiment") == name,
        f"{path} configures experiment {document.get('experiment')!r}, not {name!r}",
    )
    base = document.get("settings", {})
    budgets = document.get("budgets", {})
    require(isinstance(base, dict) and isinstance(budgets, dict), f"{path}: 'settings' and 'budgets' must be objects")
    require(budget in budgets, f"{path} has no {budget!r} budget (it has {sorted(budgets)})")
    require(isinstance(budgets[budget], dict), f"{path}: budget {budget!r} must be an object")
    merged = {**base, **budgets[budget]}
    hints = typing.get_type_hints(settings_class)
    require(dataclasses.is_dataclass(settings_class), f"{name}: Settings must be a dataclass")
    fields = [f.name for f in dataclasses.fields(settings_class)]  # type: ignore[arg-type]
    unknown_keys = sorted(set(merged) - set(fields))
    require(not unknown_keys, f"{path}: unknown setting(s) {unknown_keys} for {name}; known: {fields}")
    missing = [f for f in fields if f not in merged]
    require(not missing, f"{path}: budget {budget!r} lacks setting(s) {missing}")
    values = {key: _coerce(merged[key], hints[key], f"{path}: setting {key!r}") for key in fields}
    return settings_class(**values)


def paper_reference(path: str | Path) -> str:
    """The file's 'paper' entry: where the paper states this setting."""
    document = _read(Path(path))
    return str(document.get("paper", ""))
