"""Per-result regression reports: build, write atomically, load, render and compare.

A report is one JSON document (report.json) holding a schema version, the environment, and
one entry per result of each pack run: key (`pack:id`), pack, id, title, status, example
counts, metrics (the worst value of each claim check, with its threshold), counterexample
(Hypothesis's shrunk falsifying example, if a property failed), duration_s, each test's
outcome and duration (benchmarks/suite.py reads these), the draws rejected as outside the
domain, the inconclusive examples counted by the proxies they failed, and the evidence of
arms declared unmet. The environment names the profile, the seed (for a seeded run) and the
executor.
Beside it: index.md and index.html with one section per pack, and a folder per pack with
<id>.json, <id>.md / <id>.html pages, <id>-claims.png (each claim's value in every kept
example, marked by verdict, with its threshold, and for a trend its series against log L with
the fitted decay) and <id>.png (one example's trajectory).

A result's status, from its tests, first match wins: skipped (no tests, or all skipped),
error (a test errored outside its verdicts), fail (a test failed: a counterexample or a
control that passed), inconclusive (no example passed, or the inconclusive share is evidently
over one half: verify.tally.vacuous), assumption-unmet (an arm declared unmet, see
verify.tally.UnmetAssumption, had more draws failing the assumption than conclusive verdicts;
its evidence is listed in `assumption_unmet`), pass.

Every file is written to a temporary name in the same folder and renamed into place, and
report.json, which `verify compare` reads, is renamed last: a crash leaves the previous
report whole.
"""

from __future__ import annotations

import html
import json
import math
import os
import platform
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from verify import files, profiles, registry
from verify.errors import ConfigError
from verify.packs import Pack, Result
from verify.tally import vacuous

SCHEMA_VERSION = 3
# Schema 3 added the status assumption-unmet; a schema-2 report reads as one with no such arm.
READABLE_SCHEMAS = (2, 3)
STATUSES = ("pass", "fail", "inconclusive", "assumption-unmet", "error", "skipped")
# How bad a status is, for "a status change for the worse".
SEVERITY = {"pass": 0, "skipped": 1, "assumption-unmet": 2, "inconclusive": 2, "fail": 3, "error": 3}
# A claim metric regresses when it moves toward its threshold by more than this fraction of
# the threshold's magnitude (the stated drift tolerance, written into each metric entry).
DRIFT_FRACTION = 0.5


def _empty_counts() -> dict[str, int]:
    return {"pass": 0, "fail": 0, "inconclusive": 0}


def result_status(tests: list[dict]) -> str:
    """A result's status from its test records (see the module docstring for the order)."""
    if not tests:
        return "skipped"
    if any(t["outcome"] == "failed" and t.get("failure", "error") == "error" for t in tests):
        return "error"
    if any(t["outcome"] == "failed" for t in tests):
        return "fail"
    if all(t["outcome"] == "skipped" for t in tests):
        return "skipped"
    counts = _empty_counts()
    for t in tests:
        for status, n in ((t.get("run") or {}).get("counts") or {}).items():
            counts[status] += n
    total = sum(counts.values())
    if total and (counts["pass"] == 0 or vacuous(counts["inconclusive"], total)):
        return "inconclusive"
    if any(_unmet_arm(t.get("run") or {}) for t in tests):
        return "assumption-unmet"
    return "pass"


def _unmet_arm(run: dict) -> bool:
    """An arm declared unmet (verify.tally.UnmetAssumption) whose draws that failed the
    assumption outnumber its conclusive verdicts."""
    unmet = (run.get("assumption_unmet") or {}).get("unmet") or []
    counts = run.get("counts") or {}
    return len(unmet) > counts.get("pass", 0) + counts.get("fail", 0)


# Hypothesis heads the shrunk example "Falsifying example:" or, lately, "Failing test case:".
_HEADERS = ("Falsifying example:", "Failing test case:")


def counterexample(longrepr: str) -> str | None:
    """Hypothesis's shrunk example (the call it replays) from a failure report, if there is one.

    It is read from the assertion lines ('E ...'): the header line, then the call's lines up to
    the one that closes it.
    """
    lines = [line[2:].rstrip() for line in (longrepr or "").splitlines() if line.startswith("E ")]
    starts = [i for i, line in enumerate(lines) if line.strip().startswith(_HEADERS)]
    if not starts:
        return None
    header = lines[starts[0]]
    indent = len(header) - len(header.lstrip())
    block = [header.strip()]
    if block[0].endswith("("):
        for line in lines[starts[0] + 1 :]:
            block.append(line[indent:])
            if line.strip() == ")":
                break
    return "\n".join(block)


def _merge_checks(into: dict, checks: dict) -> None:
    for name, entry in checks.items():
        seen = into.get(name)
        if seen is None:
            into[name] = dict(entry)
            continue
        worse = entry["value"] > seen["value"] if entry["relation"] == "<=" else entry["value"] < seen["value"]
        if worse:
            seen.update(value=entry["value"], threshold=entry["threshold"])
        seen["examples"] += entry["examples"]


def summarise(tests: Iterable[dict]) -> dict[str, dict]:
    """Per result id: status, example counts, metrics, counterexample, duration, test outcomes."""
    by_result: dict[str, list[dict]] = {}
    # In node-id order, not arrival order: which example's series is plotted, which failure is
    # the counterexample and the order of the kept examples must not depend on the executor.
    for test in sorted(tests, key=lambda t: t["nodeid"]):
        by_result.setdefault(test["result"], []).append(test)
    out = {}
    for rid, group in sorted(by_result.items()):
        counts, example = _empty_counts(), None
        checks: dict[str, dict] = {}
        series: dict[str, list] = {}
        kept: list[dict] = []
        outside: dict[str, int] = {}
        through: dict[str, int] = {}
        unmet: list[dict] = []
        for test in group:
            run = test.get("run") or {}
            for status, n in (run.get("counts") or {}).items():
                counts[status] += n
            for reason, n in (run.get("outside_domain") or {}).items():
                outside[reason] = outside.get(reason, 0) + n
            for proxies, n in (run.get("inconclusive_through") or {}).items():
                through[proxies] = through.get(proxies, 0) + n
            if run.get("assumption_unmet"):
                unmet.append({"test": test["nodeid"], **run["assumption_unmet"]})
            _merge_checks(checks, run.get("checks") or {})
            kept += run.get("examples") or []
            series = series or run.get("series") or {}
            if test["outcome"] == "failed" and example is None:
                example = counterexample(test.get("longrepr", "")) or _first_line(test.get("longrepr", ""))
        for entry in checks.values():
            entry["drift_tolerance"] = DRIFT_FRACTION * abs(entry["threshold"])
        out[rid] = {
            "status": result_status(group),
            "examples": counts,
            "outside_domain": dict(sorted(outside.items())),
            "inconclusive_through": dict(sorted(through.items(), key=lambda item: (-item[1], item[0]))),
            "assumption_unmet": unmet,
            "metrics": checks,
            "counterexample": example,
            "duration_s": round(sum(t["duration_s"] for t in group), 3),
            "tests": {t["nodeid"]: t["outcome"] for t in group},
            "test_examples": {t["nodeid"]: own for t in group if (own := _counts_of(t))},
            "test_durations_s": {t["nodeid"]: round(t["duration_s"], 3) for t in group},
            "claim_examples": kept,
            "series": series,
        }
    return out


def _counts_of(test: dict) -> dict[str, int]:
    """A property test's own pass / fail / inconclusive counts (one arm of its result); {} for
    a test that records no verdicts."""
    counts = (test.get("run") or {}).get("counts") or {}
    return {status: counts.get(status, 0) for status in _empty_counts()} if counts else {}


def _test_line(entry: dict, nodeid: str) -> str:
    counts = entry.get("test_examples", {}).get(nodeid)
    return f" ({' / '.join(str(counts[s]) for s in _empty_counts())})" if counts else ""


def verdict_table(tests: Iterable[dict]) -> list[str]:
    """The per-result table a run prints: status and example counts of each result, and the
    draws kept as evidence that a declared assumption is unmet (counted in no other column)."""
    lines = [f"{'result':<18} {'status':<16} {'pass':>6} {'fail':>6} {'inconclusive':>13} {'unmet':>6}"]
    for rid, entry in summarise(tests).items():
        c = entry["examples"]
        unmet = sum(len(arm["unmet"]) for arm in entry["assumption_unmet"])
        lines.append(f"{rid:<18} {entry['status']:<16} {c['pass']:>6} {c['fail']:>6} {c['inconclusive']:>13} {unmet:>6}")
    return lines if len(lines) > 1 else []


def _first_line(text: str) -> str | None:
    lines = [line for line in (text or "").splitlines() if line.startswith("E ")]
    return lines[0][2:].strip() if lines else None


def cpu() -> str:
    """This machine's processor, as Linux names it (else what platform knows of it), and the
    instruction set torch's CPU kernels chose: another CPU, or ATEN_CPU_CAPABILITY, changes the
    reduction order and so the last bits of every sum."""
    import torch

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), model)
    except OSError:
        pass
    return f"{model} ({torch.backends.cpu.get_cpu_capability()})"


def environment(profile: str | None = None, device: str | None = None, seed: str | None = None, executor: str = "pytest") -> dict:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for package in ("verify", "torch", "hypothesis", "numpy", "scipy", "sympy", "pytest"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": versions,
        "platform": platform.platform(),
        "device": device or os.environ.get("VERIFY_DEVICE", "cpu"),
        "profile": profile or profiles.current(),
        "seed": seed or os.environ.get("VERIFY_SEED"),
        "executor": executor,
    }


def build(tests: Iterable[dict], packs: dict[str, Pack], wanted: list[str] | None = None, executor: str = "pytest") -> dict:
    """The report of a run: every result of the packs (or the wanted `pack:id` keys), in pack
    and statement order. executor says what ran the tests (pytest, its xdist workers, a cluster)."""
    catalogue = {
        registry.key(name, rid): (name, result)
        for name, pack in packs.items()
        for rid, result in registry.catalogue(pack).items()
    }
    summary = summarise(tests)
    keys = wanted or list(catalogue)
    results = []
    for rkey in keys:
        pack, _, rid = rkey.rpartition(":")
        pack, known = catalogue.get(rkey) or (pack, Result(rid, rid, "", "", "unknown"))
        entry = summary.get(rkey) or {
            "status": "skipped",
            "examples": _empty_counts(),
            "metrics": {},
            "counterexample": None,
            "duration_s": 0.0,
            "tests": {},
            "test_durations_s": {},
            "claim_examples": [],
            "series": {},
        }
        if not entry["tests"]:
            entry["reason"] = "no property tests" if not known.modules else "no tests ran"
        results.append(
            {
                "key": rkey,
                "pack": pack,
                "id": rid,
                "title": known.title,
                "loss": known.loss,
                "modules": list(known.modules),
                **entry,
            }
        )
    return {"schema_version": SCHEMA_VERSION, "environment": environment(executor=executor), "results": results}


def _json(document) -> bytes:
    return (json.dumps(document, indent=2, allow_nan=True) + "\n").encode()


def write(report: dict, folder: str | Path) -> Path:
    """Write report.json, index.md/html, and <pack>/<id>.json with the pages and plots, into folder."""
    folder = files.make_folder(folder, "report")
    for entry in report["results"]:
        pages = files.make_folder(folder / entry["pack"], "report")
        files.write_bytes(pages / f"{entry['id']}.json", _json(entry))
        figures = [f for f in (_plot_claims(entry, pages), _plot(entry, pages)) if f is not None]
        files.write_bytes(pages / f"{entry['id']}.md", _page_md(entry, figures).encode())
        files.write_bytes(pages / f"{entry['id']}.html", _page_html(entry, figures).encode())
    files.write_bytes(folder / "index.md", _index_md(report).encode())
    files.write_bytes(folder / "index.html", _index_html(report).encode())
    files.write_bytes(folder / "report.json", _json(report))
    return folder / "report.json"


def write_records(records: list[dict], path: str | Path) -> None:
    """Write a run's per-test records (what `build` reads) to path, atomically, as JSON."""
    files.write_bytes(Path(path), _json(records))


def load_records(path: str | Path) -> list[dict]:
    """The per-test records that write_records wrote; ConfigError if missing or corrupt."""
    try:
        records = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"no readable test records at {path}: {error}") from None
    required = {"nodeid", "result", "outcome"}
    if not isinstance(records, list) or not all(isinstance(r, dict) and required <= set(r) for r in records):
        raise ConfigError(f"corrupt test records at {path}")
    return records


def load(path: str | Path) -> dict:
    """A report from report.json or its folder; ConfigError if missing, corrupt or of another schema."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.json"
    if not path.is_file():
        raise ConfigError(f"no report at {path}")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"corrupt report {path}: {error}") from None
    if not isinstance(document, dict) or document.get("schema_version") not in READABLE_SCHEMAS:
        raise ConfigError(f"{path} is not a verify report of schema {READABLE_SCHEMAS[0]}-{READABLE_SCHEMAS[-1]}")
    results = document.get("results")
    if not isinstance(results, list) or not all(
        isinstance(r, dict) and all(isinstance(r.get(k), str) for k in ("key", "pack", "id")) and r.get("status") in STATUSES
        for r in results
    ):
        raise ConfigError(f"corrupt report {path}: results must be a list of entries with a key, pack, id and known status")
    return document


def compare(old: dict, new: dict, ids: list[str] | None = None) -> list[str]:
    """Regressions from old to new, one line each: a worse status, a metric drifting toward
    its threshold by more than its drift tolerance, or a result that disappeared."""
    old_results = {r["key"]: r for r in old["results"]}
    new_results = {r["key"]: r for r in new["results"]}
    found = []
    for rid in ids or list(old_results):
        before = old_results.get(rid)
        if before is None:
            continue
        after = new_results.get(rid)
        if after is None:
            found.append(f"{rid}: disappeared (was {before['status']})")
            continue
        if SEVERITY[after["status"]] > SEVERITY[before["status"]]:
            found.append(f"{rid}: status {before['status']} -> {after['status']}")
        for name, was in (before.get("metrics") or {}).items():
            now = (after.get("metrics") or {}).get(name)
            if now is None:
                continue
            toward = now["value"] - was["value"] if was["relation"] == "<=" else was["value"] - now["value"]
            tolerance = was.get("drift_tolerance", DRIFT_FRACTION * abs(was["threshold"]))
            if math.isfinite(toward) and toward > tolerance or not math.isfinite(now["value"]):
                found.append(
                    f"{rid}: metric {name!r} {was['value']:.4g} -> {now['value']:.4g} "
                    f"(threshold {was['relation']} {was['threshold']:.4g}, drift tolerance {tolerance:.4g})"
                )
    return found


# ---- rendering -------------------------------------------------------------------------


# Marks per verdict in the claim figure.
MARKS = {"pass": ("o", "tab:green"), "fail": ("X", "tab:red"), "inconclusive": ("^", "tab:gray")}
MAX_CLAIM_PANELS = 4


def _claim_panels(examples: list[dict]) -> list[str]:
    """The claims to draw: those with a trace first, then the rest, in order of appearance."""
    names: dict[str, bool] = {}
    for example in examples:
        for name, claim in example["claims"].items():
            names[name] = names.get(name, False) or claim.get("trace") is not None
    return sorted(names, key=lambda n: not names[n])[:MAX_CLAIM_PANELS]


def _draw_trace_panel(axis, name: str, examples: list[dict]) -> None:
    worst = None
    for example in examples:
        claim = example["claims"].get(name)
        if claim is None or claim.get("trace") is None:
            continue
        marker, colour = MARKS[example["status"]]
        levels, values = (np.asarray(v, dtype=float) for v in claim["trace"])
        axis.plot(levels, values, marker=marker, color=colour, linewidth=0.8, markersize=4, alpha=0.7)
        if example["status"] != "inconclusive" and (worst is None or values[-1] > worst[1][-1]):
            worst = (levels, values)
    if any(v > 0 for e in examples for v in (e["claims"].get(name, {}).get("trace") or [[], []])[1]):
        axis.set_yscale("log")
    if worst is not None and len(worst[0]) >= 2 and np.all(worst[1][-3:] > 0) and np.all(worst[0][-3:] < 0):
        # The fitted decay of the worst judged example: the |log L| power law through its last points.
        x, y = np.log(-worst[0][-3:]), np.log(worst[1][-3:])
        slope, intercept = np.polyfit(x, y, 1)
        grid = np.linspace(worst[0][0], worst[0][-1], 50)
        axis.plot(grid, np.exp(intercept + slope * np.log(-grid)), "k:", linewidth=1.2, label=f"fit |log L|^{slope:.2f}")
    axis.set_xlabel("log L")
    axis.invert_xaxis()


def _draw_value_panel(axis, name: str, examples: list[dict]) -> None:
    for index, example in enumerate(examples):
        claim = example["claims"].get(name)
        if claim is None:
            continue
        marker, colour = MARKS[example["status"]]
        axis.plot([index], [claim["value"]], marker=marker, color=colour, linestyle="none", markersize=5)
    axis.set_xlabel("example")


def _draw_groups_panel(axis, name: str, examples: list[dict]) -> None:
    """The values each example's claim compared, one column per group (jittered per example),
    in the example's verdict mark; the claim's own value and threshold go in the title."""
    labels: list[str] = []
    for index, example in enumerate(examples):
        groups = (example["claims"].get(name) or {}).get("groups") or {}
        marker, colour = MARKS[example["status"]]
        for label, values in groups.items():
            if label not in labels:
                labels.append(label)
            x = labels.index(label) + 0.3 * (index / max(len(examples) - 1, 1) - 0.5)
            axis.plot([x] * len(values), values, marker=marker, color=colour, linestyle="none", markersize=4, alpha=0.7)
    axis.set_xticks(range(len(labels)), labels, fontsize=7)


def _plot_claims(entry: dict, folder: Path) -> str | None:
    """<id>-claims.png: for each claim (up to MAX_CLAIM_PANELS), its value in every kept
    example, marked by verdict (pass o, fail X, inconclusive ^), with the threshold (dashed).
    A claim that judges a trend is drawn as its series against log L, with the power-law fit
    through the last points of the worst judged example (dotted); None if no example has claims."""
    examples = [e for e in entry.get("claim_examples") or [] if e.get("claims")]
    if not examples:
        return None
    names = _claim_panels(examples)
    plt = files.pyplot()
    figure, axes = plt.subplots(1, len(names), figsize=(4.4 * len(names), 3.6), squeeze=False)
    for axis, name in zip(axes[0], names):
        traced = any((e["claims"].get(name) or {}).get("trace") is not None for e in examples)
        grouped = any((e["claims"].get(name) or {}).get("groups") for e in examples)
        threshold = next(e["claims"][name]["threshold"] for e in examples if name in e["claims"])
        relation = next(e["claims"][name]["relation"] for e in examples if name in e["claims"])
        if grouped:
            # The groups are the compared quantities, not the claim's value: no threshold line.
            _draw_groups_panel(axis, name, examples)
            axis.set_title(f"{name} ({relation} {threshold:.3g}): the values compared", fontsize=9)
            continue
        (_draw_trace_panel if traced else _draw_value_panel)(axis, name, examples)
        if math.isfinite(threshold):
            axis.axhline(threshold, color="k", linestyle="--", linewidth=1, label=f"threshold ({relation} {threshold:.3g})")
        axis.set_title(name, fontsize=9)
        axis.legend(fontsize=7, loc="best")
    counts = {status: sum(e["status"] == status for e in examples) for status in MARKS}
    shown = ", ".join(f"{n} {status} ({MARKS[status][0]})" for status, n in counts.items())
    figure.suptitle(f"{entry['key']}: the claims, per example: {shown}", fontsize=10)
    figure.tight_layout()
    name = f"{entry['id']}-claims.png"
    files.save_figure(figure, folder / name)
    return name


def _plot(entry: dict, folder: Path) -> str | None:
    """<id>.png: shares, cosines and log||w_u|| + log||grad_u L|| (relative to the largest node)
    against log L; None if no series."""
    series = entry.get("series") or {}
    if not series.get("log_loss"):
        return None
    plt = files.pyplot()
    levels = series["log_loss"]
    panels = [
        ("node_share", "share ||w_u|| / ||w||"),
        ("node_cos", "cos(w_u, -grad_u L)"),
        ("node_log_norm_grad", "log||w_u|| + log||grad_u L||, minus the largest"),
    ]
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for axis, (name, label) in zip(axes, panels):
        values = np.asarray(series[name], dtype=float)
        if name == "node_log_norm_grad":
            # Relative to each snapshot's largest node, as in the paper's figure 3: survivors -> 0.
            values = values - values.max(axis=1, keepdims=True)
        axis.plot(levels, values, marker=".", linewidth=1)
        axis.set_xlabel("log L")
        axis.set_title(label, fontsize=10)
        axis.invert_xaxis()
    figure.suptitle(f"{entry['key']}: one example's trajectory, one line per node", fontsize=11)
    figure.tight_layout()
    files.save_figure(figure, folder / f"{entry['id']}.png")
    return f"{entry['id']}.png"


def _examples(entry: dict) -> str:
    c = entry["examples"]
    return f"{c['pass']} / {c['fail']} / {c['inconclusive']}"


def _by_pack(report: dict) -> dict[str, list[dict]]:
    sections: dict[str, list[dict]] = {}
    for entry in report["results"]:
        sections.setdefault(entry["pack"], []).append(entry)
    return sections


def _index_md(report: dict) -> str:
    env = report["environment"]
    lines = [
        "# verify report",
        "",
        f"Created {env['created']}; profile {env['profile']}; device {env['device']}; "
        f"torch {env['versions'].get('torch')}; hypothesis {env['versions'].get('hypothesis')}.",
    ]
    for pack, entries in _by_pack(report).items():
        lines += [
            "",
            f"## Pack {pack}",
            "",
            "| result | title | status | examples pass / fail / inconclusive | duration (s) |",
            "|---|---|---|---|---|",
        ]
        for e in entries:
            lines.append(
                f"| [{e['id']}]({pack}/{e['id']}.md) | {e['title']} | {e['status']} | {_examples(e)} | {e['duration_s']:.1f} |"
            )
    return "\n".join(lines) + "\n"


def _metrics_rows(entry: dict) -> list[tuple[str, str, str, str]]:
    return [
        (name, f"{m['value']:.4g}", f"{m['relation']} {m['threshold']:.4g}", str(m["examples"]))
        for name, m in entry.get("metrics", {}).items()
    ]


def _outside(entry: dict) -> str:
    return ", ".join(f"{n} {reason}" for reason, n in entry["outside_domain"].items())


def _through(entry: dict) -> str:
    return "; ".join(f"{n} through {proxies}" for proxies, n in entry["inconclusive_through"].items())


def _unmet_lines(entry: dict) -> list[str]:
    """One paragraph per arm declared unmet: the assumption, how many of its draws failed it,
    the domain, the measurement behind the declaration and each failing draw's proxy values."""
    lines = []
    for arm in entry.get("assumption_unmet") or []:
        draws = "; ".join(
            ", ".join(f"{p['name']} {p['value']:.4g} (needs {p['relation']} {p['threshold']:.4g})" for p in draw)
            for draw in arm["unmet"]
        )
        lines.append(
            f"Assumption {arm['assumption']} unmet on the {arm['arm']} arm (`{arm['test']}`): {len(arm['unmet'])} of "
            f"{arm['draws']} draws failed it. Domain: {arm['domain']}. Measured: {arm['evidence']}"
            + (f" This run's failing draws: {draws}." if draws else "")
        )
    return lines


def _page_md(entry: dict, figures: list[str]) -> str:
    lines = [f"# {entry['key']}: {entry['title']}", "", f"Status: **{entry['status']}**", ""]
    if entry.get("reason"):
        lines += [f"Reason: {entry['reason']}", ""]
    lines += [f"Examples pass / fail / inconclusive: {_examples(entry)}; duration {entry['duration_s']:.1f} s.", ""]
    if entry.get("outside_domain"):
        lines += [f"Draws rejected as outside the domain (not counted above): {_outside(entry)}.", ""]
    if entry.get("inconclusive_through"):
        lines += [f"Inconclusive examples, by the proxies they failed: {_through(entry)}.", ""]
    for line in _unmet_lines(entry):
        lines += [line, ""]
    rows = _metrics_rows(entry)
    if rows:
        lines += ["| claim (worst over examples) | value | threshold | examples |", "|---|---|---|---|"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
        lines.append("")
    if entry.get("counterexample"):
        lines += ["Counterexample:", "", "```", entry["counterexample"], "```", ""]
    lines += [f"![{entry['id']}: {figure}]({figure})\n" for figure in figures]
    lines += ["Tests (a property test's pass / fail / inconclusive in brackets):", ""]
    lines += [f"- `{nodeid}`: {outcome}{_test_line(entry, nodeid)}" for nodeid, outcome in entry.get("tests", {}).items()]
    return "\n".join(lines) + "\n"


def _page_html(entry: dict, figures: list[str]) -> str:
    e = html.escape
    parts = [f"<h1>{e(entry['key'])}: {e(entry['title'])}</h1>", f"<p>Status: <b>{e(entry['status'])}</b></p>"]
    if entry.get("reason"):
        parts.append(f"<p>Reason: {e(entry['reason'])}</p>")
    parts.append(f"<p>Examples pass / fail / inconclusive: {_examples(entry)}; duration {entry['duration_s']:.1f} s.</p>")
    if entry.get("outside_domain"):
        parts.append(f"<p>Draws rejected as outside the domain (not counted above): {e(_outside(entry))}.</p>")
    if entry.get("inconclusive_through"):
        parts.append(f"<p>Inconclusive examples, by the proxies they failed: {e(_through(entry))}.</p>")
    parts += [f"<p>{e(line)}</p>" for line in _unmet_lines(entry)]
    rows = _metrics_rows(entry)
    if rows:
        parts.append("<table><tr><th>claim (worst over examples)</th><th>value</th><th>threshold</th><th>examples</th></tr>")
        parts += ["<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>" for row in rows]
        parts.append("</table>")
    if entry.get("counterexample"):
        parts.append(f"<p>Counterexample:</p><pre>{e(entry['counterexample'])}</pre>")
    parts += [f'<img src="{e(figure)}" alt="{e(entry["id"])}: {e(figure)}">' for figure in figures]
    parts.append("<p>Tests (a property test's pass / fail / inconclusive in brackets):</p>")
    items = "".join(f"<li><code>{e(n)}</code>: {e(o + _test_line(entry, n))}</li>" for n, o in entry.get("tests", {}).items())
    parts.append("<ul>" + items + "</ul>")
    return _html_document(f"verify: {entry['key']}", "\n".join(parts))


def _index_html(report: dict) -> str:
    e = html.escape
    env = report["environment"]
    sections = []
    for pack, entries in _by_pack(report).items():
        rows = "".join(
            f'<tr><td><a href="{e(pack)}/{e(r["id"])}.html">{e(r["id"])}</a></td><td>{e(r["title"])}</td>'
            f'<td class="{e(r["status"])}">{e(r["status"])}</td><td>{_examples(r)}</td><td>{r["duration_s"]:.1f}</td></tr>'
            for r in entries
        )
        sections.append(
            f"<h2>Pack {e(pack)}</h2><table><tr><th>result</th><th>title</th><th>status</th>"
            f"<th>examples pass / fail / inconclusive</th><th>duration (s)</th></tr>{rows}</table>"
        )
    body = (
        f"<h1>verify report</h1><p>Created {e(env['created'])}; profile {e(str(env['profile']))}; "
        f"device {e(str(env['device']))}.</p>" + "".join(sections)
    )
    return _html_document("verify report", body)


def _html_document(title: str, body: str) -> str:
    style = (
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px}.pass{color:#070}.fail,.error{color:#b00}"
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{body}</body></html>\n"
    )
