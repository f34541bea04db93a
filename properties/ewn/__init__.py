"""The `ewn` pack: exponential weight normalisation of smooth homogeneous networks.

Its results are in ../fixtures/ewn/statements.toml (from ../shared/THEOREMS.md), its property
modules are the test_*.py beside this file, its experiments are verify_ewn.experiments, and
their configurations are ../fixtures/ewn/experiments/*.json. The pack's own mechanics (the
EWN and SWN flow identities, the analysis lemmas, the measured training regimes) live beside
them; everything else comes from the core, `verify`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from verify.packs import Experiment, Pack

FIXTURES = Path(str(resources.files("verify_ewn.fixtures")))
EXPERIMENTS = {
    "lin-sep": "lin_sep",
    "simple-traj": "simple_traj",
    "xor": "xor",
    "conv-rate": "conv_rate",
    "pruning": "pruning",
}

PACK = Pack(
    name="ewn",
    title="Exponential weight normalisation of smooth homogeneous networks",
    statements=FIXTURES / "statements.toml",
    properties=Path(__file__).resolve().parent,
    experiments=tuple(
        Experiment(name, f"verify_ewn.experiments.{module}", FIXTURES / "experiments" / f"{name}.json")
        for name, module in EXPERIMENTS.items()
    ),
)
