"""Fail at ``import nn``, saying how to repair it, when the ``autograd`` package found
is not numbagrad's (another distribution named autograd, e.g. HIPS autograd, overwrote it)."""
import autograd

if not hasattr(autograd, "Tensor"):
    raise ImportError(
        f"nn: the 'autograd' package at {getattr(autograd, '__file__', None)} is not "
        "numbagrad's: another distribution named autograd (most likely HIPS autograd; see "
        "`pip show autograd`) was installed over it, and the two cannot share one "
        "environment. Repair: pip uninstall -y autograd numbagrad && pip install "
        "--force-reinstall numbagrad (in a checkout: pip install --force-reinstall -e .)")


# --------------------------------------------------------------------------------------
# Argument checkers for nn's layers and functional ops. They mirror
# ``autograd/ops/_args.py`` (which nn may not import: nn uses only the public autograd
# API): each raises the exception class PyTorch raises for that kind of mistake, with a
# message naming the layer/op, the argument, what was expected and what was given, and
# returns the normalised value.
import numbers  # noqa: E402

import numpy as np  # noqa: E402

ShapeError = autograd.ShapeError


class ArgumentError(ValueError, RuntimeError):
    """A hyper-parameter outside its domain (negative size, eps, beta...). PyTorch raises
    RuntimeError from C++ and ValueError from Python for these; both ``except`` clauses
    catch this (as ``autograd.ops._args.ArgumentError``)."""


def type_name(value: object) -> str:
    return type(value).__name__ if value is not None else "NoneType"


def require_tensor(op: str, value: object, name: str = "input", position: int = 1):
    """``value`` if it is a Tensor; PyTorch's TypeError otherwise."""
    if not isinstance(value, autograd.Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {type_name(value)}")
    return value


def optional_tensor(op: str, value: object, name: str, position: int):
    """``require_tensor`` that lets None through (optional weights, biases)."""
    return None if value is None else require_tensor(op, value, name, position)


def require_number(op: str, name: str, value: object, *, integral: bool = False):
    """``value`` as a Python number (NumPy scalars and 0-d tensors accepted); TypeError
    for None, strings, or a float (or bool) where an integer is required."""
    if isinstance(value, autograd.Tensor) and value.ndim == 0:
        value = value.item()
    elif isinstance(value, np.generic):
        value = value.item()
    kind = numbers.Integral if integral else numbers.Real
    if isinstance(value, bool) and integral or not isinstance(value, kind):
        expected = "int" if integral else "Number"
        raise TypeError(f"{op}(): argument '{name}' must be {expected}, not {type_name(value)}")
    return value


def require_bool(op: str, name: str, value: object) -> bool:
    """``value`` if it is a bool (NumPy bools accepted); TypeError otherwise."""
    if isinstance(value, np.bool_):
        value = bool(value)
    if not isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{name}' must be bool, not {type_name(value)}")
    return value


def require_size(op: str, name: str, value: object, *, positive: bool = False) -> int:
    """A layer size (``in_features``, ``hidden_size``...): TypeError unless an int;
    ArgumentError when negative (or zero, with ``positive``)."""
    value = require_number(op, name, value, integral=True)
    if value < 0 or positive and value == 0:
        raise ArgumentError(f"{op}: {name} must be {'greater than zero' if positive else 'non-negative'}"
                            f", got {value}")
    return int(value)


def check_probability(op: str, name: str, p: object):
    """``p`` in [0, 1] (returned unchanged, so ``Dropout(True)`` keeps ``p=True`` as in
    PyTorch); TypeError for non-numbers, ValueError (PyTorch's message) otherwise."""
    p = require_number(op, name, p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    return p
