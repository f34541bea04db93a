"""The theorem registry: every result of the paper, and which property tests check it.

RESULTS holds the paper's side (id, title, statement, assumptions, loss), as in
../shared/THEOREMS.md. The test side is discovered, not listed: a module
properties/test_<id>_*.py belongs to result <id>, and a test decorated with
verify.tally.property_of("<id>"), or named with a catalogued id as a word, belongs to that id. So a new property module appears in
`verify list` and in the reports without an edit here; an id found in the properties but
missing from RESULTS is still reported, with its id as its title.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from verify.errors import ConfigError

GF = "A1-A4 (gradient flow)"
GD = "A1-A5 (GD); A1-A4 (flow)"


@dataclass(frozen=True)
class Result:
    id: str
    title: str
    statement: str
    assumptions: str
    loss: str
    modules: tuple[str, ...] = field(default=())


_RESULTS = [
    Result("thm1", "Gradient flow equivalence (Theorem 1)",
           "With ||v_u|| = 1, EWN flow gives dw_u/dt = -eta ||w_u||^2 grad_u L; SWN flow gives "
           "dw_u/dt = -eta(||w_u||^2 grad_u L + ((1 - ||w_u||^2)/||w_u||^2)(w_u . grad_u L) w_u).",
           "smooth L; ||v_u|| = 1 (generalised to any ||v_u||)", "exponential"),
    Result("prop1", "A5 is mild (Proposition 1)",
           "For eta = O(1/L^c) with c < 1, eta(t) ||w_u|| ||grad_u L|| -> 0 for every node u.", "A1-A4", "exponential"),
    Result("prop2", "Gradient direction and alignment (Proposition 2)",
           "-grad L/||grad L|| converges to g~ = mu sum_i l~_i y_i grad Phi(w~, x_i); survivors' weights align with "
           "their negative gradients: ||w~_u|| > 0 implies w~_u = lambda g~_u, lambda >= 0.", GD, "exponential"),
    Result("lemma1", "No node anti-aligned in the limit (Lemma 1)",
           "w~_u . g~_u >= 0 for every node u.", GD, "exponential"),
    Result("lemma2", "Joint support (Lemma 2)",
           "Some node has both w~_u != 0 and g~_u != 0.", GD, "exponential"),
    Result("thm2", "Norm-gradient limits (Theorem 2)",
           "For survivors u, v: EWN ||w_u|| ||grad_u L|| / (||w_v|| ||grad_v L||) -> 1; "
           "SWN (||w_u||/||grad_u L||) / (||w_v||/||grad_v L||) -> 1.", GD, "exponential"),
    Result("prop3", "Sparsity (Proposition 3)",
           "For survivors with c = ||g~_u||/||g~_v|| <= 1: SWN ||w_u||/||w_v|| -> c; EWN's ratio -> infinity or 0 "
           "once it leaves the band [cos d/(c + e), 1/((c - e) cos d)].", GD, "exponential"),
    Result("cor1", "Deep linear nets reach the max-margin separator (Corollary 1)",
           "For separable data, SWN and EWN deep linear nets converge in direction to the hard-margin SVM "
           "direction.", GD, "exponential"),
    Result("thm3", "Convergence rates (Theorem 3)",
           "EWN: ||w(t)|| = Theta((log d(t))^(1/L)) and L(w(t)) = Theta(1/(d(t) (log d(t))^2)), whatever the depth; "
           "Unnorm and SWN: Theta(1/(t (log t)^(2 - 2/L))).", GD, "exponential"),
    Result("prop4", "A5 is mild, cross-entropy (Proposition 4)",
           "Proposition 1 for the cross-entropy loss.", "A1-A4 with A3 on M[i, j]", "cross_entropy"),
    Result("prop5", "Gradient direction and alignment, cross-entropy (Proposition 5)",
           "Proposition 2 for the cross-entropy loss.", "A1-A5 with A3 on M[i, j]", "cross_entropy"),
    Result("thm4", "Norm-gradient limits, cross-entropy (Theorem 4)",
           "Theorem 2 for the cross-entropy loss.", "A1-A5 with A3 on M[i, j]", "cross_entropy"),
    Result("prop6", "Sparsity, cross-entropy (Proposition 6)",
           "Proposition 3 for the cross-entropy loss.", "A1-A5 with A3 on M[i, j]", "cross_entropy"),
    Result("thm5", "Convergence rates, cross-entropy (Theorem 5)",
           "Theorem 3 for the cross-entropy loss.", "A1-A5 with A3 on M[i, j]", "cross_entropy"),
    Result("lemma3", "Caps lemma (Lemma 3)",
           "Unit a, b with a.b in [0, 1): some e > 0 makes b(I - cc^T)d >= e for all unit c, d with c.a >= cos e, "
           "d.b >= cos e.", "a.b in [0, 1)", "none"),
    Result("lemma4", "Divergence lemma (Lemma 4)",
           "a_k > 0, sum a_k = infinity, a_k -> 0 imply sum a_k / sqrt(sum_{j<=k} a_j^2) = infinity.",
           "a_k > 0, divergent sum, a_k -> 0", "none"),
    Result("lemma5", "Divergence lemma (Lemma 5)",
           "As Lemma 4 with b_k increasing, b_{k+1}^2 <= b_k^2 + a_k^2: sum a_k / b_k = infinity.",
           "Lemma 4's, and b_k increasing with b_{k+1}^2 <= b_k^2 + a_k^2", "none"),
    Result("lemma6", "Ratio limit lemma (Lemma 6)",
           "sum a_k = sum b_k = infinity, sum (a_k - b_k) finite, lim a_k/b_k exists imply the limit is 1.",
           "divergent sums, convergent difference, the limit exists", "none"),
    Result("stolz", "Stolz-Cesaro (sequence and integral forms)",
           "lim f/g = l implies lim int_c^t f / int_c^t g = l (and the sequence form).",
           "g > 0 with divergent sum or integral", "none"),
]

RESULTS: dict[str, Result] = {r.id: r for r in _RESULTS}
_MODULE_ID = re.compile(r"^test_([a-z]+[0-9]*)_")


@dataclass(frozen=True)
class PropertyModule:
    """One properties/test_*.py: its primary result and the result of each decorated test."""

    path: Path
    primary: str | None
    tests: dict[str, str]

    def result_of(self, function: str) -> str | None:
        return self.tests.get(function, self.primary)

    @property
    def results(self) -> tuple[str, ...]:
        ids = ([self.primary] if self.primary else []) + sorted(set(self.tests.values()))
        return tuple(dict.fromkeys(ids))


def _decorated_results(source: str) -> dict[str, str]:
    """Test function name -> id: for functions decorated with property_of("<id>"), and for other
    test functions whose name holds a catalogued id as a word (test_control_thm5_...)."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef):
            continue
        named = [word for word in node.name.split("_") if word in RESULTS]
        if node.name.startswith("test_") and named:
            found[node.name] = named[0]
        for decorator in node.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and getattr(decorator.func, "id", getattr(decorator.func, "attr", None)) == "property_of"
                and decorator.args
                and isinstance(decorator.args[0], ast.Constant)
            ):
                found[node.name] = str(decorator.args[0].value)
    return found


def discover(properties: Path) -> dict[str, PropertyModule]:
    """Every property module under `properties`, by file name."""
    modules = {}
    for path in sorted(properties.glob("test_*.py")):
        match = _MODULE_ID.match(path.name)
        modules[path.name] = PropertyModule(
            path, match.group(1) if match else None, _decorated_results(path.read_text(encoding="utf-8"))
        )
    return modules


def result_of_nodeid(nodeid: str, modules: dict[str, PropertyModule]) -> str | None:
    """The result a test belongs to, from its pytest node id; None outside properties/."""
    path, _, rest = nodeid.partition("::")
    module = modules.get(Path(path).name)
    if module is None or not path.replace("\\", "/").split("/")[-2:-1] == ["properties"]:
        return None
    function = re.split(r"[\[:@]", rest, maxsplit=1)[0]
    return module.result_of(function)


def catalogue(properties: Path) -> dict[str, Result]:
    """RESULTS with each result's property modules filled in, plus any discovered id not in RESULTS."""
    by_id: dict[str, list[str]] = {}
    for name, module in discover(properties).items():
        for result in module.results:
            by_id.setdefault(result, []).append(name)
    merged = {}
    for rid, result in RESULTS.items():
        merged[rid] = Result(**{**result.__dict__, "modules": tuple(by_id.get(rid, ()))})
    for rid in sorted(set(by_id) - set(RESULTS)):
        merged[rid] = Result(rid, rid, "", "", "unknown", tuple(by_id[rid]))
    return merged


def check_ids(ids: list[str], known: dict[str, Result]) -> list[str]:
    """The ids, each one known; a ConfigError names the first unknown one."""
    for rid in ids:
        if rid not in known:
            raise ConfigError(f"unknown theorem id {rid!r}; choose from {', '.join(known)}")
    return ids
