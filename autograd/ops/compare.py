"""Comparisons and logical ops: no gradient, bool results."""
from __future__ import annotations

import numpy as np

from ..dtypes import no_kernel, scalar_name
from ..node import ShapeError
from ..tensor import Tensor, _wrap
from ._util import promote_data, result_type

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "logical_not", "logical_and", "logical_or",
           "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan",
           "isinf", "isfinite", "equal", "allclose", "isclose"]


def _arr(x):
    if isinstance(x, Tensor):
        return x._data
    return x.item() if isinstance(x, np.generic) else x


def _promoted(input, other):
    """Both operands' data in PyTorch's result dtype (comparisons compare in it: an int64
    tensor against 0.5 compares in float32)."""
    a, b = _arr(input), _arr(other)
    if isinstance(a, np.ndarray):
        k = a.dtype
        if isinstance(b, np.ndarray):
            if k == b.dtype:
                return a, b
        elif type(b) is int and k.kind != "b" or type(b) is float and k.kind == "f":
            return a, b
    rt = result_type(input, other)
    return promote_data(rt, a), promote_data(rt, b)


_F = np.dtype(np.float32)


def _binary(ufunc, name, promote=True, ordered=False):
    def op(input, other):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        if not promote and not isinstance(other, Tensor):  # the logical ops take tensors
            raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                            f"{type(other).__name__}")
        a, b = _promoted(input, other) if promote else (_arr(input), _arr(other))
        if ordered and (getattr(a, "dtype", None) is not None and a.dtype.kind == "c"
                        or isinstance(b, complex) or getattr(b, "dtype", _F).kind == "c"):
            # NumPy orders complex numbers lexicographically; PyTorch refuses
            raise no_kernel(f"{name}_cpu", result_type(input, other))
        try:
            return _wrap(np.asarray(ufunc(a, b)))
        except ValueError as exc:
            raise ShapeError(f"{name}: shapes {np.shape(_arr(input))} and "
                             f"{np.shape(_arr(other))} are not broadcastable: {exc}") from None
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}`` with broadcasting; bool result, no gradient."
    return op


eq = _binary(np.equal, "eq")
ne = _binary(np.not_equal, "ne")
lt = _binary(np.less, "lt", ordered=True)
le = _binary(np.less_equal, "le", ordered=True)
gt = _binary(np.greater, "gt", ordered=True)
ge = _binary(np.greater_equal, "ge", ordered=True)
logical_and = _binary(np.logical_and, "logical_and", promote=False)
logical_or = _binary(np.logical_or, "logical_or", promote=False)
logical_xor = _binary(np.logical_xor, "logical_xor", promote=False)


def _bitwise(ufunc, name):
    def op(input, other):
        rt = result_type(input, other)
        if rt.kind in "fc":
            raise no_kernel(f"{name}_cpu", rt, name)
        a, b = promote_data(rt, input), promote_data(rt, other)
        try:
            return _wrap(np.asarray(ufunc(a, b)))
        except ValueError as exc:
            raise ShapeError(f"{name}: shapes {np.shape(_arr(input))} and "
                             f"{np.shape(_arr(other))} are not broadcastable: {exc}") from None
    op.__name__ = name
    op.__doc__ = (f"Elementwise ``{name}`` of integer or bool tensors (logical on bool) with "
                  f"PyTorch's promotion; no gradient.")
    return op


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input: Tensor) -> Tensor:
    """Elementwise bitwise not of an integer tensor (logical not of a bool tensor)."""
    if input._data.dtype.kind in "fc":
        raise TypeError(f"bitwise_not: ~ (operator.invert) is only implemented on integer and "
                        f"Boolean-type tensors, got {input._data.dtype}")
    return _wrap(np.asarray(np.invert(input._data)))


def logical_not(input: Tensor) -> Tensor:
    """Elementwise logical not; a bool tensor for every input dtype (``~x`` is the bitwise
    not of integers, see ``bitwise_not``)."""
    return _wrap(np.asarray(np.logical_not(input._data)))


def isnan(input: Tensor) -> Tensor:
    """True where NaN."""
    return _wrap(np.isnan(input._data))


def isinf(input: Tensor) -> Tensor:
    """True where +-inf."""
    return _wrap(np.isinf(input._data))


def isfinite(input: Tensor) -> Tensor:
    """True where finite."""
    return _wrap(np.isfinite(input._data))


def _same_dtype(op: str, input: Tensor, other: object) -> None:
    if isinstance(other, Tensor) and other._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}: {scalar_name(input._data.dtype)} did not match "
                           f"{scalar_name(other._data.dtype)} (both tensors must have one dtype)")


def equal(input: Tensor, other: Tensor) -> bool:
    """True when shapes and all values are equal."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """``np.allclose`` on the values; ``input`` and ``other`` must share a dtype."""
    _same_dtype("allclose", input, other)
    return bool(np.allclose(_arr(input), _arr(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Elementwise ``np.isclose``; bool tensor. ``input`` and ``other`` must share a
    dtype (PyTorch's RuntimeError otherwise)."""
    _same_dtype("isclose", input, other)
    return _wrap(np.isclose(_arr(input), _arr(other), rtol=rtol, atol=atol, equal_nan=equal_nan))
