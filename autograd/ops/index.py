"""Indexing: GetItem and its scatter backward, IndexPut (``__setitem__``), Gather /
ScatterAdd (each other's backward), and composites index_select, masked_fill, one_hot.
"""
from __future__ import annotations

from typing import Any, cast

import numpy as np

from ..node import Op
from ..tensor import Tensor, _wrap
from ._util import Scalar, TensorLike, check_index_bounds, normalize_dim
from .elementwise import where
from .shape import pad

__all__ = ["getitem", "index_put", "gather", "scatter_add", "scatter", "index_select",
           "masked_fill", "masked_select", "one_hot", "nonzero", "take_along_dim"]


def _convert_index(index):
    """Tensors -> arrays, lists -> arrays, bool masks kept (NumPy semantics = PyTorch's)."""
    if isinstance(index, tuple):
        return tuple(_convert_one(i) for i in index)
    return _convert_one(index)


def _convert_one(i):
    if isinstance(i, Tensor):
        return i._data if i._data.ndim or i._data.dtype == np.bool_ else int(i._data)
    if isinstance(i, list):
        return np.asarray([x._data if isinstance(x, Tensor) else x for x in i])
    if isinstance(i, np.ndarray) and i.dtype.kind == "f":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return i


def _is_basic(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


def _for_add_at(index):
    """Boolean masks -> integer arrays (``np.add.at`` needs integer fancy indices)."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for i in items:
        if isinstance(i, np.ndarray) and i.dtype == np.bool_:
            out.extend(np.nonzero(i))
        else:
            out.append(i)
    return tuple(out)


def _index_error(op, shape, index, exc):
    return IndexError(f"{op}: index {index!r} is out of range for a tensor of shape "
                      f"{tuple(shape)}: {exc}")


class GetItem(Op):
    """out = a[index] (NumPy/PyTorch indexing semantics)."""

    @staticmethod
    def forward(ctx, a, index, basic):
        try:
            out = a[index]
            if out.__class__ is not np.ndarray and basic:
                # every dim indexed by an int: NumPy gives a scalar copy, PyTorch a 0-d
                # view; a trailing Ellipsis makes NumPy return the 0-d view too
                out = a[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
            return np.asarray(out)
        except IndexError as exc:
            raise _index_error("getitem", a.shape, index, exc) from None

    @staticmethod
    def backward(ctx, grad):
        # only the input's shape and the index are read (not its values): no version
        # check, so a later in-place write to the input does not fail this backward
        a, index, basic = ctx._inputs
        return IndexBackward.apply(grad, index, tuple(a.shape), basic), None, None


class IndexBackward(Op):
    """out = zeros(shape) with ``g`` added at ``index`` (repeated indices accumulate)."""

    @staticmethod
    def forward(ctx, g, index, shape, basic):
        out = np.zeros(shape, dtype=g.dtype)
        if basic:
            out[index] = g
        else:
            np.add.at(out, _for_add_at(index), g)
        return out

    @staticmethod
    def backward(ctx, grad):
        _, index, _, basic = ctx.inputs
        return GetItem.apply(grad, index, basic), None, None, None


def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]``: ints, slices, None, Ellipsis, integer arrays/tensors, bool masks."""
    index = _convert_index(index)
    return GetItem.apply(input, index, _is_basic(index))


class IndexPut(Op):
    """out = copy of a with ``out[index] = v`` (v broadcast to the slot)."""

    @staticmethod
    def forward(ctx, a, v, index):
        out = a.copy()
        try:
            out[index] = v
        except IndexError as exc:
            raise _index_error("setitem", a.shape, index, exc) from None
        return out

    @staticmethod
    def backward(ctx, grad):
        index = ctx._inputs[2]  # the values of a and v are not needed: no version check
        n = ctx.needs_input_grad
        ga = IndexPut.apply(grad, 0.0, index) if n[0] else None
        gv = GetItem.apply(grad, index, _is_basic(index)) if n[1] else None
        return ga, gv, None


def index_put(input: Tensor, index: Any, value: Tensor | Scalar) -> Tensor:
    """Out-of-place ``input[index] = value``."""
    index = _convert_index(index)
    if isinstance(value, Tensor) and value._data.dtype != input._data.dtype:
        value = value.to(input._data.dtype)
    return IndexPut.apply(input, value, index)


def _full_index(index, dim):
    """Coordinate arrays addressing ``out[i][j][index[i][j][k]]``-style (gather's pattern)."""
    coords = []
    for k, n in enumerate(index.shape):
        if k == dim:
            coords.append(index)
        else:
            shape = [1] * index.ndim
            shape[k] = n
            coords.append(np.arange(n).reshape(shape))
    return tuple(coords)


def _check_gather(op, a, dim, index):
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index, got {index.dtype}")
    if index.ndim != a.ndim:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"input tensor (index shape {tuple(index.shape)}, input shape "
                           f"{tuple(a.shape)})")
    for k in range(a.ndim):
        if k != dim and index.shape[k] > a.shape[k]:
            raise RuntimeError(f"{op}(): Size does not match at dimension {k} expected index "
                               f"{tuple(index.shape)} to be smaller than self {tuple(a.shape)} "
                               f"apart from dimension {dim}")
    check_index_bounds(f"{op}()", index, a.shape[dim], dim)


class Gather(Op):
    """out[i][j][k] = a[i][index[i][j][k]][k] (for dim=1)."""

    @staticmethod
    def forward(ctx, a, dim, index):
        return a[_full_index(index, dim)]

    @staticmethod
    def backward(ctx, grad):
        a, dim, index = ctx.inputs
        zeros = _wrap(np.zeros(a.shape, dtype=grad.dtype))
        return ScatterAdd.apply(zeros, dim, index, grad), None, None


def gather(input: Tensor, dim: int, index: TensorLike) -> Tensor:
    """Gather values along ``dim`` at ``index`` (int64, same ndim as input)."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    d = normalize_dim(dim, input._data.ndim, "gather")
    _check_gather("gather", input._data, d, idx)
    return Gather.apply(input, d, idx)


def take_along_dim(input: Tensor, indices: TensorLike, dim: int) -> Tensor:
    """``gather`` with broadcasting of ``indices`` (NumPy's take_along_axis)."""
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    d = normalize_dim(dim, input._data.ndim, "take_along_dim")
    shape = list(np.broadcast_shapes(tuple(s if k != d else 1 for k, s in enumerate(input.shape)),
                                     tuple(s if k != d else 1 for k, s in enumerate(idx.shape))))
    ishape = list(shape)
    ishape[d] = idx.shape[d]
    shape[d] = input.shape[d]
    return gather(input.expand(*shape), d, np.broadcast_to(idx, ishape))


class ScatterAdd(Op):
    """out = copy of a with src added at gather-style ``index`` along ``dim``."""

    @staticmethod
    def forward(ctx, a, dim, index, src):
        out = a.copy()
        sl = tuple(slice(0, n) for n in index.shape)
        np.add.at(out, _full_index(index, dim), src[sl])
        return out

    @staticmethod
    def backward(ctx, grad):
        a, dim, index, src = ctx.inputs
        n = ctx.needs_input_grad
        gsrc = None
        if n[3]:
            gsrc = Gather.apply(grad, dim, index)
            if tuple(index.shape) != tuple(src.shape):
                widths = []
                for s, i in zip(reversed(src.shape), reversed(index.shape)):
                    widths += [0, s - i]
                gsrc = pad(gsrc, widths)
        return grad if n[0] else None, None, None, gsrc


def scatter_add(input: Tensor, dim: int, index: TensorLike, src: Tensor) -> Tensor:
    """Out-of-place ``input.scatter_add_(dim, index, src)``."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    d = normalize_dim(dim, input._data.ndim, "scatter_add")
    _check_gather("scatter_add", input._data, d, idx)
    return ScatterAdd.apply(input, d, idx, src)


def scatter(input: Tensor, dim: int, index: TensorLike, src: Tensor | None = None,
            value: Scalar | None = None, reduce: str | None = None) -> Tensor:
    """Out-of-place ``scatter``: ``out[index[i][j]][j] = src[i][j]`` (dim=0). Gradient flows to
    ``input`` where not overwritten and to ``src`` at the written positions."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    d = normalize_dim(dim, input._data.ndim, "scatter")
    _check_gather("scatter", input._data, d, idx)
    if reduce == "add":
        return scatter_add(input, d, idx, cast(Tensor, src))  # src is required with reduce='add'
    coords = _full_index(idx, d)
    fill = value if src is None else src
    if isinstance(fill, Tensor):
        sl = tuple(slice(0, n) for n in idx.shape)
        fill = fill[sl]
    return IndexPut.apply(input, fill, coords)


def index_select(input: Tensor, dim: int, index: TensorLike) -> Tensor:
    """Select entries ``index`` (1-D int tensor) along ``dim``."""
    d = normalize_dim(dim, input._data.ndim, "index_select")
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got shape "
                         f"{tuple(idx.shape)}")
    check_index_bounds("index_select()", idx, input._data.shape[d], d, IndexError)
    return getitem(input, (slice(None),) * d + (idx.reshape(-1),))


def masked_fill(input: Tensor, mask: TensorLike, value: Tensor | Scalar) -> Tensor:
    """``value`` where ``mask`` is True (mask broadcasts to input's shape)."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: expected a bool mask, got dtype {m.dtype}")
    if np.broadcast_shapes(m.shape, input._data.shape) != input._data.shape:
        raise RuntimeError(f"masked_fill: mask of shape {tuple(m.shape)} does not broadcast to "
                           f"the input's shape {tuple(input._data.shape)}")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("masked_fill only supports a 0-dimensional value tensor")
        value = value if value.requires_grad else value._data.item()
    return where(_wrap(m), value, input)


def masked_select(input: Tensor, mask: TensorLike) -> Tensor:
    """1-D tensor of the entries where ``mask`` (broadcast) is True."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    shape = np.broadcast_shapes(m.shape, input._data.shape)
    x = input.expand(*shape) if tuple(input.shape) != shape else input
    return getitem(x, np.broadcast_to(m, shape))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding: shape ``tensor.shape + (num_classes,)``."""
    idx = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensor, got dtype {idx.dtype}")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got range "
                           f"[{int(idx.min())}, {int(idx.max())}]")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None].astype(np.int64), 1, axis=-1)
    return _wrap(out)


def nonzero(input: TensorLike, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """Indices of non-zero entries: ``[n, ndim]`` int64, or a tuple of 1-D tensors."""
    data = input._data if isinstance(input, Tensor) else np.asarray(input)
    nz = np.nonzero(data)
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64)) for i in nz)
    return _wrap(np.stack(nz, axis=1).astype(np.int64) if nz else np.zeros((0, 0), np.int64))
