"""The paper's five experiments as commands: `verify experiment NAME` (THEOREMS.md section 4).

Each experiment module defines `Settings` (a dataclass read from fixtures/experiments/NAME.json
by verify.experiments.config), `FIGURES` (the PNG files it writes, named after the paper's
figures) and `run(settings, seed, device, out, **options) -> Outcome`. `run_experiment` loads
the configuration, runs it, and writes summary.json atomically beside the figures: the
measured quantities and each of the paper's claims restated as a check with its verdict.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from verify import files
from verify.errors import require
from verify.experiments import config
from verify.report import environment
from verify.verdicts import Status, Verdict

SUMMARY_SCHEMA_VERSION = 1
MODULES = {
    "lin-sep": "lin_sep",
    "simple-traj": "simple_traj",
    "xor": "xor",
    "conv-rate": "conv_rate",
    "pruning": "pruning",
}
NAMES = tuple(MODULES)


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


def module(name: str):
    """The experiment's module; a ConfigError for an unknown name."""
    require(name in MODULES, f"unknown experiment {name!r}; choose one of {list(NAMES)}")
    return importlib.import_module(f"verify.experiments.{MODULES[name]}")


def overall(claims: list[Claim]) -> str:
    """fail if any claim failed, else inconclusive if any was, else pass."""
    statuses = {c.verdict.status for c in claims}
    for status in (Status.FAIL, Status.INCONCLUSIVE):
        if status in statuses:
            return status.value
    return Status.PASS.value


def run_experiment(
    name: str,
    out: str | Path,
    *,
    budget: str = "quick",
    seed: int = 0,
    device: str = "cpu",
    config_path: str | Path | None = None,
    **options,
) -> dict:
    """Run one experiment and write its figures and summary.json into `out`; returns the summary."""
    experiment = module(name)
    settings = config.load(name, budget, experiment.Settings, config_path)
    require(isinstance(seed, int) and seed >= 0, f"--seed must be a non-negative integer, got {seed!r}")
    folder = files.make_folder(out, "experiment output")
    start = time.perf_counter()
    outcome: Outcome = experiment.run(settings, seed=seed, device=device, out=folder, **options)
    seconds = time.perf_counter() - start
    missing = [f for f in outcome.figures if not (folder / f).is_file()]
    require(not missing, f"{name} did not write its figures {missing}")
    summary = {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "experiment": name,
        "paper": config.paper_reference(name, config_path),
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
