"""`verify experiment`: every experiment runs at a tiny budget and writes valid PNG figures and a
summary with the claimed fields; the experiments' own checks can fail; configurations and data
files that are wrong give one-line errors."""

import dataclasses
import gzip
import json
import struct

import numpy as np
import pytest

from verify import cli, image_data, packs
from verify import experiment as experiments
from verify import experiment_config as config
from verify.errors import ConfigError
from verify.parameterisations import Parameterisation, ParamNet
from verify.sgd import SGDSettings, train_sgd
from verify.verdicts import Status
from verify_ewn.experiments import conv_rate, lin_sep, pruning, simple_traj

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Budgets small enough for the test suite (seconds each); the claims may well be inconclusive.
TINY = {
    "conv-rate": {"depths": [1, 2], "steps": 200, "data_seeds": 1},
    "lin-sep": {"data_seeds": 1, "swn_max_steps": 500},
    "simple-traj": {"initialisations": 2, "target_log_loss": -20.0},
    "xor": {"initialisations": 2, "max_steps": 3000},
    "pruning": {"train_points": 120, "hidden": 8, "max_steps": 300, "seeds": 1, "levels": [-4.0, -10.0]},
}

EWN = packs.installed()["ewn"]
NAMES = [e.name for e in EWN.experiments]


def tiny_config(tmp_path, name, **changes):
    document = json.loads(EWN.experiment(name).config.read_text())
    document["budgets"]["quick"] = {**document["budgets"]["quick"], **TINY[name], **changes}
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(document))
    return path


def assert_valid_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])
    assert data[12:16] == b"IHDR" and width > 100 and height > 100
    import matplotlib.image

    assert matplotlib.image.imread(path).shape[:2] == (height, width)


@pytest.mark.parametrize("name", NAMES)
def test_experiment_writes_figures_and_summary(name, tmp_path):
    out = tmp_path / "out"
    summary = experiments.run_experiment(EWN.experiment(name), out, config_path=tiny_config(tmp_path, name))
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk == summary
    for key in (
        "schema_version",
        "experiment",
        "paper",
        "budget",
        "seed",
        "device",
        "settings",
        "seconds",
        "outcome",
        "claims",
        "measured",
        "figures",
        "environment",
    ):
        assert key in summary, key
    assert summary["experiment"] == name and summary["outcome"] in ("pass", "fail", "inconclusive")
    assert summary["figures"] == experiments.module(EWN.experiment(name)).FIGURES
    assert summary["claims"]
    for claim in summary["claims"]:
        assert claim["id"].startswith(name) and claim["statement"]
        assert claim["status"] in ("pass", "fail", "inconclusive") and claim["reason"]
        assert claim["checks"] or claim["proxies"]
    for figure in summary["figures"]:
        assert_valid_png(out / figure)
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_summary_is_strict_json():
    assert experiments.plain({"a": [np.float64("nan"), np.int64(3)], "b": np.array([1.5, np.inf])}) == {
        "a": [None, 3],
        "b": [1.5, None],
    }


def test_simple_traj_claim_rejects_swapped_parameterisations():
    settings = config.load("simple-traj", "quick", simple_traj.Settings, EWN.experiment("simple-traj").config)
    x = np.array(settings.point)
    inits = simple_traj.initialisations(settings, 0)[:2]
    ewn = [simple_traj.train("ewn", x, w0, settings, "cpu") for w0 in inits]
    unnorm = [simple_traj.train("unnorm", x, w0, settings, "cpu") for w0 in inits]
    assert simple_traj.axis_verdict(x, inits, ewn, unnorm, settings)[0].status is Status.PASS
    assert simple_traj.axis_verdict(x, inits, unnorm, ewn, settings)[0].status is Status.FAIL


def test_pruning_claim_rejects_the_swapped_claim():
    # 300 digits, 16 hidden, 1,500 steps with k <= 1: EWN and Unnorm pass log L = -4 (SWN does
    # not), where EWN's mean accuracy at 50-80% pruned led Unnorm's by 0.21.
    settings = config.load("pruning", "quick", pruning.Settings, EWN.experiment("pruning").config)
    settings = dataclasses.replace(settings, train_points=300, hidden=16, max_steps=1500, seeds=1, levels=[-4.0], k_max=1.0)
    split = pruning.load_split(settings, 0)
    arch, runs, norms = pruning.train_runs(settings, split, 0, "cpu")
    right, _ = pruning.comparison(arch, runs, norms, split, settings, "ewn", "unnorm")
    swapped, _ = pruning.comparison(arch, runs, norms, split, settings, "unnorm", "ewn")
    assert right.status is Status.PASS, right.summary()
    assert swapped.status is Status.FAIL, swapped.summary()


def test_pruning_with_no_level_reached_is_inconclusive(tmp_path):
    path = tiny_config(tmp_path, "pruning", max_steps=5)
    summary = experiments.run_experiment(EWN.experiment("pruning"), tmp_path / "out", config_path=path)
    assert {c["status"] for c in summary["claims"]} == {"inconclusive"}


def test_pruning_trains_with_the_papers_minibatch_sgd(tmp_path):
    """trainer "sgd": each run is verify.sgd's, with max_steps minibatch steps (120 points in
    minibatches of 32 make 4 steps an epoch), its order drawn from the seed."""
    path = tiny_config(tmp_path, "pruning", trainer="sgd", batch_size=32, max_steps=400, k_max=0.01)
    summary = experiments.run_experiment(EWN.experiment("pruning"), tmp_path / "out", config_path=path)
    for kind, steps in summary["measured"]["steps"].items():
        assert steps == [400], kind
    settings = config.load("pruning", "quick", pruning.Settings, path)
    split = pruning.load_split(settings, 0)
    arch, runs, _ = pruning.train_runs(settings, split, 0, "cpu")
    net = ParamNet(arch, Parameterisation("ewn", normalise_last=False))
    sgd = SGDSettings(batch_size=32, k0=0.01, k_max=0.01, c=1.0, max_epochs=100, target_log_loss=-10.0, snapshot_every=2.0)
    alone = train_sgd(
        net, split.train, pruning.initial_weights(arch, settings.init_scale, 0), dataclasses.replace(sgd, patience=400)
    )
    assert (runs["ewn"][0].final.w == alone.final.w).all()


def test_pruning_names_an_unknown_trainer(tmp_path):
    path = tiny_config(tmp_path, "pruning", trainer="adam")
    with pytest.raises(ConfigError, match="trainer 'adam' must be one of"):
        config.load("pruning", "quick", pruning.Settings, path)


# ---- configurations --------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("budget", config.BUDGETS)
def test_fixtures_load(name, budget):
    assert config.load(name, budget, experiments.module(EWN.experiment(name)).Settings, EWN.experiment(name).config)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["settings"].update(bogus=1), "unknown setting"),
        (lambda d: d["settings"].pop("eta"), "lacks setting"),
        (lambda d: d["settings"].update(eta="fast"), "must be a finite number"),
        (lambda d: d["settings"].update(width=2.5), "must be an integer"),
        (lambda d: d["settings"].update(depths=[]), "non-empty list"),
        (lambda d: d.update(experiment="xor"), "configures experiment 'xor'"),
        (lambda d: d["budgets"].pop("full"), "no 'full' budget"),
        (lambda d: d.update(extra=1), "unknown top-level keys"),
    ],
)
def test_bad_configuration_is_named(tmp_path, edit, message):
    document = json.loads(EWN.experiment("conv-rate").config.read_text())
    edit(document)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ConfigError, match=message):
        config.load("conv-rate", "full", conv_rate.Settings, path)


def test_unreadable_configurations(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        config.load("conv-rate", "quick", conv_rate.Settings, tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{ not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        config.load("conv-rate", "quick", conv_rate.Settings, tmp_path / "bad.json")
    with pytest.raises(ConfigError, match="unknown budget"):
        config.load("conv-rate", "huge", conv_rate.Settings, EWN.experiment("conv-rate").config)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["experiment", "nope"], "unknown experiment 'nope'"),
        (["experiment", "xor", "--budget", "huge"], "invalid choice"),
        (["experiment", "xor", "--seed", "-1"], "--seed must be >= 0"),
        (["experiment", "xor", "--mnist-dir", "."], "experiment 'xor' takes no --mnist-dir"),
        (["experiment", "xor", "--config", "/nonexistent.json"], "does not exist"),
        (["experiment", "pruning", "--mnist-dir", "/nonexistent"], "is not a folder"),
    ],
)
def test_cli_bad_experiment_input_is_one_line(argv, message, capsys, tmp_path):
    assert cli.main(argv + ["--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_runs_an_experiment(tmp_path, capsys):
    code = cli.main(
        ["experiment", "simple-traj", "--config", str(tiny_config(tmp_path, "simple-traj")), "--out", str(tmp_path / "out")]
    )
    assert code == 0
    assert "simple-traj (quick, seed 0, cpu): pass" in capsys.readouterr().out


# ---- MNIST IDX files -------------------------------------------------------------------------


def write_idx(path, array, magic, compress):
    header = struct.pack(">II", magic, array.shape[0]) + b"".join(struct.pack(">I", n) for n in array.shape[1:])
    data = header + array.astype(np.uint8).tobytes()
    (gzip.open if compress else open)(path, "wb").write(data)


def fake_mnist(folder, compress=True, train=60, test=20):
    rng = np.random.default_rng(0)
    suffix = ".gz" if compress else ""
    for split, count in (("train", train), ("t10k", test)):
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", rng.integers(0, 256, (count, 28, 28)), 2051, compress)
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", rng.integers(0, 10, count), 2049, compress)


@pytest.mark.parametrize("compress", [True, False])
def test_mnist_idx_files_are_read(tmp_path, compress):
    fake_mnist(tmp_path, compress)
    split = image_data.mnist(tmp_path, 30, 10, seed=0)
    assert tuple(split.train.x.shape) == (30, 784) and tuple(split.test_x.shape) == (10, 784)
    assert float(split.train.x.max()) <= 1.0 and split.train.num_classes == 10


def test_pruning_runs_on_mnist_files(tmp_path):
    fake_mnist(tmp_path)
    path = tiny_config(tmp_path, "pruning", train_points=30, test_points=10)
    summary = experiments.run_experiment(EWN.experiment("pruning"), tmp_path / "out", config_path=path, mnist_dir=tmp_path)
    assert summary["measured"]["data"] == "mnist" and summary["measured"]["train_points"] == 30


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda f: (f / "t10k-labels-idx1-ubyte.gz").unlink(), "not found"),
        (lambda f: (f / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip"), "cannot read MNIST file"),
        (
            lambda f: (f / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01" + b"\x00" * 12)),
            "not an MNIST IDX file",
        ),
        (
            lambda f: (f / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(struct.pack(">II", 2049, 60) + b"\x01" * 10)),
            "holds 10 bytes",
        ),
    ],
)
def test_corrupt_mnist_is_named(tmp_path, damage, message):
    fake_mnist(tmp_path)
    damage(tmp_path)
    with pytest.raises(ConfigError, match=message):
        image_data.mnist(tmp_path, 30, 10, seed=0)


@pytest.mark.parametrize("kind", ["ewn", "swn"])
def test_lin_sep_judges_the_states_a_25_nat_run_records(kind):
    settings = config.load("lin-sep", "quick", lin_sep.Settings, EWN.experiment("lin-sep").config)
    fine = lin_sep.train(kind, 0, dataclasses.replace(settings, snapshot_every=5.0), "cpu")
    coarse = lin_sep.train(kind, 0, dataclasses.replace(settings, snapshot_every=25.0), "cpu")
    judged = lin_sep.on_grid(fine).snapshots
    assert len(fine.snapshots) > len(coarse.snapshots)
    assert [(s.step, s.attempts, s.log_loss) for s in judged] == [(s.step, s.attempts, s.log_loss) for s in coarse.snapshots]
    assert all(np.array_equal(a.w, b.w) for a, b in zip(judged, coarse.snapshots))


def test_lin_sep_assumptions_claim_rejects_c_equal_one():
    """With c = 1 A5 does not vanish: on SWN draw 0 it is 0.28 at -300 (needs <= 0.01), and the
    loss vector flips between milestones. (EWN at c = 1 jumps past -300 to -1,052 in one step,
    leaving too few milestones to judge.)"""
    settings = dataclasses.replace(config.load("lin-sep", "quick", lin_sep.Settings, EWN.experiment("lin-sep").config), c=1.0)
    trajectory = lin_sep.train("swn", 0, settings, "cpu")
    assumptions = lin_sep.judge("swn", 0, trajectory, settings)[0]
    assert assumptions.id.startswith("lin-sep/assumptions-swn")
    assert assumptions.verdict.status is Status.FAIL, assumptions.verdict.summary()
