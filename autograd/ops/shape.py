"""Shape ops: Reshape, Permute, Cat, Flip, Pad, Roll, Repeat; composites view, flatten,
unflatten, transpose, squeeze, unsqueeze, expand, tile, stack, split, chunk, movedim.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from .. import dtypes as _dt
from ..node import Op, ShapeError
from ..tensor import Tensor
from ._util import Dims, Size, normalize_dim, size_args
from .reduce import broadcast_to

__all__ = ["reshape", "view", "flatten", "unflatten", "transpose", "swapaxes", "permute",
           "movedim", "squeeze", "unsqueeze", "expand", "expand_as", "repeat", "tile", "cat",
           "concat", "concatenate", "stack", "split", "chunk", "unbind", "narrow", "flip",
           "pad", "roll", "view_as", "reshape_as", "hstack", "vstack", "ravel"]


def _infer_shape(shape, numel, op, in_shape):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (got shape {tuple(shape)})")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}: invalid shape dimension {s} in {tuple(shape)}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise ShapeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} "
                             f"(input shape {tuple(in_shape)})")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise ShapeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} "
                         f"(input shape {tuple(in_shape)})")
    return tuple(shape)


class Reshape(Op):
    """out = a with a new shape (a view when the layout allows)."""

    @staticmethod
    def forward(ctx, a, shape):
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        a = ctx._inputs[0]
        return grad.reshape(a.shape), None


def reshape(input: Tensor, *shape: Size) -> Tensor:
    """``input`` with shape ``shape`` (one entry may be -1). Same number of elements."""
    shape = _infer_shape(size_args(shape), input._data.size, "reshape", input._data.shape)
    if shape == input._data.shape:
        return input
    return Reshape.apply(input, shape)


def view(input: Tensor, *shape: Size) -> Tensor:
    """``reshape`` (views and copies are indistinguishable to autograd here)."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        return input.to(shape[0])  # view(dtype)
    return reshape(input, *shape)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` reshaped to ``other``'s shape."""
    return reshape(input, other.shape)


reshape_as = view_as


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one."""
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, (1,))
    s = normalize_dim(start_dim, nd, "flatten")
    e = normalize_dim(end_dim, nd, "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim})")
    shp = input._data.shape
    n = 1
    for d in shp[s:e + 1]:
        n *= d
    return reshape(input, shp[:s] + (n,) + shp[e + 1:])


def ravel(input: Tensor) -> Tensor:
    """Flattened to 1-D."""
    return reshape(input, (-1,))


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one may be -1)."""
    d = normalize_dim(dim, input._data.ndim, "unflatten")
    shp = input._data.shape
    new_sizes = _infer_shape(tuple(sizes), shp[d], "unflatten", shp)
    return reshape(input, shp[:d] + new_sizes + shp[d + 1:])


class Permute(Op):
    """out = a with its dims reordered."""

    @staticmethod
    def forward(ctx, a, dims):
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, grad):
        dims = ctx._inputs[1]
        return grad.permute(tuple(np.argsort(dims))), None


def permute(input: Tensor, *dims: Size) -> Tensor:
    """Reorder dimensions: ``out.shape[i] == input.shape[dims[i]]``."""
    dims = size_args(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute: number of dims don't match: input has {nd} dims "
                           f"(shape {tuple(input._data.shape)}), got dims {dims}")
    dims = tuple(normalize_dim(d, nd, "permute") for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError(f"permute: repeated dim in {dims}")
    if dims == tuple(range(nd)):
        return input
    return Permute.apply(input, dims)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    nd = input._data.ndim
    if nd < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return input
    d0, d1 = normalize_dim(dim0, nd, "transpose"), normalize_dim(dim1, nd, "transpose")
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return permute(input, tuple(dims))


swapaxes = transpose


def movedim(input: Tensor, source: Dims, destination: Dims) -> Tensor:
    """Move dim(s) ``source`` to position(s) ``destination``."""
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [normalize_dim(s, nd, "movedim") for s in src]
    dst = [normalize_dim(d, nd, "movedim") for d in dst]
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, tuple(order))


def squeeze(input: Tensor, dim: Dims | None = None) -> Tensor:
    """Remove size-1 dims (all, or those in ``dim``; others are left alone as in PyTorch)."""
    shp = input._data.shape
    if dim is None:
        new = tuple(s for s in shp if s != 1)
    else:
        given = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = {normalize_dim(d, len(shp), "squeeze") for d in given}
        new = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1))
    return reshape(input, new)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim`` (``-1`` appends)."""
    shp = input._data.shape
    d = normalize_dim(dim, len(shp) + 1, "unsqueeze")
    return reshape(input, shp[:d] + (1,) + shp[d:])


def expand(input: Tensor, *sizes: Size) -> Tensor:
    """Broadcast to ``sizes`` (-1 keeps a dim); a view, no copy."""
    sizes = size_args(sizes)
    shp = input._data.shape
    lead = len(sizes) - len(shp)
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({len(shp)})")
    target = tuple(shp[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    for i, s in enumerate(shp):
        t = target[lead + i]
        if s != 1 and s != t:
            raise ShapeError(f"expand: the expanded size of the tensor ({t}) must match the "
                             f"existing size ({s}) at non-singleton dimension {lead + i}. "
                             f"Target sizes: {list(sizes)}. Tensor sizes: {list(shp)}")
    n = 1
    for t in target:
        n *= t
    if n == input._data.size:
        # Nothing is repeated (only size-1 dims added): a plain writable view, as PyTorch's
        # expand, where in-place writes are allowed when no two elements share memory.
        return reshape(input, target)
    return broadcast_to(input, target)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``expand`` to ``other``'s shape."""
    return expand(input, tuple(other.shape))


class Repeat(Op):
    """out = a tiled ``reps`` times per dim (PyTorch's repeat == NumPy's tile)."""

    @staticmethod
    def forward(ctx, a, reps):
        return np.tile(a, reps)

    @staticmethod
    def backward(ctx, grad):
        a, reps = ctx._inputs
        shp = (1,) * (len(reps) - a.ndim) + tuple(a.shape)
        inter = []
        for r, s in zip(reps, shp):
            inter += [r, s]
        g = grad.reshape(tuple(inter)).sum(tuple(range(0, 2 * len(reps), 2)))
        return g.reshape(a.shape), None


def repeat(input: Tensor, *repeats: Size) -> Tensor:
    """Tile ``input``; ``len(repeats)`` must be >= ``input.dim()``."""
    reps = size_args(repeats)
    if len(reps) < input._data.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(reps)}) can not be smaller "
                           f"than number of dimensions of tensor ({input._data.ndim})")
    return Repeat.apply(input, reps)


def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """Like ``repeat``, padding ``dims`` with leading ones when shorter."""
    dims = tuple(dims)
    dims = (1,) * (input._data.ndim - len(dims)) + dims
    return Repeat.apply(input, dims)


class Cat(Op):
    """out = concatenation of the inputs along ``dim``."""

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] for a in arrays]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        out, start = [], 0
        for need, size in zip(ctx.needs_input_grad, ctx.sizes):
            out.append(narrow(grad, ctx.dim, start, size) if need else None)
            start += size
        return tuple(out)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate along ``dim``; other dims must match."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat: expected a non-empty list of Tensors")
    # PyTorch skips 1-D empty tensors in cat (legacy behaviour users rely on)
    tensors = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    nd = tensors[0].ndim
    d = normalize_dim(dim, nd, "cat")
    ref = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim != nd or any(t.shape[k] != ref[k] for k in range(nd) if k != d):
            raise ShapeError(f"cat: sizes of tensors must match except in dimension {d}: "
                             f"tensor 0 has shape {tuple(ref)}, tensor {i} has shape "
                             f"{tuple(t.shape)}")
    dtype = functools.reduce(_dt.promote_types, [t._data.dtype for t in tensors])
    tensors = [t if t.dtype == dtype else t.to(dtype) for t in tensors]
    if len(tensors) == 1:
        return tensors[0].clone()
    return Cat.apply(*tensors, dim=d)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Stack same-shaped tensors along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack: expected a non-empty list of Tensors")
    ref = tuple(tensors[0].shape)
    for i, t in enumerate(tensors):
        if tuple(t.shape) != ref:
            raise ShapeError(f"stack: expects each tensor to be equal size, but got {ref} at "
                             f"entry 0 and {tuple(t.shape)} at entry {i}")
    d = normalize_dim(dim, len(ref) + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-D)."""
    tensors = list(tensors)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 0 (1-D tensors become rows)."""
    return cat([t.unsqueeze(0) if t.ndim == 1 else t for t in tensors], 0)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice ``start:start+length`` along ``dim``."""
    d = normalize_dim(dim, input._data.ndim, "narrow")
    idx = (slice(None),) * d + (slice(start, start + length),)
    return input[idx]


def split(tensor: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of ``split_size`` (last may be smaller) or of the given sizes."""
    d = normalize_dim(dim, tensor._data.ndim, "split")
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, n - s) for s in range(0, n, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split: split_with_sizes expects split_sizes to sum exactly to "
                               f"{n} (input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(tensor, d, start, s))
        start += s
    return tuple(out)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` nearly equal pieces (PyTorch's rule: ceil(n / chunks) each)."""
    d = normalize_dim(dim, input._data.ndim, "chunk")
    n = input._data.shape[d]
    step = max(-(-n // chunks), 1)
    return split(input, step, d)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """Tuple of slices along ``dim``, with that dim removed."""
    d = normalize_dim(dim, input._data.ndim, "unbind")
    return tuple(input[(slice(None),) * d + (i,)] for i in range(input._data.shape[d]))


class Flip(Op):
    """out = a reversed along ``dims``."""

    @staticmethod
    def forward(ctx, a, dims):
        return np.flip(a, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx._inputs[1]), None


def flip(input: Tensor, dims: Dims) -> Tensor:
    """Reverse the order along ``dims`` (int or tuple)."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    ndim = input._data.ndim
    # A 0-d tensor has one dim to name, 0 or -1, as in PyTorch; flipping it is a copy.
    dims = tuple(normalize_dim(d, max(ndim, 1), "flip") for d in dims)
    return Flip.apply(input, dims if ndim else ())


class Pad(Op):
    """out = a padded with a constant; ``widths`` is NumPy's per-dim ((before, after), ...)."""

    @staticmethod
    def forward(ctx, a, widths, value):
        return np.pad(a, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        a, widths, _ = ctx._inputs
        idx = tuple(slice(b, b + s) for (b, _), s in zip(widths, a.shape))
        return grad[idx], None, None


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims; ``pad`` = (last_before, last_after,
    second_last_before, ...), as ``torch.nn.functional.pad``. Constant mode only;
    negative pads crop."""
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported (only 'constant')")
    pad = tuple(int(p) for p in pad)
    nd = input._data.ndim
    if len(pad) % 2 or len(pad) // 2 > nd:
        raise RuntimeError(f"pad: padding length must be even and at most 2*ndim ({2 * nd}); "
                           f"got {len(pad)} for input of shape {tuple(input._data.shape)}")
    widths = [(0, 0)] * nd
    for i in range(len(pad) // 2):
        widths[nd - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    crop = any(b < 0 or e < 0 for b, e in widths)
    if crop:
        idx = tuple(slice(-b if b < 0 else 0, (s + e) if e < 0 else s)
                    for (b, e), s in zip(widths, input._data.shape))
        input = input[idx]
        widths = [(max(b, 0), max(e, 0)) for b, e in widths]
    return Pad.apply(input, tuple(widths), 0.0 if value is None else value)


class Roll(Op):
    """out = a rolled by ``shifts`` along ``dims``."""

    @staticmethod
    def forward(ctx, a, shifts, dims):
        return np.roll(a, shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        _, shifts, dims = ctx._inputs
        neg = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        return Roll.apply(grad, neg, dims), None, None


def roll(input: Tensor, shifts: Dims, dims: Dims | None = None) -> Tensor:
    """Roll elements along ``dims`` (flattened when None)."""
    if isinstance(shifts, (list, tuple)):
        shifts = tuple(int(s) for s in shifts)
    if isinstance(dims, list):
        dims = tuple(dims)
    return Roll.apply(input, shifts, dims)

