"""Tensor creation: tensor, zeros, ones, full, empty, eye, arange, linspace, rand, randn,
randint, randperm, normal, the ``*_like`` family, from_numpy, as_tensor.

Float results default to ``get_default_dtype()`` (float32); integer ranges are int64.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

import numpy as np

from . import dtypes as _dt
from . import random as _random
from .dtypes import can_cast, promote_types
from .ops._args import guard_tensor_inputs, require_number
from .ops._util import DTypeLike, Size, TensorLike, result_type, size_args
from .random import Generator
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


def _check_int_range(data: object, dtype: np.dtype | None = None) -> None:
    """Python ints in ``data`` must fit int64 (PyTorch's ValueError) and, when an integer
    ``dtype`` is asked for, that dtype (PyTorch's RuntimeError): NumPy would turn [2**63]
    into uint64 and wrap ``[300]`` to 44 in uint8."""
    if isinstance(data, bool):
        return
    if isinstance(data, int):
        if not -2**63 <= data < 2**63:
            raise _IntOverflowError("Overflow when unpacking long long")
        if dtype is not None and dtype.kind in "iu":
            info = np.iinfo(dtype)
            # unsigned dtypes take negative values down to -max (they wrap), as PyTorch
            lo = -int(info.max) if dtype.kind == "u" else info.min
            if not lo <= data <= info.max:
                raise RuntimeError(f"value {data} cannot be converted to type {dtype} without "
                                   f"overflow")
    elif isinstance(data, (list, tuple)):
        for x in data:
            _check_int_range(x, dtype)


def _shape(op: str, size: Sequence[object]) -> tuple[int, ...]:
    """A creation op's ``*size`` as a shape: ints only (TypeError otherwise, as PyTorch,
    where NumPy would truncate 2.5), none negative (PyTorch's RuntimeError)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    for s in size:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            if isinstance(s, Tensor) and s._data.ndim == 0 and s._data.dtype.kind in "iu":
                continue
            raise TypeError(f"{op}(): argument 'size' must be tuple of ints, but found element "
                            f"of type {type(s).__name__}")
    shape = size_args(size)
    if any(d < 0 for d in shape):
        bad = next(d for d in shape if d < 0)
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {bad}: "
                           f"{list(shape)}")
    return shape


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
    return _finish(np.array(_data_array(data, dtype), copy=True), requires_grad)


def _data_array(data: TensorLike, dtype: DTypeLike | None) -> np.ndarray:
    """``data`` (Python numbers, nested sequences, arrays, Tensors) as an array with
    PyTorch's creation rules: ints checked against int64 and ``dtype``, Python complex
    numbers in the default complex dtype, ragged sequences and None rejected."""
    if data is None:
        raise RuntimeError("tensor: Could not infer dtype of NoneType")
    want = None if dtype is None else _dt.as_dtype(dtype)
    if not isinstance(data, (Tensor, np.ndarray)) and (want is None or want.kind in "biu"):
        _check_int_range(data, want)
    try:
        with np.errstate(over="ignore"):  # negative ints into unsigned dtypes wrap (checked)
            arr = _to_array(data, dtype)
    except ValueError as exc:
        if "inhomogeneous" not in str(exc):
            raise
        raise ValueError(f"tensor: expected a rectangular nested sequence (every sequence at "
                         f"one depth of the same length); {exc}") from None
    if (want is None and arr.dtype == np.complex128
            and not isinstance(data, (Tensor, np.ndarray, np.generic))):
        arr = arr.astype(_dt.default_complex_dtype())
    return arr


def as_tensor(data: TensorLike, dtype: DTypeLike | None = None, device: str | None = None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array / Tensor when possible."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == _dt.as_dtype(dtype)):
        return data
    return _wrap(_data_array(data, dtype))


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
    return _finish(np.zeros(_shape("zeros", size), dtype=_float(dtype)), requires_grad)


def ones(*size: Size, dtype: DTypeLike | None = None, device: str | None = None,
         requires_grad: bool = False) -> Tensor:
    """Ones of shape ``size``."""
    return _finish(np.ones(_shape("ones", size), dtype=_float(dtype)), requires_grad)


def full(size: Size, fill_value: complex, dtype: DTypeLike | None = None, device: str | None = None,
         requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere; dtype inferred from it when not given (as PyTorch)."""
    fill_value = require_number("full", "fill_value", fill_value)
    if dtype is None:
        dtype = (_dt.bool if isinstance(fill_value, bool) else
                 _dt.int64 if isinstance(fill_value, int) else
                 _dt.default_complex_dtype() if isinstance(fill_value, complex) else
                 _dt.get_default_dtype())
    d = _dt.as_dtype(dtype)
    if d.kind in "iu" and isinstance(fill_value, int) and not isinstance(fill_value, bool):
        info = np.iinfo(d)
        if not info.min <= fill_value <= info.max:
            raise RuntimeError(f"full: value {fill_value} cannot be converted to type {d} "
                               f"without overflow")
    return _finish(np.full(_shape("full", (size,)), fill_value, dtype=_dt.as_dtype(dtype)),
                   requires_grad)


def empty(*size: Size, dtype: DTypeLike | None = None, device: str | None = None,
          requires_grad: bool = False) -> Tensor:
    """Uninitialised memory of shape ``size``."""
    return _finish(np.empty(_shape("empty", size), dtype=_float(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: DTypeLike | None = None, device: str | None = None,
        requires_grad: bool = False) -> Tensor:
    """Identity matrix (n, m)."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and require_number("eye", name, v, integral=True) < 0:
            raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {v}")
    return _finish(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: DTypeLike | None = None,
           device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Values in [start, end) spaced by ``step``; int64 when all arguments are ints."""
    if end is None:
        start, end = 0, start
    vals = [require_number("arange", name, v) for name, v in
            (("start", start), ("end", end), ("step", step))]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    if dtype is None:
        dtype = _dt.int64 if all(isinstance(v, (int, np.integer)) for v in vals) \
            else _dt.get_default_dtype()
    return _finish(np.arange(start, end, step).astype(_dt.as_dtype(dtype)), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: DTypeLike | None = None,
             device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end inclusive."""
    if require_number("linspace", "steps", steps, integral=True) < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps).astype(_float(dtype)), requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype: DTypeLike | None = None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    if require_number("logspace", "steps", steps, integral=True) < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    return _finish(np.logspace(start, end, steps, base=base).astype(_float(dtype)),
                   requires_grad)


def rand(*size: Size, generator: Generator | None = None, dtype: DTypeLike | None = None,
         device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples of shape ``size`` (PyTorch's numbers after the same seed)."""
    out = np.empty(_shape("rand", size), _float(dtype))
    return _finish(_random.fill_uniform(out, 0.0, 1.0, generator), requires_grad)


def randn(*size: Size, generator: Generator | None = None, dtype: DTypeLike | None = None,
          device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples of shape ``size`` (PyTorch's numbers after the same seed)."""
    out = np.empty(_shape("randn", size), _float(dtype))
    return _finish(_random.fill_normal(out, 0.0, 1.0, generator), requires_grad)


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
    if low >= cast(int, high):
        raise RuntimeError(f"randint: random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    out = np.empty(_shape("randint", (size,)), _dt.int64 if dtype is None else _dt.as_dtype(dtype))
    return _finish(_random.fill_random_from_to(out, int(low), int(cast(int, high)), generator),
                   requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: DTypeLike | None = None,
             device: str | None = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1 (int64; PyTorch's shuffle and numbers)."""
    n = require_number("randperm", "n", n, integral=True)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    out = _random.permutation(n, generator)
    return _finish(out.astype(_dt.int64 if dtype is None else _dt.as_dtype(dtype)), requires_grad)


def normal(mean: float | Tensor = 0.0, std: float | Tensor = 1.0, size: Size | None = None, *,
           generator: Generator | None = None, dtype: DTypeLike | None = None) -> Tensor:
    """Normal samples with the given mean/std (scalars or Tensors)."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = size_args((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        out = np.empty(shape, _float(dtype))
        return _wrap(_random.fill_normal(out, float(m), float(s), generator))
    # PyTorch: standard normals in the result dtype, then * std + mean
    dt = np.result_type(*[a.dtype for a in (m, s) if isinstance(a, np.ndarray)])
    out = _random.fill_normal(np.empty(shape, dt if dtype is None else _float(dtype)), 0.0, 1.0,
                              generator)
    return _wrap((out * np.asarray(s, out.dtype) + np.asarray(m, out.dtype)).astype(out.dtype))


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


def rand_like(input: Tensor, *, generator: Generator | None = None,
              dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples with ``input``'s shape."""
    out = np.empty(input.shape, _like(input, dtype))
    return _finish(_random.fill_uniform(out, 0.0, 1.0, generator), requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None,
               dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """Normal samples with ``input``'s shape."""
    out = np.empty(input.shape, _like(input, dtype))
    return _finish(_random.fill_normal(out, 0.0, 1.0, generator), requires_grad)


def randint_like(input: Tensor, low: int, high: int | None = None, *,
                 generator: Generator | None = None, dtype: DTypeLike | None = None) -> Tensor:
    """Random integers with ``input``'s shape."""
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"randint_like: random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    out = np.empty(input.shape, _like(input, dtype))
    return _wrap(_random.fill_random_from_to(out, int(low), int(high), generator))


def _triangle(op: str, input: Tensor, diagonal: int, keep: np.ndarray) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got shape "
                           f"{tuple(input.shape)}")
    if not input.requires_grad:
        return _wrap(np.where(keep, input._data, np.zeros((), input._data.dtype)))
    from .ops.elementwise import where  # lazy: ops build on creation's module
    # where, not a masked multiply: inf * 0 would put NaN into the zeroed triangle
    return where(_wrap(keep), input, _wrap(np.zeros((), input._data.dtype)))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Lower triangle of the last two dims: entries with ``col - row <= diagonal`` kept,
    the rest 0. Shape (*, m, n) -> (*, m, n); differentiable."""
    m, n = input.shape[-2:] if input._data.ndim >= 2 else (0, 0)
    return _triangle("tril", input, diagonal, np.tri(m, n, diagonal, dtype=bool))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Upper triangle of the last two dims: entries with ``col - row >= diagonal`` kept,
    the rest 0. Shape (*, m, n) -> (*, m, n); differentiable."""
    m, n = input.shape[-2:] if input._data.ndim >= 2 else (0, 0)
    return _triangle("triu", input, diagonal, ~np.tri(m, n, diagonal - 1, dtype=bool))


def meshgrid(*tensors: Tensor | Sequence[Tensor],
             indexing: Literal["ij", "xy"] = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids (no gradient)."""
    seq = cast("Sequence[Tensor]", tensors)
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        seq = tensors[0]
    return tuple(_wrap(g) for g in np.meshgrid(*[t._data for t in seq], indexing=indexing))


# ``*_like``, ``tril``, ``triu`` take a Tensor first, as in PyTorch (TypeError otherwise).
for _name in ("zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
              "randint_like", "tril", "triu"):
    globals()[_name] = guard_tensor_inputs(globals()[_name])
del _name
