"""The README's test command is what CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    blocks = re.findall(r"```\n(.*?)\n```", (ROOT / "README.md").read_text(), flags=re.S)
    return [b.strip() for b in blocks if b.strip().startswith("python3 -m venv")]


def test_ci_runs_the_readme_test_command():
    main_job, tests = readme_commands()[:2]
    assert "verify run" in main_job
    assert tests.endswith("pytest -n auto")
    ci_lines = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    assert tests in ci_lines
    assert "verify run --profile ci --report-dir reports/ci" in ci_lines
