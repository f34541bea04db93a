"""Atomic output: a file is either absent, its old version, or complete, never half-written.

Everything a report or an experiment writes goes through here: the data go to a temporary
file in the same folder, are flushed to disk, and the file is renamed over its destination.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from verify.errors import ConfigError


def make_folder(folder: str | Path, what: str) -> Path:
    """The folder, created with its parents; a ConfigError naming it if that is impossible."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"cannot create {what} folder {folder}: {error.strerror}") from None
    return folder


def _new_file_mode() -> int:
    """The mode open() gives a new file: 0o666 less the process's umask. (The umask can only be
    read by setting it, so it is set back at once.)"""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_bytes(path: Path, data: bytes) -> None:
    """Write data to path atomically (temporary file in the same folder, fsync, rename), with the
    mode a plainly written file would have (mkstemp alone would leave it readable by its owner
    only)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, _new_file_mode())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def save_figure(figure, path: Path, dpi: int = 90) -> None:
    """Render a matplotlib figure to PNG in memory, write it atomically, and close the figure."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(figure)
    write_bytes(path, buffer.getvalue())


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
