"""Reports: compare flags each kind of regression; loading rejects bad files; writes are atomic."""

import copy
import json
import os
import stat

import pytest

from verify import report
from verify.errors import ConfigError


def entry(rid, status="pass", value=0.1, threshold=0.25, relation="<="):
    metric = {
        "value": value,
        "threshold": threshold,
        "relation": relation,
        "examples": 10,
        "drift_tolerance": report.DRIFT_FRACTION * abs(threshold),
    }
    return {
        "key": f"ewn:{rid}",
        "pack": "ewn",
        "id": rid,
        "title": rid,
        "status": status,
        "examples": {"pass": 10, "fail": 0, "inconclusive": 2},
        "metrics": {"log ratio final": metric},
        "counterexample": None,
        "duration_s": 1.0,
        "tests": {},
        "series": {},
    }


def document(*entries):
    return {"schema_version": report.SCHEMA_VERSION, "environment": report.environment("ci"), "results": list(entries)}


BASE = document(entry("thm1"), entry("thm2"), entry("cor1", value=0.02, threshold=0.01, relation=">="))


def test_identical_reports_have_no_regression():
    assert report.compare(BASE, copy.deepcopy(BASE)) == []


def test_worse_status_is_flagged_and_better_is_not():
    new = copy.deepcopy(BASE)
    new["results"][0]["status"] = "fail"
    new["results"][1]["status"] = "inconclusive"
    lines = report.compare(BASE, new)
    assert lines == ["ewn:thm1: status pass -> fail", "ewn:thm2: status pass -> inconclusive"]
    assert report.compare(new, BASE) == []


def test_metric_drift_toward_its_threshold_is_flagged():
    new = copy.deepcopy(BASE)
    new["results"][1]["metrics"]["log ratio final"]["value"] = 0.1 + 0.13  # tolerance 0.125
    new["results"][2]["metrics"]["log ratio final"]["value"] = 0.02 - 0.001  # tolerance 0.005
    lines = report.compare(BASE, new)
    assert len(lines) == 1 and lines[0].startswith("ewn:thm2: metric 'log ratio final' 0.1 -> 0.23")
    new["results"][2]["metrics"]["log ratio final"]["value"] = 0.02 - 0.006
    assert [line.split(": ")[0] for line in report.compare(BASE, new)] == ["ewn:thm2", "ewn:cor1"]
    # Moving away from the threshold, however far, is not a regression.
    better = copy.deepcopy(BASE)
    better["results"][1]["metrics"]["log ratio final"]["value"] = -5.0
    assert report.compare(BASE, better) == []


def test_non_finite_metric_is_flagged():
    new = copy.deepcopy(BASE)
    new["results"][0]["metrics"]["log ratio final"]["value"] = float("nan")
    assert report.compare(BASE, new)[0].startswith("ewn:thm1: metric")


def test_disappeared_result_is_flagged():
    new = document(entry("thm1"), entry("cor1", value=0.02, threshold=0.01, relation=">="))
    assert report.compare(BASE, new) == ["ewn:thm2: disappeared (was pass)"]
    assert report.compare(BASE, new, ids=["ewn:thm1"]) == []


def test_load_rejects_missing_corrupt_and_foreign_files(tmp_path):
    with pytest.raises(ConfigError, match="no report at"):
        report.load(tmp_path / "nowhere")
    bad = tmp_path / "report.json"
    bad.write_text("{ not json")
    with pytest.raises(ConfigError, match="corrupt report"):
        report.load(tmp_path)
    bad.write_text(json.dumps({"schema_version": 99, "results": []}))
    with pytest.raises(ConfigError, match="is not a verify report of schema 2-3"):
        report.load(bad)
    bad.write_text(json.dumps({"schema_version": 1, "results": []}))
    with pytest.raises(ConfigError, match="is not a verify report of schema 2-3"):
        report.load(bad)
    bad.write_text(json.dumps({"schema_version": 3, "results": [{"key": "ewn:thm1", "pack": "ewn", "id": "thm1"}]}))
    with pytest.raises(ConfigError, match="known status"):
        report.load(bad)
    bad.write_text(
        json.dumps({"schema_version": 3, "results": [{"key": "ewn:thm1", "pack": "ewn", "id": "thm1", "status": "great"}]})
    )
    with pytest.raises(ConfigError, match="known status"):
        report.load(bad)
    old = {"schema_version": 2, "results": [{"key": "ewn:thm1", "pack": "ewn", "id": "thm1", "status": "pass"}]}
    bad.write_text(json.dumps(old))
    assert report.load(bad) == old, "a schema-2 report (before assumption-unmet) is still read"


def test_written_report_round_trips_with_pages_and_plot(tmp_path):
    plotted = entry("thm2")
    plotted["series"] = {
        "log_loss": [-100.0, -200.0, -300.0],
        "node_share": [[0.6, 0.8]] * 3,
        "node_cos": [[0.9, 0.99]] * 3,
        "node_log_norm_grad": [[-99.0, -99.5]] * 3,
    }
    written = document(entry("thm1"), plotted)
    report.write(written, tmp_path)
    assert report.load(tmp_path) == json.loads(json.dumps(written))
    assert json.loads((tmp_path / "ewn" / "thm2.json").read_text())["id"] == "thm2"
    assert (tmp_path / "ewn" / "thm2.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "thm2.png" in (tmp_path / "ewn" / "thm2.html").read_text()
    assert not (tmp_path / "ewn" / "thm1.png").exists()
    assert "| [thm2](ewn/thm2.md) |" in (tmp_path / "index.md").read_text()
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_written_files_have_the_mode_a_plain_write_gives(tmp_path, umask):
    """Every file of a report (JSON, pages, figures) is readable by whoever a file written with
    open() would be: 0o666 less the umask, not the owner-only 0o600 of a bare temporary file."""
    plotted = entry("thm2")
    plotted["series"] = {"log_loss": [-100.0, -300.0], "node_share": [[0.6, 0.8]] * 2, "node_cos": [[0.9, 0.99]] * 2}
    plotted["series"]["node_log_norm_grad"] = [[-99.0, -99.5]] * 2
    before = os.umask(umask)
    try:
        report.write(document(entry("thm1"), plotted), tmp_path)
    finally:
        os.umask(before)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.suffix for p in written} >= {".json", ".md", ".html", ".png"}
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in written} == {oct(0o666 & ~umask)}


def test_every_page_with_claim_examples_has_a_valid_claim_figure(tmp_path):
    """The claim figure: traced claims against log L, scalar ones per example, each verdict in
    its own mark; every page that has examples gets a PNG that decodes."""
    from matplotlib import image

    traced = entry("cor1")
    trace = [[-100.0, -200.0, -300.0], [1e-2, 1e-3, 1e-4]]
    traced["claim_examples"] = [
        {"status": status, "claims": {"gap final": {"value": v, "threshold": 1e-2, "relation": "<=", "trace": trace}}}
        for status, v in (("pass", 1e-4), ("fail", 0.2), ("inconclusive", 0.5))
    ]
    scalar = entry("prop3")
    scalar["claim_examples"] = [
        {"status": "pass", "claims": {"EWN share": {"value": 0.95, "threshold": 0.9, "relation": ">=", "trace": None}}}
    ]
    report.write(document(traced, scalar, entry("thm1")), tmp_path)
    for rid in ("cor1", "prop3"):
        figure = tmp_path / "ewn" / f"{rid}-claims.png"
        assert figure.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert image.imread(figure).ndim == 3
        assert f"{rid}-claims.png" in (tmp_path / "ewn" / f"{rid}.html").read_text()
        assert f"({rid}-claims.png)" in (tmp_path / "ewn" / f"{rid}.md").read_text()
    assert not (tmp_path / "ewn" / "thm1-claims.png").exists()


def test_a_crash_while_writing_keeps_the_previous_report(tmp_path, monkeypatch):
    report.write(BASE, tmp_path)
    before = (tmp_path / "report.json").read_bytes()

    def crash(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report, "_page_html", crash)
    with pytest.raises(RuntimeError):
        report.write(document(entry("thm1", status="fail")), tmp_path)
    assert (tmp_path / "report.json").read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))


def test_result_status_rules():
    passed = {"outcome": "passed", "run": {"counts": {"pass": 5, "fail": 0, "inconclusive": 1}}}
    vacuous = {"outcome": "passed", "run": {"counts": {"pass": 2, "fail": 0, "inconclusive": 12}}}
    noisy = {"outcome": "passed", "run": {"counts": {"pass": 8, "fail": 0, "inconclusive": 10}}}
    assert report.result_status([]) == "skipped"
    assert report.result_status([passed]) == "pass"
    assert report.result_status([vacuous]) == "inconclusive"
    assert report.result_status([noisy]) == "pass"
    assert report.result_status([passed, {"outcome": "failed", "failure": "fail"}]) == "fail"
    assert report.result_status([passed, {"outcome": "failed", "failure": "error"}]) == "error"
    assert report.result_status([{"outcome": "skipped"}]) == "skipped"


def unmet_arm(unmet: int, passed: int, failed: int = 0) -> dict:
    declared = {"arm": "ewn", "assumption": "A4", "domain": "d", "evidence": "e.", "draws": unmet + passed + failed}
    draw = [{"name": "A4 margin exponent", "value": -0.1, "threshold": -0.05, "relation": ">="}]
    counts = {"pass": passed, "fail": failed, "inconclusive": 0}
    run = {"counts": counts, "assumption_unmet": declared | {"unmet": [draw] * unmet}}
    return {"nodeid": "p.py::test_property_x_ewn", "result": "ewn:x", "outcome": "passed", "duration_s": 1.0, "run": run}


def test_an_arm_whose_draws_mostly_fail_its_assumption_is_never_a_pass():
    swn = {"outcome": "passed", "run": {"counts": {"pass": 4, "fail": 0, "inconclusive": 0}}}
    assert report.result_status([swn, unmet_arm(3, 1)]) == "assumption-unmet"
    assert report.result_status([swn, unmet_arm(1, 1)]) == "pass", "met as often as not: the arm was checked"
    assert report.result_status([swn, unmet_arm(1, 2)]) == "pass"
    assert report.result_status([unmet_arm(2, 0)]) == "assumption-unmet", "no verdict at all is not a pass"
    assert report.result_status([swn, unmet_arm(3, 1), {"outcome": "failed", "failure": "fail"}]) == "fail"
    assert report.SEVERITY["assumption-unmet"] > report.SEVERITY["pass"]


def test_an_unmet_arms_evidence_is_on_the_results_page():
    summary = report.summarise([unmet_arm(2, 1)])["ewn:x"]
    assert summary["status"] == "assumption-unmet"
    (arm,) = summary["assumption_unmet"]
    assert arm["test"] == "p.py::test_property_x_ewn" and len(arm["unmet"]) == 2
    page = report._page_md(entry("x", status="assumption-unmet") | {"assumption_unmet": summary["assumption_unmet"]}, [])
    assert "Assumption A4 unmet on the ewn arm (`p.py::test_property_x_ewn`): 2 of 3 draws failed it." in page
    assert "A4 margin exponent -0.1 (needs >= -0.05)" in page


def test_the_printed_table_counts_an_arms_unmet_draws_apart():
    header, row = report.verdict_table([unmet_arm(2, 1)])
    assert header.split()[-2:] == ["inconclusive", "unmet"]
    assert row.split() == ["ewn:x", "assumption-unmet", "1", "0", "0", "2"]


def test_counterexample_extraction():
    text = "\n".join(
        [
            "    def test_x(n):",
            "E   AssertionError: fail",
            "E   Falsifying example: test_x(",
            "E       n=51,",
            "E   )",
            "E   fail: claim",
            "",
            "E   Failing test case: test_y(n=3)",
        ]
    )
    assert report.counterexample(text) == "Falsifying example: test_x(\n    n=51,\n)"
    assert report.counterexample("E   Failing test case: test_y(n=3)") == "Failing test case: test_y(n=3)"
    assert report.counterexample("E   AssertionError") is None


def test_the_summary_does_not_depend_on_the_order_the_records_arrive_in():
    """Workers finish in any order; the plotted series, the counterexample and the kept
    examples are chosen in node-id order."""

    def record(nodeid, outcome, series_level, value):
        run = {
            "counts": {"pass": 1, "fail": 0, "inconclusive": 0},
            "checks": {},
            "examples": [
                {"status": "pass", "claims": {"c": {"value": value, "threshold": 1.0, "relation": "<=", "trace": None}}}
            ],
            "series": {"log_loss": [series_level]},
        }
        longrepr = f"E   Falsifying example: {nodeid}" if outcome == "failed" else ""
        return {"nodeid": nodeid, "result": "ewn:thm2", "outcome": outcome, "duration_s": 1.0, "run": run, "longrepr": longrepr}

    records = [
        record("a.py::one", "failed", -1.0, 0.1),
        record("a.py::two", "failed", -2.0, 0.2),
        record("b.py::x", "passed", -3.0, 0.3),
    ]
    forward, backward = report.summarise(records), report.summarise(records[::-1])
    assert forward == backward
    assert forward["ewn:thm2"]["counterexample"] == "Falsifying example: a.py::one"
    assert forward["ewn:thm2"]["series"] == {"log_loss": [-1.0]}


def test_draws_outside_the_domain_are_summed_per_result_and_shown_on_its_page(tmp_path):
    def record(nodeid, outside):
        run = {"counts": {"pass": 2, "fail": 0, "inconclusive": 0}, "checks": {}, "examples": [], "series": {}}
        return {"nodeid": nodeid, "result": "ewn:thm2", "outcome": "passed", "duration_s": 1.0, "run": run | outside}

    summary = report.summarise(
        [record("a.py::one", {"outside_domain": {"stalls before separating": 3}}), record("a.py::two", {})]
        + [record("a.py::three", {"outside_domain": {"stalls before separating": 2, "dead": 1}})]
    )
    assert summary["ewn:thm2"]["outside_domain"] == {"dead": 1, "stalls before separating": 5}
    assert summary["ewn:thm2"]["examples"]["pass"] == 6
    page = report._page_md(entry("thm2") | {"outside_domain": summary["ewn:thm2"]["outside_domain"]}, [])
    assert "outside the domain (not counted above): 1 dead, 5 stalls before separating" in page


def test_inconclusive_examples_are_summed_by_proxy_and_shown_most_common_first():
    def record(nodeid, through):
        counts = {"pass": 1, "fail": 0, "inconclusive": sum(through.values())}
        run = {"counts": counts, "checks": {}, "examples": [], "series": {}, "inconclusive_through": through}
        return {"nodeid": nodeid, "result": "ewn:thm2", "outcome": "passed", "duration_s": 1.0, "run": run}

    summary = report.summarise([record("a.py::one", {"A4": 1, "A5, undecided nodes": 2}), record("a.py::two", {"A4": 2})])
    through = summary["ewn:thm2"]["inconclusive_through"]
    assert list(through.items()) == [("A4", 3), ("A5, undecided nodes", 2)]
    assert summary["ewn:thm2"]["examples"]["inconclusive"] == 5
    expected = "by the proxies they failed: 3 through A4; 2 through A5, undecided nodes."
    assert expected in report._page_md(entry("thm2") | {"inconclusive_through": through}, [])
    assert expected in report._page_html(entry("thm2") | {"inconclusive_through": through}, [])


def test_a_group_comparison_draws_the_values_it_compared(tmp_path):
    """prop3's claim ('EWN sparsest') carries the effective node counts per parameterisation of
    its conclusive initialisations; the example record keeps them and the claim figure draws
    each group in its own column, in the example's verdict mark."""
    from verify import claims
    from verify.files import pyplot
    from verify.tally import example_record

    comparisons = [
        claims.Comparison({"ewn": 5.0, "swn": 16.0, "unnorm": 15.0}),
        claims.Comparison({"ewn": 6.5, "swn": None, "unnorm": 19.0}),
        claims.Comparison({"ewn": None, "swn": 18.0, "unnorm": 17.0}),
    ]
    verdict = claims.sparser_claim(comparisons, "ewn", ("swn", "unnorm"), 0.9, 0.5)
    record = example_record(verdict)
    groups = record["claims"]["ewn sparsest, share of initialisations"]["groups"]
    assert groups == {"ewn effective nodes": [5.0, 6.5], "swn effective nodes": [16.0], "unnorm effective nodes": [15.0, 19.0]}
    figure, axis = pyplot().subplots()
    report._draw_groups_panel(axis, "ewn sparsest, share of initialisations", [record])
    drawn = {round(float(x)): sorted(float(y) for y in line.get_ydata()) for line in axis.lines for x in line.get_xdata()[:1]}
    assert drawn == {0: [5.0, 6.5], 1: [16.0], 2: [15.0, 19.0]}
    assert [t.get_text() for t in axis.get_xticklabels()] == list(groups)
    entry_ = entry("prop3")
    entry_["claim_examples"] = [record]
    report.write(document(entry_), tmp_path)
    assert (tmp_path / "ewn" / "prop3-claims.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_each_property_tests_own_counts_are_kept_and_shown_beside_it():
    """A result pools its arms (crisp and generic, EWN and SWN); its page also gives each
    property test's own pass / fail / inconclusive, so an arm's share can be read off."""

    def record(nodeid, counts):
        run = {"counts": counts, "checks": {}, "examples": [], "series": {}} if counts else None
        return {"nodeid": nodeid, "result": "ewn:thm2", "outcome": "passed", "duration_s": 1.0, "run": run}

    crisp, generic = {"pass": 8, "fail": 0, "inconclusive": 1}, {"pass": 5, "fail": 1, "inconclusive": 4}
    summary = report.summarise([record("a.py::crisp", crisp), record("a.py::generic", generic), record("a.py::control", None)])
    result = summary["ewn:thm2"]
    assert result["test_examples"] == {"a.py::crisp": crisp, "a.py::generic": generic}
    assert result["examples"] == {"pass": 13, "fail": 1, "inconclusive": 5}
    page = entry("thm2") | {"tests": result["tests"], "test_examples": result["test_examples"]}
    md, html_page = report._page_md(page, []), report._page_html(page, [])
    assert "- `a.py::crisp`: passed (8 / 0 / 1)" in md and "- `a.py::generic`: passed (5 / 1 / 4)" in md
    assert "- `a.py::control`: passed\n" in md
    assert "<code>a.py::crisp</code>: passed (8 / 0 / 1)" in html_page
    assert "<code>a.py::control</code>: passed</li>" in html_page
