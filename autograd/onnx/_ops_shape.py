"""Converters for the ops that move data: reshape/view/flatten/(un)squeeze, permute/transpose,
cat/stack, expand, pad, repeat, flip, indexing/slicing and gather.

Shapes recorded during the trace are concrete. To keep a dimension that ``dynamic_axes``
names symbolic, Reshape copies the leading dimensions its output shares with its input
(ONNX's ``0``) and infers one more (``-1``); Expand asks only for the dimensions that grow.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import index as IX
from ..ops import reduce as R
from ..ops import shape as S
from ._trace import Event, converts

_BIG = np.iinfo(np.int64).max


def reshape_spec(src: tuple[int, ...], dst: tuple[int, ...]) -> list[int]:
    """ONNX Reshape's shape input for ``src -> dst``: copied leading dims as 0, the first
    other dim as -1 (inferred), the rest as constants."""
    spec: list[int] = []
    i = 0
    while i < min(len(src), len(dst)) and src[i] == dst[i] and dst[i] != 0:
        spec.append(0)
        i += 1
    rest = list(dst[i:])
    if rest and 0 not in dst:
        rest[0] = -1
    return spec + rest


@converts(S.Reshape)
def _reshape(ev: Event) -> str:
    src, dst = ev.arr(0).shape, ev.out.shape
    if src == dst:
        return str(ev.g.node("Identity", [ev.x(0)]))
    return str(ev.g.node("Reshape", [ev.x(0), ev.g.ints(reshape_spec(src, dst))]))


@converts(S.Permute)
def _permute(ev: Event) -> str:
    return str(ev.g.node("Transpose", [ev.x(0)], perm=[int(d) for d in ev.args[1]]))


@converts(S.Cat)
def _cat(ev: Event) -> str:
    dt = ev.out.dtype
    ins = [ev.x(i, dt) for i in range(len(ev.args)) if ev.arr(i).size or ev.arr(i).ndim > 1]
    return str(ev.g.node("Concat", ins, axis=int(ev.attrs["dim"])))


@converts(R.BroadcastTo)
def _expand(ev: Event) -> str:
    src, dst = ev.arr(0).shape, ev.out.shape
    pad = (1,) * (len(dst) - len(src)) + tuple(src)
    # Expand broadcasts both ways: a 1 keeps the input's (possibly symbolic) size
    want = [d if s == 1 and d != 1 else 1 for s, d in zip(pad, dst)]
    return str(ev.g.node("Expand", [ev.x(0), ev.g.ints(want)]))


@converts(S.Pad)
def _pad(ev: Event) -> str:
    widths = np.asarray(ev.args[1], dtype=np.int64).reshape(-1, 2)
    pads = list(widths[:, 0]) + list(widths[:, 1])
    value = ev.g.const(ev.args[2], ev.out.dtype)
    return str(ev.g.node("Pad", [ev.x(0), ev.g.ints(pads), value], mode="constant"))


@converts(S.Repeat)
def _repeat(ev: Event) -> str:
    reps = [int(r) for r in ev.args[1]]
    x = ev.x(0)
    nd = ev.arr(0).ndim
    if len(reps) > nd:  # np.tile / torch.repeat prepend dims of size one
        x = ev.g.node("Reshape", [x, ev.g.ints([1] * (len(reps) - nd) + [0] * nd)])
    return str(ev.g.node("Tile", [x, ev.g.ints(reps)]))


@converts(S.Flip)
def _flip(ev: Event) -> str:
    dims = [int(d) for d in ev.args[1]]
    if not dims:
        return str(ev.g.node("Identity", [ev.x(0)]))
    n = len(dims)
    return str(ev.g.node("Slice", [ev.x(0), ev.g.ints([-1] * n), ev.g.ints([-_BIG] * n),
                                   ev.g.ints(dims), ev.g.ints([-1] * n)]))


@converts(IX.Gather)
def _gather(ev: Event) -> str:
    return str(ev.g.node("GatherElements", [ev.x(0), ev.x(2)], axis=int(ev.args[1])))


def _expand_ellipsis(index: tuple[Any, ...], nd: int) -> tuple[Any, ...]:
    used = sum(1 for i in index if i is not None and i is not Ellipsis
               and not (isinstance(i, np.ndarray) and i.dtype == np.bool_))
    out: list[Any] = []
    seen = False
    for i in index:
        if i is Ellipsis and not seen:
            out.extend([slice(None)] * (nd - used))
            seen = True
        elif i is not Ellipsis:
            out.append(i)
    if not seen:  # unnamed trailing dims are taken whole
        out.extend([slice(None)] * (nd - used))
    return tuple(out)


@converts(IX.GetItem)
def _getitem(ev: Event) -> str:
    g = ev.g
    a = ev.arr(0)
    index = ev.args[1]
    items = _expand_ellipsis(index if isinstance(index, tuple) else (index,), a.ndim)
    arrays = [k for k, i in enumerate(items) if isinstance(i, np.ndarray) or isinstance(i, list)]
    if any(isinstance(i, np.ndarray) and i.dtype == np.bool_ for i in items):
        raise ev.unsupported(
            "boolean-mask indexing x[mask]: how many elements it selects, and so the "
            "output's shape, depends on the input values, while a traced ONNX graph fixes "
            "every shape; keep the shape with torch.where(mask, x, 0) or x.masked_fill(~mask, 0)")
    if len(arrays) > 1:
        raise ev.unsupported("indexing with more than one index array")
    x = ev.x(0)
    starts, ends, axes, steps = [], [], [], []
    ints: list[tuple[int, int]] = []
    nones: list[int] = []
    gathers: list[tuple[int, np.ndarray]] = []
    axis, out_pos = 0, 0
    for i in items:
        if i is None:
            nones.append(out_pos)
            out_pos += 1
        elif isinstance(i, slice):
            start, stop, step = i.start, i.stop, 1 if i.step is None else int(i.step)
            if (start, stop, step) != (None, None, 1):
                starts.append(0 if start is None else int(start))
                ends.append(_BIG if stop is None else int(stop))
                axes.append(axis)
                steps.append(step)
            axis += 1
            out_pos += 1
        elif isinstance(i, (int, np.integer)):
            ints.append((axis, int(i)))
            axis += 1
        else:
            gathers.append((axis, np.asarray(i, dtype=np.int64)))
            axis += 1
            out_pos += 1
    if gathers and (ints or nones or gathers[0][1].ndim != 1):
        raise ev.unsupported("an index array mixed with integer or None indices")
    if axes:
        x = g.node("Slice", [x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    for ax, k in gathers:
        x = g.node("Gather", [x, g.ints(k)], axis=ax)
    for ax, pos in sorted(ints, reverse=True):  # highest axis first: the others stay put
        x = g.node("Gather", [x, g.const(np.int64(pos))], axis=ax)
    if nones:
        x = g.axes_op("Unsqueeze", x, nones)
    if x == ev.names[0]:
        x = g.node("Identity", [x])
    return str(x)
