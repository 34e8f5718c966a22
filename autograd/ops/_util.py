"""Small helpers shared by the op families (argument normalisation, error text)."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeAlias, cast

import numpy as np
import numpy.typing as npt

from .. import dtypes as _dt
from ..dtypes import get_default_dtype
from ..tensor import Tensor, _wrap

# Type aliases for the public signatures (ops, creation).
Scalar: TypeAlias = bool | int | float
"""A Python number where an op also takes a tensor."""
TensorLike: TypeAlias = Tensor | npt.ArrayLike
"""A Tensor, or data an op turns into a constant tensor (numbers, arrays, nested lists)."""
DTypeLike: TypeAlias = npt.DTypeLike
"""A NumPy dtype, a type (``float``), or a name (``'float32'``)."""
Dims: TypeAlias = int | Sequence[int]
"""One dimension or several."""
Size: TypeAlias = int | Sequence[int]
"""A shape, or one element of a ``*size`` argument (``f(2, 3)``, ``f((2, 3))``)."""


class IndexBoundsError(IndexError, RuntimeError):
    """An index outside its dimension: PyTorch raises RuntimeError for gather/scatter,
    Python code expects IndexError; both ``except`` clauses catch this."""


def check_index_bounds(op: str, index: np.ndarray, size: int, dim: int,
                       error: type[Exception] = IndexBoundsError) -> None:
    """Raise ``error`` naming ``op`` when an entry of integer ``index`` lies outside
    ``[0, size)``: PyTorch's index ops (gather, scatter, index_select, embedding) reject
    negative indices instead of counting from the end."""
    if index.size == 0:
        return
    lo, hi = int(index.min()), int(index.max())
    if lo < 0 or hi >= size:
        bad = lo if lo < 0 else hi
        raise error(f"{op}: index {bad} is out of bounds for dimension {dim} with size {size} "
                    f"(indices must be in [0, {size}); got range [{lo}, {hi}])")


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """Map a possibly negative ``dim`` into ``range(ndim)``; IndexError when out of range,
    TypeError when not an integer (PyTorch's classes)."""
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def normalize_dims(dim: Dims | None, ndim: int, op: str) -> tuple[int, ...] | None:
    """``None`` -> None; int or sequence -> sorted tuple of non-negative dims."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        return (normalize_dim(int(dim), ndim, op),)
    dims = tuple(normalize_dim(d, ndim, op) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{op}: dim {tuple(dim)} appears multiple times in the list of dims")
    return tuple(sorted(dims))


def size_args(size: Sequence[Any]) -> tuple[int, ...]:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` size spellings."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        return tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"size must be ints or a sequence of ints, got {size!r}") from None


def as_tensor(x: TensorLike) -> Tensor:
    """``x`` as a Tensor (Python numbers and arrays become constants)."""
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype == np.float64 and not isinstance(x, (np.ndarray, np.generic)):
        arr = arr.astype(get_default_dtype())
    return _wrap(arr)


def shape_of(x: object) -> tuple[int, ...]:
    return tuple(x.shape) if isinstance(x, (Tensor, np.ndarray)) else ()


def _scalar_dtype(x: object) -> np.dtype:
    """The dtype a Python (or NumPy) scalar takes part in promotion with (a "wrapped number")."""
    if isinstance(x, (bool, np.bool_)):
        return _dt.bool
    if isinstance(x, (int, np.integer)):
        return _dt.int64
    if isinstance(x, (float, np.floating)):
        return get_default_dtype()
    if isinstance(x, (complex, np.complexfloating)):
        return _dt.default_complex_dtype()
    raise TypeError(f"result_type: expected a Tensor or a Python number, got {type(x).__name__}")


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    # PyTorch's combine_categories: a higher-priority group (dimensioned tensors over 0-d
    # tensors over Python numbers) keeps its dtype unless the lower group is of a higher
    # category (then the two are promoted), e.g. int8 tensor + 0-d int64 tensor -> int8,
    # int8 tensor + 0-d float64 tensor -> float64, int8 tensor + 2.5 -> float32 (default).
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch = _dt.category(higher)
    if ch >= 2 and _dt.category(lower) <= ch:
        return higher
    if ch == 2:  # a complex lower group keeps the float's precision (float32 -> complex64);
        # float16 would give complex32, which NumPy lacks: complex64 instead
        return _dt.complex128 if higher == _dt.float64 else _dt.complex64
    if ch == 0 or _dt.category(lower) > ch:
        return _dt.promote_types(higher, lower)
    return higher


def result_type(*operands: object) -> np.dtype:
    """The dtype PyTorch computes ``op(*operands)`` in (``torch.result_type``, n-ary).

    Tensors with dimensions take precedence over 0-d tensors, which take precedence over
    Python numbers; a lower-precedence operand only changes the result when it is of a
    higher category (bool < integer < floating < complex). Python floats count as the
    default dtype, ints as int64, bools as bool.
    """
    dim = zero = wrapped = None
    for x in operands:
        if isinstance(x, Tensor):
            a = x._data
        elif isinstance(x, np.ndarray):
            a = x
        else:
            if x is None:
                continue
            d = _scalar_dtype(x)
            wrapped = d if wrapped is None else _dt.promote_types(wrapped, d)
            continue
        if a.ndim:
            dim = a.dtype if dim is None else _dt.promote_types(dim, a.dtype)
        else:
            zero = a.dtype if zero is None else _dt.promote_types(zero, a.dtype)
    out = _combine(dim, _combine(zero, wrapped))
    if out is None:
        raise TypeError("result_type: expected at least one operand")
    return out


def float_result_type(*operands: object) -> np.dtype:
    """``result_type``, with integer/bool results replaced by the default float dtype
    (true division and the float-valued functions: ``int / int`` is float32)."""
    rt = result_type(*operands)
    return rt if rt.kind in "fc" else get_default_dtype()


INT64_RANGE = (-2**63, 2**63 - 1)
INT_RANGE = {np.dtype(d): (int(np.iinfo(d).min), int(np.iinfo(d).max))
              for d in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
                        np.uint64)}


def wrapped_int(x: int, dtype: np.dtype) -> int:
    """A Python int outside an integer dtype's range, wrapped into it (two's complement),
    as PyTorch does when an integer tensor meets a Python int in arithmetic
    (``uint8_tensor + 300`` adds 44)."""
    lo, hi = INT_RANGE[dtype]
    if lo <= x <= hi:
        return x
    if not -2**63 <= x < 2**64:
        raise RuntimeError(f"value {x} cannot be converted to type int64 without overflow")
    span = hi - lo + 1
    return (x - lo) % span + lo


def check_int_fits(op: str, value: object, dtype: np.dtype) -> None:
    """PyTorch's RuntimeError when a Python number that must be stored in an integer dtype
    (a fill value, a clamp bound, a ``where`` branch) is outside its range: ints may wrap
    into an unsigned dtype from down to ``-max``; floats must be finite and in range."""
    if dtype.kind not in "iu" or type(value) not in (int, float):
        return
    lo, hi = INT_RANGE[dtype]
    if isinstance(value, int):
        ok = (-hi if dtype.kind == "u" else lo) <= value <= hi
    else:
        v = float(cast(float, value))
        ok = math.isfinite(v) and lo <= v <= hi
    if not ok:
        raise RuntimeError(f"{op}: value {value} cannot be converted to type {dtype} "
                           f"without overflow")


def promote_data(rt: np.dtype, x: object) -> object:
    """``x`` (Tensor data, array or Python number) ready for a NumPy call computing in
    ``rt``: arrays cast to ``rt``; Python numbers stay (NumPy treats them as weak)."""
    if isinstance(x, Tensor):
        x = x._data
    if isinstance(x, np.ndarray):
        return x if x.dtype == rt else x.astype(rt)
    if isinstance(x, np.generic):
        return x.item()
    if type(x) is int and rt.kind in "iu":
        return wrapped_int(x, rt)
    return x
