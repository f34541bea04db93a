"""The `verify` command: run the installed packs' properties and write reports, list the results,
compare reports, run the self-test, reproduce a paper's experiments.

    verify run [--pack NAME ...] [--theorem [PACK:]ID ...] [--profile dev|ci|thorough]
               [--workers N | --cluster local[:N]|tcp://HOST:PORT] [--report-dir DIR]
               [--baseline DIR] [--device cpu|cuda] [--seed N] [-k EXPR]
    verify list [--pack NAME ...] [--report-dir DIR]
    verify compare OLD NEW
    verify selftest [--fault NAME ...] [--fast] [--false-alarms N [--first-seed K] [--record DIR]]
                    [--cluster local[:N]|tcp://HOST:PORT]
    verify selftest --pool PATH ...
    verify experiment [PACK:]NAME [--out DIR] [--seed N] [--device cpu|cuda] [--budget quick|full]
                                  [--config FILE] [--mnist-dir DIR]

Exit codes: 0 all well; 1 a result failed (or errored); 3 a regression against the baseline
(when nothing failed); 2 bad usage or bad input, with a one-line message and no traceback.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from verify import cluster, files, packs, profiles, registry, report, units
from verify.errors import ConfigError

if TYPE_CHECKING:
    from verify.selftest import SeedRun

DEFAULT_REPORT_DIR = Path("reports/latest")
DEVICES = ("cpu", "cuda")


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors become ConfigError (one line, exit 2)."""

    def error(self, message):
        raise ConfigError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="verify", description="Executable properties of deep-learning theory, one pack per paper.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="run the properties and write a report per result")
    run.add_argument(
        "--pack", nargs="+", action="extend", default=None, metavar="NAME", help="packs to run (default: all installed)"
    )
    run.add_argument(
        "--theorem",
        nargs="+",
        action="extend",
        default=None,
        metavar="ID",
        help="result ids, ID or PACK:ID, to run (default: all)",
    )
    run.add_argument("--profile", choices=profiles.PROFILES, default=None, help="Hypothesis profile")
    run.add_argument("--workers", default="auto", help="pytest-xdist workers ('auto', or 0 for serial)")
    run.add_argument("--report-dir", type=Path, default=DEFAULT_REPORT_DIR, help="where the report goes")
    run.add_argument("--baseline", type=Path, default=None, help="a previous report folder to compare against")
    run.add_argument("--device", choices=DEVICES, default="cpu", help="where the trainers run")
    run.add_argument(
        "--seed", type=int, default=None, help="draw from this Hypothesis seed (ci, thorough) instead of derandomising"
    )
    run.add_argument("-k", dest="keyword", default=None, help="pytest -k expression selecting tests")
    run.add_argument(
        "--cluster",
        default=None,
        metavar="WHERE",
        help="run the tests on Dask: local, local:N or tcp://HOST:PORT (needs the extra verify[cluster])",
    )
    listing = sub.add_parser("list", help="list the packs' results with their last known status")
    listing.add_argument("--pack", nargs="+", action="extend", default=None, metavar="NAME", help="packs to list (default: all)")
    listing.add_argument("--report-dir", type=Path, default=DEFAULT_REPORT_DIR, help="report to read statuses from")
    comparing = sub.add_parser("compare", help="compare two reports; exit 3 on a regression")
    comparing.add_argument("old", type=Path)
    comparing.add_argument("new", type=Path)
    testing = sub.add_parser("selftest", help="run the tests against deliberate faults; exit 1 if one is missed")
    testing.add_argument("--fault", nargs="+", action="extend", default=None, metavar="NAME", help="faults to run (default: all)")
    testing.add_argument("--fast", action="store_true", help="only the fast subset that CI runs")
    testing.add_argument(
        "--false-alarms",
        type=int,
        default=0,
        metavar="N",
        help="run the correct implementation under N seeded ci-profile runs (alone: only these, no faults)",
    )
    testing.add_argument(
        "--first-seed",
        type=int,
        default=1,
        metavar="K",
        help="the seeded runs use seeds K .. K+N-1 (default 1), so that a sweep can be split and pooled",
    )
    testing.add_argument(
        "--cluster",
        default=None,
        metavar="WHERE",
        help="run the faults and seeded runs on Dask: local, local:N or tcp://HOST:PORT",
    )
    testing.add_argument(
        "--record",
        type=Path,
        default=None,
        metavar="DIR",
        help="write each seeded run to DIR/seed-K.json as it ends, with the code's fingerprint, for --pool",
    )
    testing.add_argument(
        "--pool",
        type=Path,
        nargs="+",
        default=None,
        metavar="PATH",
        help="pool recorded seeded runs (files or folders) of one code as one sweep; alone",
    )
    experiment = sub.add_parser("experiment", help="reproduce one of the paper's experiments: figures and summary.json")
    experiment.add_argument("name", metavar="NAME", help="an experiment of an installed pack (`verify list` shows them)")
    experiment.add_argument("--out", type=Path, default=None, help="output folder (default: reports/experiments/NAME)")
    experiment.add_argument("--seed", type=int, default=0, help="first seed (data and initialisations)")
    experiment.add_argument("--device", choices=DEVICES, default="cpu", help="where the trainers run")
    experiment.add_argument("--budget", choices=("quick", "full"), default="quick", help="the configuration's budget")
    experiment.add_argument("--config", type=Path, default=None, help="a configuration file (default: its fixture)")
    experiment.add_argument("--mnist-dir", type=Path, default=None, help="pruning: real MNIST IDX files instead of digits")
    return parser


def _workers(value: str) -> list[str]:
    if value == "auto":
        return ["-n", "auto", "--dist", "loadgroup"]
    if not value.isdigit():
        raise ConfigError(f"--workers {value!r} must be 'auto' or a non-negative integer")
    return [] if int(value) == 0 else ["-n", value, "--dist", "loadgroup"]


def _catalogues(selected: dict[str, packs.Pack]) -> dict[str, dict[str, registry.Result]]:
    return {name: registry.catalogue(pack) for name, pack in selected.items()}


def _pytest_root(folders: list[Path]) -> Path:
    return Path(os.path.commonpath([str(f.resolve()) for f in folders]))


def _check_device(device: str) -> None:
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ConfigError("--device cuda requested but CUDA is not available on this machine")


def run(args: argparse.Namespace) -> int:
    selected = packs.select(args.pack)
    keys = registry.resolve_ids(args.theorem, _catalogues(selected)) if args.theorem else None
    if keys:
        selected = {name: pack for name, pack in selected.items() if any(k.startswith(name + ":") for k in keys)}
    _check_device(args.device)
    on = cluster.parse(args.cluster) if args.cluster else None
    if on is not None:
        cluster.require()
    workers = _workers(args.workers)
    baseline = report.load(args.baseline) if args.baseline is not None else None
    profile = profiles.chosen(args.profile)
    if args.seed is not None and (args.seed < 0 or profile == "dev"):
        raise ConfigError("--seed needs a seed >= 0 and the ci or thorough profile (dev is always derandomised)")
    folder = files.make_folder(args.report_dir.resolve(), "report")
    folders = [Path(pack.properties) for pack in selected.values()]
    root = _pytest_root(folders)
    plan = _Plan(
        command=units.pytest_command([str(f) for f in folders], root, profile, list(selected), keys, args.keyword, args.seed),
        env=units.environment(profile, args.device, args.seed),
        root=root,
        selected=selected,
        keys=keys,
        profile=profile,
        device=args.device,
        seed=args.seed,
    )
    what = ", ".join(keys) if keys else "all results of " + ", ".join(selected)
    where = f" on the cluster {on.spec}" if on else ""
    print(f"verify: running {what} under the {profile!r} profile{where}", flush=True)
    code = 0
    if on is None:
        code = subprocess.call([*plan.command, *workers, "--verify-report", str(folder), "--verify-progress"], env=plan.env)
        if code == 5:
            raise ConfigError("no property tests were selected")
        if code not in (0, 1):
            raise ConfigError(f"pytest stopped with exit code {code} before the properties ran")
    else:
        _run_on_cluster(on, plan, folder)
    new = report.load(folder)
    print(f"verify: report written to {folder / 'index.html'}")
    failed = [r["key"] for r in new["results"] if r["status"] in ("fail", "error")]
    regressions = report.compare(baseline, new, keys) if baseline is not None else []
    for line in regressions:
        print(f"verify: regression: {line}")
    if failed:
        print(f"verify: failed: {', '.join(failed)}")
        return 1
    if code == 1:
        # A failing control or meta-test outside every result's records still fails the run.
        print("verify: failed: a test outside the results' records (see pytest's summary above)")
        return 1
    return 3 if regressions else 0


@dataclass(frozen=True)
class _Plan:
    """What a `verify run` runs: the pytest command and environment, the packs' common root,
    the selected packs and result keys (None: all), the profile, device and seed."""

    command: list[str]
    env: dict[str, str]
    root: Path
    selected: dict[str, packs.Pack]
    keys: list[str] | None
    profile: str
    device: str
    seed: int | None


def _run_on_cluster(on: cluster.Cluster, plan: _Plan, folder: Path) -> None:
    """One unit per test on the cluster; the report is written only once every unit is back."""
    nodeids = units.collect(plan.command, plan.env)
    work = units.property_units(nodeids, plan.root, plan.selected, plan.profile, plan.device, plan.seed)
    database = profiles.example_database_folder().resolve() if profiles.keeps_examples(plan.profile) else None
    examples = units.snapshot(database) if database is not None else None
    records: list[dict] = []
    started = time.monotonic()
    for done, (unit, outcome) in enumerate(
        cluster.run(on, units.run_property_unit, work, examples, label=lambda u: u.nodeid), start=1
    ):
        records += outcome.records
        if database is not None:
            units.apply(database, outcome)
        status = ",".join(sorted({r["outcome"] for r in outcome.records})) or "no record"
        print(f"verify: [{done}/{len(work)} tests] {unit.nodeid} {status} ({time.monotonic() - started:.0f} s)", flush=True)
    for line in report.verdict_table(records):
        print(line)
    os.environ.update(plan.env)
    report.write(report.build(records, plan.selected, plan.keys, executor=f"dask {on.spec}"), folder)


def list_results(args: argparse.Namespace) -> int:
    selected = packs.select(args.pack)
    last = {}
    if (args.report_dir / "report.json").is_file():
        last = {r["key"]: r["status"] for r in report.load(args.report_dir)["results"]}
    for name, pack in selected.items():
        print(f"pack {name}: {pack.title}")
        print(f"  {'id':<12} {'loss':<14} {'last status':<16} {'modules':<40} title")
        for rid, result in registry.catalogue(pack).items():
            modules = ", ".join(result.modules) or "-"
            status = last.get(registry.key(name, rid), "unknown")
            print(f"  {rid:<12} {result.loss:<14} {status:<16} {modules:<40} {result.title}")
        if pack.experiments:
            print(f"  experiments: {', '.join(e.name for e in pack.experiments)}")
    return 0


def compare_reports(args: argparse.Namespace) -> int:
    old, new = report.load(args.old), report.load(args.new)
    regressions = report.compare(old, new)
    for line in regressions:
        print(f"regression: {line}")
    if not regressions:
        print(f"no regressions across {len(old['results'])} results")
    return 3 if regressions else 0


def selftest(args: argparse.Namespace) -> int:
    from verify import seed_records
    from verify import selftest as st

    if args.false_alarms < 0:
        raise ConfigError("--false-alarms must be >= 0")
    if args.first_seed < 0:
        raise ConfigError("--first-seed must be >= 0")
    if args.pool is not None:
        if args.fault is not None or args.fast or args.false_alarms or args.cluster or args.record:
            raise ConfigError("--pool reads recorded runs and takes no other option")
        records = seed_records.load(args.pool)
        seeds = [r.run.seed for r in records]
        described = records[0].identity.describe()
        print(f"pooling {len(records)} recorded seeded runs (seeds {seed_records.seed_ranges(seeds)}) of {described}")
        print(f"machines: {seed_records.machines(records)}")
        for record in records:
            _print_seed(record.run)
        return 1 if _print_sweep([r.run for r in records]) else 0
    if args.record is not None and not args.false_alarms:
        raise ConfigError("--record needs --false-alarms N")
    on = cluster.parse(args.cluster) if args.cluster else None
    if on is not None:
        cluster.require()
    run_faults = args.fault is not None or args.fast or not args.false_alarms
    known = st.catalogue()
    names = (args.fault or (list(known.FAST) if args.fast else sorted(known.FAULTS))) if run_faults else []
    for name in names:
        st.check(name)
    missed = 0
    if names:
        print(f"{'fault':<26} {'result':<8} caught by / how", flush=True)
    for outcome in st.run_faults(names, on):
        name = outcome.fault
        if not outcome.baseline_ok:
            print(f"{name:<26} {'error':<8} its target tests fail without the fault", flush=True)
            missed += 1
        elif outcome.caught:
            print(f"{name:<26} {'caught':<8} {outcome.by}: {outcome.how}", flush=True)
        elif outcome.crashed:
            print(f"{name:<26} {'CRASHED':<8} {outcome.by}: {outcome.how}", flush=True)
            missed += 1
        else:
            print(f"{name:<26} {'MISSED':<8} {st.check(name).description}", flush=True)
            missed += 1
    if args.false_alarms:
        executor = "xdist" if on is None else "cluster"
        before = seed_records.identity(st.REPO_ROOT, executor) if args.record is not None else None
        # On a cluster the seeds run on the workers, whose CPUs this process does not know.
        machine = report.cpu() if on is None else None
        runs = []
        for run in st.false_alarms(args.false_alarms, on=on, first=args.first_seed):
            runs.append(run)
            _print_seed(run)
            if before is not None:
                if seed_records.identity(st.REPO_ROOT, executor) != before:
                    raise ConfigError(f"the judging code changed during the sweep; seed {run.seed} is not recorded")
                written = seed_records.write(args.record, seed_records.SeedRecord(run, before, machine))
                print(f"    recorded in {written}", flush=True)
        missed += _print_sweep(runs)
    return 1 if missed else 0


def _print_seed(run: SeedRun) -> None:
    print(f"seed {run.seed:<4} {'FALSE ALARM' if run.failures else 'clean'}", flush=True)
    for test, line in run.failures:
        print(f"    {test}: {line}", flush=True)


def _print_sweep(runs: list[SeedRun]) -> int:
    """Print how many of the seeded runs were false alarms and their pooled verdict tables;
    return that number."""
    from verify import selftest as st

    alarms = sum(bool(run.failures) for run in runs)
    print(f"false alarms: {alarms} of {len(runs)} correct ci-profile runs had a failing test")
    print(st.pooled_table(st.pooled([run.verdicts for run in runs]), len(runs)))
    print(st.pooled_table(st.pooled([run.tests for run in runs]), len(runs), per="test"))
    return alarms


def experiment(args: argparse.Namespace) -> int:
    from verify import experiment as runner

    pack, chosen = runner.find(args.name, packs.installed())
    _check_device(args.device)
    if args.seed < 0:
        raise ConfigError(f"--seed must be >= 0, got {args.seed}")
    options = {}
    if args.mnist_dir is not None:
        options["mnist_dir"] = args.mnist_dir
    out = args.out if args.out is not None else Path("reports/experiments") / pack.name / chosen.name
    summary = runner.run_experiment(
        chosen, out, pack=pack.name, budget=args.budget, seed=args.seed, device=args.device, config_path=args.config, **options
    )
    print(f"{args.name} ({args.budget}, seed {args.seed}, {args.device}): {summary['outcome']} in {summary['seconds']:.1f} s")
    for claim in summary["claims"]:
        print(f"  {claim['status']:<12} {claim['id']}: {claim['reason']}")
    print(f"  figures and summary.json in {out}")
    return 1 if summary["outcome"] == "fail" else 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        handler = {
            "run": run,
            "list": list_results,
            "compare": compare_reports,
            "selftest": selftest,
            "experiment": experiment,
        }[args.command]
        return handler(args)
    except ConfigError as error:
        print(f"verify: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("verify: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
