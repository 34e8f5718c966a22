"""dtype names (``float32``, ``int64``, ...), the default dtype, and devices.

dtypes are NumPy dtypes, so ``x.dtype == autograd.float32`` and ``x.dtype == np.float32``
both hold; ``autograd.dtype`` is their type for ``isinstance`` checks. ``bfloat16`` exists
as a name (for ``autocast(dtype=...)`` and comparisons) but no tensor can be made of it:
NumPy has no bfloat16 and the kernels are NumPy/Numba.

``device`` describes where a tensor lives. Any PyTorch device type can be *named*
(``device('cuda:0')``), but only the CPU exists: moving a tensor elsewhere raises
:class:`DeviceUnavailableError`.
"""
from __future__ import annotations

import builtins as _builtins
from typing import Any, NoReturn

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
complex64 = cfloat = np.dtype(np.complex64)
complex128 = cdouble = np.dtype(np.complex128)


class _UnsupportedDtype:
    """A PyTorch dtype numbagrad can name but not store (``bfloat16``).

    It compares, hashes and prints like PyTorch's; converting it to a NumPy dtype (making a
    tensor of it, ``x.to(bfloat16)``, ``np.zeros(2, dtype=bfloat16)``) raises a TypeError
    that says so: NumPy has no bfloat16 type and the kernels are NumPy/Numba.
    """

    __slots__ = ("_name", "itemsize")

    def __init__(self, name: str, itemsize: _builtins.int) -> None:
        self._name = name
        self.itemsize = itemsize

    is_floating_point = True
    is_complex = False
    is_signed = True

    @property
    def dtype(self) -> NoReturn:
        """Raises: NumPy asks for this when converting; no NumPy dtype stands for it."""
        self.unsupported()

    def unsupported(self) -> NoReturn:
        """Raise the TypeError explaining that no tensor can be of this dtype."""
        raise TypeError(f"torch.{self._name} is not supported by numbagrad: NumPy has no "
                        f"{self._name} type, so no tensor can be made of it. Use float32 "
                        f"(or float16).")

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self) -> str:
        return self._name


bfloat16 = _UnsupportedDtype("bfloat16", 2)


class _DtypeMeta(type):
    def __instancecheck__(cls, obj: object) -> _builtins.bool:
        return isinstance(obj, (np.dtype, _UnsupportedDtype))

    def __subclasscheck__(cls, sub: type) -> _builtins.bool:
        return issubclass(sub, (np.dtype, _UnsupportedDtype))


class dtype(metaclass=_DtypeMeta):
    """The type of ``autograd.float32`` and friends, for ``isinstance(d, autograd.dtype)``.

    Our dtypes are NumPy dtype objects (and ``bfloat16`` a named placeholder), so this is
    an abstract type: ``isinstance`` holds for any of them; it cannot be instantiated (as
    ``torch.dtype``).
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("cannot create 'torch.dtype' instances")


_default: list[np.dtype] = [float32]

_TORCH_NAMES = {
    np.dtype(np.float16): "torch.float16", np.dtype(np.float32): "torch.float32",
    np.dtype(np.float64): "torch.float64", np.dtype(np.int8): "torch.int8",
    np.dtype(np.uint8): "torch.uint8", np.dtype(np.int16): "torch.int16",
    np.dtype(np.int32): "torch.int32", np.dtype(np.int64): "torch.int64",
    np.dtype(np.bool_): "torch.bool", np.dtype(np.complex64): "torch.complex64",
    np.dtype(np.complex128): "torch.complex128",
}


def as_dtype(d: npt.DTypeLike) -> np.dtype:
    """Normalise ``d`` (NumPy dtype, type, string like ``'float32'``) to an ``np.dtype``."""
    if d is _builtins.float:
        return _default[0]
    if isinstance(d, _UnsupportedDtype):
        d.unsupported()
    try:
        return np.dtype(d)
    except TypeError:
        raise TypeError(f"not a dtype: {d!r}") from None


def get_default_dtype() -> np.dtype:
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d: npt.DTypeLike) -> None:
    """Set the default floating dtype (``float32`` or ``float64``)."""
    d = as_dtype(d)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {d}")
    _default[0] = d


_LEGACY_NAMES: dict[np.dtype, str] = {
    float32: "FloatTensor", float64: "DoubleTensor", float16: "HalfTensor",
    uint8: "ByteTensor", int8: "CharTensor", int16: "ShortTensor", int32: "IntTensor",
    int64: "LongTensor", bool: "BoolTensor", complex64: "ComplexFloatTensor",
    complex128: "ComplexDoubleTensor",
}
_LEGACY_DTYPES = {name: d for d, name in _LEGACY_NAMES.items()}


def legacy_type_name(d: npt.DTypeLike) -> str:
    """PyTorch's legacy tensor type name (``'torch.FloatTensor'``), what ``x.type()`` gives."""
    d = np.dtype(d)
    return "torch." + _LEGACY_NAMES.get(d, f"{d}Tensor")


def parse_legacy_type(name: str) -> np.dtype:
    """The dtype a legacy type name (``'torch.DoubleTensor'``) stands for. CUDA names
    (``'torch.cuda.FloatTensor'``) raise :class:`DeviceUnavailableError`, ``BFloat16Tensor``
    the bfloat16 TypeError, and any other string ValueError (as ``x.type('float64')``)."""
    if name.startswith("torch.cuda.") and name[len("torch.cuda."):] in _LEGACY_DTYPES:
        no_accelerator(f"CUDA tensor type {name!r}")
    if name == "torch.BFloat16Tensor":
        bfloat16.unsupported()
    d = _LEGACY_DTYPES.get(name[len("torch."):]) if name.startswith("torch.") else None
    if d is None:
        raise ValueError(f"invalid type: {name!r}")
    return d


def type_name(d: npt.DTypeLike) -> str:
    """``'torch.float32'``-style name used in reprs."""
    d = np.dtype(d)
    return _TORCH_NAMES.get(d, str(d))


_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip",
                 "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")


class DeviceUnavailableError(RuntimeError, AssertionError):
    """A tensor or module was sent to a device other than the CPU.

    A RuntimeError and an AssertionError: PyTorch's CPU build raises AssertionError
    ("Torch not compiled with CUDA enabled") for CUDA and RuntimeError for other devices,
    so either ``except`` clause catches it.
    """


def no_accelerator(what: str) -> NoReturn:
    """Raise :class:`DeviceUnavailableError` for ``what`` (a device or an API needing one)."""
    raise DeviceUnavailableError(
        f"numbagrad runs on the CPU only: {what} is not available (torch.cuda.is_available() "
        f"is False here). Use device 'cpu'.")


class device:
    """Where a tensor lives, as ``torch.device``: ``device('cpu')``, ``device('cuda:0')``,
    ``device('cuda', 1)``, ``device(other_device)``.

    Args:
        type: a device type (``'cpu'``, ``'cuda'``, ``'mps'``, ... any of PyTorch's), with an
            optional ``':index'``; or a ``device``.
        index: the device ordinal (non-negative), when ``type`` has none.

    Any PyTorch device can be named, but only the CPU exists: tensors and modules refuse to
    move elsewhere. ``str()`` and ``repr()`` are PyTorch's (``'cuda:0'``,
    ``device(type='cuda', index=0)``); devices are immutable and hashable.
    **Differs:** a device also equals its string (``x.device == 'cpu'`` is True; PyTorch
    says False) so code written against the earlier string devices keeps working.
    """

    __slots__ = ("_type", "_index")
    _type: str
    _index: _builtins.int | None

    def __init__(self, type: str | device | _builtins.int,  # noqa: A002 - PyTorch's name
                 index: _builtins.int | None = None) -> None:
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device")
            object.__setattr__(self, "_type", type._type)
            object.__setattr__(self, "_index", type._index)
            return
        if isinstance(type, _builtins.int) and not isinstance(type, _builtins.bool):
            raise DeviceUnavailableError("Cannot access accelerator device when none is "
                                         "available (numbagrad runs on the CPU only).")
        if not isinstance(type, str):
            raise TypeError(f"device(): argument 'type' must be str, not "
                            f"{_builtins.type(type).__name__}")
        if index is not None and (isinstance(index, _builtins.bool)
                                  or not isinstance(index, (_builtins.int, np.integer))):
            raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                            f"{_builtins.type(index).__name__}")
        name, sep, ordinal = type.partition(":")
        if name not in _DEVICE_TYPES:
            if sep and not ordinal or not name.strip() or name != name.strip():
                raise RuntimeError(f"Invalid device string: {type!r}")
            raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at "
                               f"start of device string: {type}")
        idx: _builtins.int | None = None
        if sep:
            if not ordinal.isdigit() or not ordinal.isascii() or (len(ordinal) > 1
                                                                   and ordinal[0] == "0"):
                raise RuntimeError(f"Invalid device string: {type!r}")
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index "
                                   f"was passed explicitly: {type}")
            idx = _builtins.int(ordinal)
        elif index is not None:
            idx = _builtins.int(index)
            if idx < 0:
                raise RuntimeError("Device index must not be negative")
        object.__setattr__(self, "_type", name)
        object.__setattr__(self, "_index", idx)

    @property
    def type(self) -> str:
        """The device type: ``'cpu'``, ``'cuda'``, ..."""
        return self._type

    @property
    def index(self) -> _builtins.int | None:
        """The device ordinal, or None when not given."""
        return self._index

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"attribute '{name}' of 'torch.device' objects is not writable")

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type={self._type!r})"
        return f"device(type={self._type!r}, index={self._index})"

    def __eq__(self, other: object) -> _builtins.bool:
        if isinstance(other, device):
            return (self._type, self._index) == (other._type, other._index)
        if isinstance(other, str):
            return str(self) == other
        return NotImplemented

    def __ne__(self, other: object) -> _builtins.bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> _builtins.int:
        return hash(str(self))  # equal to its string, so it hashes as the string

    def __reduce__(self) -> tuple[Any, ...]:
        return (device, (self._type, self._index))

    def __enter__(self) -> device:
        """``with device('cpu'):`` is a no-op (every tensor is made on the CPU); any other
        device raises :class:`DeviceUnavailableError`."""
        check_device(self)
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def check_device(d: object) -> None:
    """Accept the CPU (``'cpu'``, ``'cpu:0'``, ``device('cpu')``, None); raise
    :class:`DeviceUnavailableError` for any other device and RuntimeError for a malformed
    name (PyTorch's messages)."""
    if d is None:
        return
    dev = d if isinstance(d, device) else device(d)  # type: ignore[arg-type]
    if dev._type != "cpu":
        no_accelerator(f"device {str(dev)!r}")


cpu = device("cpu")
"""The CPU device (what ``Tensor.device`` returns)."""


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
    if ca == cb or ca == 3 and cb == 2 or cb == 3 and ca == 2:
        return np.promote_types(a, b)  # float64 with complex64 is complex128
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


def no_kernel(kernel: str, dtype: npt.DTypeLike, op: str | None = None,
              detail: str = "") -> NotImplementedError:
    """PyTorch's error for a dtype its ``kernel`` has no implementation for
    (``"abs_cpu" not implemented for 'Bool'``), prefixed with ``op`` when given: raised
    where PyTorch raises it (bool ``abs``, integer ``softmax``, float16 ``conv2d``)."""
    prefix = f"{op}: " if op else ""
    return NotImplementedError(f'{prefix}"{kernel}" not implemented for '
                               f"'{scalar_name(dtype)}'{detail}")
