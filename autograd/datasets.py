"""Dataset loaders that never touch the internet at run time.

- ``MNIST1D``: the MNIST-1D benchmark (Greydanus, "Scaling down deep learning", 2020),
  generated offline with the authors' own generator (the ``mnist1d`` package,
  ``make_dataset(get_dataset_args())``: 4000 train / 1000 test signals of length 40)
  and cached as a ``.npz`` file (plain arrays, never pickle).
- ``MNIST``: the classic digits read from the standard IDX files
  (``train-images-idx3-ubyte.gz`` ...) in a directory you point to.
- ``Digits``: scikit-learn's bundled 8x8 digits (needs scikit-learn, an optional extra).

Each is a map-style ``Dataset`` for ``autograd.utils.data.DataLoader``; ``transform``
and ``target_transform`` are applied per sample (see ``autograd.utils.transforms``).
Arrays are kept as engine Tensors in ``.data`` / ``.targets`` (as torchvision does).

The cache directory defaults to ``~/.cache/numbagrad`` (or ``$NUMBAGRAD_CACHE``).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import random as _pyrandom
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .tensor import _wrap
from .utils.data import Dataset

__all__ = ["MNIST1D", "MNIST", "Digits", "load_mnist1d", "read_idx", "default_cache_dir"]


def default_cache_dir() -> Path:
    """``$NUMBAGRAD_CACHE`` if set, else ``~/.cache/numbagrad``."""
    env = os.environ.get("NUMBAGRAD_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "numbagrad"


class _ArrayDataset(Dataset):
    """Shared sample logic: ``(transform(x[i]), target_transform(y[i]))``."""

    def __init__(self, x: np.ndarray, y: np.ndarray, transform: Callable | None,
                 target_transform: Callable | None) -> None:
        self.data = _wrap(x)
        self.targets = _wrap(y)
        self.transform = transform
        self.target_transform = target_transform

    def _sample_x(self, index: int) -> np.ndarray:
        return self.data._data[index]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        x = _wrap(self._sample_x(index))
        y = int(self.targets._data[index])
        if self.transform is not None:
            x = self.transform(x)
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y

    def __len__(self) -> int:
        return int(self.targets.shape[0])

    def _batch(self, indices: np.ndarray):
        # Gather a whole batch at once when no per-sample transform is set (DataLoader hook).
        if self.transform is not None or self.target_transform is not None:
            return NotImplemented
        return _wrap(self._batch_x(indices)), _wrap(self.targets._data[indices])

    def _batch_x(self, indices: np.ndarray) -> np.ndarray:
        return self.data._data[indices]


# --------------------------------------------------------------------------- MNIST-1D
def _mnist1d_args(overrides: dict):
    try:
        from mnist1d.data import get_dataset_args
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError(f"MNIST1D needs the authors' generator: pip install mnist1d "
                          f"(it is part of numbagrad's [dev] extra); import failed with: {e}. "
                          f"(A local file named mnist1d.py on sys.path shadows the package.)"
                          ) from e
    args = get_dataset_args()
    for k, v in overrides.items():
        if not hasattr(args, k):
            known = sorted(vars(args))
            raise TypeError(f"MNIST1D: unknown dataset argument {k!r}; known: {known}")
        setattr(args, k, v)
    return args


def _generate_mnist1d(args) -> dict:
    from mnist1d.data import make_dataset
    # make_dataset seeds the global `random` and `np.random` states: restore them so that
    # loading data does not silently reseed the user's other code.
    py_state, np_state = _pyrandom.getstate(), np.random.get_state()
    try:
        d = make_dataset(args)
    finally:
        _pyrandom.setstate(py_state)
        np.random.set_state(np_state)
    return {"x": d["x"], "y": d["y"], "x_test": d["x_test"], "y_test": d["y_test"], "t": d["t"]}


def _atomic_savez(path: Path, arrays: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_mnist1d(root: str | os.PathLike[str] | None = None, regenerate: bool = False,
                 **dataset_args: Any) -> dict[str, np.ndarray]:
    """The MNIST-1D arrays, generated once with ``mnist1d.make_dataset`` and cached.

    Args:
        root: cache directory (default ``default_cache_dir()``).
        regenerate: ignore any cached file and generate again.
        **dataset_args: overrides of ``mnist1d.data.get_dataset_args()`` (``num_samples``,
            ``seed``, ``shuffle_seq``, ...); the defaults give the paper's dataset.

    Returns:
        A dict of NumPy arrays: ``x`` (4000, 40) float64, ``y`` (4000,) int64, ``x_test``
        (1000, 40), ``y_test`` (1000,), ``t`` (40,) (the sample positions, for plotting).
    """
    args = _mnist1d_args(dataset_args)
    spec = {k: v for k, v in sorted(vars(args).items()) if k != "url"}
    digest = hashlib.sha1(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:10]
    path = Path(root).expanduser() if root is not None else default_cache_dir()
    path = path / f"mnist1d_{digest}.npz"
    if path.exists() and not regenerate:
        try:
            with np.load(path, allow_pickle=False) as f:
                return {k: f[k] for k in ("x", "y", "x_test", "y_test", "t")}
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is regenerated below
    data = _generate_mnist1d(args)
    _atomic_savez(path, data)
    return data


class MNIST1D(_ArrayDataset):
    """MNIST-1D: 10-class 1-D signals of length 40 (the paper's 4000/1000 split).

    Args:
        root: cache directory for the generated ``.npz`` (default ``default_cache_dir()``).
        train: the 4000 training signals, else the 1000 test signals.
        transform: per-sample callable on the signal (a float32 Tensor of shape ``(40,)``).
        target_transform: per-sample callable on the label (an int).
        regenerate: rebuild the cached file.
        **dataset_args: overrides of ``mnist1d.data.get_dataset_args()``.

    Samples: ``(x, y)`` with ``x`` float32 of shape ``(40,)`` (``(L,)`` for other
    ``final_seq_length``) and ``y`` an int in 0..9. ``.t`` holds the sample positions.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 regenerate: bool = False, **dataset_args: Any) -> None:
        d = load_mnist1d(root, regenerate=regenerate, **dataset_args)
        x, y = (d["x"], d["y"]) if train else (d["x_test"], d["y_test"])
        super().__init__(np.ascontiguousarray(x, dtype=np.float32), y.astype(np.int64),
                         transform, target_transform)
        self.train = train
        self.t = d["t"]
        self.classes = [str(i) for i in range(10)]


# --------------------------------------------------------------------------- IDX / MNIST
_IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one IDX file (``.gz`` or raw), the format of the MNIST distribution.

    Layout: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dimensions, then one big-endian uint32
    per dimension, then the data in C order.

    Returns:
        An array of the stored shape, in native byte order.

    Raises:
        ValueError: when the header is invalid or the data is short.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"read_idx: {path} is not an IDX file (bad magic number "
                         f"{raw[:4].hex() or 'empty'}; expected 0000 <type> <ndim>)")
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path} is truncated inside its header")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != count * dtype.itemsize:
        raise ValueError(f"read_idx: {path} holds {len(raw) - header} data bytes but its "
                         f"header announces shape {shape} of {dtype.name} "
                         f"({count * dtype.itemsize} bytes)")
    arr = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))


_MNIST_FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _find_idx(root: Path, stem: str) -> Path | None:
    # Accept the official names, the common "train-images.idx3-ubyte" variant, gz or raw,
    # directly in root or in torchvision's root/MNIST/raw layout.
    dotted = stem.replace("-idx", ".idx")
    for folder in (root, root / "MNIST" / "raw"):
        for name in (stem, dotted):
            for suffix in (".gz", ""):
                p = folder / (name + suffix)
                if p.is_file():
                    return p
    return None


class MNIST(_ArrayDataset):
    """The MNIST digits from the standard IDX files in ``root``.

    Place the four files from the MNIST distribution (gzipped or not) in ``root`` (or in
    ``root/MNIST/raw``, torchvision's layout)::

        train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
        t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz

    Nothing is downloaded.

    Args:
        root: the directory holding the files.
        train: the 60000 training images, else the 10000 test images.
        transform: per-sample callable on the image (float32 Tensor ``(1, 28, 28)`` in [0, 1]).
        target_transform: per-sample callable on the label (an int).

    Samples: ``(x, y)``; ``.data`` keeps the raw uint8 images ``(N, 28, 28)``.

    Raises:
        FileNotFoundError: naming the missing files and where to put them.
    """

    def __init__(self, root: str | os.PathLike[str], train: bool = True,
                 transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        root = Path(root).expanduser()
        stems = _MNIST_FILES[bool(train)]
        paths = [_find_idx(root, s) for s in stems]
        missing = [s for s, p in zip(stems, paths) if p is None]
        if missing:
            split = "training" if train else "test"
            raise FileNotFoundError(
                f"MNIST: the {split} files are missing from {root}: "
                f"{', '.join(m + '.gz' for m in missing)}. Place the MNIST IDX files "
                f"(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                f"t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; gzipped or not) in "
                f"{root} or {root / 'MNIST' / 'raw'}. They are the files of the original MNIST "
                f"distribution (Y. LeCun, C. Cortes, C. Burges) and its mirrors; numbagrad "
                f"never downloads them.")
        image_path, label_path = (p for p in paths if p is not None)
        images, labels = read_idx(image_path), read_idx(label_path)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"MNIST: expected images (N, H, W) and labels (N,), got "
                             f"{images.shape} from {paths[0]} and {labels.shape} from {paths[1]}")
        super().__init__(np.ascontiguousarray(images, dtype=np.uint8),
                         labels.astype(np.int64), transform, target_transform)
        self.train = train
        self.classes = [str(i) for i in range(10)]

    def _sample_x(self, index: int) -> np.ndarray:
        return (self.data._data[index].astype(np.float32) / 255.0)[None]

    def _batch_x(self, indices: np.ndarray) -> np.ndarray:
        return (self.data._data[indices].astype(np.float32) / 255.0)[:, None]


# --------------------------------------------------------------------------- digits
class Digits(_ArrayDataset):
    """scikit-learn's bundled 8x8 digits (1797 images), split reproducibly into train/test.

    Args:
        train: the training part, else the test part.
        test_fraction: share of the images held out for testing.
        seed: the split's seed (the same seed gives the same split).
        transform: per-sample callable on the image (float32 Tensor ``(1, 8, 8)`` in [0, 1]).
        target_transform: per-sample callable on the label (an int).

    Raises:
        ImportError: when scikit-learn is not installed.
    """

    def __init__(self, train: bool = True, test_fraction: float = 0.2, seed: int = 0,
                 transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        try:
            from sklearn.datasets import load_digits
        except ImportError as e:
            raise ImportError("Digits needs scikit-learn: pip install scikit-learn") from e
        if not 0.0 < test_fraction < 1.0:
            raise ValueError(f"Digits: test_fraction must be in (0, 1), got {test_fraction}")
        d = load_digits()
        x = (d.images.astype(np.float32) / 16.0)[:, None]  # (N, 1, 8, 8), values 0..16
        y = d.target.astype(np.int64)
        perm = np.random.default_rng(seed).permutation(len(y))
        n_test = int(round(len(y) * test_fraction))
        idx = perm[n_test:] if train else perm[:n_test]
        super().__init__(np.ascontiguousarray(x[idx]), y[idx], transform, target_transform)
        self.train = train
        self.classes = [str(i) for i in range(10)]
