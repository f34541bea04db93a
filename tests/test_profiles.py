"""Hypothesis profiles: chosen by argument, $VERIFY_PROFILE or $CI, and scaled example counts."""

import pytest
from hypothesis import settings

from verify import profiles
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


def test_profiles_are_registered_as_documented(monkeypatch):
    monkeypatch.delenv("VERIFY_SEEDED", raising=False)
    profiles.register()
    assert settings.get_profile("dev").derandomize
    assert settings.get_profile("ci").derandomize and settings.get_profile("ci").deadline is None
    assert not settings.get_profile("thorough").derandomize
    monkeypatch.setenv("VERIFY_PROFILE", "thorough")
    assert profiles.examples(3) == 30
    monkeypatch.setenv("VERIFY_PROFILE", "ci")
    assert profiles.examples(3) == 3


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
