"""``torch.testing``: :func:`assert_close` with PyTorch's default tolerances per dtype,
pairing rules and messages, and the deprecated :func:`assert_allclose`."""
from __future__ import annotations

import builtins
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor

__all__ = ["assert_close", "assert_allclose"]

# PyTorch's default (rtol, atol) of assert_close; other dtypes compare exactly
_CLOSE_TOL: dict[np.dtype, tuple[float, float]] = {
    _dt.float16: (1e-3, 1e-5), _dt.float32: (1.3e-6, 1e-5), _dt.float64: (1e-7, 1e-7),
    _dt.complex64: (1.3e-6, 1e-5), _dt.complex128: (1e-7, 1e-7),
}
# the older table of assert_allclose
_ALLCLOSE_TOL: dict[np.dtype, tuple[float, float]] = {
    _dt.float16: (1e-3, 1e-3), _dt.float32: (1e-4, 1e-5), _dt.float64: (1e-5, 1e-8)}

_Msg: TypeAlias = "str | Callable[[str], str] | None"


class _Failure(Exception):
    """One mismatch: its exception type, message and where in the nesting it occurred."""

    def __init__(self, kind: type[Exception], message: str, path: str = "") -> None:
        super().__init__(message)
        self.kind, self.message, self.path = kind, message, path


def _tolerances(a: np.dtype, b: np.dtype, rtol: float | None, atol: float | None,
                table: dict[np.dtype, tuple[float, float]]) -> tuple[float, float]:
    if rtol is not None and atol is not None:
        return float(rtol), float(atol)
    ra, aa = table.get(a, (0.0, 0.0))
    rb, ab = table.get(b, (0.0, 0.0))
    return max(ra, rb), max(aa, ab)


def _is_number(x: object) -> bool:
    return isinstance(x, (builtins.int, builtins.float, complex, np.number, np.bool_))


def _fmt_index(flat: int, shape: tuple[int, ...]) -> str:
    return str(tuple(int(i) for i in np.unravel_index(flat, shape)))


def _compare_arrays(a: np.ndarray, e: np.ndarray, rtol: float | None, atol: float | None,
                    equal_nan: bool, check_dtype: bool,
                    table: dict[np.dtype, tuple[float, float]]) -> None:
    if a.shape != e.shape:
        raise _Failure(AssertionError, f"The values for attribute 'shape' do not match: "
                                       f"torch.Size({list(a.shape)}) != "
                                       f"torch.Size({list(e.shape)}).")
    if check_dtype and a.dtype != e.dtype:
        raise _Failure(AssertionError, f"The values for attribute 'dtype' do not match: "
                                       f"{_dt.type_name(a.dtype)} != {_dt.type_name(e.dtype)}.")
    rtol, atol = _tolerances(a.dtype, e.dtype, rtol, atol, table)
    common = _dt.promote_types(a.dtype, e.dtype)
    if common.kind == "b":
        common = np.dtype(np.int64)
    ac, ec = a.astype(common), e.astype(common)
    exact = rtol == 0 and atol == 0
    if exact or common.kind in "iu":
        ok = ac == ec if exact else np.isclose(ac, ec, rtol=rtol, atol=atol)
        if equal_nan and common.kind in "fc":
            ok |= np.isnan(ac) & np.isnan(ec)
    else:
        ok = np.isclose(ac, ec, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if bool(np.all(ok)):
        return
    with np.errstate(all="ignore"):
        if common.kind in "iu":
            abs_diff = np.abs(ac.astype(np.int64) - ec.astype(np.int64))
            rel_diff = (abs_diff.astype(_dt.get_default_dtype())
                        / np.abs(ec).astype(_dt.get_default_dtype()))
        else:
            abs_diff = np.abs(ac - ec)
            rel_diff = abs_diff / np.abs(ec)
        if equal_nan and common.kind in "fc":
            both = np.isnan(ac) & np.isnan(ec)
            abs_diff[both] = 0
            rel_diff[both] = 0
    kind = "equal" if exact else "close"
    tol = (lambda t: "") if exact else (lambda t: f" (up to {t} allowed)")
    if a.ndim == 0:
        head = f"Scalars are not {kind}!\n\nExpected {e.item()} but got {a.item()}.\n"
        raise _Failure(AssertionError, head + f"Absolute difference: {abs_diff.item()}"
                       f"{tol(atol)}\nRelative difference: {rel_diff.item()}{tol(rtol)}")
    n_bad, n = int(ok.size - np.count_nonzero(ok)), ok.size
    lines = [f"Tensor-likes are not {kind}!", "",
             f"Mismatched elements: {n_bad} / {n} ({100 * n_bad / n:.1f}%)"]
    for label, diff, t in (("absolute", abs_diff, atol), ("relative", rel_diff, rtol)):
        flat = diff.reshape(-1)
        nan = (np.flatnonzero(np.isnan(flat)) if flat.dtype.kind in "fc"
               else np.empty(0, np.intp))
        i = int(nan[0]) if nan.size else int(np.argmax(flat))
        lines.append(f"Greatest {label} difference: {flat[i].item()} at index "
                     f"{_fmt_index(i, a.shape)}{tol(t)}")
    raise _Failure(AssertionError, "\n".join(lines))


def _compare_scalars(a: Any, e: Any, rtol: float | None, atol: float | None,
                     equal_nan: bool, check_dtype: bool,
                     table: dict[np.dtype, tuple[float, float]]) -> None:
    if isinstance(a, (builtins.bool, np.bool_)) and isinstance(e, (builtins.bool, np.bool_)):
        if builtins.bool(a) is not builtins.bool(e):
            raise _Failure(AssertionError, f"Booleans mismatch: {builtins.bool(a)} is not "
                                           f"{builtins.bool(e)}")
        return
    ka, ke = _scalar_kind(a), _scalar_kind(e)
    if check_dtype and ka is not ke:
        raise _Failure(AssertionError, f"The (d)types do not match: {ka} != {ke}.")
    # Python numbers compare at 64-bit precision (PyTorch's scalar pair)
    da = np.asarray(a).dtype if isinstance(a, np.generic) else np.asarray(ka()).dtype
    de = np.asarray(e).dtype if isinstance(e, np.generic) else np.asarray(ke()).dtype
    _compare_arrays(np.asarray(a, dtype=da), np.asarray(e, dtype=de), rtol, atol, equal_nan,
                    False, table)


def _scalar_kind(x: Any) -> type:
    if isinstance(x, (builtins.bool, np.bool_)):
        return builtins.bool
    if isinstance(x, (builtins.int, np.integer)):
        return builtins.int
    if isinstance(x, (builtins.float, np.floating)):
        return builtins.float
    return complex


def _compare(a: Any, e: Any, path: str, **kw: Any) -> None:
    try:
        if isinstance(a, Tensor) and isinstance(e, Tensor):
            return _compare_arrays(a._data, e._data, **kw)
        if isinstance(a, np.ndarray) and isinstance(e, np.ndarray):
            return _compare_arrays(a, e, **kw)
        if _is_number(a) and _is_number(e):
            return _compare_scalars(a, e, **kw)
    except _Failure as f:
        f.path = path
        raise
    if isinstance(a, Mapping) and isinstance(e, Mapping):
        ka, ke = set(a), set(e)
        if ka != ke:
            raise _Failure(AssertionError,
                           "The keys of the mappings do not match:\n"
                           f"Missing keys in the actual mapping: {sorted(ke - ka, key=repr)}\n"
                           f"Additional keys in the actual mapping: {sorted(ka - ke, key=repr)}",
                           path)
        for k in e:
            _compare(a[k], e[k], f"{path}[{k!r}]", **kw)
        return
    if (isinstance(a, Sequence) and isinstance(e, Sequence)
            and not isinstance(a, (str, bytes)) and not isinstance(e, (str, bytes))):
        if len(a) != len(e):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: {len(a)} != "
                                           f"{len(e)}", path)
        for i, (x, y) in enumerate(zip(a, e)):
            _compare(x, y, f"{path}[{i}]", **kw)
        return
    raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type "
                              f"{type(a)} and {type(e)}.", path)


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True,
                 rtol: float | None = None, atol: float | None = None,
                 equal_nan: bool = False, check_device: bool = True, check_dtype: bool = True,
                 check_layout: bool = True, check_stride: bool = False,
                 msg: _Msg = None) -> None:
    """Assert ``actual`` and ``expected`` are close, as ``torch.testing.assert_close``.

    Args:
        actual, expected: Tensors (with each other), NumPy arrays (with each other), Python
            or NumPy numbers, or sequences/mappings of those, nested alike. A Tensor against
            a list or a number is a TypeError (as PyTorch).
        rtol, atol: give both or neither. Default per dtype (PyTorch's): float16
            ``(1e-3, 1e-5)``, float32 ``(1.3e-6, 1e-5)``, float64 ``(1e-7, 1e-7)``, complex
            as their float parts, exact for integers and bools; for two dtypes, the larger.
        equal_nan: NaNs at the same places count as equal.
        check_dtype: dtypes must agree (else both are promoted before comparing).
        msg: replaces the failure message; a callable gets the generated one.
        allow_subclasses, check_device, check_layout, check_stride: accepted (one device,
            one layout; strides are not compared).

    Raises:
        AssertionError: shapes, dtypes or values differ: "Tensor-likes are not close!" with
            the count of mismatched elements and the greatest absolute and relative
            differences and where they are, as PyTorch; nested inputs name the failing item.
        ValueError: only one of ``rtol``/``atol`` was given.
        TypeError: inputs that cannot be compared with each other.
    """
    _run(actual, expected, rtol, atol, equal_nan, check_dtype, msg, _CLOSE_TOL)


def _run(actual: Any, expected: Any, rtol: float | None, atol: float | None, equal_nan: bool,
         check_dtype: bool, msg: _Msg, table: dict[np.dtype, tuple[float, float]]) -> None:
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but "
                         f"got no {'rtol' if rtol is None else 'atol'}.")
    try:
        _compare(actual, expected, "", rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_dtype=check_dtype, table=table)
    except _Failure as f:
        text = f.message
        if f.path:
            text += f"\n\nThe failure occurred for item {f.path}"
        if f.kind is AssertionError and msg is not None:
            text = msg(text) if callable(msg) else msg
        raise f.kind(text) from None


def assert_allclose(actual: Any, expected: Any, rtol: float | None = None,
                    atol: float | None = None, equal_nan: bool = True, msg: str = "") -> None:
    """The deprecated ``torch.testing.assert_allclose`` (FutureWarning, as PyTorch): data
    that is not a Tensor becomes one of ``actual``'s dtype, dtypes are not checked, NaNs
    are equal by default, and the default tolerances are the older table (float16
    ``(1e-3, 1e-3)``, float32 ``(1e-4, 1e-5)``, float64 ``(1e-5, 1e-8)``)."""
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be "
                  "removed in a future release. Please use `torch.testing.assert_close()` "
                  "instead.", FutureWarning, stacklevel=2)
    a = actual if isinstance(actual, Tensor) else Tensor(np.asarray(actual))
    e = expected if isinstance(expected, Tensor) else Tensor(np.asarray(expected, dtype=a.dtype))
    _run(a, e, rtol, atol, equal_nan, False, msg or None, _ALLCLOSE_TOL)
