"""Tensor creation: tensor, zeros, ones, full, empty, eye, arange, linspace, rand, randn,
randint, randperm, normal, the ``*_like`` family, from_numpy, as_tensor.

Float results default to ``get_default_dtype()`` (float32); integer ranges are int64.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

import numpy as np

from . import dtypes as _dt
from .dtypes import can_cast, promote_types
from .ops._util import DTypeLike, Size, TensorLike, result_type, size_args
from .random import Generator, rng
from .tensor import Tensor, _to_array, _wrap

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "eye",
           "arange", "linspace", "logspace", "rand", "randn", "randint", "randperm", "normal",
           "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
           "randint_like", "scalar_tensor", "tril", "triu", "meshgrid",
           # PyTorch's type-promotion queries (defined in dtypes / ops._util), exported here
           "result_type", "promote_types", "can_cast"]


def _finish(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad = True  # validates the dtype
    return t


class _IntOverflowError(ValueError, RuntimeError):
    """A Python int that does not fit in int64 (PyTorch: ValueError 'Overflow when unpacking
    long long'; older versions raised RuntimeError, so this is both)."""


def _check_int_range(data: object) -> None:
    # NumPy turns [2**63] into uint64 (and [2**64] into object), which int64 would wrap
    if isinstance(data, bool):
        return
    if isinstance(data, int):
        if not -2**63 <= data < 2**63:
            raise _IntOverflowError("Overflow when unpacking long long")
    elif isinstance(data, (list, tuple)):
        for x in data:
            _check_int_range(x)


def _float(dtype: DTypeLike | None) -> np.dtype:
    return _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)


def tensor(data: TensorLike, dtype: DTypeLike | None = None, device: str | None = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (lists, scalars, arrays, Tensors).

    Python floats become the default dtype (float32), Python ints int64, bools bool;
    NumPy arrays keep their dtype.
    """
    if device is not None:
        _dt.check_device(device)
    if dtype is None or _dt.as_dtype(dtype).kind in "biu":
        _check_int_range(data)
    arr = np.array(_to_array(data, dtype), copy=True)
    return _finish(arr, requires_grad)


def as_tensor(data: TensorLike, dtype: DTypeLike | None = None, device: str | None = None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array / Tensor when possible."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == _dt.as_dtype(dtype)):
        return data
    return _wrap(_to_array(data, dtype))


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (same dtype)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    return _wrap(ndarray)


def scalar_tensor(s: complex, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor."""
    return _finish(np.asarray(s, dtype=_float(dtype)), requires_grad)


def zeros(*size: Size, dtype: DTypeLike | None = None, device: str | None = None,
          requires_grad: bool = False) -> Tensor:
    """Zeros of shape ``size``."""
    return _finish(np.zeros(size_args(size), dtype=_float(dtype)), requires_grad)


def ones(*size: Size, dtype: DTypeLike | None = None, device: str | None = None,
         requires_grad: bool = False) -> Tensor:
    """Ones of shape ``size``."""
    return _finish(np.ones(size_args(size), dtype=_float(dtype)), requires_grad)


def full(size: Size, fill_value: complex, dtype: DTypeLike | None = None, device: str | None = None,
         requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere; dtype inferred from it when not given (as PyTorch)."""
    if dtype is None:
        dtype = (_dt.bool if isinstance(fill_value, bool) else
                 _dt.int64 if isinstance(fill_value, int) else _dt.get_default_dtype())
    d = _dt.as_dtype(dtype)
    if d.kind in "iu" and isinstance(fill_value, int) and not isinstance(fill_value, bool):
        info = np.iinfo(d)
        if not info.min <= fill_value <= info.max:
            raise RuntimeError(f"value cannot be converted to type {d.name}_t without overflow")
    return _finish(np.full(size_args((size,)), fill_value, dtype=_dt.as_dtype(dtype)),
                   requires_grad)


def empty(*size: Size, dtype: DTypeLike | None = None, device: str | None = None,
          requires_grad: bool = False) -> Tensor:
    """Uninitialised memory of shape ``size``."""
    return _finish(np.empty(size_args(size), dtype=_float(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: DTypeLike | None = None, device: str | None = None,
        requires_grad: bool = False) -> Tensor:
    """Identity matrix (n, m)."""
    return _finish(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: DTypeLike | None = None,
           device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Values in [start, end) spaced by ``step``; int64 when all arguments are ints."""
    if end is None:
        start, end = 0, start
    vals = [start, end, step]
    if dtype is None:
        dtype = _dt.int64 if all(isinstance(v, (int, np.integer)) for v in vals) \
            else _dt.get_default_dtype()
    return _finish(np.arange(start, end, step).astype(_dt.as_dtype(dtype)), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: DTypeLike | None = None,
             device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end inclusive."""
    return _finish(np.linspace(start, end, steps).astype(_float(dtype)), requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype: DTypeLike | None = None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    return _finish(np.logspace(start, end, steps, base=base).astype(_float(dtype)),
                   requires_grad)


def rand(*size: Size, generator: Generator | None = None, dtype: DTypeLike | None = None,
         device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples of shape ``size``."""
    return _finish(rng(generator).random(size_args(size)).astype(_float(dtype)), requires_grad)


def randn(*size: Size, generator: Generator | None = None, dtype: DTypeLike | None = None,
          device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples of shape ``size``."""
    return _finish(rng(generator).standard_normal(size_args(size)).astype(_float(dtype)),
                   requires_grad)


def randint(low: int, high: int | Size | None = None, size: Size | None = None, *,
            generator: Generator | None = None, dtype: DTypeLike | None = None,
            device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Integers in [low, high) of shape ``size`` (``randint(high, size)`` also works)."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint: missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    out = rng(generator).integers(low, high, size=size_args((size,)))
    return _finish(out.astype(_dt.int64 if dtype is None else _dt.as_dtype(dtype)), requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: DTypeLike | None = None,
             device: str | None = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    return _finish(rng(generator).permutation(n).astype(dtype or _dt.int64), requires_grad)


def normal(mean: float | Tensor = 0.0, std: float | Tensor = 1.0, size: Size | None = None, *,
           generator: Generator | None = None, dtype: DTypeLike | None = None) -> Tensor:
    """Normal samples with the given mean/std (scalars or Tensors)."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = size_args((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    out = rng(generator).normal(m, s, size=shape)
    return _wrap(np.asarray(out).astype(_float(dtype)))


def _like(input: Tensor, dtype: DTypeLike | None) -> np.dtype:
    return input.dtype if dtype is None else _dt.as_dtype(dtype)


def zeros_like(input: Tensor, dtype: DTypeLike | None = None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros with ``input``'s shape and dtype."""
    return _finish(np.zeros(input.shape, dtype=_like(input, dtype)), requires_grad)


def ones_like(input: Tensor, dtype: DTypeLike | None = None, device: str | None = None,
              requires_grad: bool = False) -> Tensor:
    """Ones with ``input``'s shape and dtype."""
    return _finish(np.ones(input.shape, dtype=_like(input, dtype)), requires_grad)


def full_like(input: Tensor, fill_value: complex, dtype: DTypeLike | None = None,
              device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``input``'s shape and dtype."""
    return _finish(np.full(input.shape, fill_value, dtype=_like(input, dtype)), requires_grad)


def empty_like(input: Tensor, dtype: DTypeLike | None = None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """Uninitialised, with ``input``'s shape and dtype."""
    return _finish(np.empty(input.shape, dtype=_like(input, dtype)), requires_grad)


def rand_like(input: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples with ``input``'s shape."""
    return _finish(rng().random(input.shape).astype(_like(input, dtype)), requires_grad)


def randn_like(input: Tensor, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """Normal samples with ``input``'s shape."""
    return _finish(rng().standard_normal(input.shape).astype(_like(input, dtype)), requires_grad)


def randint_like(input: Tensor, low: int, high: int | None = None, dtype: DTypeLike | None = None) -> Tensor:
    """Random integers with ``input``'s shape."""
    if high is None:
        low, high = 0, low
    return _wrap(rng().integers(low, high, size=input.shape).astype(_like(input, dtype)))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Lower triangle (differentiable: a masked multiply)."""
    mask = np.tril(np.ones(input.shape[-2:], dtype=bool), diagonal)
    return input * _wrap(mask) if input.requires_grad else _wrap(np.tril(input._data, diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Upper triangle (differentiable: a masked multiply)."""
    mask = np.triu(np.ones(input.shape[-2:], dtype=bool), diagonal)
    return input * _wrap(mask) if input.requires_grad else _wrap(np.triu(input._data, diagonal))


def meshgrid(*tensors: Tensor | Sequence[Tensor],
             indexing: Literal["ij", "xy"] = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids (no gradient)."""
    seq = cast("Sequence[Tensor]", tensors)
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        seq = tensors[0]
    return tuple(_wrap(g) for g in np.meshgrid(*[t._data for t in seq], indexing=indexing))
