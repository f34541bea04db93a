import pytest
from hypothesis import settings

from verify import profiles

profiles.load()


@pytest.fixture
def use_profile():
    """Load a verify profile into Hypothesis for one test, then restore the one loaded before."""
    before = settings.get_current_profile_name()
    yield settings.load_profile
    settings.load_profile(before)
