"""Hypothesis profiles, registered here and nowhere else.

- dev:      quick local runs (the default): derandomised like ci, so the README's test command
            gives the same verdicts on every machine.
- ci:       extends Hypothesis's own `ci` profile (derandomised, no database), deadline=None;
            chosen automatically when the CI environment variable is set. With $VERIFY_SEEDED
            set it is not derandomised, so `--hypothesis-seed N` chooses the draws: the
            false-alarm runs of `verify selftest` (a derandomised profile ignores that seed).
- thorough: EXAMPLE_FACTOR["thorough"] times each property's stated example count, with random
            draws: the profile for searching out new counterexamples and fragile tolerances.
            Random draws of the GD properties still find late transients (support-set or
            activation changes near -300) that fail a decay check; see the project notes.
            Its example database is the folder $VERIFY_EXAMPLE_DB, else .hypothesis/examples:
            a counterexample found once is replayed first in every later thorough run, and
            `verify run --cluster` ships this folder to its workers and merges back what they
            add (verify.units).

A property states its example count once, as `examples(n)`; the profile scales it.

The profile in force is the one Hypothesis has loaded (`current`), however it was chosen:
`--hypothesis-profile NAME`, $VERIFY_PROFILE (through `load`, which the conftests call) or
`verify run --profile NAME` (which sets $VERIFY_PROFILE for its pytest). Example counts, the
vacuity rule and the report all read `current`, so the three ways give the same run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from verify.errors import require

PROFILES = ("dev", "ci", "thorough")
EXAMPLE_FACTOR = {"dev": 1, "ci": 1, "thorough": 10}
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
EXAMPLE_DB_ENV = "VERIFY_EXAMPLE_DB"


def example_database_folder() -> Path:
    """Where the thorough profile keeps its examples: $VERIFY_EXAMPLE_DB, else .hypothesis/examples."""
    return Path(os.environ.get(EXAMPLE_DB_ENV) or Path(".hypothesis") / "examples")


def keeps_examples(name: str) -> bool:
    """Whether the profile saves and replays counterexamples: it draws at random and has a
    database (thorough; the derandomised ones replay nothing)."""
    register()
    profile = settings.get_profile(name)
    return profile.database is not None and not profile.derandomize


def register() -> None:
    settings.register_profile("dev", deadline=None, derandomize=True, suppress_health_check=_SLOW_OK)
    settings.register_profile(
        "ci",
        parent=settings.get_profile("ci"),
        deadline=None,
        suppress_health_check=_SLOW_OK,
        derandomize=not os.environ.get("VERIFY_SEEDED"),
    )
    settings.register_profile(
        "thorough",
        deadline=None,
        derandomize=False,
        suppress_health_check=_SLOW_OK,
        max_examples=1000,
        database=DirectoryBasedExampleDatabase(example_database_folder()),
    )


def fix_constant_pool() -> None:
    """Make a seed's draws depend on the seed and the test alone, not on the process's history.

    Hypothesis (6.131 on, checked to 6.170) draws each choice, with probability 0.05, from a
    pool of literals it collects from the source of every "local" module (anything outside
    site-packages and the standard library) in sys.modules, and refreshes the pool whenever
    sys.modules grows. A module first imported inside a test so changed the draws of every
    later test in the same process: the same seed drew other examples in an xdist worker than
    in a one-test process, and an editable install draws from another pool than a wheel. The
    local pool is emptied here (Hypothesis's global pool of boundary values stays). There is
    no public switch, hence the private hook; tests/test_profiles.py fails if it moves."""
    from hypothesis.internal.conjecture import providers

    if not hasattr(providers, "_get_local_constants"):
        return  # a Hypothesis before 6.131 draws no constants from local modules
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()


def chosen(explicit: str | None = None) -> str:
    """The profile to use: explicit, else $VERIFY_PROFILE, else ci when $CI is set, else dev."""
    name = explicit or os.environ.get("VERIFY_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
    require(name in PROFILES, f"unknown Hypothesis profile {name!r}; choose one of {list(PROFILES)}")
    return name


def load(explicit: str | None = None) -> str:
    """Register the profiles and load the chosen one; returns its name."""
    register()
    name = chosen(explicit)
    settings.load_profile(name)
    os.environ["VERIFY_PROFILE"] = name
    return name


# Hypothesis's pytest plugin derives a profile from the loaded one for --hypothesis-verbosity
# and --hypothesis-explain, named "<profile>-with-<verbosity>-verbosity" and
# "<profile>-with-explain-phase"; such a profile keeps its base's example counts.
_DERIVED_SUFFIX = re.compile(r"(-with-[a-z]+-verbosity|-with-explain-phase)+$")


def _base_profile(name: str) -> str:
    return _DERIVED_SUFFIX.sub("", name)


def current() -> str:
    """The verify profile Hypothesis has loaded; before any is loaded, the one `chosen` names.

    Raises ConfigError when Hypothesis runs under a profile that is not one of PROFILES (its
    example counts and vacuity rule would be undefined).
    """
    name = _base_profile(settings.get_current_profile_name())
    if name == "default":
        return chosen()
    require(name in PROFILES, f"Hypothesis profile {name!r} is not a verify profile; choose one of {list(PROFILES)}")
    return name


def examples(n: int) -> int:
    """A property's example count under the loaded profile."""
    return n * EXAMPLE_FACTOR[current()]
