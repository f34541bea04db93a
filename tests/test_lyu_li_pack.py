"""The lyu-li pack as a whole: its statements, its modules, its experiment."""

import json

from verify import experiment, packs, registry

IDS = ["ll-thm41", "ll-gd", "ll-thm43", "ll-thm44", "soudry-thm3"]


def test_every_result_has_a_property_module_and_a_control():
    pack = packs.installed()["lyu-li"]
    catalogue = registry.catalogue(pack)
    assert list(catalogue) == IDS
    for rid, result in catalogue.items():
        assert len(result.modules) == 1, rid
        source = (pack.properties / result.modules[0]).read_text()
        assert "@property_of(" in source and "def test_control_" in source, rid


def test_margin_growth_runs_and_writes_its_figure(tmp_path):
    pack = packs.installed()["lyu-li"]
    chosen = pack.experiment("margin-growth")
    document = json.loads(chosen.config.read_text())
    document["budgets"]["quick"] = {"train_points": 60, "target_log_loss": -3.0, "max_steps": 5000, "seeds": 1}
    config = tmp_path / "margin-growth.json"
    config.write_text(json.dumps(document))
    summary = experiment.run_experiment(chosen, tmp_path / "out", pack="lyu-li", config_path=config)
    assert summary["pack"] == "lyu-li" and summary["outcome"] == "pass", summary["claims"]
    assert (tmp_path / "out" / "margin-growth.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    run = summary["measured"]["runs"][0]
    assert run["gamma_bar_final"] > run["gamma_bar_at_t0"]
