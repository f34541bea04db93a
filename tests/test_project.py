"""The README's test command is what CI runs."""

import ast
import re
import tomllib
from pathlib import Path

from verify import packs

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    blocks = re.findall(r"```\n(.*?)\n```", (ROOT / "README.md").read_text(), flags=re.S)
    return [b.strip() for b in blocks if b.strip().startswith("python3 -m venv")]


def test_ci_runs_the_readme_test_command():
    """CI runs the README's test command in its two halves: `tests` under pytest, and every
    property folder (pytest's other test path) through `verify run --profile ci`, which is the
    same pytest run of the properties under the ci profile, with the report kept. Nothing the
    README's command runs is left out, and nothing runs twice."""
    main_job, tests = readme_commands()[:2]
    assert "verify run" in main_job
    assert tests.endswith("pytest -n auto")
    ci_lines = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    assert tests + " tests" in ci_lines
    assert "verify run --profile ci --report-dir reports/ci" in ci_lines
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert pytest_options["testpaths"] == ["tests", "properties"]
    folders = {p.resolve() for p in (ROOT / "properties").iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert {Path(pack.properties).resolve() for pack in packs.select(None).values()} == folders


def library_imports() -> dict[str, set[str]]:
    """Each verify module's imports of other verify modules, from its source, lazy ones included."""
    paths = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p for p in (ROOT / "verify").rglob("*.py")
    }
    graph = {}
    for name, path in paths.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "verify":
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    deps.add(sub if sub in paths else node.module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name in paths}
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module" and node.args:
                target = node.args[0]  # a lazy import is still an edge of the graph
                if isinstance(target, ast.Constant) and target.value in paths:
                    deps.add(target.value)
        graph[name] = deps - {name}
    return graph


def test_the_library_import_graph_has_no_circle():
    graph = library_imports()
    assert len(graph) > 20
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, f"import circle: {' -> '.join(path[path.index(module) :] + [module])}"
        if module in done:
            return
        for dep in sorted(graph.get(module, ())):
            visit(dep, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_the_core_imports_no_pack():
    """The core reaches packs only through their entry points (verify.packs)."""
    for path in (ROOT / "verify").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in getattr(node, "names", [])]
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                assert not any(n.startswith("verify_") for n in names), f"{path.name} imports a pack: {names}"


LAYERS = {
    "base": ["errors", "files", "profiles"],
    "model": [
        "norms",
        "nets",
        "parameterisations",
        "losses",
        "data",
        "image_data",
        "trajectory",
        "closed_form",
        "objective",
        "margins",
    ],
    "train": ["gd", "sgd", "batched", "flow", "cases"],
    "oracles": ["max_margin", "kkt", "simple_traj"],
    "judge": ["verdicts", "checks", "claims", "tally"],
    "harness": [
        "packs",
        "registry",
        "strategies",
        "plugin",
        "report",
        "experiment",
        "experiment_config",
        "units",
        "cluster",
        "selftest",
        "seed_records",
        "cli",
    ],
}


def test_the_core_imports_only_its_own_layer_and_the_layers_below():
    """The README's layer list: model, train, oracles, judge, harness; under all of them the
    base (errors, atomic files, the Hypothesis profiles that tally's vacuity rule reads)."""
    rank = {f"verify.{m}": i for i, modules in enumerate(LAYERS.values()) for m in modules}
    graph = library_imports()
    assert set(graph) - {"verify"} == set(rank), "every core module has a layer"
    for module, deps in graph.items():
        for dep in deps - {"verify"}:
            # train and oracles are siblings: oracles may not import trainers, and vice versa.
            siblings = {rank[module], rank[dep]} == {2, 3}
            assert rank[dep] <= rank[module] and not siblings, f"{module} ({rank[module]}) imports {dep} ({rank[dep]})"
