"""`verify selftest`: run the tests that must catch each deliberate fault, with the fault active.

For each fault of verify.faults, its target tests (TARGETS) are run in a pytest subprocess
started with VERIFY_FAULT set, after the same tests passed without it. The fault is caught when
a target test fails; the report names the test and its first assertion line (for a property,
the verdict with the metric and its threshold). A fault no target catches is 'missed'.
False alarms: the correct implementation under N Hypothesis seeds of the ci profile; a run with
any failing test is a false alarm.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from verify import variants

REPO_ROOT = Path(__file__).resolve().parent.parent

# The tests that must catch each fault: the result's property tests first, then harness tests.
TARGETS: dict[str, tuple[str, ...]] = {
    "ewn-velocity-norm": ("properties/test_thm1_flow_equivalence.py::test_property_thm1_velocity_identity",),
    "swn-without-radial": ("properties/test_thm1_flow_equivalence.py::test_property_thm1_velocity_identity",),
    "loss-not-in-log-space": ("tests/test_losses.py",),
    "degree-off-by-one": ("tests/test_homogeneity.py::test_homogeneity_and_euler",),
    "class-mean-oracle": ("properties/test_cor1_max_margin.py::test_property_cor1_ewn",),
    "undo-keeps-rejected": ("tests/test_trainer.py::test_huge_k_max_is_tamed_by_undo",),
    "rate-fit-without-loglog": ("properties/test_thm3_rates.py::test_property_thm3_ewn_rate_is_depth_free",),
    "survivors-by-raw-norm": ("tests/test_verdicts.py::test_survivors_settled_dying_and_undecided",),
    "trend-last-milestone-only": ("tests/test_verdicts.py::test_limit_checks_decay_unless_converged",),
    "stolz-hypothesis-unchecked": ("properties/test_stolz_cesaro.py::test_control_bounded_b_and_integrable_g",),
    "gradient-sign-flipped": ("properties/test_thm1_flow_equivalence.py::test_property_thm1_ewn_gd_tracks_scaled_unnorm",),
    "ce-margin-wrong-class": (
        "properties/test_prop1_a5_mild.py::test_property_prop4_a5_vanishes",
        "tests/test_losses.py::test_cross_entropy_log_loss_matches_mpmath",
    ),
}
# The subset CI runs (each target takes seconds).
FAST = ("ewn-velocity-norm", "swn-without-radial", "loss-not-in-log-space", "degree-off-by-one", "undo-keeps-rejected")


@dataclass(frozen=True)
class Outcome:
    fault: str
    caught: bool
    by: str | None
    how: str | None
    baseline_ok: bool


def _run(
    targets: tuple[str, ...], fault: str | None, extra: tuple[str, ...] = (), seed: int | None = None
) -> tuple[int, list[tuple[str, str]]]:
    """Exit code and (test id, first failure line) of each failed test; with a seed, the ci
    profile draws from it instead of derandomising."""
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "junit.xml"
        command = [sys.executable, "-m", "pytest", *targets, "-q", "-p", "no:cacheprovider",
                   f"--junitxml={junit}", *extra]
        if seed is not None:
            command += ["--hypothesis-seed", str(seed)]
        # The ci profile keeps no example database, so a fault's failing examples are not
        # replayed into later correct runs.
        env = dict(os.environ, VERIFY_PROFILE=os.environ.get("VERIFY_PROFILE", "ci"))
        env.pop("VERIFY_FAULT", None)
        env.pop("VERIFY_SEEDED", None)
        if seed is not None:
            env["VERIFY_SEEDED"] = "1"
        if fault is not None:
            env["VERIFY_FAULT"] = fault
        code = subprocess.call(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        failures = []
        if junit.is_file():
            for case in ElementTree.parse(junit).iter("testcase"):
                for problem in list(case.findall("failure")) + list(case.findall("error")):
                    name = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
                    message = (problem.get("message") or "").strip().splitlines()
                    failures.append((name, message[0] if message else problem.tag))
    return code, failures


def run_fault(name: str) -> Outcome:
    """Run one fault's targets without and then with the fault."""
    variants.check(name)
    targets = TARGETS[name]
    baseline, _ = _run(targets, None)
    code, failures = _run(targets, name)
    if failures:
        test, line = failures[0]
        return Outcome(name, True, test, line, baseline == 0)
    return Outcome(name, code not in (0, 5), None, None if code in (0, 5) else f"pytest exit {code}", baseline == 0)


def false_alarms(runs: int, targets: tuple[str, ...] = ("properties",)) -> Iterator[tuple[int, list[tuple[str, str]]]]:
    """For seeds 1..runs in turn, the failed tests (id, first failure line) of the correct
    implementation under the ci profile drawing from that seed; a run with any is a false
    alarm. Yields each seed's result as soon as its run ends."""
    for seed in range(1, runs + 1):
        code, failures = _run(targets, None, ("-n", "auto"), seed=seed)
        if code != 0 and not failures:
            failures = [("(pytest)", f"exit {code}")]
        yield seed, failures
