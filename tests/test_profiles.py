"""Hypothesis profiles: chosen by argument, $VERIFY_PROFILE, $CI or --hypothesis-profile, and scaled example counts."""

import os
import subprocess
import sys

import pytest
from hypothesis import settings

from verify import cli, profiles
from verify.errors import ConfigError


def test_choice_order(monkeypatch):
    monkeypatch.delenv("VERIFY_PROFILE", raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert profiles.chosen() == "dev"
    monkeypatch.setenv("CI", "true")
    assert profiles.chosen() == "ci"
    monkeypatch.setenv("VERIFY_PROFILE", "thorough")
    assert profiles.chosen() == "thorough"
    assert profiles.chosen("dev") == "dev"


def test_unknown_profile_is_named(monkeypatch):
    monkeypatch.setenv("VERIFY_PROFILE", "quick")
    with pytest.raises(ConfigError, match="'quick'"):
        profiles.chosen()


def test_profiles_are_registered_as_documented(monkeypatch, use_profile):
    monkeypatch.delenv("VERIFY_SEEDED", raising=False)
    profiles.register()
    assert settings.get_profile("dev").derandomize
    assert settings.get_profile("ci").derandomize and settings.get_profile("ci").deadline is None
    assert not settings.get_profile("thorough").derandomize
    use_profile("thorough")
    assert profiles.examples(3) == 30
    use_profile("ci")
    assert profiles.examples(3) == 3


def test_a_foreign_hypothesis_profile_is_named(use_profile):
    settings.register_profile("someone-elses")
    use_profile("someone-elses")
    with pytest.raises(ConfigError, match="'someone-elses' is not a verify profile"):
        profiles.current()


PROBE = """
import itertools

from hypothesis import HealthCheck, given, settings, strategies as st

from verify import profiles
from verify.tally import property_of, record
from verify.verdicts import Check, decide


def test_counts():
    print(f"PROFILE={profiles.current()} EXAMPLES={profiles.examples(3)}")


CALLS = itertools.count()


@property_of("probe")
@settings(max_examples=profiles.examples(3), suppress_health_check=list(HealthCheck))
@given(st.integers())
def test_mostly_inconclusive(_):
    proxy_holds = next(CALLS) % 6 == 0
    record(decide([Check("proxy", 0.0 if proxy_holds else 1.0, 0.5)], []))
"""


@pytest.mark.parametrize("how", ["hypothesis-option", "hypothesis-option-with-verbosity", "environment"])
def test_every_way_of_choosing_thorough_gives_the_same_run(how, tmp_path):
    """`--hypothesis-profile thorough` (also with --hypothesis-verbosity, which makes Hypothesis
    load a profile derived from it) and $VERIFY_PROFILE=thorough give thorough's example counts
    and enforce its vacuity rule (`verify run --profile` sets $VERIFY_PROFILE: next test)."""
    (tmp_path / "properties").mkdir()
    (tmp_path / "properties" / "conftest.py").write_text("from verify import profiles\n\nprofiles.load()\n")
    (tmp_path / "properties" / "test_probe.py").write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k not in ("VERIFY_PROFILE", "CI")}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-s", "-q", "properties"]
    if how.startswith("hypothesis-option"):
        command += ["--hypothesis-profile", "thorough"]
    if how == "hypothesis-option-with-verbosity":
        command += ["--hypothesis-verbosity", "verbose"]
    else:
        env["VERIFY_PROFILE"] = "thorough"
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert "PROFILE=thorough EXAMPLES=30" in done.stdout, done.stdout + done.stderr
    assert "the property has become vacuous" in done.stdout, done.stdout
    assert done.returncode == 1


def test_verify_run_passes_its_profile_to_pytest(monkeypatch, tmp_path):
    seen = {}

    class Launched(Exception):
        pass

    def call(command, env):
        seen.update(env=env, command=command)
        raise Launched

    monkeypatch.setattr(cli.subprocess, "call", call)
    with pytest.raises(Launched):
        cli.main(["run", "--profile", "thorough", "--report-dir", str(tmp_path)])
    assert seen["env"]["VERIFY_PROFILE"] == "thorough"
    assert seen["command"][seen["command"].index("--verify-profile") + 1] == "thorough"


def test_seeded_ci_draws_from_the_given_seed(monkeypatch):
    """A derandomised profile ignores --hypothesis-seed, so the false-alarm runs turn it off."""
    monkeypatch.setenv("VERIFY_SEEDED", "1")
    try:
        profiles.register()
        assert not settings.get_profile("ci").derandomize
        assert settings.get_profile("ci").database is None
    finally:
        monkeypatch.delenv("VERIFY_SEEDED")
        profiles.register()


DRAWN = """
from hypothesis import given, settings, strategies as st


@settings(max_examples=60, database=None)
@given(st.lists(st.floats(0, 1), min_size=4, max_size=4))
def test_draws(xs):
    with open("draws.log", "a") as log:
        log.write(f"{xs}\\n")
"""

# A 'local' module (outside site-packages) full of literals inside the drawn range: Hypothesis
# adds them to its constant pool once the module is in sys.modules.
LITERALS = "VALUES = [" + ", ".join(f"{0.0137 * i!r}" for i in range(1, 60)) + "]\n"


@pytest.mark.parametrize("plugin", ["verify", "none"])
def test_draws_do_not_depend_on_which_modules_the_process_has_imported(plugin, tmp_path):
    """One seed draws the same examples whether or not another local module (with literals in
    the drawn range) was imported first, as a lazily imported module or an earlier test would
    be; without verify's plugin, which empties Hypothesis's local constant pool, they differ."""

    def draws(import_literals: bool) -> str:
        (tmp_path / "draws.log").unlink(missing_ok=True)
        (tmp_path / "conftest.py").write_text("import literals\n" if import_literals else "")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-seed", "7", "test_drawn.py"]
        if plugin == "none":
            command += ["-p", "no:verify"]
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return (tmp_path / "draws.log").read_text()

    (tmp_path / "test_drawn.py").write_text(DRAWN)
    (tmp_path / "literals.py").write_text(LITERALS)
    same = draws(False) == draws(True)
    assert same is (plugin == "verify")
