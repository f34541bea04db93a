"""The theorem registry: the paper's results, and the discovery of which tests check each."""

from pathlib import Path

import pytest

from verify import registry
from verify.errors import ConfigError

PROPERTIES = Path(__file__).resolve().parent.parent / "properties"
THEOREMS_IDS = [
    "thm1", "prop1", "prop2", "lemma1", "lemma2", "thm2", "prop3", "cor1", "thm3",
    "prop4", "prop5", "thm4", "prop6", "thm5", "lemma3", "lemma4", "lemma5", "lemma6", "stolz",
]


def test_registry_holds_the_nineteen_results_of_theorems_md():
    assert list(registry.RESULTS) == THEOREMS_IDS
    for result in registry.RESULTS.values():
        assert result.title and result.statement and result.assumptions
        assert result.loss in ("exponential", "cross_entropy", "none")


def test_modules_are_discovered_from_names_and_decorators(tmp_path):
    modules = registry.discover(PROPERTIES)
    prop1 = modules["test_prop1_a5_mild.py"]
    assert prop1.primary == "prop1"
    assert prop1.tests["test_property_prop4_a5_vanishes"] == "prop4"
    assert prop1.results == ("prop1", "prop4")
    catalogue = registry.catalogue(PROPERTIES)
    assert catalogue["prop4"].modules == ("test_prop1_a5_mild.py",)
    assert catalogue["thm4"].modules == ("test_thm4_norm_gradient_ce.py",)
    assert registry.catalogue(tmp_path)["thm4"].modules == ()


def test_node_ids_map_to_results():
    modules = registry.discover(PROPERTIES)
    module = "properties/test_prop1_a5_mild.py"
    assert registry.result_of_nodeid(f"{module}::test_property_prop4_a5_vanishes", modules) == "prop4"
    assert registry.result_of_nodeid(f"{module}::test_property_prop4_a5_vanishes@prop4", modules) == "prop4"
    assert registry.result_of_nodeid(f"{module}::test_control_c_equal_one_fails_on_unnorm[2]", modules) == "prop1"
    assert registry.result_of_nodeid("tests/test_cli.py::test_list", modules) is None
    thm3 = "properties/test_thm3_rates.py"
    assert registry.result_of_nodeid(f"{thm3}::test_control_thm5_ewn_claim_on_an_unnorm_run_fails", modules) == "thm5"


def test_a_new_property_module_appears_without_registry_edits(tmp_path):
    (tmp_path / "test_thm9_new.py").write_text(
        "from verify.tally import property_of\n\n@property_of('thm9')\ndef test_property_thm9():\n    pass\n"
    )
    catalogue = registry.catalogue(tmp_path)
    assert catalogue["thm9"].modules == ("test_thm9_new.py",)
    assert registry.check_ids(["thm9"], catalogue) == ["thm9"]
    with pytest.raises(ConfigError, match="unknown theorem id 'thm10'"):
        registry.check_ids(["thm10"], catalogue)
