"""The fault seam: named, deliberately wrong variants of a few library functions.

A site is a library function decorated with `seam(site)`. A fault names a site and a variant
implementation (registered in verify.faults with `variant`). While a fault is active, calls to
its site go to the variant; otherwise the decorated function runs unchanged. A fault is made
active by the VERIFY_FAULT environment variable (read when this module is imported, so a
pytest subprocess started with it runs wholly under the fault) or, in-process, by `active`.
This is the only way the self-test (`verify selftest`) changes the library: no monkeypatching.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
from dataclasses import dataclass
from typing import Callable

from verify.errors import ConfigError


@dataclass(frozen=True)
class Fault:
    name: str
    site: str
    description: str
    implementation: Callable


FAULTS: dict[str, Fault] = {}
_state = {"active": os.environ.get("VERIFY_FAULT") or None, "loaded": False}


def _catalogue() -> dict[str, Fault]:
    if not _state["loaded"]:
        _state["loaded"] = True
        importlib.import_module("verify.faults")  # registers the variants
    return FAULTS


def variant(site: str, name: str, description: str):
    """Register the decorated function as fault `name`, a wrong implementation of `site`."""

    def register(function: Callable) -> Callable:
        FAULTS[name] = Fault(name, site, description, function)
        return function

    return register


def seam(site: str):
    """Mark a library function as a site that a fault may replace."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            name = _state["active"]
            if name is not None:
                fault = _catalogue().get(name)
                if fault is not None and fault.site == site:
                    return fault.implementation(*args, **kwargs)
            return function(*args, **kwargs)

        wrapper.seam_site = site
        return wrapper

    return decorate


def check(name: str) -> Fault:
    fault = _catalogue().get(name)
    if fault is None:
        raise ConfigError(f"unknown fault {name!r}; choose one of {', '.join(sorted(_catalogue()))}")
    return fault


def catalogue() -> dict[str, Fault]:
    """Every registered fault, by name."""
    return dict(_catalogue())


@contextlib.contextmanager
def active(name: str | None):
    """Run the block with fault `name` active (None: no fault)."""
    if name is not None:
        check(name)
    before = _state["active"]
    _state["active"] = name
    try:
        yield
    finally:
        _state["active"] = before
