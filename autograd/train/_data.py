"""Turn what ``fit``/``evaluate``/``predict`` accept into batches of Tensors.

Accepted inputs: NumPy arrays (or anything ``np.asarray`` takes) and Tensors with a
target array ``y``; a map-style ``Dataset`` (batched here); a ``DataLoader`` (used as
it is: its own batch size and shuffling apply).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.utils.data import DataLoader, Dataset, Subset


def to_array(v: Any, what: str) -> np.ndarray:
    """``v`` (array, Tensor, nested list) as a NumPy array, or a clear TypeError."""
    if isinstance(v, Tensor):
        return v.detach().numpy()
    if isinstance(v, (DataLoader, Dataset)):
        raise TypeError(f"{what}: a {type(v).__name__} cannot be paired with a separate array; "
                        "pass it as x alone (its items are (input, target) pairs)")
    try:
        arr = np.asarray(v)
    except Exception as e:  # ragged lists and the like
        raise TypeError(f"{what}: expected a NumPy array or Tensor, got {type(v).__name__}") from e
    if arr.dtype == object:
        raise TypeError(f"{what}: expected a numeric NumPy array or Tensor, got an object array "
                        f"built from {type(v).__name__}")
    return arr


def _cast(arr: np.ndarray, float_dtype: np.dtype) -> np.ndarray:
    # Keras casts floating inputs to the model's float type; PyTorch would raise on a
    # float64 batch meeting float32 weights, which NumPy users hit constantly.
    if arr.dtype.kind == "f" and arr.dtype != float_dtype:
        return arr.astype(float_dtype)
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64) if arr.dtype != np.bool_ else arr
    return arr


class ArrayBatches:
    """Batches ``(x[i], y[i])`` (or ``x[i]`` when ``y`` is None) as Tensors.

    Args:
        x: inputs ``(N, *sample_shape)``.
        y: targets ``(N, ...)`` or None.
        batch_size: rows per batch (the last batch may be shorter).
        shuffle: a new order each pass, drawn from autograd's global generator (so
            ``autograd.manual_seed`` makes runs repeatable).
        float_dtype: floating arrays are cast to it (the model's parameter dtype).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray | None, batch_size: int, shuffle: bool,
                 float_dtype: np.dtype) -> None:
        self.x = np.ascontiguousarray(_cast(x, float_dtype))
        self.y = None if y is None else np.ascontiguousarray(_cast(y, float_dtype))
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.x)
        order = autograd.randperm(n).numpy() if self.shuffle else None
        for start in range(0, n, self.batch_size):
            idx = (order[start:start + self.batch_size] if order is not None
                   else slice(start, start + self.batch_size))
            xb = autograd.from_numpy(np.ascontiguousarray(self.x[idx]))
            if self.y is None:
                yield xb
            else:
                yield xb, autograd.from_numpy(np.ascontiguousarray(self.y[idx]))


def check_batch_size(batch_size: Any, where: str) -> int:
    """Keras's default of 32 for None; a positive int otherwise."""
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"Model.{where}: batch_size must be a positive integer, got {batch_size!r}")
    return int(batch_size)


def batches(x: Any, y: Any, batch_size: int, shuffle: bool, float_dtype: np.dtype,
            where: str, need_y: bool = True) -> Iterable[Any]:
    """One pass worth of batches over ``x``/``y`` in any accepted form."""
    if isinstance(x, DataLoader):
        if y is not None:
            raise ValueError(f"Model.{where}: y must be None when x is a DataLoader "
                             "(the loader yields (input, target) batches)")
        return x
    if isinstance(x, Dataset):
        if y is not None:
            raise ValueError(f"Model.{where}: y must be None when x is a Dataset "
                             "(its items are (input, target) pairs)")
        return DataLoader(x, batch_size=batch_size, shuffle=shuffle)
    if x is None:
        raise ValueError(f"Model.{where}: x is required")
    xa = to_array(x, f"Model.{where}: x")
    if xa.ndim == 0:
        raise ValueError(f"Model.{where}: x must have a batch dimension, got a scalar")
    ya = None
    if y is None:
        if need_y:
            raise ValueError(f"Model.{where}: y is required when x is an array "
                             "(or pass a DataLoader/Dataset of (input, target) pairs as x)")
    else:
        ya = to_array(y, f"Model.{where}: y")
        if ya.ndim == 0 or len(ya) != len(xa):
            raise ValueError(f"Model.{where}: x and y must have the same number of samples, got "
                             f"x {tuple(xa.shape)} and y {tuple(ya.shape)}")
    if len(xa) == 0:
        raise ValueError(f"Model.{where}: x is empty (0 samples)")
    return ArrayBatches(xa, ya, batch_size, shuffle, float_dtype)


def split_validation(x: Any, y: Any, validation_split: float) -> tuple[Any, Any, Any]:
    """Keras's rule: the LAST ``validation_split`` share of the samples (taken before any
    shuffling) is held out. Returns ``(x_train, y_train, validation)``."""
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"Model.fit: validation_split must be in [0, 1), got {validation_split}")
    if validation_split == 0.0:
        return x, y, None
    if isinstance(x, DataLoader):
        raise ValueError("Model.fit: validation_split is not supported when x is a DataLoader "
                         "(its order is its own); pass validation_data instead")
    if isinstance(x, Dataset):
        n = len(x)
        split_at = int(math.floor(n * (1.0 - validation_split)))
        if split_at in (0, n):
            raise ValueError(f"Model.fit: validation_split={validation_split} leaves an empty "
                             f"training or validation set for {n} samples")
        return Subset(x, range(split_at)), None, Subset(x, range(split_at, n))
    xa, ya = to_array(x, "Model.fit: x"), None if y is None else to_array(y, "Model.fit: y")
    n = len(xa)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at in (0, n):
        raise ValueError(f"Model.fit: validation_split={validation_split} leaves an empty "
                         f"training or validation set for {n} samples")
    val = (xa[split_at:], None if ya is None else ya[split_at:])
    return xa[:split_at], None if ya is None else ya[:split_at], val


def unpack_validation(validation_data: Any) -> tuple[Any, Any]:
    """``(x_val, y_val)`` from a pair, a DataLoader or a Dataset."""
    if isinstance(validation_data, (DataLoader, Dataset)):
        return validation_data, None
    if isinstance(validation_data, (tuple, list)) and len(validation_data) == 2:
        return validation_data[0], validation_data[1]
    raise ValueError("Model.fit: validation_data must be a pair (x_val, y_val), a DataLoader or a "
                     f"Dataset, got {type(validation_data).__name__}"
                     + (f" of length {len(validation_data)}"
                        if isinstance(validation_data, (tuple, list)) else ""))


def split_batch(batch: Any, where: str) -> tuple[Tensor, Tensor]:
    """``(input, target)`` from a loader batch, converted to Tensors."""
    if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
        raise ValueError(f"Model.{where}: each batch must be an (input, target) pair, got "
                         f"{type(batch).__name__}"
                         + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else ""))
    return as_tensor(batch[0]), as_tensor(batch[1])


def as_tensor(v: Any) -> Tensor:
    """A Tensor from a Tensor or array-like (no copy for Tensors)."""
    return v if isinstance(v, Tensor) else autograd.from_numpy(np.ascontiguousarray(np.asarray(v)))
