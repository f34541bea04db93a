"""The catalogue of deliberate faults that `verify selftest` runs the suite against.

A fault names the library functions it replaces ("module:qualname") and how: `wrong` maps each
correct function to its wrong version. `substitute` puts a fault in place for the rest of the
process: the target attribute, and every reference to the correct function held in a loaded
module's namespace (names imported with `from ... import`), as a value of a module-level
constant dict (such as flow_identities.VELOCITIES) or as a default argument (such as
domains.homogeneous_cases's reaches_t0), in the library and in this checkout's tests.
`substitute_copies` then reaches the copies pytest imports of a property module (by path, under
another name than the pack's). Only the self-test's pytest subprocesses do this,
through tests/fault_plugin.py; the library itself has no switch for it.

`tests` are the tests that must catch the fault: the result's property tests first, then the
harness's numerical tests.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import pkgutil
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch


@dataclass(frozen=True)
class Fault:
    name: str
    targets: tuple[str, ...]
    description: str
    wrong: Callable[[Callable], Callable]
    tests: tuple[str, ...]


def _resolve(target: str):
    module_name, _, qualname = target.partition(":")
    owner = importlib.import_module(module_name)
    *path, name = qualname.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name


PROJECT = Path(__file__).resolve().parent.parent


def _in_checkout(path: Path) -> bool:
    """A file of this checkout's library, tests or properties (not of a venv kept inside it)."""
    return path.is_relative_to(PROJECT) and path.relative_to(PROJECT).parts[0] in ("verify", "tests", "properties")


def _project_modules() -> list:
    """The loaded modules of the library and of this checkout's tests and properties."""
    found = []
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None)
        if name == "verify" or name.startswith("verify.") or (origin and _in_checkout(Path(origin).resolve())):
            found.append(module)
    return found


def _load_library() -> None:
    import verify

    for info in pkgutil.walk_packages(verify.__path__, "verify."):
        if info.name.rsplit(".", 1)[-1] not in ("cli", "__main__"):
            importlib.import_module(info.name)


def _functions_of(module) -> list[types.FunctionType]:
    """The functions a module defines at its top level or in its top-level classes."""
    found = []
    for value in vars(module).values():
        members = vars(value).values() if isinstance(value, type) else (value,)
        found.extend(f for f in members if isinstance(f, types.FunctionType) and f.__module__ == module.__name__)
    return found


def _replace_in_defaults(function: types.FunctionType, original, replacement, undo: list[Callable[[], None]]) -> None:
    """A default argument that is `original` (captured when the def ran, so out of reach of a
    namespace swap) becomes `replacement`."""
    defaults = function.__defaults__
    if defaults and any(d is original for d in defaults):
        function.__defaults__ = tuple(replacement if d is original else d for d in defaults)
        undo.append(lambda f=function, before=defaults: setattr(f, "__defaults__", before))
    keywords = function.__kwdefaults__
    if keywords and any(d is original for d in keywords.values()):
        function.__kwdefaults__ = {k: replacement if d is original else d for k, d in keywords.items()}
        undo.append(lambda f=function, before=keywords: setattr(f, "__kwdefaults__", before))


def _replace_everywhere(owner, name: str, original, replacement, undo: list[Callable[[], None]]) -> None:
    """owner.name becomes replacement, and so does every reference to original in a loaded
    module's namespace, in one of its module-level constant dicts or in a default argument of
    one of its functions; undo gathers the way back."""
    setattr(owner, name, replacement)
    undo.append(lambda owner=owner, name=name, original=original: setattr(owner, name, original))
    for module in _project_modules():
        namespace = vars(module)
        for key, value in list(namespace.items()):
            if value is original:
                namespace[key] = replacement
                undo.append(lambda ns=namespace, key=key, original=original: ns.__setitem__(key, original))
            elif isinstance(value, dict) and key.isupper():
                for inner, entry in list(value.items()):
                    if entry is original:
                        value[inner] = replacement
                        undo.append(lambda d=value, k=inner, original=original: d.__setitem__(k, original))
        for function in _functions_of(module):
            _replace_in_defaults(function, original, replacement, undo)


def _undoing(undo: list[Callable[[], None]]) -> Callable[[], None]:
    def restore() -> None:
        for step in reversed(undo):
            step()

    return restore


def substitute(fault: Fault) -> Callable[[], None]:
    """Put `fault` in place (module docstring); returns a function that restores the library."""
    _load_library()
    undo: list[Callable[[], None]] = []
    for target in fault.targets:
        owner, name = _resolve(target)
        original = getattr(owner, name)
        _replace_everywhere(owner, name, original, fault.wrong(original), undo)
    return _undoing(undo)


def substitute_copies(fault: Fault) -> Callable[[], None]:
    """Put `fault` in place in the copies of its target modules that pytest imported under
    another name, and return the way back. pytest imports a property module by its path (as
    `lyu_li.test_x`, with properties/ on sys.path), not as the package module `verify_lyu_li.test_x`
    that `substitute` resolved, so a function defined in a test module exists twice; the copy
    the tests call is replaced here, once collection has imported it."""
    undo: list[Callable[[], None]] = []
    for target in fault.targets:
        module_name, _, qualname = target.partition(":")
        source = Path(importlib.import_module(module_name).__file__).resolve()
        for module in list(sys.modules.values()):
            origin = getattr(module, "__file__", None)
            if module.__name__ == module_name or not origin or Path(origin).resolve() != source:
                continue
            *path, name = qualname.split(".")
            owner = module
            for part in path:
                owner = getattr(owner, part)
            copy = getattr(owner, name)
            _replace_everywhere(owner, name, copy, fault.wrong(copy), undo)
    return _undoing(undo)


def _snapshots_with(change: Callable):
    """A wrong measure_batch: the correct snapshots with `change(snapshot)` applied to each."""

    def wrong(measure_batch):
        def measure(*args, **kwargs):
            return [dataclasses.replace(s, **change(s)) for s in measure_batch(*args, **kwargs)]

        return measure

    return wrong


def _gradient_times(factor: float, first_node_only: bool = False):
    """A wrong value_and_grad (one network or batched): the gradient scaled by `factor`, or only
    the first node's parameters of the first tensor sign-flipped."""

    def wrong(value_and_grad):
        def evaluate(self, theta):
            value, grads = value_and_grad(self, theta)
            grads = [g.clone() for g in grads]
            if first_node_only:
                index = (slice(None), 0) if type(self).__name__ == "_Batch" else (0,)  # batched grads lead with B
                grads[0][index] = -grads[0][index]
            else:
                grads = [factor * g for g in grads]
            return value, grads

        return evaluate

    return wrong


def _loss_by_exp(log_loss):
    from verify.losses import log_losses

    def wrong(loss, margin, points=None):
        losses = torch.exp(log_losses(loss, margin))
        if points is not None:
            losses = torch.where(points, losses, 0.0)
        return torch.log(losses.sum(dim=-1))

    return wrong


def _level_below_even_on_it(_):
    from verify.gd import next_milestone

    def wrong(log_l0, every):
        return round(next_milestone(log_l0, every) / every)

    return wrong


def _inconclusive_as_fail(verdict):
    from verify.verdicts import Status

    return dataclasses.replace(verdict, status=Status.FAIL) if verdict.status is Status.INCONCLUSIVE else verdict


def _gd_judged_once(_):
    from verify_lyu_li import test_ll_gd_margin_descent as ll_gd

    def wrong(case, settings=ll_gd.SCHEDULE, degree_offset=0):
        verdict = ll_gd.judge(case.train(settings, "cpu"), settings, case.arch.degree + degree_offset)
        verdict.metrics["k0"] = settings.k0
        return verdict

    return wrong


def _class_mean(_):
    from verify.max_margin import MaxMargin, class_mean_direction

    def wrong(data, kkt_tol=1e-9):
        direction = class_mean_direction(data)
        margin = float(((data.y[:, None] * data.x).numpy() @ direction).min())
        return MaxMargin(direction, margin, 0.0)

    return wrong


def _survivors_by_share(_):
    from verify.checks import Survivors, share_exponents

    def wrong(window, rule):
        share = window[-1].node_share
        mask = share >= rule.floor
        none = np.zeros_like(mask)
        return Survivors(mask, none, share, share_exponents(window), none)

    return wrong


def _last_milestone_only(_):
    from verify.checks import LimitResult

    def wrong(name, window, deviations):
        final = float(np.asarray(deviations, dtype=np.float64)[-1])
        return LimitResult(name, final, final, float("-inf"))

    return wrong


def _rate_fit_without_loglog(fit_rate):
    def wrong(trajectory, lo, hi):
        fit = fit_rate(trajectory, lo, hi)
        return fit if fit.points < 3 else dataclasses.replace(fit, b=0.0)

    return wrong


def _margins_against_next_class(margins):
    def wrong(loss, outputs, y):
        if loss == "exponential":
            return margins(loss, outputs, y)
        return margins(loss, outputs, (y + 1) % outputs.shape[-1])

    return wrong


def _time_rate_times(factor: float):
    """A wrong flow field: the rate of its time coordinate scaled by `factor`."""

    def wrong(field):
        def call(self, tau, y):
            derivative = field(self, tau, y).copy()
            derivative[-1] *= factor
            return derivative

        return call

    return wrong


def _single_step_falls(_):
    """A drawdown that sees only one-step falls: a slow slide over many steps goes unseen."""

    def wrong(values):
        values = np.asarray(values, dtype=float)
        falls = -np.diff(values) if values.size > 1 else np.zeros(1)
        index = int(np.argmax(falls))
        return (float(falls[index]), index + 1) if falls[index] > 0 else (0.0, -1)

    return wrong


def _stiffness_without_dual_weights(_):
    """J taken as sum_S z_n z_n^T, every support vector weighted 1 instead of its dual weight."""
    from verify_lyu_li import domains

    def wrong(data):
        z = (data.y[:, None] * data.x).double().numpy()
        support = z[np.abs(z @ domains.svm(data) - 1) <= domains.ON_MARGIN]
        basis = np.linalg.qr(support.T)[0]
        return float(np.linalg.eigvalsh(basis.T @ support.T @ support @ basis).min())

    return wrong


def _gap_over_every_point(_):
    """The SVM gap taken over every point, the support vectors (at 0) included."""
    from verify_lyu_li import domains

    def wrong(data):
        q = (data.y[:, None] * data.x).double().numpy() @ domains.svm(data)
        return float(q.min() - 1)

    return wrong


def _slope_band_end(end: int) -> float:
    """One end of prop1's SLOPE_BAND (in units of the rate), read where the property keeps it."""
    return importlib.import_module("verify_ewn.test_prop1_a5_mild").SLOPE_BAND[end]


def _named(module: str, name: str):
    return lambda _: getattr(importlib.import_module(module), name)


THM1_VELOCITY = "properties/ewn/test_thm1_flow_equivalence.py::test_property_thm1_velocity_identity"
# One regime of each reference test (seconds, where the whole module takes a minute): GD for
# what only GD records (log d, log eta, the step), the flow's fields for what any trainer does.
ONE_GD_REGIME = "tests/test_reference.py::test_both_gd_trainers_match_the_reference[relu2-ewn]"
FLOW_FIELDS = "tests/test_reference.py::test_flow_snapshot_fields_match_the_reference"
MEASURE = ("verify.objective:measure_batch",)
BOTH_GRADIENTS = ("verify.objective:Objective.value_and_grad", "verify.batched:_Batch.value_and_grad")

MARGINS = "tests/test_margins_and_kkt.py"


def _least_alignment_drift(window, nodes):
    cos = np.array([s.node_cos[nodes] for s in window])
    return float(np.abs(cos - cos[-1]).max(axis=0).min())


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in [
        Fault(
            "smoothed-margin-degree",
            ("verify.margins:log_smoothed_margin",),
            "the smoothed margin normalised by ||w||^(L+1)",
            lambda f: lambda log_loss, log_norm, degree: f(log_loss, log_norm, degree + 1),
            (f"{MARGINS}::test_smoothed_margin_matches_mpmath",),
        ),
        Fault(
            "drawdown-single-steps",
            ("verify.margins:largest_drawdown",),
            "monotonicity judged by one-step falls only",
            _single_step_falls,
            (f"{MARGINS}::test_largest_drawdown_is_the_worst_fall_below_an_earlier_value",),
        ),
        Fault(
            "kkt-all-points",
            ("verify.kkt:kkt_residual",),
            "the KKT residual over every point, not the near-active ones",
            lambda f: lambda arch, data, w, tau=0.05: f(arch, data, w, 1e6),
            (
                f"{MARGINS}::test_kkt_uses_the_near_active_points_only",
                f"{MARGINS}::test_kkt_residual_is_zero_at_the_svm_and_not_off_it",
            ),
        ),
        Fault(
            "norm-history-scaled",
            ("verify.objective:Objective.log_norm",),
            "the per-step log ||w|| recorded 1e-6 too large",
            lambda f: lambda self, theta: f(self, theta) + 1e-6,
            (ONE_GD_REGIME,),
        ),
        Fault(
            "ewn-velocity-norm",
            ("verify_ewn.flow_identities:ewn_velocity",),
            "EWN velocity with ||w_u|| in place of ||w_u||^2",
            _named("verify_ewn.flow_identities", "ewn_velocity_norm_power_one"),
            (THM1_VELOCITY,),
        ),
        Fault(
            "swn-without-radial",
            ("verify_ewn.flow_identities:swn_velocity",),
            "SWN velocity without its radial correction term",
            _named("verify_ewn.flow_identities", "swn_velocity_without_radial"),
            (THM1_VELOCITY,),
        ),
        Fault(
            "loss-not-in-log-space",
            ("verify.losses:log_loss",),
            "log L as log(sum exp(log l_i)): underflows below e^-745",
            _loss_by_exp,
            ("tests/test_losses.py",),
        ),
        Fault(
            "degree-off-by-one",
            ("verify.nets:homogeneity_degree",),
            "the homogeneity degree one too high",
            lambda degree: lambda arch: degree(arch) + 1,
            ("tests/test_homogeneity.py::test_homogeneity_and_euler",),
        ),
        Fault(
            "class-mean-oracle",
            ("verify.max_margin:max_margin_direction",),
            "the max-margin oracle replaced by the class-mean direction",
            _class_mean,
            ("properties/ewn/test_cor1_max_margin.py::test_property_cor1_ewn",),
        ),
        Fault(
            "undo-keeps-rejected",
            ("verify.gd:accepts",),
            "GD keeps a step that raised log L instead of undoing it",
            lambda _: lambda new_log_l, log_l, finite: finite,
            ("tests/test_trainer.py::test_huge_k_max_is_tamed_by_undo",),
        ),
        Fault(
            "rate-fit-without-loglog",
            ("verify.claims:fit_rate",),
            "the rate fit drops the log log t term (so b = 0)",
            _rate_fit_without_loglog,
            ("properties/ewn/test_thm3_rates.py::test_property_thm3_ewn_rate_is_depth_free",),
        ),
        Fault(
            "survivors-by-raw-norm",
            ("verify.checks:classify_survivors",),
            "survivors chosen by their share alone, without the stability test",
            _survivors_by_share,
            ("tests/test_verdicts.py::test_survivors_settled_dying_and_undecided",),
        ),
        Fault(
            "alignment-drift-least-node",
            ("verify.claims:alignment_drift",),
            "the survivors' alignment drift taken over the steadiest survivor (min for max)",
            lambda _: _least_alignment_drift,
            (
                "properties/ewn/test_thm2_norm_gradient.py::"
                "test_control_a_survivor_alignment_transient_is_inconclusive_not_a_counterexample",
            ),
        ),
        Fault(
            "trend-last-milestone-only",
            ("verify.checks:limit",),
            "a limit judged at the last milestone only, its trend never fitted",
            _last_milestone_only,
            ("tests/test_verdicts.py::test_limit_checks_decay_unless_converged",),
        ),
        Fault(
            "stolz-hypothesis-unchecked",
            ("verify_ewn.analysis:integral_diverges",),
            "Stolz-Cesaro's divergence hypothesis taken as always met",
            lambda _: lambda g: True,
            ("properties/ewn/test_stolz_cesaro.py::test_control_bounded_b_and_integrable_g",),
        ),
        Fault(
            "gradient-sign-flipped",
            BOTH_GRADIENTS,
            "both GD trainers' gradient of one node's parameters with its sign flipped",
            _gradient_times(-1.0, first_node_only=True),
            ("properties/ewn/test_thm1_flow_equivalence.py::test_property_thm1_ewn_gd_tracks_scaled_unnorm", ONE_GD_REGIME),
        ),
        Fault(
            "ce-margin-wrong-class",
            ("verify.losses:margins",),
            "cross-entropy margins taken against the next class instead of the true one",
            _margins_against_next_class,
            (
                "properties/ewn/test_prop1_a5_mild.py::test_property_prop4_a5_vanishes",
                "tests/test_losses.py::test_cross_entropy_log_loss_matches_mpmath",
            ),
        ),
        # Issue 14, class 1: a recorded quantity scaled or shifted where it is recorded.
        Fault(
            "margin-recorded-scaled",
            MEASURE,
            "the normalised margin recorded 5% too large",
            _snapshots_with(lambda s: {"normalised_margin": 1.05 * s.normalised_margin}),
            (FLOW_FIELDS,),
        ),
        Fault(
            "share-by-l1-norm",
            MEASURE,
            "node shares taken against ||w||_1 instead of ||w||_2",
            _snapshots_with(lambda s: {"node_share": s.node_share * np.linalg.norm(s.w) / np.abs(s.w).sum()}),
            (FLOW_FIELDS,),
        ),
        Fault(
            "log-d-ten-percent-off",
            MEASURE,
            "the running sum of eta (log d) recorded 10% too large",
            _snapshots_with(lambda s: {"log_d": s.log_d + math.log(1.1)}),
            (ONE_GD_REGIME,),
        ),
        Fault(
            "log-eta-ignores-c",
            MEASURE,
            "log eta recorded as log k - log L, as if c were 1",
            _snapshots_with(
                lambda s: {
                    "log_eta": math.log(s.k) - s.log_loss,
                    "node_log_a5": s.node_log_a5 - s.log_eta + math.log(s.k) - s.log_loss,
                }
            ),
            (ONE_GD_REGIME,),
        ),
        Fault(
            "a5-without-eta",
            MEASURE,
            "the A5 quantity recorded without its log eta term",
            _snapshots_with(lambda s: {"node_log_a5": s.node_log_a5 - s.log_eta}),
            (ONE_GD_REGIME,),
        ),
        Fault(
            "grad-norm-of-log-loss",
            MEASURE,
            "per-node gradient norms of log L recorded as those of L",
            _snapshots_with(lambda s: {"node_log_grad_norm": s.node_log_grad_norm - s.log_loss}),
            (FLOW_FIELDS,),
        ),
        Fault(
            "cosine-against-plus-gradient",
            MEASURE,
            "node cosines taken with +grad L instead of -grad L",
            _snapshots_with(lambda s: {"node_cos": -s.node_cos}),
            (FLOW_FIELDS,),
        ),
        Fault(
            "loss-direction-unsorted",
            MEASURE,
            "the loss direction's entries in reversed point order",
            _snapshots_with(lambda s: {"loss_direction": s.loss_direction[::-1].copy()}),
            (FLOW_FIELDS,),
        ),
        Fault(
            "loss-direction-unnormalised",
            ("verify.losses:loss_direction",),
            "the loss direction recorded as l / max l instead of l / ||l||",
            lambda direction: lambda loss, margin: direction(loss, margin) / direction(loss, margin).max(),
            (FLOW_FIELDS,),
        ),
        Fault(
            "margin-degree-minus-one",
            ("verify.losses:normalised_margin",),
            "the normalised margin divided by ||w||^(L-1) instead of ||w||^L",
            lambda margin: lambda m, log_w_norm, degree: margin(m, log_w_norm, degree - 1),
            (FLOW_FIELDS,),
        ),
        Fault(
            "flow-time-rate-off",
            ("verify.flow:_Field.__call__",),
            "the flow's time coordinate advancing 10% too fast",
            _time_rate_times(1.1),
            ("tests/test_flow.py::test_flow_time_matches_the_closed_form",),
        ),
        # Issue 14, class 2: one fault in both trainers.
        Fault(
            "step-slightly-long",
            BOTH_GRADIENTS,
            "both GD trainers' step 0.1% longer than k / L^c",
            _gradient_times(1.001),
            (ONE_GD_REGIME,),
        ),
        Fault(
            "layer-degree-without-activation",
            ("verify.nets:Architecture.layer_degree",),
            "each trainable layer's degree read as 1, as if the activation were linear",
            lambda right: lambda self, layer: min(right(self, layer), 1),
            (
                "properties/ewn/test_thm2_survivors_per_layer.py::test_property_thm2_survivors_ewn_crisp",
                "tests/test_homogeneity.py::test_each_layer_degree_is_the_homogeneity_of_that_layer_alone",
            ),
        ),
        # The lyu-li pack's own code: its domains' screens and a rate formula.
        Fault(
            "stiffness-without-dual-weights",
            ("verify_lyu_li.domains:support_stiffness",),
            "rho's settling rate near its limit from J with every support vector weighted 1",
            _stiffness_without_dual_weights,
            ("tests/test_lyu_li_pack.py::test_support_stiffness_is_the_slowest_rate_of_rhos_flow_at_its_rest_point",),
        ),
        Fault(
            "svm-gap-over-every-point",
            ("verify_lyu_li.domains:svm_gap",),
            "the SVM gap taken over every point, support vectors included (so always 0)",
            _gap_over_every_point,
            ("tests/test_lyu_li_pack.py::test_svm_gap_is_the_smallest_excess_margin_off_the_margin",),
        ),
        Fault(
            "t0-screen-admits-all",
            ("verify_lyu_li.domains:flow_reaches_t0",),
            "the t0 screen admits every case, runs that lose a point included",
            lambda _: lambda case: True,
            ("tests/test_lyu_li_pack.py::test_t0_screen_leaves_out_a_run_that_loses_a_point",),
        ),
        Fault(
            "loss-rate-exponent-off",
            ("verify_lyu_li.test_ll_thm43_rates:expected_b",),
            "Theorem 4.3's log log t exponent as 2 - 1/L instead of 2 - 2/L",
            lambda _: lambda degree: 2.0 - 1.0 / degree,
            ("properties/lyu_li/test_ll_thm43_rates.py::test_property_ll_thm43_loss_and_norm_rates",),
        ),
        Fault(
            "a5-slope-in-units-of-c",
            ("verify_ewn.test_prop1_a5_mild:slope_band",),
            "prop1's A5 slope band in units of c instead of 1 - c",
            lambda _: lambda c: (_slope_band_end(0) * c, _slope_band_end(1) * c),
            ("properties/ewn/test_prop1_a5_mild.py::test_lin_sep_swn_passes",),
        ),
        # Issue 15: a window bound read by the last bits of a flow snapshot's level, a verdict
        # failing only in its trend taken as final where the run could be continued, a continued
        # flow's start recorded twice, thm5's deep EWN arm drawn narrower than its classes, and
        # steps too coarse for their case judged as if fine (thm1, ll-gd).
        Fault(
            "window-bound-bare",
            ("verify.trajectory:at_or_below",),
            "a window bound read by a bare <=: a flow snapshot placed 1e-13 above it falls out",
            lambda _: lambda log_loss, level: log_loss <= level,
            ("tests/test_levels.py::test_the_late_window_holds_its_first_level_from_either_side",),
        ),
        Fault(
            "trend-fail-not-continued",
            ("verify_ewn.regimes:unsettled",),
            "a verdict that fails only in a limit's trend is final at the first stage",
            lambda right: lambda verdict: verdict.status.value != "fail" and right(verdict),
            ("tests/test_verdicts.py::test_a_run_failing_only_in_a_trend_is_read_again_further_on_and_fails_at_the_last_stage",),
        ),
        Fault(
            "first-level-on-the-start",
            ("verify.flow:first_level",),
            "a flow started on a snapshot level (to its last bits) records that level again as its first snapshot",
            _level_below_even_on_it,
            ("tests/test_levels.py::test_a_flow_started_on_a_level_records_the_next_one_first",),
        ),
        Fault(
            "hidden-widths-unheld",
            ("verify.strategies:cases",),
            "hidden widths drawn below the class count where a domain holds them at least there",
            lambda right: lambda *args, hidden_at_least_outputs=False, **kwargs: right(*args, **kwargs),
            ("tests/test_strategies.py::test_hidden_widths_can_be_held_at_least_the_output_count",),
        ),
        Fault(
            "tracking-step-never-diverges",
            ("verify_ewn.flow_identities:_step_factor",),
            "thm1's GD steps take L capped at e^700 instead of stopping where L leaves the doubles",
            lambda _: lambda log_l, eta: eta * math.exp(min(log_l, 700.0)),
            ("properties/ewn/test_thm1_flow_equivalence.py::test_control_thm1_a_step_diverging_at_every_pair_is_inconclusive",),
        ),
        Fault(
            "slow-death-read-settled",
            ("verify.checks:classify_survivors",),
            "a visible node inside the settled band read as a survivor even while its fall quickens",
            lambda right: lambda window, rule: right(window, dataclasses.replace(rule, slow_death=math.inf)),
            (
                "tests/test_verdicts.py::test_a_share_falling_ever_faster_inside_the_band_is_undecided",
                "properties/ewn/test_thm2_norm_gradient.py::test_control_a_node_losing_a_slow_contest_is_undecided_not_a_counterexample",
            ),
        ),
        Fault(
            "some-draw-control-takes-inconclusive",
            ("verify.tally:expect_fail_on_some",),
            "a control asking some draw to fail is met by a draw that is only inconclusive",
            lambda right: lambda cases, verdict_of, n: right(cases, lambda c: _inconclusive_as_fail(verdict_of(c)), n),
            ("tests/test_verdicts.py::test_a_control_on_some_draw_needs_one_fail_and_no_inconclusive_counts",),
        ),
        Fault(
            "gd-step-never-halved",
            ("verify_lyu_li.test_ll_gd_margin_descent:gd_verdict",),
            "ll-gd's verdict read on the schedule's run alone, a failing run never run again at half the step",
            _gd_judged_once,
            ("properties/lyu_li/test_ll_gd_margin_descent.py::test_control_ll_gd_a_step_too_large_for_its_net_is_halved",),
        ),
        # Issue 14: faults in the batched trainer alone; the one-network trainer keeps its own rules.
        Fault(
            "batched-undo-keeps-rejected",
            ("verify.batched:accepts_rows",),
            "the batched trainer keeps a step that raised log L instead of undoing it",
            lambda _: lambda new_log_l, log_l, finite: finite,
            (ONE_GD_REGIME, "tests/test_batched.py::test_each_row_equals_the_one_network_trainer"),
        ),
        Fault(
            "batched-k-grows-after-undo",
            ("verify.batched:adapted_k",),
            "the batched trainer grows k after an undone step as after a kept one",
            lambda right: lambda k, kept, active, grow, shrink, k_max: right(k, kept | active, active, grow, shrink, k_max),
            (ONE_GD_REGIME, "tests/test_batched.py::test_each_row_equals_the_one_network_trainer"),
        ),
    ]
}
# The subset CI runs (each target takes seconds).
FAST = (
    "ewn-velocity-norm",
    "swn-without-radial",
    "loss-not-in-log-space",
    "degree-off-by-one",
    "undo-keeps-rejected",
    "margin-recorded-scaled",
    "step-slightly-long",
)
