"""Argument checkers shared by every op: one place decides how a bad argument is reported.

Each checker raises the exception class PyTorch raises for that kind of mistake, with a
message that names the op, the argument, what was expected and what was given; it
returns the normalised value, so a call site reads ``stride = positive_ints(op,
"stride", stride, 2)``. Mistakes about *types* are TypeErrors; about values of
hyper-parameters (sizes, strides, probabilities) RuntimeErrors, or ValueErrors where
PyTorch's Python layer raises them (``ArgumentError`` below is both, so ``except`` of
either catches it); shape mismatches are ``ShapeError`` (also both).
"""
from __future__ import annotations

import functools
import inspect
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np

from ..node import ShapeError
from ..tensor import Tensor

__all__ = [
    "ArgumentError", "ShapeError", "optional_tensor", "require_tensor", "require_tensors", "require_number",
    "int_tuple", "positive_ints", "nonnegative_ints", "check_ndim", "check_dtype",
    "check_probability", "guard_tensor_inputs",
]

F = TypeVar("F", bound=Callable[..., Any])


class ArgumentError(ValueError, RuntimeError):
    """A hyper-parameter outside its domain (kernel size 0, negative padding, p > 1).
    PyTorch raises RuntimeError from C++ and ValueError from Python for these; both
    ``except`` clauses catch this."""


def _type_name(value: object) -> str:
    return type(value).__name__ if value is not None else "NoneType"


def require_tensor(op: str, value: object, name: str = "input", position: int = 1) -> Tensor:
    """``value`` if it is a Tensor; PyTorch's TypeError otherwise
    (``exp(): argument 'input' (position 1) must be Tensor, not list``)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {_type_name(value)}")
    return value


def optional_tensor(op: str, value: object, name: str, position: int) -> Tensor | None:
    """``require_tensor`` that lets None through (optional weights, biases)."""
    return None if value is None else require_tensor(op, value, name, position)


def require_tensors(op: str, values: object, name: str = "tensors") -> list[Tensor]:
    """A list or tuple of Tensors (``cat``, ``stack``); TypeError naming the first
    element that is not one, or the container when it is a Tensor or not a sequence."""
    if isinstance(values, Tensor) or not isinstance(values, (list, tuple)):
        raise TypeError(f"{op}(): argument '{name}' (position 1) must be tuple of Tensors, "
                        f"not {_type_name(values)}")
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument '{name}', "
                            f"but got {_type_name(v)}")
    return list(values)


def require_number(op: str, name: str, value: object, *, integral: bool = False) -> Any:
    """``value`` as a Python number (NumPy scalars and 0-d tensors accepted); TypeError
    for None, strings, or a float where an integer is required."""
    if isinstance(value, Tensor) and value._data.ndim == 0:
        value = value._data.item()
    elif isinstance(value, np.generic):
        value = value.item()
    kind = numbers.Integral if integral else numbers.Number
    if isinstance(value, bool) and integral or not isinstance(value, kind):
        expected = "int" if integral else "Number"
        raise TypeError(f"{op}(): argument '{name}' must be {expected}, not {_type_name(value)}")
    return value


def int_tuple(op: str, name: str, value: object, n: int) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints as an ``n``-tuple (``kernel_size=3`` ->
    ``(3, 3)``); TypeError for other types, ValueError/RuntimeError for a wrong length."""
    if type(value) is tuple and len(value) == n and all(type(v) is int for v in value):
        return value  # the common spelling, checked without the general path
    if isinstance(value, (Tensor, np.ndarray)) and np.ndim(value) == 0:
        value = value.item() if isinstance(value, np.ndarray) else value._data.item()
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = tuple(value)
        if len(items) == 1 and n > 1:
            items = items * n
        if len(items) != n:
            raise ArgumentError(f"{op}: {name} must be an int or a sequence of {n} ints, "
                                f"got {value!r}")
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
            return tuple(int(v) for v in items)
    raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of {n} ints, "
                    f"not {value!r}")


def positive_ints(op: str, name: str, value: object, n: int) -> tuple[int, ...]:
    """``int_tuple`` whose entries are all > 0 (kernel sizes, strides, dilations)."""
    out = int_tuple(op, name, value, n)
    if any(v <= 0 for v in out):
        shown = out[0] if n == 1 else out
        raise ArgumentError(f"{op}: {name} should be greater than zero, but got {shown}")
    return out


def nonnegative_ints(op: str, name: str, value: object, n: int) -> tuple[int, ...]:
    """``int_tuple`` whose entries are all >= 0 (paddings, output paddings)."""
    out = int_tuple(op, name, value, n)
    if any(v < 0 for v in out):
        shown = out[0] if n == 1 else out
        raise ArgumentError(f"{op}: {name} must be non-negative, but got {shown}")
    return out


def check_ndim(op: str, x: Tensor, allowed: Iterable[int], what: str = "") -> None:
    """ShapeError unless ``x.ndim`` is one of ``allowed``; ``what`` describes the layout
    expected (``"(N, C, H, W)"``)."""
    allowed = tuple(allowed)
    if x._data.ndim not in allowed:
        dims = " or ".join(f"{d}-D" for d in allowed)
        layout = f" {what}" if what else ""
        raise ShapeError(f"{op}: expected a {dims} input{layout}, got shape {tuple(x.shape)}")


_KIND_TEXT = {"b": "bool", "i": "signed integer", "u": "unsigned integer",
              "f": "floating point", "c": "complex"}


def check_dtype(op: str, name: str, x: Tensor, kinds: str) -> None:
    """RuntimeError unless ``x``'s dtype kind is one of ``kinds`` (NumPy kind letters:
    ``"iu"`` for integer indices, ``"b"`` for masks, ``"f"`` for float-only ops)."""
    if x._data.dtype.kind not in kinds:
        expected = " or ".join(_KIND_TEXT[k] for k in kinds)
        raise RuntimeError(f"{op}: expected {name} of {expected} dtype, got {x._data.dtype}")


def check_probability(op: str, name: str, p: object) -> float:
    """``p`` as a float in [0, 1]; TypeError for non-numbers, ValueError otherwise
    (PyTorch's dropout message)."""
    value: float = require_number(op, name, p)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{op}: {name} has to be between 0 and 1, but got {value}")
    return float(value)


def _first_parameter_is_tensor(fn: Callable[..., Any]) -> bool:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0].name == "input" and params[0].annotation == "Tensor"


def guard_tensor_inputs(fn: F) -> F:
    """``fn`` wrapped to raise PyTorch's TypeError when its first argument (``input``)
    is not a Tensor; functions whose first parameter is not ``input: Tensor`` (those
    that also take Python numbers or sequences there) are returned unchanged."""
    if not _first_parameter_is_tensor(fn):
        return fn
    name = fn.__name__

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if args:
            if not isinstance(args[0], Tensor):
                require_tensor(name, args[0])
        elif not isinstance(kwargs.get("input"), Tensor):
            require_tensor(name, kwargs.get("input"))
        return fn(*args, **kwargs)

    return checked  # type: ignore[return-value]
