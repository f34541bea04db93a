"""A pack built on disk the way a third party ships one: a package and a .dist-info folder
whose entry_points.txt declares it in the `verify.packs` group.

Putting `site` on sys.path (or PYTHONPATH) is all an installer would add, so the harness finds
the pack through importlib.metadata exactly as it finds an installed one.
"""

from __future__ import annotations

from pathlib import Path

PASSING = """
from hypothesis import given, settings, strategies as st
from verify.tally import property_of, record
from verify.verdicts import Check, decide


@property_of("ratio")
@settings(max_examples=12, derandomize=True, database=None)
@given(x=st.floats(0.0, 0.5))
def test_property_ratio_small(x):
    record(decide([Check("proxy", x, 0.4)], [Check("deviation", x / 10, 0.1)], {"x": x}))


def test_control_ratio():
    assert decide([], [Check("deviation", 0.2, 0.1)]).status.value == "fail"
"""


def statements(results: list[str]) -> str:
    return "".join(
        f'[[result]]\nid = "{rid}"\ntitle = "Result {rid}"\nstatement = "s"\nassumptions = "a"\nloss = "none"\n\n'
        for rid in results
    )


def make_pack(root: Path, name: str, results: list[str], modules: dict[str, str]) -> Path:
    """Write pack `name` (package verify_<name>) under root/site; returns root/site."""
    site = root / "site"
    package = site / f"verify_{name}"
    package.mkdir(parents=True)
    (package / "statements.toml").write_text(statements(results))
    (package / "__init__.py").write_text(
        "from pathlib import Path\n\nfrom verify.packs import Pack\n\n"
        f"HERE = Path(__file__).resolve().parent\n"
        f"PACK = Pack(name={name!r}, title='The {name} pack', statements=HERE / 'statements.toml', properties=HERE)\n"
    )
    for filename, source in modules.items():
        (package / filename).write_text(source)
    info = site / f"verify_{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: verify-{name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[verify.packs]\n{name} = verify_{name}:PACK\n")
    return site
