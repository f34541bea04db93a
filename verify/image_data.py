"""Image classification data for the pruning experiment: scikit-learn's bundled 8x8 digits
(installed with scikit-learn, no download), or real MNIST read from IDX files.

Both return a certified training Dataset (10-class cross-entropy, pixels scaled to [0, 1]) and
a held-out test split. The split is a seeded permutation (numpy Generator, not a global RNG).
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from verify.data import Dataset, make_dataset
from verify.errors import ConfigError, require

# The IDX files of MNIST, by role; each may also be gzipped (name + ".gz").
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_IMAGES_MAGIC, _LABELS_MAGIC = 2051, 2049


@dataclass(frozen=True)
class Split:
    train: Dataset
    test_x: torch.Tensor
    test_y: torch.Tensor


def digits(train_points: int, seed: int) -> Split:
    """`train_points` digits for training, the rest (of 1,797) for testing."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    require(
        1 <= train_points < len(x),
        f"digits has {len(x)} images; train_points {train_points} must leave at least one for testing",
    )
    order = np.random.default_rng(seed).permutation(len(x))
    train, test = order[:train_points], order[train_points:]
    x = x / 16.0
    return Split(
        make_dataset("digits", x[train], y[train], num_classes=10),
        torch.tensor(x[test], dtype=torch.float64),
        torch.tensor(y[test], dtype=torch.long),
    )


def _read_idx(folder: Path, stem: str, magic: int) -> np.ndarray:
    """The array of one IDX file (plain or .gz) with the expected magic number."""
    candidates = [folder / stem, folder / f"{stem}.gz"]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise ConfigError(f"MNIST file {stem} (or {stem}.gz) not found in {folder}")
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise ConfigError(f"cannot read MNIST file {path}: {error}") from None
    images = magic == _IMAGES_MAGIC
    header = 16 if images else 8
    require(len(raw) >= header, f"MNIST file {path} is truncated (short IDX header)")
    found, count = struct.unpack(">II", raw[:8])
    require(found == magic, f"{path} is not an MNIST IDX file of this kind (magic {found}, expected {magic})")
    dims = (count, *struct.unpack(">II", raw[8:16])) if images else (count,)
    size = int(np.prod(dims))
    require(len(raw) == header + size, f"MNIST file {path} holds {len(raw) - header} bytes of data, expected {size}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def mnist(folder: str | Path, train_points: int, test_points: int, seed: int) -> Split:
    """A seeded subset of MNIST from the IDX files in `folder`: train_points from the training
    file, test_points from the test file."""
    folder = Path(folder)
    require(folder.is_dir(), f"--mnist-dir {folder} is not a folder")
    arrays = {
        role: _read_idx(folder, stem, _IMAGES_MAGIC if role.endswith("images") else _LABELS_MAGIC)
        for role, stem in MNIST_FILES.items()
    }
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        require(len(images) == len(labels), f"MNIST {split} files disagree: {len(images)} images, {len(labels)} labels")
        require(bool((labels <= 9).all()), f"MNIST {split} labels must be digits 0-9")
    rng = np.random.default_rng(seed)
    require(1 <= train_points <= len(arrays["train_images"]), f"train_points {train_points} exceeds the MNIST training set")
    require(1 <= test_points <= len(arrays["test_images"]), f"test_points {test_points} exceeds the MNIST test set")
    train = rng.permutation(len(arrays["train_images"]))[:train_points]
    test = rng.permutation(len(arrays["test_images"]))[:test_points]

    def flat(images):
        return images.reshape(len(images), -1).astype(np.float64) / 255.0

    return Split(
        make_dataset("mnist", flat(arrays["train_images"][train]), arrays["train_labels"][train].astype(np.int64), 10),
        torch.tensor(flat(arrays["test_images"][test]), dtype=torch.float64),
        torch.tensor(arrays["test_labels"][test].astype(np.int64), dtype=torch.long),
    )
