"""dtype names (``float32``, ``int64``, ...), the default dtype, and the cpu device.

dtypes are NumPy dtypes, so ``x.dtype == autograd.float32`` and ``x.dtype == np.float32``
both hold.
"""
from __future__ import annotations

import builtins as _builtins

import numpy as np
import numpy.typing as npt

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001 - PyTorch's names
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)  # noqa: A001
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)  # noqa: A001
complex64 = np.dtype(np.complex64)
complex128 = np.dtype(np.complex128)

_default: list[np.dtype] = [float32]

_TORCH_NAMES = {
    np.dtype(np.float16): "torch.float16", np.dtype(np.float32): "torch.float32",
    np.dtype(np.float64): "torch.float64", np.dtype(np.int8): "torch.int8",
    np.dtype(np.uint8): "torch.uint8", np.dtype(np.int16): "torch.int16",
    np.dtype(np.int32): "torch.int32", np.dtype(np.int64): "torch.int64",
    np.dtype(np.bool_): "torch.bool",
}


def as_dtype(d: npt.DTypeLike) -> np.dtype:
    """Normalise ``d`` (NumPy dtype, type, string like ``'float32'``) to an ``np.dtype``."""
    if d is _builtins.float:
        return _default[0]
    try:
        return np.dtype(d)
    except TypeError:
        raise TypeError(f"not a dtype: {d!r}") from None


def get_default_dtype() -> np.dtype:
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d: npt.DTypeLike) -> None:
    """Set the default floating dtype (``float32`` or ``float64``)."""
    d = np.dtype(d)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {d}")
    _default[0] = d


def type_name(d: npt.DTypeLike) -> str:
    """``'torch.float32'``-style name used in reprs."""
    d = np.dtype(d)
    return _TORCH_NAMES.get(d, str(d))


class device(str):
    """A device name; only ``'cpu'`` exists here."""

    def __new__(cls, name: str = "cpu", index: _builtins.int | None = None) -> device:
        check_device(name)
        return super().__new__(cls, "cpu")

    @property
    def type(self) -> str:
        return "cpu"


def check_device(d: object) -> None:
    """Accept ``'cpu'``; reject any other device with a clear error."""
    name = str(d)
    if not name.startswith("cpu"):
        raise RuntimeError(f"numbagrad runs on the CPU only; device {name!r} is not available")


cpu = "cpu"


# -- type promotion (PyTorch's rules) ------------------------------------------------
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}

_C_NAMES = {
    np.dtype(np.float16): "c10::Half", np.dtype(np.float32): "float",
    np.dtype(np.float64): "double", np.dtype(np.int8): "signed char",
    np.dtype(np.uint8): "unsigned char", np.dtype(np.int16): "short int",
    np.dtype(np.int32): "int", np.dtype(np.int64): "long int", np.dtype(np.bool_): "bool",
    np.dtype(np.complex64): "c10::complex<float>",
    np.dtype(np.complex128): "c10::complex<double>",
}

_SCALAR_NAMES = {
    np.dtype(np.float16): "Half", np.dtype(np.float32): "Float",
    np.dtype(np.float64): "Double", np.dtype(np.int8): "Char", np.dtype(np.uint8): "Byte",
    np.dtype(np.int16): "Short", np.dtype(np.int32): "Int", np.dtype(np.int64): "Long",
    np.dtype(np.bool_): "Bool", np.dtype(np.complex64): "ComplexFloat",
    np.dtype(np.complex128): "ComplexDouble",
}


def category(d: np.dtype) -> _builtins.int:
    """0 bool, 1 integer, 2 floating, 3 complex (PyTorch's promotion categories)."""
    return _CATEGORY.get(d.kind, 1)


def promote_types(type1: npt.DTypeLike, type2: npt.DTypeLike) -> np.dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to, as ``torch.promote_types``:
    a higher category (bool < integer < floating < complex) wins outright, so
    ``promote_types(int64, float16)`` is float16 (NumPy says float64); within a category
    the wider type wins (``uint8`` with ``int8`` gives ``int16``)."""
    a, b = as_dtype(type1), as_dtype(type2)
    if a == b:
        return a
    ca, cb = category(a), category(b)
    if ca == cb or ca == 3 or cb == 3:
        return np.promote_types(a, b)
    return a if ca > cb else b


def can_cast(from_: npt.DTypeLike, to: npt.DTypeLike) -> _builtins.bool:
    """Whether PyTorch's casting rules allow ``from_`` -> ``to`` in ops with an ``out``:
    never to a lower category (float -> int, complex -> float, non-bool -> bool)."""
    return category(as_dtype(from_)) <= category(as_dtype(to))


def default_complex_dtype() -> np.dtype:
    """The complex dtype matching the default float dtype (complex64 for float32)."""
    return complex128 if _default[0] == float64 else complex64


def c_name(d: npt.DTypeLike) -> str:
    """PyTorch's C++ type name (``'float'``, ``'double'``, ``'long int'``) used in errors."""
    d = np.dtype(d)
    return _C_NAMES.get(d, str(d))


def scalar_name(d: npt.DTypeLike) -> str:
    """PyTorch's ScalarType name (``'Float'``, ``'Double'``, ``'Long'``) used in errors."""
    d = np.dtype(d)
    return _SCALAR_NAMES.get(d, str(d))
