"""Minibatch SGD (verify.sgd): one minibatch per epoch is GD; the minibatch step, the per-epoch
rule on k and the undo are what its docstring says; bad settings are named."""

import math
from dataclasses import fields, replace

import pytest
import torch
from agreement import assert_trajectories_agree, sensitivity

from verify.cases import Case, DataSpec
from verify.errors import ConfigError
from verify.gd import GDSettings, Schedule, train_gd
from verify.nets import Architecture, forward
from verify.objective import ENGINES
from verify.parameterisations import Parameterisation
from verify.sgd import SGDSettings, train_sgd

ARCH = Architecture(3, (4,), 1, "relu2")
# k may grow to 1, so that every parameterisation's run to -40 undoes steps (measured 4-49 of
# 60-122 attempts).
GD = GDSettings(c=1 - 1 / 30, k0=0.01, k_max=1.0, target_log_loss=-40.0, max_steps=1_500, snapshot_every=10.0)
# Permuting the points reorders the sums over them (log L, its gradient): a few ulps per
# evaluation, as for batched against loop GD (tests/test_batched.py: <= 2.9e-14 per step
# measured there); the same 1e-12 per step.
ROUNDING_PER_STEP = 1e-12


def case(kind: str, seed: int = 0, m: int = 8) -> Case:
    return Case(DataSpec("binary", seed=seed, m=m, d=3), ARCH, Parameterisation(kind), init_seed=seed)


def as_sgd(settings: GDSettings, batch_size: int, seed: int = 0) -> SGDSettings:
    """The GD settings' schedule (every Schedule field) as SGD, an epoch for each GD step."""
    shared = {f.name: getattr(settings, f.name) for f in fields(Schedule)}
    return SGDSettings(**shared, batch_size=batch_size, max_epochs=settings.max_steps, seed=seed)


@pytest.mark.parametrize("kind", ["ewn", "swn", "unnorm"])
def test_one_minibatch_per_epoch_is_the_gd_trajectory(kind):
    """With the whole training set as the minibatch an epoch is one GD step, accepted or undone
    by GD's rule, so SGD must trace GD's trajectory (undo decisions included) up to the rounding
    of summing the points in the permuted order."""
    c = case(kind)
    gd = c.train(GD)
    sgd = train_sgd(c.net(), c.dataset(), c.initial_weights(), as_sgd(GD, batch_size=c.data.m))
    assert gd.rejected > 0, "the comparison must cover undone steps"
    shadow = sensitivity(lambda w: train_gd(c.net(), c.dataset(), w, GD), c.initial_weights(), gd)
    agreement = assert_trajectories_agree(sgd, gd, ROUNDING_PER_STEP, shadow)
    assert agreement.paired >= 3


@pytest.mark.parametrize("engine", ENGINES)
def test_a_step_is_k_times_the_gradient_of_the_minibatch_log_loss(engine):
    """One epoch of two minibatches, recomputed here from the net's outputs with autograd on the
    weights of each minibatch, and k / L_B^c formed directly (L_B ~ 1 here, so no underflow),
    on either engine."""
    c = case("unnorm", seed=3, m=8)
    settings = SGDSettings(batch_size=4, k0=0.02, k_max=0.02, c=0.5, max_epochs=1, target_log_loss=-1e9, seed=5)
    trajectory = train_sgd(c.net(), c.dataset(), c.initial_weights(), settings, engine=engine)
    data = c.dataset()
    order = torch.randperm(8, generator=torch.Generator().manual_seed(5))
    w = [t.clone() for t in c.initial_weights()]
    for batch in (order[:4], order[4:]):
        leaves = [t.clone().requires_grad_(True) for t in w]
        outputs = forward(ARCH, leaves, data.x[batch])
        loss = torch.exp(-(outputs[:, 0] * data.y[batch])).sum()
        grads = torch.autograd.grad(loss, leaves)
        w = [t - 0.02 / float(loss.detach()) ** 0.5 * g for t, g in zip(w, grads)]
    expected = torch.cat([t.flatten() for t in w]).numpy()
    assert trajectory.accepted == 2 and trajectory.rejected == 0
    assert abs(trajectory.final.w - expected).max() <= 1e-12 * abs(expected).max()


def test_the_engine_reaches_the_objective():
    c = case("unnorm", seed=3, m=8)
    with pytest.raises(ConfigError, match="unknown engine 'jax'"):
        train_sgd(c.net(), c.dataset(), c.initial_weights(), SGDSettings(max_epochs=1), engine="jax")


def test_k_grows_after_a_falling_epoch_and_a_rising_epoch_is_undone_or_kept():
    c = case("unnorm", seed=1)
    start = SGDSettings(batch_size=3, k0=0.01, k_max=1.0, grow=2.0, shrink=4.0, max_epochs=1, target_log_loss=-1e9)
    one = train_sgd(c.net(), c.dataset(), c.initial_weights(), start)
    assert one.final.k == pytest.approx(0.02) and one.final.log_loss < one.snapshots[0].log_loss
    huge = replace(start, k0=1e6, k_max=1e6)
    undone = train_sgd(c.net(), c.dataset(), c.initial_weights(), huge)
    assert undone.accepted == 0 and undone.rejected == 3
    assert undone.final.k == pytest.approx(1e6 / 4.0)
    assert torch.equal(undone.final_weights[0], c.initial_weights()[0]) and undone.final.log_loss == undone.snapshots[0].log_loss
    kept = train_sgd(c.net(), c.dataset(), c.initial_weights(), replace(huge, undo_rising=False))
    assert kept.accepted == 3 and kept.final.k == pytest.approx(1e6 / 4.0)
    assert kept.final.log_loss > 10 * undone.final.log_loss, "the paper's rule keeps the rising epoch"


def test_an_epoch_that_overflows_is_undone_under_either_rule():
    """A step to a non-finite log L or gradient is rejected where it was made: the epoch stops
    there and is undone, whether or not rising epochs are kept."""
    c = case("unnorm", seed=1)
    settings = SGDSettings(batch_size=3, k0=1e300, k_max=1e300, shrink=4.0, max_epochs=1, target_log_loss=-1e9)
    for undo_rising in (True, False):
        trajectory = train_sgd(c.net(), c.dataset(), c.initial_weights(), replace(settings, undo_rising=undo_rising))
        assert trajectory.accepted == 0 and trajectory.rejected == 2, "stopped at the second, overflowing step"
        assert trajectory.final.log_loss == trajectory.snapshots[0].log_loss and trajectory.final.k == pytest.approx(2.5e299)


def test_the_minibatch_order_comes_from_the_seed_alone():
    c = case("unnorm", seed=2, m=9)
    settings = SGDSettings(batch_size=2, k0=0.05, k_max=0.05, max_epochs=20, target_log_loss=-1e9)
    torch.manual_seed(0)
    a = train_sgd(c.net(), c.dataset(), c.initial_weights(), settings)
    torch.manual_seed(1)
    b = train_sgd(c.net(), c.dataset(), c.initial_weights(), settings)
    other = train_sgd(c.net(), c.dataset(), c.initial_weights(), replace(settings, seed=1))
    assert (a.final.w == b.final.w).all(), "the global RNG must not matter"
    assert not (a.final.w == other.final.w).all()
    assert math.isfinite(a.final.log_loss) and a.accepted == 20 * 5


@pytest.mark.parametrize(
    "field, value, fragment",
    [("batch_size", 0, "batch_size"), ("k0", -1.0, "k0"), ("c", 1.5, "c=1.5"), ("max_epochs", 0, "max_epochs")],
)
def test_bad_settings_are_named(field, value, fragment):
    with pytest.raises(ConfigError, match=fragment):
        SGDSettings(**{field: value})
