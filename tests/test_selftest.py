"""The self-test: faults are put in place only by its plugin, each fast fault is caught, and
the library carries no fault machinery."""

import ast
import importlib.util
import os
import sys
from pathlib import Path

import pytest
from fault_catalogue import FAST, FAULTS, Fault, substitute, substitute_copies

from verify import report, selftest
from verify.errors import ConfigError
from verify.nets import Architecture

LIBRARY = Path(selftest.__file__).parent


def test_substitution_is_undone_and_reaches_imported_names():
    arch = Architecture(2, (4,), 1, "relu2")
    assert arch.degree == 3
    restore = substitute(FAULTS["degree-off-by-one"])
    try:
        assert arch.degree == 4
    finally:
        restore()
    assert arch.degree == 3
    from verify_ewn import flow_identities

    correct = flow_identities.VELOCITIES["ewn"]
    restore = substitute(FAULTS["ewn-velocity-norm"])
    try:
        assert flow_identities.VELOCITIES["ewn"] is flow_identities.ewn_velocity_norm_power_one
    finally:
        restore()
    assert flow_identities.VELOCITIES["ewn"] is correct


def _loaded_as(name, path, monkeypatch):
    """The module at `path`, executed and registered in sys.modules as `name` for this test."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, name, module)
    return module


def test_a_fault_reaches_a_test_modules_copy_imported_under_another_name(tmp_path, monkeypatch):
    """pytest imports a property module by its path, so its functions also exist under the
    package's name; substitute_copies replaces the copy the tests call, and restores it."""
    module = tmp_path / "rates.py"
    module.write_text("def exponent(degree):\n    return 2.0 - 2.0 / degree\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    copies = [_loaded_as(name, module, monkeypatch) for name in ("rates", "pack_rates")]
    fault = Fault("off", ("rates:exponent",), "an exponent off", lambda _: lambda degree: 2.0 - 1.0 / degree, ("t",))
    restore = substitute(fault)
    try:
        assert copies[0].exponent(2) == 1.5 and copies[1].exponent(2) == 1.0, "the copy is out of substitute's reach"
        restore_copies = substitute_copies(fault)
        try:
            assert copies[1].exponent(2) == 1.5
        finally:
            restore_copies()
        assert copies[1].exponent(2) == 1.0
    finally:
        restore()
    assert copies[0].exponent(2) == 1.0


def test_a_fault_reaches_default_arguments_captured_before_it(tmp_path, monkeypatch):
    """A function captured as a default argument when its def ran (as homogeneous_cases captures
    the t0 screen) is out of reach of a namespace swap; substitute replaces it there too, in
    top-level functions and methods, positional and keyword-only, and restores it."""
    import fault_catalogue

    module = tmp_path / "screens.py"
    module.write_text(
        "def screen(case):\n    return case > 0\n\n"
        "def cases(xs, keep=screen):\n    return [x for x in xs if keep(x)]\n\n"
        "class Family:\n    def cases(self, xs, *, keep=screen):\n        return [x for x in xs if keep(x)]\n"
    )
    screens = _loaded_as("screens", module, monkeypatch)
    monkeypatch.setattr(fault_catalogue, "_project_modules", lambda: [screens])
    fault = Fault("admit-all", ("screens:screen",), "a screen that admits all", lambda _: lambda case: True, ("t",))
    restore = substitute(fault)
    try:
        assert screens.cases([-1, 1]) == [-1, 1] and screens.Family().cases([-1, 1]) == [-1, 1]
    finally:
        restore()
    assert screens.cases([-1, 1]) == [1] and screens.Family().cases([-1, 1]) == [1]


def test_the_t0_screen_fault_reaches_the_strategies_default():
    from verify_lyu_li import domains

    correct = domains.flow_reaches_t0
    restore = substitute(FAULTS["t0-screen-admits-all"])
    try:
        assert domains.homogeneous_cases.__defaults__[-1] is domains.flow_reaches_t0 is not correct
    finally:
        restore()
    assert domains.homogeneous_cases.__defaults__[-1] is correct


def test_unknown_fault_is_refused():
    with pytest.raises(ConfigError, match="unknown fault 'nope'"):
        selftest.check("nope")


def test_every_fault_has_tests_targets_and_a_description():
    assert set(FAST) <= set(FAULTS) and len(FAST) >= 5
    assert len(FAULTS) >= 24
    for fault in FAULTS.values():
        assert fault.description and fault.tests and fault.targets


def test_no_library_module_reads_a_fault_or_imports_the_catalogue():
    """In a normal run nothing can switch the library's mathematics: no module mentions the
    fault machinery."""
    for path in LIBRARY.rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
            alias.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for alias in n.names
        }
        assert not names & {"variants", "faults", "seam", "fault_catalogue", "fault_plugin"}, path
        strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert "VERIFY_FAULT" not in strings, path


@pytest.mark.parametrize("name", FAST)
def test_fast_fault_is_caught(name):
    outcome = selftest.run_fault(name)
    assert outcome.baseline_ok, f"{name}: the target tests fail without the fault"
    assert outcome.caught, f"{name} was missed"
    assert outcome.by is not None


DRAWS = """
from pathlib import Path

from hypothesis import given, settings, strategies as st

from verify import profiles

profiles.load()


@settings(max_examples=5)
@given(x=st.integers(0, 10**9))
def test_draw(x):
    with open(Path(__file__).with_suffix(".log"), "a") as log:
        log.write(f"{x}\\n")
"""


def test_false_alarm_runs_draw_from_their_seed(tmp_path, monkeypatch):
    """The ci profile is derandomised, which would make every false-alarm run the same run:
    seeded runs must differ between seeds and repeat for one seed."""
    monkeypatch.setenv("VERIFY_PROFILE", "ci")
    module = tmp_path / "test_draws.py"
    module.write_text(DRAWS)
    log = module.with_suffix(".log")

    def draws(seed):
        log.unlink(missing_ok=True)
        run = selftest._run((str(module),), None, seed=seed)
        assert run.code == 0 and not run.failures
        return log.read_text().split()

    first = draws(1)
    assert len(first) == 5
    assert draws(1) == first
    assert draws(2) != first


def test_a_sweep_can_start_at_any_seed(monkeypatch):
    """--first-seed K runs seeds K .. K+N-1, each once and in order, so a sweep split into
    parts covers each seed once."""
    seen = []

    def fake_run(targets, fault, extra=(), seed=None):
        seen.append(seed)
        return selftest.PytestRun(0, [], set(), {}, {})

    monkeypatch.setattr(selftest, "_run", fake_run)
    assert [run.seed for run in selftest.false_alarms(3, first=5)] == [5, 6, 7] == seen


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("VERIFY_PROFILE") != "thorough", reason="the full catalogue runs under the thorough profile")
@pytest.mark.parametrize("name", sorted(set(FAULTS) - set(FAST)))
def test_fault_is_caught_under_thorough(name):
    """The rest of the catalogue, with each target's thorough example counts (over an hour on 2 cores)."""
    outcome = selftest.run_fault(name)
    assert outcome.baseline_ok, f"{name}: the target tests fail without the fault"
    assert outcome.caught, f"{name} was missed"


def test_a_failure_raised_inside_the_catalogue_is_a_crash_not_a_catch():
    """pytest's traceback text ends with the innermost frame; only one in the catalogue counts."""
    crash = "def wrong(window, rule):\n>   return Survivors(mask)\nE   TypeError\n\ntests/fault_catalogue.py:163: TypeError"
    caught = "    assert v.status is Status.PASS\nE   AssertionError\n\nproperties/ewn/test_x.py:12: AssertionError"
    through = "tests/fault_catalogue.py:163: in wrong\n    return right(x)\n\nverify/claims.py:40: AssertionError"
    assert selftest.raised_in_catalogue(crash)
    assert not selftest.raised_in_catalogue(caught)
    assert not selftest.raised_in_catalogue(through)
    assert not selftest.raised_in_catalogue("")


def test_seeded_runs_pool_their_verdict_counts_per_result_and_per_test(tmp_path):
    """A seeded run's verdict counts come from the report it wrote; the sweep sums them per
    result and per property test (a result's arms) and marks each whose pooled inconclusive
    share is over the bound."""

    def result(rid, passed, inconclusive):
        return {"key": f"ewn:{rid}", "pack": "ewn", "id": rid, "title": rid, "status": "pass", "duration_s": 1.0}, {
            "pass": passed,
            "fail": 0,
            "inconclusive": inconclusive,
        }

    runs, arms = [], []
    for passed, inconclusive in ((4, 0), (3, 2)):
        entries = []
        for rid, p, i in (("thm2", passed, inconclusive), ("lemma6", 0, 0)):
            head, counts = result(rid, p, i)
            arm = {f"ewn/test_{rid}.py::test_property_{rid}_crisp": counts} if sum(counts.values()) else {}
            entry = {"examples": counts, "metrics": {}, "counterexample": None, "tests": {}, "series": {}}
            entries.append(head | entry | {"test_examples": arm})
        folder = tmp_path / f"run{len(runs)}"
        document = {"schema_version": report.SCHEMA_VERSION, "environment": report.environment("ci"), "results": entries}
        report.write(document, folder)
        runs.append(selftest._verdict_counts(folder / "report.json"))
        arms.append(selftest._test_counts(folder / "report.json"))
    assert runs[1] == {"ewn:thm2": {"pass": 3, "fail": 0, "inconclusive": 2}}, "results without examples are left out"
    total = selftest.pooled(runs)
    assert total == {"ewn:thm2": {"pass": 7, "fail": 0, "inconclusive": 2}}
    assert "22%  over 20%" in selftest.pooled_table(total, 2)
    assert "over" not in selftest.pooled_table(selftest.pooled(runs[:1]), 1).splitlines()[-1]
    assert selftest._verdict_counts(tmp_path / "missing.json") == {}
    crisp = "ewn/test_thm2.py::test_property_thm2_crisp"
    assert selftest.pooled(arms) == {crisp: {"pass": 7, "fail": 0, "inconclusive": 2}}
    table = selftest.pooled_table(selftest.pooled(arms), 2, per="test")
    assert table.splitlines()[1].startswith("test ") and f"{crisp}      7" in table and "22%  over 20%" in table
    assert selftest._test_counts(tmp_path / "missing.json") == {}
