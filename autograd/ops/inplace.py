"""In-place ops (``x += y``, ``add_``, ``__setitem__``, ...) with version counting.

An in-place op is computed out of place and written back into the tensor's own array
(so NumPy views and ``.data`` aliases see it), then the version counter is bumped.
Under recording, the tensor's history is rebased onto the new node, whose input is a
snapshot (copy) of the *old* value carrying the old history, so the op's backward reads
the value it was really applied to. Ops that saved the tensor as their *output* (``exp``,
``tanh``, ...) find its version changed by a later in-place write and raise, naming the op
(PyTorch's rule). The copy is paid only when recording; PyTorch avoids it by saving less,
which needs per-op knowledge of what backward reads.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..grad_mode import _state
from ..node import Node
from ..tensor import Tensor, _wrap
from .index import _convert_index, index_put

__all__ = ["inplace", "setitem_"]


def inplace(t: Tensor, fn: Callable[..., Tensor], *args: Any, **kwargs: Any) -> Tensor:
    """Apply ``fn(t, *args, **kwargs)`` and store the result in ``t`` itself."""
    recording = _state.enabled and (t._rg or any(isinstance(a, Tensor) and a._rg for a in args))
    if recording and t._rg and t.grad_fn is None:
        raise RuntimeError(
            f"a leaf Variable that requires grad (shape {tuple(t._data.shape)}) is being used in "
            f"an in-place operation ({getattr(fn, '__name__', 'op')}_). Wrap it in "
            f"'with autograd.no_grad():' or use the out-of-place form.")
    if not recording:
        res = fn(_wrap(t._data), *args, **kwargs)
        _store(t, res._data, fn)
        t._vbox[0] += 1
        return t
    alias = _wrap(t._data.copy())
    alias._rg, alias.grad_fn = t._rg, t.grad_fn
    res = fn(alias, *args, **kwargs)
    _store(t, res._data, fn)
    t._vbox[0] += 1
    t.grad_fn, t._rg = res.grad_fn, res._rg
    node = res.grad_fn
    if isinstance(node, Node) and node._out_vbox is res._vbox:
        node._out_vbox = t._vbox          # later in-place changes of t invalidate this output
        node._out_version = t._vbox[0]
    return t


def _store(t: Tensor, value: np.ndarray, fn) -> None:
    dst = t._data
    if value.shape != dst.shape:
        try:
            value = np.broadcast_to(value, dst.shape)
        except ValueError:
            raise RuntimeError(
                f"{getattr(fn, '__name__', 'op')}_: output with shape {tuple(dst.shape)} doesn't "
                f"match the broadcast shape {tuple(value.shape)}") from None
    if not np.can_cast(value.dtype, dst.dtype, casting="same_kind"):
        raise RuntimeError(
            f"{getattr(fn, '__name__', 'op')}_: result type {value.dtype} can't be cast to the "
            f"desired output type {dst.dtype}")
    if not dst.flags.writeable:
        raise _read_only_error(getattr(fn, '__name__', 'op') + "_", dst)
    np.copyto(dst, value, casting="same_kind")


def _read_only_error(op: str, dst: np.ndarray) -> RuntimeError:
    """The error for writing into a read-only array: PyTorch's words for an expanded
    (broadcast) tensor, whose elements share memory."""
    if any(st == 0 and n > 1 for st, n in zip(dst.strides, dst.shape)):
        return RuntimeError(
            f"{op}: unsupported operation: more than one element of the written-to tensor "
            f"refers to a single memory location (the tensor of shape {tuple(dst.shape)} is a "
            f"broadcast (expanded) view). Please clone() the tensor before performing the "
            f"operation.")
    return RuntimeError(f"{op}: the tensor of shape {tuple(dst.shape)} is backed by a "
                        f"read-only array and cannot be written in place; clone() it first")


def setitem_(t: Tensor, index: Any, value: Any) -> None:
    """``t[index] = value``, recorded as an in-place ``index_put``."""
    if isinstance(value, np.generic):
        value = value.item()
    elif not isinstance(value, (Tensor, int, float, bool)):
        value = _wrap(np.asarray(value, dtype=t._data.dtype))
    recording = _state.enabled and (t._rg or (isinstance(value, Tensor) and value._rg))
    if not recording:  # no graph: write straight into the array, no full copy
        v = value._data if isinstance(value, Tensor) else value
        if not t._data.flags.writeable:
            raise _read_only_error("setitem", t._data)
        try:
            t._data[_convert_index(index)] = v
        except IndexError as exc:
            raise IndexError(f"setitem: index {index!r} is out of range for a tensor of shape "
                             f"{tuple(t._data.shape)}: {exc}") from None
        t._vbox[0] += 1
        return
    inplace(t, index_put, index, value)
