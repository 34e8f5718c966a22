"""In-place ops (``x += y``, ``add_``, ``__setitem__``, ...) with version counting.

An in-place op is computed out of place and written back into the tensor's own array
(so NumPy views and ``.data`` aliases see it), then the version counter is bumped.
Under recording, the tensor's history is rebased onto the new node, whose input is a
snapshot (copy) of the *old* value carrying the old history, so the op's backward reads
the value it was really applied to. Ops that saved the tensor as their *output* (``exp``,
``tanh``, ...) find its version changed by a later in-place write and raise, naming the op
(PyTorch's rule). The copy is paid only when recording; PyTorch avoids it by saving less,
which needs per-op knowledge of what backward reads. Nodes made earlier keep the edges they
recorded (the old history), so earlier consumers are not rewired.

Views (``Op.apply`` marks an output that is a NumPy view of its first input; see
``Tensor._view``) share their base's version counter. An in-place op on a view under
recording rebases the *base* (``CopySlices``: the old base with the view region replaced
by the op's result, so gradient reaches both the written values and the rest of the base)
and gives the view the history "base's new history, then the view ops". A view whose base
was written some other way gets that history regenerated when it is next used
(``refresh_view``). Views through ops other than indexing, reshape/view and permute raise
under grad mode.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np

from ..dtypes import can_cast, scalar_name
from ..grad_mode import _state
from ..node import _SCRATCH, Node, Op, _OutputRef
from ..tensor import Tensor, _wrap
from . import shape as _shape
from .index import GetItem, _check_steps, _convert_index, index_put

__all__ = ["inplace", "setitem_"]


class Reshape(_shape.Reshape):
    """Reshape as replayed on a base (a view's regenerated history): backward reads only
    the input's shape, so a later in-place write to the base does not fail it."""

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx._inputs[0]._data.shape), None


class Permute(_shape.Permute):
    """Permute as replayed on a base; backward reads only the (constant) dims."""

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(tuple(np.argsort(ctx._inputs[1]))), None


_REPLAY: dict[type[Op], type[Op]] = {GetItem: GetItem, _shape.Reshape: Reshape,
                                     _shape.Permute: Permute, Reshape: Reshape,
                                     Permute: Permute}
"""The view ops an in-place write can go through, each mapped to the Op that replays it
on the base. A view made by any other op (its output shares memory with its input) cannot
be written in place under grad mode: that raises instead of giving a wrong gradient."""


def _replay_view(base: Tensor, chain: Any) -> Tensor:
    """The view recomputed (and recorded) from ``base``'s current value and history."""
    cur = base
    for cls, cargs, attrs in chain:
        cur = _REPLAY[cls].apply(cur, *cargs, **attrs)
    return cur


def _base_and_chain(t: Tensor) -> tuple[Tensor, tuple[Any, ...]]:
    """The root base of view ``t`` and the view ops (op, constants, attrs) from it to ``t``,
    following ``_view`` parents while they still share memory (an empty chain: not a
    view any more, e.g. after the base's storage was replaced)."""
    chain = []
    cur = t
    while (v := cur._view) is not None and np.may_share_memory(cur._data, v[0]._data):
        chain.append((v[1], v[3][1:], v[4]))
        cur = v[0]
    chain.reverse()
    return cur, tuple(chain)


def refresh_view(t: Tensor) -> None:
    """Make a stale view's ``grad_fn`` "the base's current history, then the view ops"
    (its base was written since its history was recorded)."""
    view = cast("list[Any]", t._view)
    view[2] = t._vbox[0]
    base, chain = _base_and_chain(t)
    if not chain or not base._rg or any(step[0] not in _REPLAY for step in chain):
        return
    prev = _state.enabled
    _state.enabled = True
    try:
        cur = _replay_view(base, chain)
    finally:
        _state.enabled = prev
    t.grad_fn, t._rg = cur.grad_fn, True


def inplace(t: Tensor, fn: Callable[..., Tensor], *args: Any, **kwargs: Any) -> Tensor:
    """Apply ``fn(t, *args, **kwargs)`` and store the result in ``t`` itself."""
    view = t._view
    if view is not None:
        base, chain = _base_and_chain(t)
        if not chain:
            t._view = view = None  # the base's storage was replaced: no longer a view of it
    recording = _state.enabled and (t._rg or any(isinstance(a, Tensor) and a._rg for a in args)
                                    or (view is not None and base._rg))
    if recording and view is not None:
        if view[5]:
            raise RuntimeError(
                f"{getattr(fn, '__name__', 'op').lstrip('_')}_: a view was created in no_grad mode and is "
                f"being modified in-place with grad mode enabled. This is ambiguous, so it is "
                f"forbidden (as in PyTorch): create the view and write it both inside the "
                f"no_grad block (untracked) or both outside it (tracked).")
        return _inplace_view(t, view, base, chain, fn, args, kwargs)
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
    old = t.grad_fn
    t.grad_fn, t._rg = res.grad_fn, res._rg
    _move_retain(t, old)
    node = res.grad_fn
    if isinstance(node, Node) and node._out_vbox is res._vbox:
        node._out_vbox = t._vbox          # later in-place changes of t invalidate this output
        node._out_version = t._vbox[0]
    return t


class CopySlices(Op):
    """out = copy of ``base`` with the view region (``idx``: the flat index into ``base``
    of each view element, in the view's shape) replaced by ``v``: the new history of a base
    written through one of its views."""

    complex_ok = True

    @staticmethod
    def forward(ctx, base, v, idx):
        out = base.copy()
        np.put(out, idx, v)
        return out

    @staticmethod
    def backward(ctx, grad):
        n = ctx.needs_input_grad
        idx = ctx._inputs[2]  # only the (constant) region is needed, not the values
        gb = CopySlices.apply(grad, 0.0, idx) if n[0] else None
        gv = GetItem.apply(grad.reshape(-1), idx, False) if n[1] else None
        return gb, gv, None


def _inplace_view(t: Tensor, view: list[Any], base: Tensor, chain: tuple[Any, ...],
                  fn: Callable[..., Tensor], args: Any, kwargs: Any) -> Tensor:
    """In-place op on a view under recording (PyTorch's CopySlices): the base's history
    becomes "old base with the view region replaced by ``fn(view)``", so the gradient
    reaches both the written values and the rest of the base; the view's history becomes
    "the base's new history, then the view ops"."""
    for step in chain:
        if step[0] not in _REPLAY:
            raise RuntimeError(
                f"{getattr(fn, '__name__', 'op')}_: in-place operation on a view made by "
                f"{step[0].__name__.lower()} (of a base of shape {tuple(base._data.shape)}) is "
                f"not supported under grad mode; only views made by indexing, view/reshape "
                f"and permute/transpose can be written in place. clone() it first, or wrap "
                f"the write in 'with autograd.no_grad():'.")
    if base._rg and base.grad_fn is None:
        raise RuntimeError(
            f"a view of a leaf Variable that requires grad (base of shape "
            f"{tuple(base._data.shape)}) is being used in an in-place operation "
            f"({getattr(fn, '__name__', 'op')}_). Wrap it in 'with autograd.no_grad():' or "
            f"use the out-of-place form.")
    snap = _wrap(base._data.copy())          # the base's old value, with its old history
    snap._rg, snap.grad_fn = base._rg, base.grad_fn
    res = fn(_replay_view(snap, chain), *args, **kwargs)
    _store(t, res._data, fn)                 # writes through t into the base's memory
    if res._data.shape != t._data.shape:
        res = res.expand(*t._data.shape)
    if res._data.dtype != t._data.dtype:
        res = res.to(t._data.dtype)
    idx = np.arange(base._data.size).reshape(base._data.shape)
    for cls, cargs, attrs in chain:          # flat base index of each view element
        idx = cls.forward(_SCRATCH, idx, *cargs, **attrs)
    new = CopySlices.apply(snap, res, np.asarray(idx))
    vbox = base._vbox                        # shared by the base and all its views
    vbox[0] += 1
    node = new.grad_fn
    old = base.grad_fn
    base.grad_fn, base._rg = node, True
    _move_retain(base, old)
    if isinstance(node, Node):
        node._out_vbox = vbox
        node._out_version = vbox[0]
    cur = _replay_view(base, chain)
    old = t.grad_fn
    t.grad_fn, t._rg = cur.grad_fn, True
    _move_retain(t, old)
    view[2] = vbox[0]
    return t


def _move_retain(t: Tensor, old: Any) -> None:
    """After an in-place op, ``t.grad`` (``retain_grad``) is the gradient of its newest
    version (PyTorch's rule); tensor hooks stay with the version they were registered on."""
    if old is None or t.grad_fn is None:
        return
    node, idx = (old.node, old.index) if isinstance(old, _OutputRef) else (old, 0)
    entries = node._retain
    if not entries:
        return
    keep = [(i, ref) for i, ref in entries if not (i == idx and ref() is t)]
    if len(keep) != len(entries):
        node._retain = keep or None
        t.retain_grad()


def _store(t: Tensor, value: np.ndarray, fn) -> None:
    dst = t._data
    if value.shape != dst.shape:
        try:
            value = np.broadcast_to(value, dst.shape)
        except ValueError:
            raise RuntimeError(
                f"{getattr(fn, '__name__', 'op')}_: output with shape {tuple(dst.shape)} doesn't "
                f"match the broadcast shape {tuple(value.shape)}") from None
    if not can_cast(value.dtype, dst.dtype):  # PyTorch's rule: integer narrowing wraps
        raise RuntimeError(
            f"{getattr(fn, '__name__', 'op')}_: result type {scalar_name(value.dtype)} can't be "
            f"cast to the desired output type {scalar_name(dst.dtype)}")
    if not dst.flags.writeable:
        raise _read_only_error(getattr(fn, '__name__', 'op') + "_", dst)
    np.copyto(dst, value, casting="unsafe")


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
        converted = _convert_index(index)
        _check_steps(converted)
        try:
            t._data[converted] = v
        except IndexError as exc:
            raise IndexError(f"setitem: index {index!r} is out of range for a tensor of shape "
                             f"{tuple(t._data.shape)}: {exc}") from None
        t._vbox[0] += 1
        return
    inplace(t, index_put, index, value)
