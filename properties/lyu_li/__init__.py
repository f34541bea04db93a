"""The `lyu-li` pack: margin maximisation of homogeneous nets (Lyu & Li, ICLR 2020) and its
linear case (Soudry, Hoffer, Nacson, Gunasekar & Srebro, JMLR 2018).

Its results are in ../fixtures/lyu_li/statements.toml (from ../shared/papers/lyu-li-2020.md),
its property modules are the test_*.py beside this file, its training domains and measured
tolerances are verify_lyu_li.domains, and its experiment is the margin-growth figure. Every
mechanism it uses (trainers, margins, the KKT and max-margin oracles, rate fits, verdicts)
comes from the core, `verify`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from verify.packs import Experiment, Pack

FIXTURES = Path(str(resources.files("verify_lyu_li.fixtures")))

PACK = Pack(
    name="lyu-li",
    title="Gradient descent maximises the margin of homogeneous nets (Lyu & Li 2020; Soudry et al. 2018)",
    statements=FIXTURES / "statements.toml",
    properties=Path(__file__).resolve().parent,
    experiments=(
        Experiment("margin-growth", "verify_lyu_li.experiments.margin_growth", FIXTURES / "experiments" / "margin-growth.json"),
    ),
)
