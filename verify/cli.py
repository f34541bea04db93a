"""The `verify` command.

`verify run` runs the property suite under a Hypothesis profile, in parallel by default,
and prints one summary line per result. Bad usage exits 2 with a one-line message.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from verify import profiles
from verify.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
PROPERTIES = REPO_ROOT / "properties"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="verify", description="Executable properties of the EWN paper.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the property suite and print a summary")
    run.add_argument("--profile", choices=profiles.PROFILES, default=None, help="Hypothesis profile")
    run.add_argument("--workers", default="auto", help="pytest-xdist workers ('auto', or 0 for serial)")
    run.add_argument("-k", dest="keyword", default=None, help="pytest -k expression selecting properties")
    return parser


def _workers(value: str) -> list[str]:
    if value == "auto":
        return ["-n", "auto"]
    if not value.isdigit():
        raise ConfigError(f"--workers {value!r} must be 'auto' or a non-negative integer")
    return [] if int(value) == 0 else ["-n", value]


def run(args: argparse.Namespace) -> int:
    if not PROPERTIES.is_dir():
        raise ConfigError(f"no properties/ folder beside the package at {REPO_ROOT}; install from a checkout (pip install -e .)")
    profile = profiles.chosen(args.profile)
    command = [sys.executable, "-m", "pytest", str(PROPERTIES), "-q", "-rA", *_workers(args.workers)]
    if args.keyword:
        command += ["-k", args.keyword]
    env = dict(os.environ, VERIFY_PROFILE=profile)
    print(f"verify: running properties under the {profile!r} profile", flush=True)
    return subprocess.call(command, cwd=REPO_ROOT, env=env)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        return run(args)
    except ConfigError as error:
        print(f"verify: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("verify: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
