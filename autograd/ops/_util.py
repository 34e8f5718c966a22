"""Small helpers shared by the op families (argument normalisation, error text)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

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


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """Map a possibly negative ``dim`` into ``range(ndim)``; clear error otherwise."""
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
    dims = tuple(normalize_dim(int(d), ndim, op) for d in dim)
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
