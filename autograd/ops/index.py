"""Indexing: GetItem and its scatter backward, IndexPut (``__setitem__``), Gather /
ScatterAdd (each other's backward), and composites index_select, masked_fill, one_hot.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..grad_mode import _state
from ..kernels import _alloc
from ..kernels import scatter as _scatter
from ..node import Op, ShapeError
from ..tensor import Tensor, _wrap
from . import shape as _shape
from ._args import require_number, require_tensor
from ._util import Dims, Scalar, TensorLike, check_index_bounds, check_int_fits, normalize_dim
from .elementwise import where
from .shape import pad

__all__ = ["getitem", "index_put", "gather", "scatter_add", "scatter", "index_select",
           "index_add", "masked_fill", "masked_select", "one_hot", "nonzero", "take_along_dim",
           # issue 12
           "index_copy", "index_fill", "scatter_reduce", "take", "masked_scatter", "swapdims",
           "moveaxis"]


def _convert_index(index):
    """Tensors -> arrays, lists -> arrays, bool masks kept (NumPy semantics = PyTorch's)."""
    if isinstance(index, tuple):
        where = [k for k, i in enumerate(index) if i is Ellipsis]
        if len(where) > 1:  # PyTorch: the first ... takes every free dim, so later ones
            first = where[0]  # stand for none; NumPy refuses them
            index = index[:first + 1] + tuple(i for i in index[first + 1:] if i is not Ellipsis)
        return tuple(_convert_one(i) for i in index)
    return _convert_one(index)


def _convert_one(i):
    if isinstance(i, Tensor):
        a = i._data
        dt = a.dtype
        if dt.kind == "b":
            return a
        if dt == np.uint8:  # PyTorch indexes with byte tensors as masks
            return a.astype(np.bool_)
        if dt.kind != "i" or dt.itemsize < 4:
            raise IndexError(f"indexing: tensors used as indices must be long, int, byte or bool "
                             f"tensors, got a {dt} tensor")
        return a if a.ndim else int(a)
    if isinstance(i, list):
        if not i:
            return np.zeros(0, dtype=np.int64)  # x[[]]: an empty int index, as PyTorch
        return np.asarray([x._data if isinstance(x, Tensor) else x for x in i])
    if isinstance(i, np.ndarray) and i.dtype.kind == "f":
        raise IndexError("indexing: tensors used as indices must be long, int, byte or bool "
                         f"tensors, got a {i.dtype} array")
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


_NP_BOUNDS = re.compile(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)")
_NP_TOO_MANY = re.compile(r"array is (\d+)-dimensional, but (\d+) were indexed")
_NP_MASK = re.compile(r"boolean index did not match indexed array along (?:axis|dimension) (\d+); "
                      r"size of (?:axis|dimension) is (\d+) but size of corresponding boolean "
                      r"(?:axis|dimension) is (\d+)")
_NP_BROADCAST = re.compile(r"indexing arrays could not be broadcast together with shapes (.*)")


def _index_error(op, shape, index, exc):
    """NumPy's IndexError restated in PyTorch's terms (dimension, tensor), naming ``op``."""
    msg = str(exc)
    shape = tuple(shape)
    if m := _NP_BOUNDS.search(msg):
        text = (f"index {m[1]} is out of bounds for dimension {m[2]} with size {m[3]} "
                f"(tensor of shape {shape})")
    elif m := _NP_TOO_MANY.search(msg):
        text = (f"too many indices for tensor of dimension {m[1]} ({m[2]} indexed; tensor of "
                f"shape {shape})")
    elif m := _NP_MASK.search(msg):
        text = (f"the shape of the mask (size {m[3]} at dimension {m[1]}) does not match the "
                f"shape of the indexed tensor {shape} (size {m[2]} at dimension {m[1]})")
    elif m := _NP_BROADCAST.search(msg):
        shapes = ", ".join(m[1].split())
        text = f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}"
    elif "must be of integer (or boolean) type" in msg:
        text = "tensors used as indices must be long, int, byte or bool tensors"
    else:
        text = f"invalid index {index!r} for a tensor of shape {shape}: {msg}"
    return IndexError(f"{op}: {text}")


def _broadcasts_to(value_shape, target):
    """Whether a value of ``value_shape`` can be written into a slot of shape ``target``
    (NumPy/PyTorch assignment: leading size-1 dims of the value may be dropped)."""
    vs = tuple(value_shape)
    while len(vs) > len(target) and vs[0] == 1:
        vs = vs[1:]
    if len(vs) > len(target):
        return False
    return all(v in (1, t) for v, t in zip(reversed(vs), reversed(target)))


def setitem_shape_error(a, index, value, exc):
    """The error for ``a[index] = value`` that NumPy refused with ``exc`` (a ValueError):
    a ``ShapeError`` naming both shapes when ``value`` does not fit the indexed slot, else
    ``exc`` itself (some other ValueError, e.g. from converting ``value``)."""
    if isinstance(exc, ShapeError):
        return exc
    try:
        target = np.shape(a[_convert_index(index)])
    except Exception:  # the index itself is bad: that is not a value-shape problem
        return exc
    vshape = np.shape(value._data if isinstance(value, Tensor) else value)
    if _broadcasts_to(vshape, target):
        return exc
    return ShapeError(f"setitem: value of shape {tuple(vshape)} cannot be broadcast to the "
                      f"indexed shape {tuple(target)} (tensor of shape {tuple(np.shape(a))})")


class GetItem(Op):
    """out = a[index] (NumPy/PyTorch indexing semantics)."""

    complex_ok = True

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

    @staticmethod
    def grad_index(node):
        # basic indexing: the input gradient is zeros with the gradient at the same index
        _, index, basic = node._inputs
        return index if basic else None


class IndexBackward(Op):
    """out = zeros(shape) with ``g`` added at ``index`` (repeated indices accumulate)."""

    complex_ok = True

    @staticmethod
    def forward(ctx, g, index, shape, basic):
        rows = _row_index(index, g, shape)
        if rows is not None:  # x[idx] / index_select / embedding: no np.add.at
            return _scatter.scatter_add_rows(g, rows, shape[0])
        out = _alloc.empty(shape, g.dtype)  # recycled memory: no page faults
        out.fill(0)
        if basic:
            out[index] = g
        elif any(isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype == np.bool_
                 for i in (index if isinstance(index, tuple) else (index,))):
            # a 0-d mask adds an axis instead of consuming one, which np.add.at cannot
            # take: scatter through the flat positions the forward index selected
            flat = np.arange(out.size).reshape(shape)[index]
            np.add.at(out.reshape(-1), flat.reshape(-1), np.broadcast_to(g, flat.shape).reshape(-1))
        else:
            np.add.at(out, _for_add_at(index), g)
        return out

    @staticmethod
    def backward(ctx, grad):
        _, index, _, basic = ctx.inputs
        return GetItem.apply(grad, index, basic), None, None, None


_ROW_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _row_index(index: Any, g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """The 1-D integer array when ``index`` selects whole rows of dim 0 (``(idx,)``) of a
    float32/float64 array, so the row scatter-add kernel can take the backward; else None."""
    ix = index[0] if isinstance(index, tuple) and len(index) == 1 else index
    if not isinstance(ix, np.ndarray) or ix.ndim != 1 or ix.dtype.kind not in "iu" \
            or g.dtype not in _ROW_DTYPES or g.shape != (len(ix), *shape[1:]):
        return None
    return ix


def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]``: ints, slices, None, Ellipsis, integer arrays/tensors, bool masks."""
    index = _convert_index(index)
    out = GetItem.apply(input, index, _is_basic(index))
    _check_steps(index)  # after NumPy's own checks, so "too many indices" comes first
    return out


def _check_steps(index) -> None:
    """PyTorch's ValueError for a slice with a step <= 0 (NumPy would reverse)."""
    for i in index if isinstance(index, tuple) else (index,):
        if isinstance(i, slice) and i.step is not None and i.step <= 0:
            raise ValueError(f"indexing: step must be greater than zero, got slice {i} "
                             f"(negative steps are not supported, as in PyTorch: use flip)")


class IndexPut(Op):
    """out = copy of a with ``out[index] = v`` (v broadcast to the slot)."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, v, index):
        out = a.copy()
        try:
            out[index] = v
        except IndexError as exc:
            raise _index_error("setitem", a.shape, index, exc) from None
        except ValueError as exc:
            raise setitem_shape_error(a, index, v, exc) from None
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
    _check_steps(index)
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


class _SrcDimError(ShapeError, IndexError):
    """``src`` with another number of dimensions than ``index``: PyTorch raises IndexError
    or RuntimeError depending on which has more; both ``except`` clauses catch this."""


def _as_index(index: TensorLike) -> np.ndarray:
    return index._data if isinstance(index, Tensor) else np.asarray(index)


def _check_index_dtype(op, index):
    dt = index.dtype
    if dt.kind != "i" or dt.itemsize < 4:
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index, got {dt}")


def _check_gather(op, a, dim, index, src=None):
    """PyTorch's gather/scatter rules: an int32/int64 ``index`` with ``a``'s number of
    dimensions, ``index.size(d) <= a.size(d)`` for ``d != dim`` and, for scatter's ``src``
    array, the same dtype as ``a`` and ``index.size(d) <= src.size(d)`` for every ``d``
    (a 0-d ``src`` counts as size 1); entries in ``[0, a.size(dim))``. An empty index
    skips the size rules, as in PyTorch."""
    _check_index_dtype(op, index)
    if index.ndim != a.ndim:
        raise ShapeError(f"{op}(): Index tensor must have the same number of dimensions as "
                         f"input tensor (index shape {tuple(index.shape)}, input shape "
                         f"{tuple(a.shape)})")
    if src is not None:
        if src.dtype != a.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype (self is "
                               f"{a.dtype}, src is {src.dtype})")
        if max(src.ndim, 1) != index.ndim and index.size:
            raise _SrcDimError(f"{op}(): Index tensor must have the same number of dimensions "
                               f"as src tensor (index shape {tuple(index.shape)}, src shape "
                               f"{tuple(src.shape)})")
    if index.size:
        ishape = index.shape
        bad = next((k for k in range(a.ndim) if k != dim and ishape[k] > a.shape[k]), None)
        if src is not None and bad is None:
            sshape = src.shape if src.ndim else (1,) * index.ndim
            bad = next((k for k in range(index.ndim) if ishape[k] > sshape[k]), None)
        if bad is not None:
            also = ("" if src is None else
                    f" and to be no larger size than src {tuple(src.shape)}")
            raise ShapeError(f"{op}(): Size does not match at dimension {bad}: expected index "
                             f"{tuple(ishape)} to be no larger than self {tuple(a.shape)} apart "
                             f"from dimension {dim}{also}")
    check_index_bounds(f"{op}()", index, a.shape[dim], dim)


def _lift(input: Tensor, idx: np.ndarray) -> tuple[Tensor, np.ndarray]:
    """A 0-d input or index as 1-d: PyTorch's gather/scatter treat 0-d as size [1]."""
    return (input.reshape(1) if input._data.ndim == 0 else input,
            idx.reshape(1) if idx.ndim == 0 else idx)


class Gather(Op):
    """out[i][j][k] = a[i][index[i][j][k]][k] (for dim=1)."""

    complex_ok = True

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
    idx = _as_index(index)
    d = normalize_dim(dim, input._data.ndim, "gather")
    if idx.size == 0 and idx.ndim:  # nothing gathered: PyTorch checks nothing then
        return input.reshape(-1)[:0].reshape(idx.shape)
    if input._data.ndim == 0 or idx.ndim == 0:
        x1, idx1 = _lift(input, idx)
        return gather(x1, d, idx1).reshape(idx.shape)
    _check_gather("gather", input._data, d, idx)
    return Gather.apply(input, d, idx)


def take_along_dim(input: Tensor, indices: TensorLike, dim: int | None = None) -> Tensor:
    """``gather`` with broadcasting of ``indices`` (NumPy's take_along_axis); with
    ``dim=None`` both are flattened first."""
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if dim is None:
        return gather(input.reshape(-1), 0, idx.reshape(-1))
    if idx.dtype != np.int64:
        raise RuntimeError(f"take_along_dim(): dtype of indices should be Long (int64) but got "
                           f"{idx.dtype}")
    if idx.ndim != input._data.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number "
                           f"of dimensions, but got {input._data.ndim} dimensions for input, "
                           f"and {idx.ndim} dimensions for indices")
    d = normalize_dim(dim, input._data.ndim, "take_along_dim")
    shape = list(np.broadcast_shapes(tuple(s if k != d else 1 for k, s in enumerate(input.shape)),
                                     tuple(s if k != d else 1 for k, s in enumerate(idx.shape))))
    ishape = list(shape)
    ishape[d] = idx.shape[d]
    shape[d] = input.shape[d]
    return gather(input.expand(*shape), d, np.broadcast_to(idx, ishape))


class ScatterAdd(Op):
    """out = copy of a with src added at gather-style ``index`` along ``dim``."""

    complex_ok = True

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


def _scatter_src(op: str, input: Tensor, d: int, idx: np.ndarray, src: Tensor) -> Tensor:
    """``src`` checked against ``input`` and ``idx`` (see ``_check_gather``); a 0-d ``src``
    reshaped to index's number of dimensions."""
    _check_gather(op, input._data, d, idx, src._data)
    return src.reshape((1,) * idx.ndim) if src._data.ndim == 0 else src


def scatter_add(input: Tensor, dim: int, index: TensorLike, src: Tensor) -> Tensor:
    """Out-of-place ``input.scatter_add_(dim, index, src)``."""
    require_tensor("scatter_add", src, "src", 4)
    idx = _as_index(index)
    d = normalize_dim(dim, input._data.ndim, "scatter_add")
    if idx.size == 0 and idx.ndim:  # nothing scattered: PyTorch checks no shapes then
        _check_index_dtype("scatter_add", idx)
        if src._data.dtype != input._data.dtype:
            raise RuntimeError(f"scatter_add(): Expected self.dtype to be equal to src.dtype "
                               f"({input._data.dtype} vs {src._data.dtype})")
        return input + src.reshape(-1)[:0].sum()  # a copy; src gets a zero gradient
    if input._data.ndim == 0 or idx.ndim == 0:
        x1, idx1 = _lift(input, idx)
        return scatter_add(x1, d, idx1, src).reshape(input.shape)
    return ScatterAdd.apply(input, d, idx, _scatter_src("scatter_add", input, d, idx, src))


def scatter(input: Tensor, dim: int, index: TensorLike, src: Tensor | Scalar | None = None,
            value: Scalar | None = None, reduce: str | None = None) -> Tensor:
    """Out-of-place ``scatter``: ``out[index[i][j]][j] = src[i][j]`` (dim=0). Gradient flows to
    ``input`` where not overwritten and to ``src`` at the written positions. ``src`` may
    be a number (as ``value``); ``reduce`` is ``'add'`` or ``'multiply'`` (the latter
    without a gradient, as in PyTorch)."""
    idx = _as_index(index)
    d = normalize_dim(dim, input._data.ndim, "scatter")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got "
                           f"{reduce!r}")
    fill = value if src is None else src
    if fill is None:
        raise TypeError("scatter(): expected a src tensor or a value, got neither")
    if input._data.ndim == 0 or idx.ndim == 0:
        x1, idx1 = _lift(input, idx)
        return scatter(x1, d, idx1, src, value, reduce).reshape(input.shape)
    if isinstance(fill, Tensor):
        fill = _scatter_src("scatter", input, d, idx, fill)
    else:
        _check_gather("scatter", input._data, d, idx)
    if reduce == "add":
        if not isinstance(fill, Tensor):
            fill = _wrap(np.full(idx.shape, fill, dtype=input._data.dtype))
        return ScatterAdd.apply(input, d, idx, fill)
    coords = _full_index(idx, d)
    if isinstance(fill, Tensor):
        sl = tuple(slice(0, n) for n in idx.shape)
        fill = fill[sl]
    if reduce == "multiply":
        if _state.enabled and (input._rg or isinstance(fill, Tensor) and fill._rg):
            raise RuntimeError("scatter(): the derivative for reduce='multiply' is not "
                               "implemented (as in PyTorch); use it under no_grad()")
        out = input._data.copy()
        np.multiply.at(out, coords, fill._data if isinstance(fill, Tensor) else fill)
        return _wrap(out)
    return IndexPut.apply(input, fill, coords)


def index_select(input: Tensor, dim: int, index: TensorLike) -> Tensor:
    """Select entries ``index`` (1-D int tensor) along ``dim``."""
    d = normalize_dim(dim, input._data.ndim, "index_select")
    idx = _as_index(index)
    if idx.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got shape "
                         f"{tuple(idx.shape)}")
    _check_index_dtype("index_select", idx)
    if input._data.ndim == 0:  # PyTorch: a 0-d input acts as size [1], the result stays 0-d
        if idx.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                               f"{idx.size} value(s)")
        check_index_bounds("index_select()", idx, 1, d)
        return getitem(input.reshape(1), idx.reshape(-1)).reshape(())
    # IndexError and RuntimeError: PyTorch raises the latter for a dim of size 0
    check_index_bounds("index_select()", idx, input._data.shape[d], d)
    return getitem(input, (slice(None),) * d + (idx.reshape(-1),))


class IndexAdd(Op):
    """out = copy of a with ``alpha * src`` added at ``index`` (1-D) along ``dim``;
    repeated indices accumulate. Backward: ``grad`` to a, ``alpha * grad[index]`` to src."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, src, dim, index, alpha):
        out = a.copy()
        np.add.at(out, (slice(None),) * dim + (index,), src if alpha == 1 else src * alpha)
        return out

    @staticmethod
    def backward(ctx, grad):
        _, _, dim, index, alpha = ctx._inputs  # values of a and src are not needed
        n = ctx.needs_input_grad
        gs = None
        if n[1]:
            gs = GetItem.apply(grad, (slice(None),) * dim + (index,), False)
            if alpha != 1:
                gs = gs * alpha
        return grad if n[0] else None, gs, None, None, None


def _check_index_add(op: str, a: np.ndarray, d: int, idx: np.ndarray, src: np.ndarray) -> None:
    """PyTorch's index_add rules: a 1-D (or 0-d) int32/int64 index with one entry per
    slice of ``src`` along ``d``, ``src`` shaped like ``a`` apart from ``d``, both of one
    dtype, entries in ``[0, a.size(d))``."""
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got shape "
                         f"{tuple(idx.shape)}")
    _check_index_dtype(op, idx)
    if src.dtype != a.dtype:
        raise RuntimeError(f"{op}(): self ({a.dtype}) and source ({src.dtype}) must have the "
                           f"same scalar type")
    if a.ndim == 0:
        if idx.size != 1:
            raise IndexError(f"{op}(): self is 0-d, so index must have exactly one element, "
                             f"got {idx.size}")
        if src.ndim:
            raise ShapeError(f"{op}(): source tensor shape must match self tensor shape: self is "
                             f"0-d, got source.shape = {tuple(src.shape)}")
        check_index_bounds(f"{op}()", idx, 1, d)
        return
    if src.ndim != a.ndim or any(s != t for k, (s, t) in enumerate(zip(src.shape, a.shape))
                                 if k != d):
        raise ShapeError(f"{op}(): source tensor shape must match self tensor shape, excluding "
                         f"the specified dimension {d}. Got self.shape = {tuple(a.shape)}, "
                         f"source.shape = {tuple(src.shape)}")
    if idx.size != src.shape[d]:
        raise ShapeError(f"{op}(): Number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({src.shape[d]}), for dim: {d}")
    check_index_bounds(f"{op}()", idx, a.shape[d], d)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *,
              alpha: Scalar = 1) -> Tensor:
    """Out-of-place ``input.index_add_(dim, index, source, alpha=alpha)``: ``out`` is
    ``input`` with ``alpha * source[..., i, ...]`` added at ``out[..., index[i], ...]``
    along ``dim`` (repeated indices accumulate)."""
    a = input._data
    d = normalize_dim(dim, a.ndim, "index_add")
    if isinstance(index, Tensor):
        idx = index._data
    elif isinstance(index, np.ndarray):
        idx = index
    else:
        raise TypeError(f"index_add(): argument 'index' (position 3) must be Tensor, not "
                        f"{type(index).__name__}")
    require_tensor("index_add", source, "source", 4)
    _check_index_add("index_add", a, d, idx, source._data)
    alpha = require_number("index_add", "alpha", alpha)
    if a.dtype.kind in "iub":  # PyTorch casts alpha to the tensor's dtype first (1.5 -> 1)
        alpha = a.dtype.type(alpha).item()
    if a.ndim == 0:
        return IndexAdd.apply(input.reshape(1), source.reshape(1), 0, idx.reshape(1),
                              alpha).reshape(())
    return IndexAdd.apply(input, source, d, idx.reshape(-1), alpha)


def _broadcast_shape(op: str, a_name: str, a_shape: tuple, b_name: str,
                     b_shape: tuple) -> tuple:
    """The broadcast of two shapes; a ShapeError in PyTorch's words otherwise ("the size
    of a (3) must match the size of b (2) at non-singleton dimension 0")."""
    n = max(len(a_shape), len(b_shape))
    pa = (1,) * (n - len(a_shape)) + tuple(a_shape)
    pb = (1,) * (n - len(b_shape)) + tuple(b_shape)
    out = []
    for k, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise ShapeError(f"{op}: The size of {a_name} ({x}) must match the size of {b_name} "
                             f"({y}) at non-singleton dimension {k} ({a_name} shape "
                             f"{tuple(a_shape)}, {b_name} shape {tuple(b_shape)})")
        out.append(y if x == 1 else x)
    return tuple(out)


def masked_fill(input: Tensor, mask: TensorLike, value: Tensor | Scalar) -> Tensor:
    """``value`` where ``mask`` is True (mask and input broadcast together)."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: expected a bool mask, got dtype {m.dtype}")
    if m.shape != input._data.shape:
        _broadcast_shape("masked_fill", "mask", m.shape, "input", input._data.shape)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s)")
        value = value if value.requires_grad else value._data.item()
    # the result keeps input's dtype (PyTorch casts the fill value: 2.5 into int64 is 2)
    if isinstance(value, Tensor):
        value = value if value._data.dtype == input._data.dtype else value.to(input._data.dtype)
    elif input._data.dtype.kind in "biu":
        check_int_fits("masked_fill", value, input._data.dtype)
        value = np.asarray(value).astype(input._data.dtype).item()
    return where(_wrap(m), value, input)


def masked_select(input: Tensor, mask: TensorLike) -> Tensor:
    """1-D tensor of the entries where ``mask`` (broadcast) is True."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected a bool mask (BoolTensor), got dtype {m.dtype}")
    shape = input._data.shape
    if m.shape != shape:
        shape = _broadcast_shape("masked_select", "mask", m.shape, "input", shape)
    x = input.expand(*shape) if tuple(input.shape) != shape else input
    return getitem(x, np.broadcast_to(m, shape))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding: shape ``tensor.shape + (num_classes,)``."""
    if isinstance(tensor, Tensor):
        idx = tensor._data
    elif isinstance(tensor, np.ndarray):
        idx = tensor
    else:
        raise TypeError(f"one_hot(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(tensor).__name__}")
    if idx.dtype != np.int64:
        raise RuntimeError(f"one_hot is only applicable to index tensor of type LongTensor "
                           f"(int64), got dtype {idx.dtype}")
    num_classes = require_number("one_hot", "num_classes", num_classes, integral=True)
    lo = hi = None
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0:
            raise RuntimeError(f"one_hot: Class values must be non-negative, got {lo}")
    if num_classes == -1:
        if hi is None:
            raise RuntimeError("one_hot: Can not infer total number of classes from empty "
                               "tensor; pass num_classes")
        num_classes = hi + 1
    if hi is not None and hi >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes "
                           f"({num_classes}), got {hi}")
    if num_classes < 0:
        raise RuntimeError(f"one_hot: num_classes must be non-negative or -1, got {num_classes}")
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


# ---------------------------------------------------------------------------
# Issue 12: index_copy, index_fill, scatter_reduce, take, masked_scatter, aliases.
# ---------------------------------------------------------------------------
def _index_arg(op: str, index: object, position: int = 3) -> np.ndarray:
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, np.ndarray):
        return index
    raise TypeError(f"{op}(): argument 'index' (position {position}) must be Tensor, not "
                    f"{type(index).__name__}")


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """Out-of-place ``input.index_copy_(dim, index, source)``: ``out[..., index[i], ...] =
    source[..., i, ...]`` along ``dim``. With repeated indices the last write wins
    (PyTorch leaves the choice unspecified)."""
    a = input._data
    d = normalize_dim(dim, a.ndim, "index_copy")
    idx = _index_arg("index_copy", index)
    require_tensor("index_copy", source, "source", 4)
    _check_index_add("index_copy", a, d, idx, source._data)
    if a.ndim == 0:
        return IndexPut.apply(input.reshape(1), source.reshape(1), (idx.reshape(1),)).reshape(())
    return IndexPut.apply(input, source, (slice(None),) * d + (idx.reshape(-1),))


def index_fill(input: Tensor, dim: int, index: Tensor, value: Tensor | Scalar) -> Tensor:
    """Out-of-place ``input.index_fill_(dim, index, value)``: the slices ``index`` (1-D,
    negative entries count from the end) along ``dim`` set to ``value`` (a number or a
    0-d tensor, which receives the summed gradient of the filled entries)."""
    a = input._data
    d = normalize_dim(dim, a.ndim, "index_fill")
    idx = _index_arg("index_fill", index)
    if idx.ndim > 1:
        raise IndexError(f"index_fill_(): Index is supposed to be a vector, got shape "
                         f"{tuple(idx.shape)}")
    if idx.dtype != np.int64:
        raise IndexError(f"index_fill_(): Expected a long tensor for index, but got {idx.dtype}")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        if value._data.dtype != a.dtype:
            value = value.to(a.dtype)
        if not value.requires_grad:
            value = value._data.item()
    else:
        value = require_number("index_fill", "value", value)
        check_int_fits("index_fill", value, a.dtype)
        value = np.asarray(value).astype(a.dtype).item()
    x = input.reshape(1) if a.ndim == 0 else input
    size = x._data.shape[d]
    flat = idx.reshape(-1)
    if flat.size and (flat.min() < -size or flat.max() >= size):
        bad = int(flat.min()) if flat.min() < -size else int(flat.max())
        raise IndexError(f"index_fill_(): index {bad} is out of bounds for dimension {d} with "
                         f"size {size}")
    flat = np.unique(np.where(flat < 0, flat + size, flat))  # a slice is filled once
    out = IndexPut.apply(x, value, (slice(None),) * d + (flat,))
    return out.reshape(()) if a.ndim == 0 else out


_SCATTER_REDUCES = ("sum", "prod", "mean", "amax", "amin")
_REDUCE_UFUNC = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
                 "amin": np.minimum}


def _reduce_identity(reduce: str, dtype: np.dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "b":
        return reduce == "amin"
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.min if reduce == "amax" else info.max
    return -np.inf if reduce == "amax" else np.inf


class ScatterReduce(Op):
    """out = ``a`` with ``src`` reduced (sum, prod, mean, amax, amin) into the gather-style
    ``index`` positions along ``dim``; ``include_self`` decides whether ``a``'s value at a
    written position takes part. Gradients: sum and mean pass ``grad`` (divided by the
    count for mean); amax/amin share it evenly among the tied maxima/minima; prod gives
    each contributor the product of the others (zeros handled exactly)."""

    @staticmethod
    def forward(ctx, a, src, dim, index, reduce, include_self):
        coords = _full_index(index, dim)
        sl = src[tuple(slice(0, n) for n in index.shape)]
        out = a.copy()
        touched = np.zeros(a.shape, dtype=bool)
        touched[coords] = True
        if not include_self:
            out[touched] = _reduce_identity(reduce, a.dtype)
        _REDUCE_UFUNC[reduce].at(out, coords, sl)
        if reduce == "mean":
            count = np.where(touched & (not include_self), 0, 1).astype(np.int64)
            np.add.at(count, coords, 1)
            count = np.maximum(count, 1)
            if out.dtype.kind in "iu":
                out = np.floor_divide(out, count).astype(a.dtype)
            else:
                out = (out / count).astype(a.dtype)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, src, dim, index, reduce, include_self = ctx.inputs
        n = ctx.needs_input_grad
        coords = _full_index(index, dim)
        ad = a._data
        touched = np.zeros(ad.shape, dtype=bool)
        touched[coords] = True
        self_part = ~touched | include_self      # where a's value takes part in out
        sl = tuple(slice(0, k) for k in index.shape)
        dt = grad.dtype
        if reduce in ("sum", "mean"):
            g = grad
            if reduce == "mean":
                count = np.where(self_part, 1, 0).astype(np.int64)
                np.add.at(count, coords, 1)
                g = grad * _wrap((1.0 / np.maximum(count, 1)).astype(dt))
            ga = g * self_part if n[0] else None
            gs = Gather.apply(g, dim, index) if n[1] else None
        elif reduce in ("amax", "amin"):
            res = ctx.output._data
            sd = src._data[sl]
            # as PyTorch: input's value counts among the ties even where include_self=False
            # leaves it out (it then gets no gradient, so the src share is smaller)
            src_hit = sd == res[coords]
            ties = (ad == res).astype(np.int64)
            self_hit = self_part & (ad == res)
            np.add.at(ties, coords, src_hit.astype(np.int64))
            g = grad * _wrap((1.0 / np.maximum(ties, 1)).astype(dt))
            ga = g * self_hit if n[0] else None
            gs = Gather.apply(g, dim, index) * src_hit if n[1] else None
        else:  # prod: each contributor gets the product of the others
            v = src[sl] if src._data.shape != index.shape else src
            sd = v._data
            zeros = np.where(self_part & (ad == 0), 1, 0).astype(np.int64)
            np.add.at(zeros, coords, (sd == 0).astype(np.int64))
            a_safe = where(_wrap(ad == 0), 1.0, a)
            v_safe = where(_wrap(sd == 0), 1.0, v)
            prod_nz = ScatterReduce.apply(a_safe, v_safe, dim, index, "prod", include_self)
            ga = gs = None
            if n[0]:
                others = where(_wrap(ad != 0), where(_wrap(zeros == 0), prod_nz / a_safe, 0.0),
                               where(_wrap(zeros == 1), prod_nz, 0.0))
                ga = grad * others * self_part
            if n[1]:
                zg = zeros[coords]
                pg = Gather.apply(prod_nz, dim, index)
                others = where(_wrap(sd != 0), where(_wrap(zg == 0), pg / v_safe, 0.0),
                               where(_wrap(zg == 1), pg, 0.0))
                gs = Gather.apply(grad, dim, index) * others
        if gs is not None and tuple(index.shape) != tuple(src.shape):
            widths = []
            for s, i in zip(reversed(src.shape), reversed(index.shape)):
                widths += [0, s - i]
            gs = pad(gs, widths)
        return ga, gs, None, None, None, None


def scatter_reduce(input: Tensor, dim: int, index: TensorLike, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Out-of-place ``input.scatter_reduce_(dim, index, src, reduce, include_self=...)``:
    ``reduce`` is ``'sum'``, ``'prod'``, ``'mean'`` (integer tensors floor-divide, as
    PyTorch), ``'amax'`` or ``'amin'``; with ``include_self=False`` the written positions
    start from the reduction's identity instead of ``input``'s value."""
    idx = _as_index(index)
    d = normalize_dim(dim, input._data.ndim, "scatter_reduce")
    require_tensor("scatter_reduce", src, "src", 4)
    if reduce not in _SCATTER_REDUCES:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be either sum, prod, mean, "
                           f"amax or amin, got {reduce}")
    if input._data.ndim == 0 or idx.ndim == 0:
        x1, idx1 = _lift(input, idx)
        s1 = src.reshape(1) if src._data.ndim == 0 else src
        return scatter_reduce(x1, d, idx1, s1, reduce,
                              include_self=include_self).reshape(input.shape)
    src = _scatter_src("scatter_reduce", input, d, idx, src)
    return ScatterReduce.apply(input, src, d, idx, reduce, bool(include_self))


def take(input: Tensor, index: Tensor) -> Tensor:
    """``input.flatten()[index]``, shaped like ``index`` (negative entries count from the
    end)."""
    idx = _index_arg("take", index, 2)
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {idx.dtype}")
    n = input._data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < -n else int(idx.max())
        raise IndexError(f"take(): out of range: tried to access index {bad} on a tensor of "
                         f"{n} elements.")
    flat = np.where(idx < 0, idx + n, idx).reshape(-1)
    return getitem(input.reshape(-1), flat).reshape(idx.shape)


def masked_scatter(input: Tensor, mask: TensorLike, source: Tensor) -> Tensor:
    """Out-of-place ``input.masked_scatter_(mask, source)``: the positions where ``mask``
    (broadcast with ``input``) is True take consecutive elements of ``source`` (row-major);
    ``source`` needs at least as many elements as ``mask`` has True entries."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_: expected BoolTensor for mask, got dtype {m.dtype}")
    require_tensor("masked_scatter", source, "source", 3)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got {input._data.dtype} and {source._data.dtype}")
    shape = tuple(input._data.shape)
    if m.shape != shape:
        shape = _broadcast_shape("masked_scatter", "mask", m.shape, "input", shape)
    x = input.expand(*shape) if tuple(input.shape) != shape else input
    m = np.broadcast_to(m, shape)
    k = int(m.sum())
    if source._data.size < k:
        raise RuntimeError(f"masked_scatter: Number of elements of source < number of ones in "
                           f"mask ({source._data.size} < {k})")
    vals = source.reshape(-1)
    if vals._data.size != k:
        vals = getitem(vals, slice(0, k))
    return IndexPut.apply(x, vals, (np.ascontiguousarray(m),))


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Alias of ``transpose`` (``swapaxes``)."""
    return _shape.transpose(input, dim0, dim1)


def moveaxis(input: Tensor, source: Dims, destination: Dims) -> Tensor:
    """Alias of ``movedim``."""
    return _shape.movedim(input, source, destination)
