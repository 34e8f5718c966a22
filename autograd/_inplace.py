"""The one internal API through which ``nn`` and ``optim`` write into a Tensor's storage.

Every write made outside the op system (an optimizer step, a running-statistics update,
``load_state_dict``, an ``nn.init`` fill, gradient clipping) must bump the tensor's
version counter, or a graph that saved the old value would silently compute a wrong
gradient. Here the write and the bump are one call, so they cannot come apart:

    with writing(p) as a:          # a: p's own ndarray, written in place
        kernel(a, ...)             # version bumped on exit (also if the write raises)

    scope = writing(p)             # several tensors: open() each, one bump each on exit

    copy_into(t, values)           # broadcast + cast into t's array, one bump
    set_storage(t, new_array)      # replace t's array (e.g. a dtype change), one bump

``array`` and ``wrap`` are the read side: the array behind a Tensor without the
``requires_grad`` check of ``Tensor.numpy()``, and the no-copy, no-check Tensor around an
array (the engine's own constructor). Writing through ``array(t)`` is a bug: use
``writing``.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .tensor import Tensor, _wrap

__all__ = ["array", "copy_into", "set_storage", "wrap", "writing"]


def array(t: Tensor) -> np.ndarray:
    """The ndarray behind ``t`` (shared, for reading only)."""
    return t._data


def wrap(arr: np.ndarray) -> Tensor:
    """A Tensor over ``arr`` without copy or checks (``arr`` must be a NumPy array)."""
    return _wrap(arr)


class writing:
    """A write scope: ``with writing(t) as a:`` yields ``t``'s own array for in-place
    writes; on exit (also when the body raises) every tensor opened in the scope has its
    version bumped once.

    ``open(t)`` adds a tensor to an open scope and returns its array, for code that learns
    which tensors it writes as it goes (an optimizer step opens its state buffers so)::

        scope = writing(p)
        with scope as a:
            m = scope.open(state["exp_avg"])   # bumped with p when the scope ends

    A plain class rather than ``contextlib.contextmanager``: optimizers enter one per
    parameter per step.
    """

    __slots__ = ("_opened",)

    def __init__(self, t: Tensor) -> None:
        self._opened = [t]

    def __enter__(self) -> np.ndarray:
        return self._opened[0]._data

    def open(self, t: Tensor) -> np.ndarray:
        """Add ``t`` to this scope (bumped on exit) and return its array."""
        self._opened.append(t)
        return t._data

    def __exit__(self, *exc: object) -> None:
        for t in self._opened:
            t._vbox[0] += 1


def copy_into(t: Tensor, value: Tensor | npt.ArrayLike) -> Tensor:
    """Copy ``value`` (Tensor, array or number) into ``t``'s array, broadcasting and
    casting as ``np.copyto(..., casting="unsafe")``; bump the version once; return ``t``."""
    src = value._data if isinstance(value, Tensor) else value
    np.copyto(t._data, src, casting="unsafe")
    t._vbox[0] += 1
    return t


def set_storage(t: Tensor, arr: np.ndarray) -> Tensor:
    """Make ``arr`` the array behind ``t`` (shape and dtype may change); bump the version
    once; return ``t``. Views of the old array no longer alias ``t``."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"set_storage: expected np.ndarray, got {type(arr).__name__}")
    t._data = arr
    t._vbox[0] += 1
    return t
