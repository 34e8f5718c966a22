"""PyTorch names that open real scripts but do nothing numerical: legacy tensor types
(``FloatTensor(...)``, ``isinstance(x, LongTensor)``), ``Variable``, ``finfo``/``iinfo``,
``compile``, and the global switches (``set_float32_matmul_precision``,
``use_deterministic_algorithms``, ``set_default_device``).

Reached lazily as ``autograd.FloatTensor``, ``autograd.finfo``, ``autograd.compile``, ...
(and ``autograd.autograd.Variable``) through the package's module ``__getattr__``.
"""
from __future__ import annotations

import builtins
import warnings
from typing import Any, NoReturn, TypeVar

import numpy as np

from . import dtypes as _dt
from .tensor import Size, Tensor, _to_array, _wrap

__all__ = [
    "finfo", "iinfo", "Variable", "compile", "set_float32_matmul_precision",
    "get_float32_matmul_precision", "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
    "get_default_device", "set_default_device", "FloatTensor", "DoubleTensor", "HalfTensor",
    "BFloat16Tensor", "ByteTensor", "CharTensor", "ShortTensor", "IntTensor", "LongTensor",
    "BoolTensor", "ComplexFloatTensor", "ComplexDoubleTensor",
]

_T = TypeVar("_T")


# --------------------------------------------------------------------- finfo / iinfo
def _fmt(v: float) -> str:
    return f"{v:g}"


class finfo:
    """Machine limits of a floating dtype, as ``torch.finfo`` (Python floats, not NumPy
    scalars): ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``),
    ``resolution``, ``dtype`` (the name, ``'float32'``).

    Args:
        type: a floating or complex dtype (a complex one gives its real part's limits);
            default: the default dtype. ``bfloat16``'s limits are known though no tensor
            can hold it.
    """

    bits: int
    eps: float
    max: float
    min: float
    tiny: float
    smallest_normal: float
    resolution: float
    dtype: str

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - PyTorch's name
        if type is _dt.bfloat16:
            self.bits, self.eps, self.max = 16, 2.0 ** -7, float.fromhex("0x1.fep127")
            self.tiny = 2.0 ** -126
            self.resolution, self.dtype = 0.01, "bfloat16"
        else:
            d = _dt.get_default_dtype() if type is None else _dt.as_dtype(type)
            if d.kind == "c":
                d = np.dtype(f"f{d.itemsize // 2}")
            if d.kind != "f":
                raise TypeError(f"torch.finfo() requires a floating point input type. Use "
                                f"torch.iinfo to handle '{_dt.type_name(d)}'")
            info = np.finfo(d)
            self.bits, self.eps, self.max = int(info.bits), float(info.eps), float(info.max)
            self.tiny, self.resolution = float(info.smallest_normal), 10.0 ** -int(info.precision)
            self.dtype = d.name
        self.min = -self.max
        self.smallest_normal = self.tiny

    def __eq__(self, other: object) -> bool:
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (f"finfo(resolution={_fmt(self.resolution)}, min={_fmt(self.min)}, "
                f"max={_fmt(self.max)}, eps={_fmt(self.eps)}, "
                f"smallest_normal={_fmt(self.smallest_normal)}, tiny={_fmt(self.tiny)}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, as ``torch.iinfo``: ``bits``, ``min``, ``max`` (Python
    ints), ``dtype`` (the name, ``'int32'``). ``bool`` and floating dtypes raise TypeError."""

    bits: int
    min: int
    max: int
    dtype: str

    def __init__(self, type: Any) -> None:  # noqa: A002 - PyTorch's name
        d = _dt.as_dtype(type)
        if d.kind == "b":
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d.kind not in "iu":
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo "
                            f"to handle '{_dt.type_name(d)}'")
        info = np.iinfo(d)
        self.bits, self.min, self.max, self.dtype = int(info.bits), int(info.min), int(info.max), d.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={_fmt(self.min)}, max={_fmt(self.max)}, dtype={self.dtype})"


# -------------------------------------------------------------- legacy tensor types
class _LegacyTensorType(type):
    """Metaclass of ``FloatTensor`` and friends: calling one builds a Tensor of its dtype,
    ``isinstance(x, FloatTensor)`` checks ``x``'s dtype (as PyTorch's ``tensortype``)."""

    dtype: Any  # np.dtype, or bfloat16's placeholder

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, Tensor) and isinstance(cls.dtype, np.dtype) and obj.dtype == cls.dtype

    def __subclasscheck__(cls, sub: type) -> bool:
        return sub is cls

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        _dt.check_device(device)
        d = _dt.as_dtype(cls.dtype)
        if not args:
            return _wrap(np.empty((0,), dtype=d))
        first = args[0]
        if (isinstance(first, int) and not isinstance(first, bool)) or (
                isinstance(first, Size) and len(args) == 1):
            return Tensor(*args, dtype=d)  # uninitialised, of the given sizes
        if len(args) > 1:
            raise TypeError(f"{cls.__name__}(): expected sizes (ints) or one data argument, "
                            f"got {len(args)} arguments")
        if isinstance(first, Tensor):
            if first.dtype != d:
                raise TypeError(f"{cls.__name__}(): expected a tensor of dtype "
                                f"{_dt.type_name(d)}, got {_dt.type_name(first.dtype)}")
            return first
        return _wrap(np.array(_to_array(first, d), dtype=d))  # one cast: float64 stays exact

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy(name: str, d: Any) -> _LegacyTensorType:
    doc = (f"Legacy constructor of {_dt.type_name(d) if isinstance(d, np.dtype) else d!r} "
           f"tensors: ``{name}(2, 3)`` is uninitialised, ``{name}([1, 2])`` converts data, "
           f"``isinstance(x, {name})`` checks the dtype (as PyTorch).")
    return _LegacyTensorType(name, (), {"dtype": d, "__doc__": doc, "__module__": "torch"})


FloatTensor = _legacy("FloatTensor", _dt.float32)
DoubleTensor = _legacy("DoubleTensor", _dt.float64)
HalfTensor = _legacy("HalfTensor", _dt.float16)
BFloat16Tensor = _legacy("BFloat16Tensor", _dt.bfloat16)
ByteTensor = _legacy("ByteTensor", _dt.uint8)
CharTensor = _legacy("CharTensor", _dt.int8)
ShortTensor = _legacy("ShortTensor", _dt.int16)
IntTensor = _legacy("IntTensor", _dt.int32)
LongTensor = _legacy("LongTensor", _dt.int64)
BoolTensor = _legacy("BoolTensor", _dt.bool)
ComplexFloatTensor = _legacy("ComplexFloatTensor", _dt.complex64)
ComplexDoubleTensor = _legacy("ComplexDoubleTensor", _dt.complex128)


class _CudaTensorType(type):
    """Metaclass of ``cuda.FloatTensor`` and friends: no tensor is one, calling raises."""

    def __instancecheck__(cls, obj: object) -> bool:
        return False

    def __call__(cls, *args: Any, **kwargs: Any) -> NoReturn:
        _dt.no_accelerator(f"torch.cuda.{cls.__name__}")


def _cuda_legacy(name: str) -> _CudaTensorType:
    return _CudaTensorType(name, (), {"__doc__": f"``torch.cuda.{name}``: raises (CPU only).",
                                      "__module__": "torch.cuda"})


# ----------------------------------------------------------------------- Variable
class _VariableMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, Tensor)

    def __call__(cls, data: Any, requires_grad: bool = False,
                 volatile: bool = False) -> Tensor:
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with "
                          "torch.no_grad():` instead.", UserWarning, stacklevel=2)
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out


class Variable(metaclass=_VariableMeta):
    """Pre-0.4 ``torch.autograd.Variable``: ``Variable(t, requires_grad=...)`` returns a new
    leaf sharing ``t``'s data (as PyTorch), and every Tensor is an instance."""


# ----------------------------------------------------------------------- compile
def compile(model: Any = None, *, fullgraph: bool = False, dynamic: bool | None = None,  # noqa: A001
            backend: Any = "inductor", mode: str | None = None,
            options: dict[str, Any] | None = None, disable: bool = False) -> Any:
    """``torch.compile`` here compiles nothing: it returns ``model`` itself (a Module or a
    function, unchanged), or, called without one (``@torch.compile(mode=...)``), a
    decorator that does. The engine's kernels are already Numba-compiled.
    **Differs:** PyTorch wraps a module in an ``OptimizedModule``."""
    if model is None:
        def decorate(fn: _T) -> _T:
            return fn
        return decorate
    if not callable(model):
        raise RuntimeError(f"compile: model must be callable, got {type(model).__name__}")
    return model


# --------------------------------------------------------------- global switches
_state: dict[str, Any] = {"matmul_precision": "highest", "deterministic": False,
                          "warn_only": False}


def set_float32_matmul_precision(precision: str) -> None:
    """Record ``'highest'``, ``'high'`` or ``'medium'`` (read back by
    :func:`get_float32_matmul_precision`). It changes nothing: float32 matmuls run in full
    float32 on the CPU (PyTorch's CPU does the same). Another value warns and is ignored,
    as PyTorch."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      f"setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The value last set by :func:`set_float32_matmul_precision` (``'highest'`` at start)."""
    return str(_state["matmul_precision"])


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the flag (read back by :func:`are_deterministic_algorithms_enabled`). The
    engine is deterministic for a fixed thread count either way, so nothing else changes."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' must be bool, not "
                        f"{type(mode).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """The flag set by :func:`use_deterministic_algorithms` (False at start)."""
    return builtins.bool(_state["deterministic"])


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` flag set by :func:`use_deterministic_algorithms`."""
    return builtins.bool(_state["warn_only"])


def get_default_device() -> _dt.device:
    """Always ``device('cpu')``."""
    return _dt.cpu


def set_default_device(device: str | _dt.device | None) -> None:
    """Accept the CPU (or None); any other device raises (CPU only)."""
    _dt.check_device(device)

