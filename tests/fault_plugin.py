"""pytest plugin of the self-test: `-p fault_plugin --verify-fault NAME` runs the session with
fault NAME of tests/fault_catalogue.py in place. `verify selftest` loads it into its pytest
subprocesses (with tests/ on PYTHONPATH); no other run loads it."""

from __future__ import annotations

import pytest
from fault_catalogue import FAULTS, substitute, substitute_copies


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--verify-fault", default=None, metavar="NAME", help="run with this deliberate fault in place")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    name = config.getoption("verify_fault")
    if name is None:
        return
    if name not in FAULTS:
        raise pytest.UsageError(f"unknown fault {name!r}; choose one of {', '.join(sorted(FAULTS))}")
    config.add_cleanup(substitute(FAULTS[name]))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    name = session.config.getoption("verify_fault")
    if name is not None:
        session.config.add_cleanup(substitute_copies(FAULTS[name]))
