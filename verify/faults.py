"""The catalogue of deliberate faults for `verify selftest` (the seams are in verify.variants).

Each fault is a wrong implementation of one seam site, with the tests that must catch it
(verify.selftest.TARGETS). Importing this module registers them; nothing here runs unless a
fault is made active.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from verify import flow_identities
from verify.checks import LimitResult, Survivors, share_exponents
from verify.claims import fit_rate
from verify.losses import log_losses, margins
from verify.max_margin import MaxMargin, class_mean_direction
from verify.nets import homogeneity_degree
from verify.variants import variant


@variant("ewn velocity", "ewn-velocity-norm", "EWN velocity with ||w_u|| in place of ||w_u||^2")
def ewn_velocity_with_norm(w, v, scale, g):
    return flow_identities.ewn_velocity_norm_power_one(w, v, scale, g)


@variant("swn velocity", "swn-without-radial", "SWN velocity without its radial correction term")
def swn_velocity_without_radial(w, v, scale, g):
    return flow_identities.swn_velocity_without_radial(w, v, scale, g)


@variant("log loss", "loss-not-in-log-space", "log L as log(sum exp(log l_i)): underflows below e^-745")
def log_loss_by_exp(loss, margin, points=None):
    losses = torch.exp(log_losses(loss, margin))
    if points is not None:
        losses = torch.where(points, losses, 0.0)
    return torch.log(losses.sum(dim=-1))


@variant("homogeneity degree", "degree-off-by-one", "the homogeneity degree one too high")
def degree_plus_one(arch):
    return homogeneity_degree.__wrapped__(arch) + 1


@variant("max-margin oracle", "class-mean-oracle", "the max-margin oracle replaced by the class-mean direction")
def class_mean_oracle(data, kkt_tol=1e-9):
    direction = class_mean_direction(data)
    margin = float(((data.y[:, None] * data.x).numpy() @ direction).min())
    return MaxMargin(direction, margin, 0.0)


@variant("undo decision", "undo-keeps-rejected", "GD keeps a step that raised log L instead of undoing it")
def keep_every_finite_step(new_log_l, log_l, finite):
    return finite


@variant("rate fit", "rate-fit-without-loglog", "the rate fit drops the log log t term (so b = 0)")
def rate_fit_without_loglog(trajectory, lo, hi):
    fit = fit_rate.__wrapped__(trajectory, lo, hi)
    return fit if fit.points < 3 else dataclasses.replace(fit, b=0.0)


@variant("parameter gradient", "gradient-sign-flipped", "the gradient of one node's parameters with its sign flipped")
def flip_first_node(grads):
    flipped = [g.clone() for g in grads]
    flipped[0][0] = -flipped[0][0]
    return flipped


@variant("margins", "ce-margin-wrong-class", "cross-entropy margins taken against the next class instead of the true one")
def margins_against_the_next_class(loss, outputs, y):
    if loss == "exponential":
        return margins.__wrapped__(loss, outputs, y)
    return margins.__wrapped__(loss, outputs, (y + 1) % outputs.shape[-1])


@variant("survivor rule", "survivors-by-raw-norm", "survivors chosen by their share alone, without the stability test")
def survivors_by_share(window, rule):
    share = window[-1].node_share
    mask = share >= rule.floor
    return Survivors(mask, np.zeros_like(mask), share, share_exponents(window))


@variant("limit trend", "trend-last-milestone-only", "a limit judged at the last milestone only, its trend never fitted")
def last_milestone_only(name, window, deviations):
    final = float(np.asarray(deviations, dtype=np.float64)[-1])
    return LimitResult(name, final, final, float("-inf"))


@variant("stolz hypothesis", "stolz-hypothesis-unchecked", "Stolz-Cesaro's divergence hypothesis taken as always met")
def every_integral_diverges(g):
    return True
