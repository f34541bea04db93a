"""A pack's experiments as commands: `verify experiment [PACK:]NAME`.

A pack names each experiment's module and configuration file (verify.packs.Experiment). The
module defines `Settings` (a dataclass read from the configuration by
verify.experiment_config), `FIGURES` (the PNG files it writes, named after the paper's
figures) and `run(settings, seed, device, out, **options) -> Outcome`. `run_experiment` loads
the configuration, runs it, and writes summary.json atomically beside the figures: the
measured quantities and each of the paper's claims restated as a check with its verdict.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from verify import experiment_config as config
from verify import files
from verify.errors import ConfigError, require
from verify.packs import Experiment, Pack
from verify.report import environment
from verify.verdicts import Status, Verdict

SUMMARY_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Claim:
    """One of the paper's claims restated as a check: an id, the statement, and its verdict."""

    id: str
    statement: str
    verdict: Verdict

    def as_dict(self) -> dict:
        return {"id": self.id, "statement": self.statement, **self.verdict.as_dict()}


@dataclass
class Outcome:
    """What an experiment's run returns: measured quantities, claims and the figures written."""

    measured: dict
    claims: list[Claim]
    figures: list[str] = field(default_factory=list)


def plain(value):
    """value with numpy scalars and arrays made Python, and non-finite floats made None, so
    that summary.json is strict JSON."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def find(name: str, packs: dict[str, Pack]) -> tuple[Pack, Experiment]:
    """The experiment `name` or `pack:name` among the packs; ConfigError if unknown or ambiguous."""
    pack_name, sep, bare = name.rpartition(":")
    if sep:
        require(pack_name in packs, f"unknown pack {pack_name!r}; installed: {', '.join(packs)}")
        return packs[pack_name], packs[pack_name].experiment(bare)
    owners = [pack for pack in packs.values() if any(e.name == name for e in pack.experiments)]
    if not owners:
        known = [f"{p.name}:{e.name}" for p in packs.values() for e in p.experiments]
        raise ConfigError(f"unknown experiment {name!r}; choose one of {known}")
    require(len(owners) == 1, f"experiment {name!r} is in packs {[p.name for p in owners]}; write it as PACK:{name}")
    return owners[0], owners[0].experiment(name)


def module(experiment: Experiment):
    """The experiment's module."""
    return importlib.import_module(experiment.module)


def overall(claims: list[Claim]) -> str:
    """fail if any claim failed, else inconclusive if any was, else pass."""
    statuses = {c.verdict.status for c in claims}
    for status in (Status.FAIL, Status.INCONCLUSIVE):
        if status in statuses:
            return status.value
    return Status.PASS.value


def run_experiment(
    experiment: Experiment,
    out: str | Path,
    *,
    pack: str = "",
    budget: str = "quick",
    seed: int = 0,
    device: str = "cpu",
    config_path: str | Path | None = None,
    **options,
) -> dict:
    """Run one experiment and write its figures and summary.json into `out`; returns the summary.

    Its settings come from `config_path`, or by default from the configuration its pack names.
    """
    name = experiment.name
    config_file = Path(config_path) if config_path is not None else experiment.config
    code = module(experiment)
    accepted = inspect.signature(code.run).parameters
    for option in options:
        require(option in accepted, f"experiment {name!r} takes no --{option.replace('_', '-')}")
    settings = config.load(name, budget, code.Settings, config_file)
    require(isinstance(seed, int) and seed >= 0, f"--seed must be a non-negative integer, got {seed!r}")
    folder = files.make_folder(out, "experiment output")
    start = time.perf_counter()
    outcome: Outcome = code.run(settings, seed=seed, device=device, out=folder, **options)
    seconds = time.perf_counter() - start
    missing = [f for f in outcome.figures if not (folder / f).is_file()]
    require(not missing, f"{name} did not write its figures {missing}")
    summary = {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "pack": pack,
        "experiment": name,
        "paper": config.paper_reference(config_file),
        "budget": budget,
        "seed": seed,
        "device": device,
        "settings": dataclasses.asdict(settings),
        "seconds": round(seconds, 2),
        "outcome": overall(outcome.claims),
        "claims": [c.as_dict() for c in outcome.claims],
        "measured": plain(outcome.measured),
        "figures": outcome.figures,
        "environment": environment(device=device, seed=str(seed)),
    }
    files.write_bytes(folder / "summary.json", (json.dumps(summary, indent=2, allow_nan=False) + "\n").encode())
    return summary
