"""Dask distributed as the engine beyond one machine: `--cluster local[:N] | tcp://HOST:PORT`.

An optional integration (the `cluster` extra: `pip install 'verify[cluster]'`). Only this
module imports `distributed`, and only when a cluster is asked for; without the extra,
`--cluster` is a one-line error that names it.

- `local` or `local:N`: a `LocalCluster` of N worker processes (default: the CPU count), one
  thread each, on this machine and in this environment, so there is nothing to install.
- `tcp://HOST:PORT`: the scheduler of a running cluster. Its workers must have this verify and
  its packs installed: the wheel of this checkout (`pip install verify-*.whl`) or the same
  editable checkout on a shared file system. Dask's `upload_file` is not used: it ships single
  modules or eggs, not a package with entry points and data files. A worker without a pack
  fails its units with an error that names the worker and the pack.

Worker loss: the scheduler reruns a lost worker's tasks on the others (up to the Dask setting
`distributed.scheduler.allowed-failures`, 3 by default), and a unit that raises is retried
`retries` times. A unit that still fails ends the whole run with a ConfigError naming it, so
the caller never writes a report from part of the units. A local cluster's workers hold one
unit at a time, so a lost worker's failure counts against the unit that ran there and no
other; give a remote scheduler `distributed.scheduler.worker-saturation: 1.0` for the same.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from verify.errors import ConfigError

EXTRA_HINT = "--cluster needs Dask distributed, the optional extra: pip install 'verify[cluster]'"
RETRIES = 2

Unit = TypeVar("Unit")


@dataclass(frozen=True)
class Cluster:
    """Where units run: a local cluster of `workers` processes, or the scheduler at `address`."""

    spec: str
    address: str | None
    workers: int | None


def parse(spec: str) -> Cluster:
    """The cluster that `spec` names; ConfigError for anything but local, local:N or tcp://HOST:PORT."""
    if spec == "local":
        return Cluster(spec, None, os.cpu_count() or 1)
    if spec.startswith("local:"):
        count = spec.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise ConfigError(f"--cluster {spec!r}: local:N needs a positive worker count N")
        return Cluster(spec, None, int(count))
    if spec.startswith("tcp://"):
        host, _, port = spec.removeprefix("tcp://").rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"--cluster {spec!r}: a scheduler address is tcp://HOST:PORT")
        return Cluster(spec, spec, None)
    raise ConfigError(f"--cluster {spec!r}: choose local, local:N or tcp://HOST:PORT")


def require() -> None:
    """ConfigError naming the extra unless Dask distributed is installed."""
    _distributed()


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ConfigError(EXTRA_HINT) from None
    return distributed


@contextmanager
def connect(cluster: Cluster) -> Iterator[Any]:
    """A Dask client of the cluster; a local cluster is started here and shut down on exit."""
    distributed = _distributed()
    import dask

    if cluster.address is None:
        with (
            # A unit is minutes of one thread's work, so a worker holds only the unit it runs
            # (Dask's default saturation of 1.1 hands a one-thread worker two). A worker that a
            # unit kills then takes no other unit with it: only the culprit counts the failure
            # that `allowed-failures` bounds, and the run's error names it.
            dask.config.set({"distributed.scheduler.worker-saturation": 1.0}),
            # Dask's own log lines (a lost worker's traceback among them) are silenced: what the
            # run reports is each unit's outcome, and a unit that is lost for good ends it.
            distributed.LocalCluster(
                n_workers=cluster.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
            ) as local,
            distributed.Client(local) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(cluster.address, timeout="20s")
    except OSError as error:
        raise ConfigError(f"--cluster {cluster.spec}: cannot reach the scheduler: {error}") from None
    with client:
        yield client


def run(
    cluster: Cluster,
    function: Callable[..., Any],
    units: Sequence[Unit],
    *args: Any,
    label: Callable[[Unit], str] = str,
    retries: int = RETRIES,
) -> Iterator[tuple[Unit, Any]]:
    """Run function(unit, *args) for every unit on the cluster; yields (unit, result) as each
    completes. A unit that fails after its retries (or is lost with its workers) raises
    ConfigError, and the units not yet done are cancelled."""
    distributed = _distributed()
    with connect(cluster) as client:
        futures = {client.submit(function, unit, *args, retries=retries, pure=False): unit for unit in units}
        try:
            for future in distributed.as_completed(futures):
                unit = futures[future]
                try:
                    result = future.result()
                except Exception as error:
                    reason = f"{type(error).__name__}: {error}".splitlines()[0]
                    message = f"work unit {label(unit)} failed on the cluster after {retries} retries: {reason}"
                    raise ConfigError(message) from None
                yield unit, result
        finally:
            client.cancel(list(futures))
