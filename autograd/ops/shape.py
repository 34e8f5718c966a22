"""Shape ops: Reshape, Permute, Cat, Flip, Pad, Roll, Repeat; composites view, flatten,
unflatten, transpose, squeeze, unsqueeze, expand, tile, stack, split, chunk, movedim.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from .. import dtypes as _dt
from ..node import Op, ShapeError, _named
from ..tensor import Tensor
from ._args import ArgumentError, require_tensors
from ._util import Dims, IndexBoundsError, Size, normalize_dim, normalize_dims
from .reduce import _as_int, _expand_target, _int_arg, _int_seq, _type_name, broadcast_to

__all__ = ["reshape", "view", "flatten", "unflatten", "transpose", "swapaxes", "permute",
           "movedim", "squeeze", "unsqueeze", "expand", "expand_as", "repeat", "tile", "cat",
           "concat", "concatenate", "stack", "split", "chunk", "unbind", "narrow", "flip",
           "pad", "roll", "view_as", "reshape_as", "hstack", "vstack", "ravel", "t"]


def _size_args(op: str, size: Sequence[object], name: str = "shape") -> tuple[int, ...]:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` size spellings as a tuple of ints;
    PyTorch's TypeError for anything else (floats, None, bools)."""
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        if isinstance(size[0], (tuple, list)):
            size = size[0]
        elif _as_int(size[0]) is None:
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, "
                            f"not {_type_name(size[0])}")
    return _int_seq(op, name, size)


def _dims_list(op: str, name: str, dims: object) -> tuple[int, ...]:
    """An int or a sequence of ints (``flip``'s ``dims``, ``movedim``'s ``source``) as a
    tuple; PyTorch's TypeError for floats, None and the like."""
    n = _as_int(dims)
    if n is not None:
        return (n,)
    if isinstance(dims, (float, bool, str, type(None))):
        raise TypeError(f"{op}(): argument '{name}' must be int or tuple of ints, "
                        f"not {_type_name(dims)}")
    return _int_seq(op, name, dims)


def _check_has_dims(op: str, input: Tensor, dim: object) -> None:
    if not input._data.ndim:
        raise IndexBoundsError(f"{op}: Dimension specified as {dim} but tensor has no "
                               f"dimensions (input is 0-d)")


def _infer_shape(shape, numel, op, in_shape):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise ArgumentError(f"{op}: only one dimension can be inferred (got shape "
                            f"{tuple(shape)} for input of shape {tuple(in_shape)})")
    known = 1
    for i, s in enumerate(shape):
        if s != -1:
            if s < 0:
                raise ArgumentError(f"{op}: invalid shape dimension {s} at index {i} of shape "
                                    f"{list(shape)} (only -1 may be negative)")
            known *= s
    if neg:
        if known == 0 and numel == 0:
            raise ShapeError(f"{op}: cannot reshape tensor of 0 elements into shape "
                             f"{list(shape)} because the unspecified dimension size -1 can be "
                             f"any value and is ambiguous (input shape {tuple(in_shape)})")
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

    complex_ok = True

    @staticmethod
    def forward(ctx, a, shape):
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        a = ctx._inputs[0]
        return grad.reshape(a.shape), None


def reshape(input: Tensor, *shape: Size) -> Tensor:
    """``input`` with shape ``shape`` (one entry may be -1). Same number of elements."""
    shape = _infer_shape(_size_args("reshape", shape), input._data.size, "reshape",
                         input._data.shape)
    if shape == input._data.shape:
        return input
    return Reshape.apply(input, shape)


def view(input: Tensor, *shape: Size) -> Tensor:
    """``reshape`` (views and copies are indistinguishable to autograd here)."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list, Tensor,
                                                     float, bool, type(None))):
        return input.to(shape[0])  # view(dtype)
    return _named(reshape(input, *shape), "View", input)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` reshaped to ``other``'s shape."""
    return reshape(input, other.shape)


reshape_as = view_as


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one."""
    nd = input._data.ndim
    s = normalize_dim(_int_arg("flatten", "start_dim", start_dim), nd, "flatten")
    e = normalize_dim(_int_arg("flatten", "end_dim", end_dim), nd, "flatten")
    if nd == 0:
        return reshape(input, (1,))
    if s > e:
        raise RuntimeError(f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim})")
    shp = input._data.shape
    n = 1
    for d in shp[s:e + 1]:
        n *= d
    return _named(reshape(input, shp[:s] + (n,) + shp[e + 1:]), "View", input)  # PyTorch's name


def ravel(input: Tensor) -> Tensor:
    """Flattened to 1-D."""
    return reshape(input, (-1,))


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one may be -1)."""
    dim = _int_arg("unflatten", "dim", dim)
    if isinstance(sizes, (int, np.integer)):
        raise TypeError(f"unflatten(): argument 'sizes' must be tuple of ints, "
                        f"not {_type_name(sizes)}")
    sizes = _int_seq("unflatten", "sizes", sizes)
    shp = input._data.shape
    if not shp:
        raise IndexBoundsError(f"unflatten: Dimension specified as {dim} but tensor has no "
                               f"dimensions (input is 0-d)")
    d = normalize_dim(dim, input._data.ndim, "unflatten")
    if not sizes:
        raise ArgumentError("unflatten: sizes must be non-empty")
    known = 1
    for n in sizes:
        known *= n if n != -1 else 1
    if sizes.count(-1) <= 1 and (known != shp[d] if -1 not in sizes
                                 else known == 0 or shp[d] % known):
        raise ShapeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size "
                         f"of dim {dim} ({shp[d]}) in the input tensor of shape {tuple(shp)}")
    new_sizes = _infer_shape(sizes, shp[d], "unflatten", shp)
    return reshape(input, shp[:d] + new_sizes + shp[d + 1:])


class Permute(Op):
    """out = a with its dims reordered."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, dims):
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, grad):
        dims = ctx._inputs[1]
        return grad.permute(tuple(np.argsort(dims))), None


def permute(input: Tensor, *dims: Size) -> Tensor:
    """Reorder dimensions: ``out.shape[i] == input.shape[dims[i]]``."""
    if not dims:  # ``x.permute()``: PyTorch requires the argument, even for a 0-d x
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    dims = _size_args("permute", dims, "dims")
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
    dim0, dim1 = _int_arg("transpose", "dim0", dim0), _int_arg("transpose", "dim1", dim1)
    if nd < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return input
    d0, d1 = normalize_dim(dim0, nd, "transpose"), normalize_dim(dim1, nd, "transpose")
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return _named(permute(input, tuple(dims)), "Transpose", input)


swapaxes = transpose


def t(input: Tensor) -> Tensor:
    """Transpose of a 2-D tensor; 0-D and 1-D tensors as they are; RuntimeError for more
    dims (as PyTorch: use ``transpose`` or ``mT``)."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input._data.ndim}D (shape {tuple(input._data.shape)})")
    return _named(transpose(input, 0, -1), "T", input) if input._data.ndim == 2 else input


def movedim(input: Tensor, source: Dims, destination: Dims) -> Tensor:
    """Move dim(s) ``source`` to position(s) ``destination``."""
    nd = input._data.ndim
    src = _dims_list("movedim", "source", source)
    dst = _dims_list("movedim", "destination", destination)
    if (_as_int(source) is None) != (_as_int(destination) is None):
        # PyTorch has movedim(int, int) and movedim(tuple, tuple), no mixed form
        raise TypeError(f"movedim() received an invalid combination of arguments - got "
                        f"(Tensor, {_type_name(source)}, {_type_name(destination)}): source "
                        f"and destination must both be ints or both be sequences of ints")
    if len(src) != len(dst):
        raise ArgumentError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                            f"dims) should contain the same number of dims as destination "
                            f"({list(dst)} dims)")
    src = tuple(normalize_dim(s, nd, "movedim") for s in src)
    dst = tuple(normalize_dim(d, nd, "movedim") for d in dst)
    for name, given, norm in (("source", source, src), ("destination", destination, dst)):
        if len(set(norm)) != len(norm):
            raise ArgumentError(f"movedim: repeated dim in `{name}` ({given!r}) for input of "
                                f"{nd} dims")
    if not nd:  # a 0-d tensor's one dim (0 or -1) moved onto itself
        return input
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
        given = _dims_list("squeeze", "dim", dim)
        dims = set(normalize_dims(given, len(shp), "squeeze") or ())
        new = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1))
    return _named(reshape(input, new), "Squeeze", input)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim`` (``-1`` appends)."""
    shp = input._data.shape
    d = normalize_dim(_int_arg("unsqueeze", "dim", dim), len(shp) + 1, "unsqueeze")
    return _named(reshape(input, shp[:d] + (1,) + shp[d:]), "Unsqueeze", input)


def expand(input: Tensor, *sizes: Size) -> Tensor:
    """Broadcast to ``sizes`` (-1 keeps a dim); a view, no copy."""
    sizes = _size_args("expand", sizes, "size")
    target = _expand_target("expand", input._data.shape, sizes)
    n = 1
    for t in target:
        n *= t
    if n == input._data.size:
        # Nothing is repeated (only size-1 dims added): a plain writable view, as PyTorch's
        # expand, where in-place writes are allowed when no two elements share memory.
        return _named(reshape(input, target), "Expand", input)
    return broadcast_to(input, target)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``expand`` to ``other``'s shape."""
    return expand(input, tuple(other.shape))


class Repeat(Op):
    """out = a tiled ``reps`` times per dim (PyTorch's repeat == NumPy's tile)."""

    complex_ok = True

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
    reps = _size_args("repeat", repeats, "repeats")
    if len(reps) < input._data.ndim:
        raise ArgumentError(f"repeat: number of repeat dims ({len(reps)}) can not be smaller "
                            f"than number of dimensions of tensor ({input._data.ndim}, shape "
                            f"{tuple(input._data.shape)})")
    reps = _check_repeats("repeat", input, reps)
    return Repeat.apply(input, reps)


def _check_repeats(op: str, input: Tensor, reps: tuple[int, ...]) -> tuple[int, ...]:
    """``reps`` checked as PyTorch: an error only where a resulting size ``r * s`` is
    negative, so a negative repeat of a size-0 dim is allowed (and gives 0, returned)."""
    if any(r < 0 for r in reps):
        shp = (1,) * (len(reps) - input._data.ndim) + tuple(input._data.shape)
        sizes = [r * s for r, s in zip(reps, shp)]
        if any(n < 0 for n in sizes):
            raise ArgumentError(f"{op}: Trying to create tensor with negative dimension: "
                                f"repeats {list(reps)} for input of shape "
                                f"{tuple(input._data.shape)} give sizes {sizes}")
        return tuple(0 if r < 0 else r for r in reps)
    return reps


def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """Like ``repeat``, padding ``dims`` with leading ones when shorter."""
    dims = (_int_arg("tile", "dims", dims),) if _as_int(dims) is not None else \
        _int_seq("tile", "dims", dims)
    dims = (1,) * (input._data.ndim - len(dims)) + dims
    dims = _check_repeats("tile", input, dims)
    return Repeat.apply(input, dims)


class Cat(Op):
    """out = concatenation of the inputs along ``dim``."""

    complex_ok = True

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
    tensors = require_tensors("cat", tensors)
    dim = _int_arg("cat", "dim", dim)
    if not tensors:
        raise ArgumentError("cat(): expected a non-empty list of Tensors")
    return _cat(tensors, dim, "cat")


def _cat(tensors: list[Tensor], dim: int, op: str) -> Tensor:
    """``cat`` of a checked non-empty list; errors name ``op`` (hstack, vstack, ...)."""
    for i, t in enumerate(tensors):
        if not t._data.ndim:
            raise ShapeError(f"{op}: zero-dimensional tensor (at position {i}) cannot be "
                             f"concatenated")
    # PyTorch skips 1-D empty tensors in cat (legacy behaviour users rely on), after they
    # took part in dtype promotion; with nothing else, the dim is not even checked
    dtype = functools.reduce(_dt.promote_types, [t._data.dtype for t in tensors])
    skip = [t.ndim == 1 and t.shape[0] == 0 for t in tensors]
    kept = [t for t, s in zip(tensors, skip) if not s]
    if not kept:  # all (0,): their concatenation, any dim
        tensors = [t if t.dtype == dtype else t.to(dtype) for t in tensors]
        return tensors[0].clone() if len(tensors) == 1 else Cat.apply(*tensors, dim=0)
    given, tensors = tensors, kept
    nd = tensors[0].ndim
    d = normalize_dim(dim, nd, op)
    ref = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim != nd:
            raise ShapeError(f"{op}: Tensors must have same number of dimensions: got {nd} and "
                             f"{t.ndim} (tensor 0 has shape {tuple(ref)}, tensor {i} has "
                             f"shape {tuple(t.shape)})")
        if any(t.shape[k] != ref[k] for k in range(nd) if k != d):
            raise ShapeError(f"{op}: sizes of tensors must match except in dimension {d}: "
                             f"tensor 0 has shape {tuple(ref)}, tensor {i} has shape "
                             f"{tuple(t.shape)}")
    if len(kept) < len(given):
        # the skipped ones join as empty slices, so that the result requires grad (and
        # their gradient is empty) as in PyTorch
        empty = tuple(0 if k == d else n for k, n in enumerate(ref))
        tensors = [t.reshape(empty) if s else t for t, s in zip(given, skip)]
    tensors = [t if t.dtype == dtype else t.to(dtype) for t in tensors]
    if len(tensors) == 1:
        return tensors[0].clone()
    return Cat.apply(*tensors, dim=d)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Stack same-shaped tensors along a new dim."""
    tensors = require_tensors("stack", tensors)
    dim = _int_arg("stack", "dim", dim)
    if not tensors:
        raise ArgumentError("stack: expects a non-empty TensorList")
    ref = tuple(tensors[0].shape)
    d = normalize_dim(dim, len(ref) + 1, "stack")  # first, as PyTorch
    for i, t in enumerate(tensors):
        if tuple(t.shape) != ref:
            raise ShapeError(f"stack: expects each tensor to be equal size, but got {ref} at "
                             f"entry 0 and {tuple(t.shape)} at entry {i}")
    return _named(_cat([unsqueeze(t, d) for t in tensors], d, "stack"), "Stack", *tensors)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-D)."""
    tensors = require_tensors("hstack", tensors)
    if not tensors:
        raise ArgumentError("hstack: expects a non-empty TensorList")
    tensors = [t.reshape(1) if not t._data.ndim else t for t in tensors]  # atleast_1d
    return _cat(tensors, 0 if tensors[0].ndim == 1 else 1, "hstack")


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 0 (1-D tensors become rows)."""
    tensors = require_tensors("vstack", tensors)
    if not tensors:
        raise ArgumentError("vstack: expects a non-empty TensorList")
    # atleast_2d: a 0-d tensor becomes (1, 1), a 1-D one a row
    return _cat([t.reshape(1, -1) if t._data.ndim < 2 else t for t in tensors], 0, "vstack")


def narrow(input: Tensor, dim: int, start: int | Tensor, length: int) -> Tensor:
    """The slice ``start:start+length`` along ``dim``; a negative ``start`` counts from
    the end, and ``start`` may be a 0-d integer tensor (as PyTorch)."""
    a = input._data
    dim = _int_arg("narrow", "dim", dim)
    if isinstance(start, Tensor):
        if start._data.ndim or start._data.dtype.kind not in "iu":
            raise ArgumentError(f"narrow(): start must be an 0-dim integral Tensor, got shape "
                                f"{tuple(start._data.shape)} and dtype {start._data.dtype}")
        start = int(start._data)
    else:
        start = _int_arg("narrow", "start", start)
    length = _int_arg("narrow", "length", length)
    if not a.ndim:
        raise ShapeError("narrow() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, a.ndim, "narrow")
    size = a.shape[d]
    if not -size <= start <= size:
        raise IndexBoundsError(f"narrow(): start out of range (expected to be in range of "
                               f"[{-size}, {size}], but got {start}) for dimension {d} of "
                               f"input shape {tuple(a.shape)}")
    if start < 0:
        start += size
    if length < 0:
        raise ArgumentError(f"narrow(): length must be non-negative, got {length}")
    if start + length > size:
        raise ArgumentError(f"narrow(): start ({start}) + length ({length}) exceeds dimension "
                            f"size ({size}) of dimension {d} (input shape {tuple(a.shape)}).")
    idx = (slice(None),) * d + (slice(start, start + length),)
    return input[idx]


def split(tensor: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of ``split_size`` (last may be smaller) or of the given sizes."""
    dim = _int_arg("split", "dim", dim)
    if not tensor._data.ndim:
        raise ShapeError("split: expects at least a 1-dimensional tensor (input is 0-d)")
    d = normalize_dim(dim, tensor._data.ndim, "split")
    n = tensor._data.shape[d]
    step = _as_int(split_size_or_sections)
    if step is not None:
        if step < 0:
            raise ArgumentError(f"split: split_size must be non-negative, but got "
                                f"split_size={step}")
        if step == 0 and n:
            raise ArgumentError(f"split: split_size can only be 0 if dimension size is 0, but "
                                f"got dimension size of {n} (dimension {d} of input shape "
                                f"{tuple(tensor._data.shape)})")
        sizes = [min(step, n - s) for s in range(0, n, step)] if step else []
        sizes = sizes or [0]
    else:
        if isinstance(split_size_or_sections, (float, bool, str, type(None))):
            raise TypeError(f"split(): argument 'split_size' must be int or tuple of ints, "
                            f"not {_type_name(split_size_or_sections)}")
        sizes = list(_int_seq("split", "split_sizes", split_size_or_sections))
        if any(s < 0 for s in sizes):
            raise ArgumentError(f"split: split_with_sizes expects split_sizes have only "
                                f"non-negative entries, but got split_sizes={sizes}")
        if sum(sizes) != n:
            raise ArgumentError(f"split: split_with_sizes expects split_sizes to sum exactly to "
                                f"{n} (input tensor's size at dimension {d}), but got "
                                f"split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(tensor, d, start, s))
        start += s
    return tuple(out)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` nearly equal pieces (PyTorch's rule: ceil(n / chunks) each)."""
    chunks = _int_arg("chunk", "chunks", chunks)
    dim = _int_arg("chunk", "dim", dim)
    if not input._data.ndim:
        raise ShapeError("chunk: expects at least a 1-dimensional tensor (input is 0-d)")
    if chunks <= 0:
        raise ArgumentError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim(dim, input._data.ndim, "chunk")
    n = input._data.shape[d]
    if n == 0:  # as PyTorch: `chunks` empty pieces
        return split(input, [0] * chunks, d)
    return split(input, -(-n // chunks), d)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """Tuple of slices along ``dim``, with that dim removed."""
    dim = _int_arg("unbind", "dim", dim)
    _check_has_dims("unbind", input, dim)
    d = normalize_dim(dim, input._data.ndim, "unbind")
    return tuple(input[(slice(None),) * d + (i,)] for i in range(input._data.shape[d]))


class Flip(Op):
    """out = a reversed along ``dims``."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, dims):
        return np.flip(a, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx._inputs[1]), None


def flip(input: Tensor, dims: Dims) -> Tensor:
    """Reverse the order along ``dims`` (a tuple or list of ints; ``Tensor.flip`` also
    takes them unpacked, as PyTorch)."""
    if isinstance(dims, (int, np.integer)):
        raise TypeError(f"flip(): argument 'dims' (position 2) must be tuple of ints, not "
                        f"{type(dims).__name__}")
    dims = _dims_list("flip", "dims", dims)
    ndim = input._data.ndim
    # A 0-d tensor has one dim to name, 0 or -1, as in PyTorch; flipping it is a copy.
    # Each dim is checked in turn, range then repetition (PyTorch: flip(x, (0, 0, 9)) is
    # the repeated 0, flip(x, (9, 0, 0)) the out-of-range 9).
    seen: list[int] = []
    for d in dims:
        n = normalize_dim(d, ndim, "flip")
        if n in seen:
            raise RuntimeError(f"flip: dim {n} appears multiple times in the list of dims "
                               f"{list(dims)}")
        seen.append(n)
    return Flip.apply(input, tuple(sorted(seen)) if ndim else ())


class Pad(Op):
    """out = a padded with a constant; ``widths`` is NumPy's per-dim ((before, after), ...)."""

    complex_ok = True

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
    pad = _int_seq("pad", "pad", pad)
    nd = input._data.ndim
    if len(pad) % 2 or len(pad) // 2 > nd:
        raise ArgumentError(f"pad: padding length must be even and at most 2*ndim ({2 * nd}); "
                            f"got {len(pad)} for input of shape {tuple(input._data.shape)}")
    widths = [(0, 0)] * nd
    for i in range(len(pad) // 2):
        widths[nd - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    crop = any(b < 0 or e < 0 for b, e in widths)
    if crop:
        for k, ((b, e), size) in enumerate(zip(widths, input._data.shape)):
            if size + b + e < 0:
                raise ArgumentError(f"pad: padding ({b}, {e}) of dimension {k} would give a "
                                    f"negative size {size + b + e} (input shape "
                                    f"{tuple(input._data.shape)})")
        idx = tuple(slice(-b if b < 0 else 0, (s + e) if e < 0 else s)
                    for (b, e), s in zip(widths, input._data.shape))
        input = input[idx]
        widths = [(max(b, 0), max(e, 0)) for b, e in widths]
    return Pad.apply(input, tuple(widths), 0.0 if value is None else value)


class Roll(Op):
    """out = a rolled by ``shifts`` along ``dims``."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, shifts, dims):
        return np.roll(a, shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        _, shifts, dims = ctx._inputs
        neg = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        return Roll.apply(grad, neg, dims), None, None


def roll(input: Tensor, shifts: Dims, dims: Dims | None = None) -> Tensor:
    """Roll elements along ``dims`` (flattened when None or empty)."""
    shift = _as_int(shifts)
    seq = _int_seq("roll", "shifts", shifts) if shift is None else (shift,)
    shifts = shift if shift is not None else seq
    if dims is not None:
        dims = _dims_list("roll", "dims", dims)
    n_shifts = len(seq)
    if not n_shifts:
        raise ArgumentError("roll: `shifts` required")
    if not dims:  # None or (): roll the flattened tensor
        if n_shifts != 1:
            raise ArgumentError(f"roll: shifts and dimensions must align. shifts: {n_shifts}, "
                                f"dims: 0")
        return Roll.apply(input, shifts, None)
    if n_shifts != len(dims):
        raise ArgumentError(f"roll: shifts and dimensions must align. shifts: {n_shifts}, "
                            f"dims: {len(dims)}")
    _check_has_dims("roll", input, dims[0])
    dims = tuple(normalize_dim(d, input._data.ndim, "roll") for d in dims)
    return Roll.apply(input, shifts, dims)
