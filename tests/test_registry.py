"""Packs and the registry: statement files, entry-point discovery, and which tests check which result."""

import sys
from pathlib import Path

import pytest
from tiny_pack import PASSING, make_pack, statements

from verify import packs, registry
from verify.errors import ConfigError

THEOREMS_IDS = [
    "thm1",
    "prop1",
    "prop2",
    "lemma1",
    "lemma2",
    "thm2",
    "prop3",
    "cor1",
    "thm3",
    "prop4",
    "prop5",
    "thm4",
    "prop6",
    "thm5",
    "lemma3",
    "lemma4",
    "lemma5",
    "lemma6",
    "stolz",
]


@pytest.fixture(scope="module")
def ewn():
    return packs.installed()["ewn"]


# Results derived here from the paper's, each labelled as derived in its title.
DERIVED_IDS = ["thm2-survivors"]


def test_the_ewn_pack_holds_the_nineteen_results_of_theorems_md_and_the_derived_ones(ewn):
    ids = [r.id for r in ewn.results]
    assert [i for i in ids if i not in DERIVED_IDS] == THEOREMS_IDS
    assert sorted(set(ids) - set(THEOREMS_IDS)) == DERIVED_IDS
    for result in ewn.results:
        assert ("derived" in result.title) == (result.id in DERIVED_IDS)
    for result in ewn.results:
        assert result.title and result.statement and result.assumptions
        assert result.loss in ("exponential", "cross_entropy", "none")


def test_the_core_names_no_result():
    """No module of the core mentions a result id of an installed pack as a word."""
    core = Path(packs.__file__).parent
    ids = {r.id for pack in packs.installed().values() for r in pack.results}
    for path in core.glob("*.py"):
        words = set(registry.re.findall(r"[A-Za-z0-9_-]+", path.read_text()))
        assert not ids & words, f"{path.name} names {sorted(ids & words)}"


def test_modules_are_discovered_from_names_and_decorators(ewn):
    modules = {path.name: module for path, module in registry.discover(ewn).items()}
    prop1 = modules["test_prop1_a5_mild.py"]
    assert prop1.primary == "prop1"
    assert prop1.tests["test_property_prop4_a5_vanishes"] == "prop4"
    assert prop1.results == ("prop1", "prop4")
    catalogue = registry.catalogue(ewn)
    assert catalogue["prop4"].modules == ("test_prop1_a5_mild.py",)
    assert catalogue["thm4"].modules == ("test_thm4_norm_gradient_ce.py",)


def test_node_ids_map_to_pack_results(ewn):
    index = registry.Index({"ewn": ewn})
    root = Path(ewn.properties).parent.parent
    module = "properties/ewn/test_prop1_a5_mild.py"
    assert index.result_of(f"{module}::test_property_prop4_a5_vanishes", root) == "ewn:prop4"
    assert index.result_of(f"{module}::test_property_prop4_a5_vanishes@prop4", root) == "ewn:prop4"
    assert index.result_of(f"{module}::test_control_c_equal_one_fails_on_unnorm[2]", root) == "ewn:prop1"
    assert index.result_of("tests/test_cli.py::test_list", root) is None
    thm3 = "properties/ewn/test_thm3_rates.py"
    assert index.result_of(f"{thm3}::test_control_thm5_ewn_claim_on_an_unnorm_run_fails", root) == "ewn:thm5"
    # The same module seen from another root dir.
    assert index.result_of("ewn/test_prop1_a5_mild.py::test_x", root / "properties") == "ewn:prop1"


def test_hyphenated_ids_match_their_slugs(tmp_path, monkeypatch):
    site = make_pack(
        tmp_path,
        "hy",
        ["ll-thm41", "ll-thm4"],
        {
            "test_ll_thm41_monotone.py": "def test_property_ll_thm41():\n    pass\n\ndef test_control_ll_thm4_x():\n    pass\n",
        },
    )
    monkeypatch.syspath_prepend(str(site))
    pack = packs.installed()["hy"]
    (module,) = registry.discover(pack).values()
    assert module.primary == "ll-thm41", "the longest slug that prefixes the module name"
    assert module.tests == {"test_property_ll_thm41": "ll-thm41", "test_control_ll_thm4_x": "ll-thm4"}


def test_a_new_property_module_appears_without_registry_edits(tmp_path, monkeypatch):
    site = make_pack(
        tmp_path,
        "tiny",
        ["ratio"],
        {
            "test_ratio_small.py": PASSING,
            "test_thm9_new.py": (
                "from verify.tally import property_of\n\n@property_of('thm9')\ndef test_property_thm9():\n    pass\n"
            ),
        },
    )
    monkeypatch.syspath_prepend(str(site))
    catalogue = registry.catalogue(packs.installed()["tiny"])
    assert catalogue["thm9"].modules == ("test_thm9_new.py",) and catalogue["thm9"].title == "thm9"
    catalogues = {"tiny": catalogue, "ewn": registry.catalogue(packs.installed()["ewn"])}
    assert registry.resolve_ids(["thm9", "tiny:ratio", "ewn:thm1"], catalogues) == ["tiny:thm9", "tiny:ratio", "ewn:thm1"]
    with pytest.raises(ConfigError, match="unknown theorem id 'thm10'"):
        registry.resolve_ids(["thm10"], catalogues)
    with pytest.raises(ConfigError, match="unknown theorem id 'tiny:thm1'"):
        registry.resolve_ids(["tiny:thm1"], catalogues)


def test_an_id_in_two_packs_must_be_qualified(tmp_path, monkeypatch):
    site = make_pack(tmp_path, "twin", ["thm1"], {})
    monkeypatch.syspath_prepend(str(site))
    installed = packs.installed()
    catalogues = {name: registry.catalogue(pack) for name, pack in installed.items()}
    with pytest.raises(ConfigError, match="write it as PACK:thm1"):
        registry.resolve_ids(["thm1"], catalogues)
    assert registry.resolve_ids(["twin:thm1"], catalogues) == ["twin:thm1"]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "no [[result]] tables"),
        ('[[result]]\nid = "a"\n', "needs string fields"),
        (statements(["a", "a"]), "appear twice"),
        (statements(["a:b"]), "bad result id"),
        (statements(["a"]) + 'colour = "red"\n', "unknown result field"),
        ("[[result]\n", "cannot read statement file"),
    ],
)
def test_bad_statement_files_are_named(tmp_path, text, fragment):
    path = tmp_path / "statements.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=fragment.replace("[", r"\[")):
        packs.read_statements(path)


def test_broken_and_misnamed_packs_are_one_line_errors(tmp_path, monkeypatch):
    site = make_pack(tmp_path, "broken", ["a"], {})
    (site / "verify_broken" / "__init__.py").write_text("raise RuntimeError('no')\n")
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(ConfigError, match="pack 'broken' .* failed to import: no"):
        packs.installed()
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(site)])
    with pytest.raises(ConfigError, match="unknown pack 'nope'"):
        packs.select(["nope"])
