"""Small helpers shared by the op families (argument normalisation, error text)."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """Map a possibly negative ``dim`` into ``range(ndim)``; clear error otherwise."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def normalize_dims(dim, ndim: int, op: str):
    """``None`` -> None; int or sequence -> sorted tuple of non-negative dims."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        return (normalize_dim(int(dim), ndim, op),)
    dims = tuple(normalize_dim(int(d), ndim, op) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{op}: dim {tuple(dim)} appears multiple times in the list of dims")
    return tuple(sorted(dims))


def size_args(size) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` size spellings."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        return tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"size must be ints or a sequence of ints, got {size!r}") from None


def as_tensor(x) -> Tensor:
    """``x`` as a Tensor (Python numbers and arrays become constants)."""
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype == np.float64 and not isinstance(x, (np.ndarray, np.generic)):
        from ..dtypes import get_default_dtype
        arr = arr.astype(get_default_dtype())
    return _wrap(arr)


def shape_of(x) -> tuple:
    return tuple(x.shape) if isinstance(x, (Tensor, np.ndarray)) else ()
