"""The ``"gemm"`` algorithm: im2col, then a GEMM per group; grad-input folds the GEMM's
columns back with col2im. Works for every geometry (the fallback of the others).

With NumPy's OpenBLAS (``_blas.gemm_address``) the batch runs as a pipeline of small
chunks on the native pool's threads, each chunk of samples start to finish on one thread
while its scratch stays in the core's L2 cache: gather the chunk's columns (im2col through
shifted copies of each image plane, :func:`_shifted_planes`), one single-threaded BLAS
GEMM per group called at the CBLAS function's address (``gemm_call``), then write the
chunk's outputs (forward: transposed into ``y``; grad-input: col2im into the chunk's own
samples, each pixel gathering what the GEMM gave the plane elements that read it;
grad-weight: the GEMM writes or accumulates into one of a fixed set of partial sums, which
are added in order and transposed by OpenBLAS's ``omatcopy`` at the end). Whole-batch
passes (im2col of the batch, one multi-threaded GEMM, a transposing copy) moved every
activation through memory three times: the stem of W9 spent 0.47 ms in an im2col that
takes 0.15 ms on a cache-resident buffer (benchmarks/NOTES.md).

Without that library the same arithmetic runs as whole-batch NumPy passes in the "GEMM
layout" ``[C*KH*KW, N, L]``: im2col (a Numba gather, or strided NumPy copies for long
contiguous rows), then ONE ``np.matmul`` per group over all ``N*L`` columns, in batch
chunks whose column buffer stays under :data:`COL_BUDGET_BYTES`.
"""
# ruff: noqa: E741 (O is the output-channel count, as in the conv literature)
from __future__ import annotations

import functools
import threading
from collections.abc import Sequence

import numpy as np

from ...runtime import blas_single_threaded, get_num_threads
from .. import _alloc, _blas
from .._jit import chunk, gemm_call, njit, njit_chunked
from .geometry import Geometry, output_range

__all__ = ["CHUNK_COL_BYTES", "CHUNK_MIN_COLUMNS", "COL_BUDGET_BYTES", "GATHER_MAX_ROW",
           "SCRATCH_CACHE_BYTES", "WEIGHT_GROUPS", "backward_input", "backward_weight", "fold",
           "forward", "transposed_sum", "unfold"]

# Column-buffer budget: the batch is processed in equal chunks whose [C*K, B, L] buffer
# stays under this size. It bounds scratch memory (W6's columns are 75 MB in one piece)
# and keeps the chunks few: small chunks help one thread, but every chunk alternates
# Numba's and OpenBLAS's thread pools. 64 MB (two chunks for W6) was never far from the
# best at any thread setting; figures in benchmarks/NOTES.md.
COL_BUDGET_BYTES = 64 << 20

#: The pipeline's chunks: as many samples as keep one chunk's columns (``C*KH*KW*b*L``
#: elements) under this many bytes, at least one. On a Zen 5 core (1 MB L2) 128 KiB was
#: best or tied at every W8/W9 shape against 256 and 512 KiB; W9's stem forward 0.36 ms at
#: one sample per chunk, 0.45 at four (benchmarks/NOTES.md).
CHUNK_COL_BYTES = 128 << 10
#: ...but at least this many columns (``b*L``): on 4x4 output maps (L = 16) the byte
#: budget alone gave GEMMs 32 columns wide, and DCGAN's 64 -> 128 4x4 stride-2 grad-input
#: took 0.87 ms at 16 columns, 0.61 at 128 (W8 A/B 23.8 -> 22.9 ms).
CHUNK_MIN_COLUMNS = 128
_NO_TRANS, _TRANS = _blas.NO_TRANS, _blas.TRANS
#: Grad-weight sums its chunks in this many fixed groups (one partial sum each), handed
#: out to threads whole, then adds the groups in order: the same bits at any thread count.
WEIGHT_GROUPS = 8

#: im2col gathers through a Numba kernel unless the output rows are contiguous input runs
#: at least this long (stride 1), where NumPy's per-tap slice copies are as fast. The
#: strided and short rows of W8/W9's convs cost NumPy's copy loops a call per row: [32,
#: 64, 8, 8] 4x4 stride 2 0.90-1.65 -> 0.27-0.31 ms (benchmarks/NOTES.md).
GATHER_MAX_ROW = 16


def _im2col(x: np.ndarray, cols: np.ndarray, KH: int, KW: int, g: Geometry) -> None:
    # x[b, C, H, W] -> cols[C*KH*KW, b, OH*OW]. This "GEMM layout" lets each conv stage be
    # ONE large GEMM over all b*L columns instead of b thin ones. Every element of cols is
    # written (zeros where the window hits padding): cols may be uninitialised.
    if g.sw == 1 and g.OW >= GATHER_MAX_ROW:
        _im2col_rows(x, cols, KH, KW, g)
    else:
        b, C, H, W = x.shape
        _im2col_gather(cols, x.reshape(b, C, H * W), _tap_offsets(H, W, KH, KW, g))


def _im2col_rows(x: np.ndarray, cols: np.ndarray, KH: int, KW: int, g: Geometry) -> None:
    # One strided NumPy copy per tap: on long contiguous rows NumPy's copy loops match a
    # Numba kernel and compile nothing (benchmarks/NOTES.md, "Cold start").
    b, C, H, W = x.shape
    taps = cols.reshape(C, KH, KW, b, g.OH, g.OW)
    xt = x.transpose(1, 0, 2, 3)
    for kh in range(KH):
        h0, h1 = output_range(g.pt - kh * g.dh, g.sh, H, g.OH)
        for kw in range(KW):
            w0, w1 = output_range(g.pl - kw * g.dw, g.sw, W, g.OW)
            dst = taps[:, kh, kw]
            if h0 > 0 or h1 < g.OH or w0 > 0 or w1 < g.OW:  # the window meets padding
                dst[:, :, :h0] = 0
                dst[:, :, h1:] = 0
                dst[:, :, h0:h1, :w0] = 0
                dst[:, :, h0:h1, w1:] = 0
            dst[:, :, h0:h1, w0:w1] = xt[:, :, _rows(h0, h1, g.sh, g.pt - kh * g.dh),
                                         _rows(w0, w1, g.sw, g.pl - kw * g.dw)]


@functools.lru_cache(maxsize=64)
def _tap_offsets(H: int, W: int, KH: int, KW: int, g: Geometry) -> np.ndarray:
    """``[KH*KW, OH*OW]`` int32: for tap ``k = kh*KW + kw`` and output pixel ``l = oh*OW +
    ow``, the flat input offset ``ih*W + iw`` it reads, or ``H*W`` (one past the image: a
    zero slot) where the window hits padding."""
    ih = (np.arange(g.OH) * g.sh - g.pt)[None, :, None] + (np.arange(KH) * g.dh)[:, None, None]
    iw = (np.arange(g.OW) * g.sw - g.pl)[None, None, :] + (np.arange(KW) * g.dw)[:, None, None]
    inside = ((ih >= 0) & (ih < H))[:, None, :, :] & ((iw >= 0) & (iw < W))[None, :, :, :]
    flat = np.where(inside, ih[:, None] * W + iw[None, :], H * W)  # [KH, KW, OH, OW]
    offsets = flat.reshape(KH * KW, g.OH * g.OW).astype(np.int32)
    offsets.flags.writeable = False
    return offsets


@njit_chunked
def _im2col_gather(cols, x, offsets, part, parts):
    # cols[c*K + k, n, l] = x[n, c].flat[offsets[k, l]] (0 at the padding slot). Branch
    # free: each (c, n) plane is copied once into a buffer with a trailing zero, then
    # every tap row is a gather from it. Parts own whole (c, n) planes.
    N, C, HW = x.shape
    K, L = offsets.shape
    plane = np.zeros(HW + 1, x.dtype)
    lo, hi = chunk(C * N, part, parts)
    for cn in range(lo, hi):
        c = cn // N
        n = cn - c * N
        src = x[n, c]
        for i in range(HW):  # a loop, not a slice assignment: that one compiles Numba's
            plane[i] = src[i]  # string formatting for its shape error (seconds, cold)
        for k in range(K):
            dst = cols[c * K + k, n]
            taps = offsets[k]
            for i in range(L):
                dst[i] = plane[np.uint32(taps[i])]  # unsigned: no negative-index fix-up


@njit_chunked
def _col2im_scatter(x, cols, offsets, part, parts):
    # Adjoint of _im2col_gather: x[n, c].flat[offsets[k, l]] += cols[c*K + k, n, l], the
    # padding slot collecting what falls outside. Parts own whole x[n, c] planes (no
    # write races); every x element sums its entries in (kh, kw, oh, ow) order.
    N, C, HW = x.shape
    K, L = offsets.shape
    plane = np.empty(HW + 1, x.dtype)
    lo, hi = chunk(C * N, part, parts)
    for cn in range(lo, hi):
        c = cn // N
        n = cn - c * N
        for i in range(HW + 1):
            plane[i] = 0.0
        for k in range(K):
            src = cols[c * K + k, n]
            taps = offsets[k]
            for i in range(L):
                plane[np.uint32(taps[i])] += src[i]
        dst = x[n, c]
        for i in range(HW):  # loops, not slice assignments (see _im2col_gather)
            dst[i] = plane[i]


def _col2im(cols: np.ndarray, x: np.ndarray, KH: int, KW: int, g: Geometry) -> None:
    b, C, H, W = x.shape  # x: C-contiguous, written in place through the flat view
    _col2im_scatter(x.reshape(b, C, H * W), cols, _tap_offsets(H, W, KH, KW, g))


def _rows(lo: int, hi: int, stride: int, offset: int) -> slice:
    """The input indices ``o*stride - offset`` read by outputs ``o`` in ``[lo, hi)``."""
    if hi <= lo:
        return slice(0, 0)
    return slice(lo * stride - offset, (hi - 1) * stride - offset + 1, stride)


def unfold(x: np.ndarray, KH: int, KW: int, g: Geometry) -> np.ndarray:
    """x[N, C, H, W] -> its columns in the GEMM layout ``[C*KH*KW, N, OH*OW]``; row
    ``(c*KH + kh)*KW + kw`` holds ``x[n, c, oh*sh - top + kh*dh, ow*sw - left + kw*dw]``
    (zero outside the image) at ``[:, n, oh*OW + ow]``."""
    N, C = x.shape[0], x.shape[1]
    cols = np.empty((C * KH * KW, N, g.OH * g.OW), dtype=x.dtype)
    _im2col(x, cols, KH, KW, g)
    return cols


def fold(cols: np.ndarray, x_shape: Sequence[int], KH: int, KW: int, g: Geometry) -> np.ndarray:
    """The adjoint of :func:`unfold`: GEMM-layout columns summed back into an
    ``x_shape`` image (overlapping windows add up, padding is dropped)."""
    x = np.empty(tuple(int(s) for s in x_shape), dtype=cols.dtype)
    _col2im(cols, x, KH, KW, g)
    return x


def _batch_chunk(N: int, rows: int, L: int, itemsize: int) -> int:
    """Samples per GEMM chunk: equal chunks whose ``[rows, B, L]`` buffer fits the budget."""
    per_sample = max(1, rows * L * itemsize)
    n_chunks = -(-(N * per_sample) // COL_BUDGET_BYTES)  # ceil
    return max(1, -(-N // max(1, n_chunks)))



# --------------------------------------------------------------------------- the pipeline
# Indices of the pipeline's copy loops, known non-negative: as unsigned ints Numba drops
# its negative-index fix-up and the loops vectorise (a tap's copy 7x faster).
_u = np.uint64


def _plane_bases(W: int, KW: int, g: Geometry) -> tuple[list[int], dict[int, tuple[int, int]]]:
    """Which shifted planes the pipeline builds: ``(bases, of)`` with ``bases`` the kernel
    columns ``kw`` that get planes of their own and ``of[kw] = (i, m)``: column ``kw``
    reads plane ``bases[i]`` shifted by ``m`` output columns. Column ``kw`` reads input
    column ``kw*dw - left + sw*ow``, so two columns whose offsets differ by a multiple
    ``m*sw`` read the same plane ``m`` apart, except at the ``|m|`` outputs per row that
    fall off the plane: a column shares a plane only where those all read the zero padding
    (they are then zeroed, ``fixups``), and only on rows of at least 8 outputs per column
    of shift (on shorter rows the fix-ups cost more than the gather they save). With
    DCGAN's 4x4 stride-2 and ResNet's 3x3 stride-2 convs every input pixel then has one
    reader in the planes, not two."""
    sw, dw, OW, pl = g.sw, g.dw, g.OW, g.pl

    def shift(kb: int, kw: int) -> int | None:
        d = (kw - kb) * dw
        if d % sw:
            return None
        m = d // sw
        if 8 * abs(m) > OW:  # a fix-up per 8 outputs at most: W8's 4x4 maps (OW = 4) lost
            return None
        for ow in range(OW):
            if not 0 <= ow + m < OW and 0 <= kw * dw - pl + sw * ow < W:
                return None  # it would need a pixel the plane does not hold
        return m

    bases: list[int] = []
    of: dict[int, tuple[int, int]] = {}
    left = list(range(KW))
    while left:  # the base that serves the most of the columns left, then the rest
        served = [{kw: m for kw in left if (m := shift(b, kw)) is not None} for b in left]
        best = max(range(len(left)), key=lambda i: len(served[i]))
        for kw, m in served[best].items():
            of[kw] = (len(bases), m)
        bases.append(left[best])
        left = [kw for kw in left if kw not in served[best]]
    return bases, of


@functools.lru_cache(maxsize=64)
def _shifted_planes(H: int, W: int, KH: int, KW: int,
                    g: Geometry) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pipeline's gather/scatter tables ``(index, readers, taps, fixups)``.

    An image plane is copied into "shifted planes" of ``PH x OW`` (``PH = OH + (KH-1)*dh //
    sh``), ``sh`` per base column of :func:`_plane_bases`: plane ``(ry, kb)`` holds, at
    ``[a, ow]``, the input pixel at row ``ry + sh*a - top``, column ``kb*dw - left +
    sw*ow``, 0 outside the image. Tap ``(kh, kw)``'s im2col row is then ONE contiguous run
    of ``OH*OW``: plane ``((kh*dh) % sh, base of kw)`` from its row ``(kh*dh) // sh``,
    shifted by the column's ``m``, with the ``fixups`` (outputs that fell off the plane's
    rows, all reading padding) zeroed. The planes hold fewer elements than the
    ``KH*KW*OH*OW`` columns, so the one gather through a table left is shorter, and the tap
    copies vectorise: the im2col of W9's stem 6.3 -> 3.8 us a sample, one thread, with a
    plane per kernel column; W8's 4x4 stride-2 convs need two per ``ry`` instead of four
    (benchmarks/NOTES.md).

    ``index``: int32, per element of the planes (after ``guard`` leading zero elements, so
    that a run shifted left stays in the buffer) the flat offset ``ih*W + iw`` it reads, or
    ``H*W`` (a zero slot past the image); ``readers``: int32 ``[E, H*W]`` flattened, per
    pixel the plane elements that read it in increasing order, padded with ``len(index)``
    (a zero slot past the planes), for col2im's gather; ``taps[kh*KW + kw]``: the run's
    start; ``fixups``: int64 ``[F, 2]``, the ``(tap, run position)`` pairs to zero."""
    sh, sw, dh, dw = g.sh, g.sw, g.dh, g.dw
    OH, OW = g.OH, g.OW
    PH = OH + (KH - 1) * dh // sh
    bases, of = _plane_bases(W, KW, g)
    nb = len(bases)
    guard = max(0, -min(m for _, m in of.values()))
    ih = (np.arange(sh)[:, None] + sh * np.arange(PH)[None, :] - g.pt)[:, None, :, None]
    iw = (np.array(bases)[:, None] * dw - g.pl + sw * np.arange(OW)[None, :])[None, :, None, :]
    inside = (ih >= 0) & (ih < H) & (iw >= 0) & (iw < W)         # [sh, nb, PH, OW]
    index = np.concatenate([np.full(guard, H * W),
                            np.where(inside, ih * W + iw, H * W).ravel()]).astype(np.int32)
    taps = np.array([guard + (((kh * dh) % sh) * nb + of[kw][0]) * PH * OW
                     + (kh * dh) // sh * OW + of[kw][1]
                     for kh in range(KH) for kw in range(KW)], dtype=np.int64)
    ow = np.arange(OW)
    fix = [(np.arange(OH)[:, None] * OW + ow[~((ow + of[kw][1] >= 0) & (ow + of[kw][1] < OW))]
            [None, :]).ravel() for kh in range(KH) for kw in range(KW)]
    fixups = np.array([(k, p) for k, f in enumerate(fix) for p in f],
                      dtype=np.int64).reshape(-1, 2)
    P, HW = index.size, H * W
    inside_at = np.flatnonzero(index < HW)               # plane elements in the image
    order = inside_at[np.argsort(index[inside_at], kind="stable")]
    counts = np.bincount(index[inside_at], minlength=HW)
    E = max(1, int(counts.max(initial=0)))
    by_pixel = np.full((HW, E), P, dtype=np.int32)
    slot = np.arange(order.size) - np.repeat(np.cumsum(counts) - counts, counts)
    by_pixel[index[order], slot] = order
    readers = np.ascontiguousarray(by_pixel.T).ravel()  # [E, H*W]: vectorised over pixels
    for table in (index, readers, taps, fixups):
        table.flags.writeable = False
    return index, readers, taps, fixups


@njit(nogil=True, error_model="numpy", inline="always")
def _gather_chunk(x, cols, work, index, taps, fixups, L, s, b):
    """cols[c*K + k, n*L + l] = the input pixel tap ``k`` reads for output ``l`` of sample
    ``s + n``, 0 in the padding: the shifted planes (:func:`_shifted_planes`) of each
    (sample, channel) plane, then one contiguous copy per tap and its fix-ups. ``work``:
    scratch of at least ``len(index) + H*W + 1``."""
    C, HW = x.shape[1], x.shape[2]
    K, P = taps.shape[0], index.shape[0]
    for c in range(C):
        for n in range(b):
            for i in range(HW):  # the plane, then its zero slot work[P + HW]
                work[_u(P + i)] = x[s + n, c, _u(i)]
            work[P + HW] = 0.0
            for i in range(P):
                work[_u(i)] = work[_u(P + index[i])]
            o = n * L
            for k in range(K):
                r, t = c * K + k, taps[k]
                for i in range(L):
                    cols[r, _u(o + i)] = work[_u(t + i)]
            for f in range(fixups.shape[0]):  # outputs that fell off a shared plane: padding
                cols[c * K + fixups[f, 0], _u(o + fixups[f, 1])] = 0.0


@njit(nogil=True, error_model="numpy", inline="always")
def _gather_grad(gy, g2, s, b):
    """g2[o, n*L + l] = gy[s + n, o, l]: the chunk's output gradient, channel-major."""
    O, L = gy.shape[1], gy.shape[2]
    for n in range(b):
        for o in range(O):
            src = gy[s + n, o]
            dst = g2[o]
            for i in range(L):
                dst[n * L + i] = src[i]


@njit(nogil=True, error_model="numpy", inline="always")
def _write_outputs(out, y, s, b):
    """y[s + n, o, l] = out[o, n*L + l]: a forward chunk's GEMM output, back in the
    batch-major layout."""
    O, L = y.shape[1], y.shape[2]
    for n in range(b):
        for o in range(O):
            src = out[o]
            dst = y[s + n, o]
            for i in range(L):
                dst[i] = src[n * L + i]


@njit(nogil=True, error_model="numpy", inline="always")
def _scatter_chunk(gcols, gx, work, readers, taps, fixups, P, L, s, b):
    """col2im of a chunk, the adjoint of :func:`_gather_chunk`: each tap's row (its
    fix-ups, gradients of padding, dropped) added onto its run of the shifted planes (``P``
    elements), in tap order, then each pixel the sum of the plane elements that read it
    (``readers``), in plane order. A gather: the scatter-add it replaced (one
    read-modify-write per plane element) was slower."""
    C, HW = gx.shape[1], gx.shape[2]
    K = taps.shape[0]
    E = readers.shape[0] // HW
    for c in range(C):
        for n in range(b):
            for i in range(P + 1):  # the planes and their zero slot
                work[_u(i)] = 0.0
            o = n * L
            for f in range(fixups.shape[0]):  # gradients of padding: dropped
                gcols[c * K + fixups[f, 0], _u(o + fixups[f, 1])] = 0.0
            for k in range(K):
                r, t = c * K + k, taps[k]
                for i in range(L):
                    work[_u(t + i)] += gcols[r, _u(o + i)]
            dst = gx[s + n, c]
            for e in range(E):  # in plane order: per pass one reader of every pixel
                for q in range(HW):
                    v = work[_u(readers[e * HW + q])]
                    dst[_u(q)] = v if e == 0 else dst[_u(q)] + v


_FORWARD, _INPUT_GRAD, _WEIGHT_GRAD = 0, 1, 2
_NO_BIAS = {"f": np.zeros(1, np.float32), "d": np.zeros(1, np.float64)}


@njit_chunked(error_model="numpy")
def _pipeline(mode, a, b, out, bias, has_bias, index, readers, taps, fixups, L, groups, B,
              gemm, cols_s, mat_s, work_s, part, parts):
    # One kernel for the three passes (one compilation: the passes share the gather and
    # the GEMM calls). Chunk j = samples [j*B, j*B + B).
    #   forward:     a = x[N, C, HW], b = w[1, O, Cg*K], out = y[N, O, L]
    #   input grad:  a = gy[N, O, L], b = w[1, O, Cg*K], out = gx[N, C, HW]
    #   weight grad: a = x[N, C, HW], b = gy[N, O, L],   out = gwt[R, G*Cg*K, Og], partial
    #                sum r: chunks [r*count/R, (r+1)*count/R), the first written, the rest added
    N = a.shape[0]
    O = b.shape[1]
    GCgK = out.shape[1] if mode == _WEIGHT_GRAD else b.shape[2] * groups
    CgK, Og = GCgK // groups, O // groups
    count = -(-N // B)
    slots = min(parts, cols_s.shape[0])
    if part >= slots:
        return
    cols = cols_s[part]    # im2col columns, or grad-input's GEMM output (first G*Cg*K rows)
    mat = mat_s[part]      # the forward's GEMM output, or gy channel-major (first O rows)
    work = work_s[part]    # one image plane's shifted planes (_shifted_planes), the plane
    one, zero = a.dtype.type(1), a.dtype.type(0)
    beta = one if has_bias else zero
    isz = a.itemsize
    cp, mp, wp = cols.ctypes.data, mat.ctypes.data, b.ctypes.data
    # work items: chunks, or for grad-weight the partial sums (each a fixed run of chunks).
    # Every helper is called from one place and inlined by Numba (``inline="always"``):
    # compiled once, here (as separate functions they cost 1.29 instead of 0.92 s cold)
    items = out.shape[0] if mode == _WEIGHT_GRAD else count
    lo, hi = chunk(items, part, slots)
    for item in range(lo, hi):
        if mode == _WEIGHT_GRAD:
            j0, j1 = item * count // items, (item + 1) * count // items
        else:
            j0, j1 = item, item + 1
        for j in range(j0, j1):
            s = j * B
            nb = min(B, N - s)
            if mode != _INPUT_GRAD:
                _gather_chunk(a, cols, work, index, taps, fixups, L, s, nb)
            if mode != _FORWARD:
                _gather_grad(b if mode == _WEIGHT_GRAD else a, mat, s, nb)
            elif has_bias:  # the GEMM adds onto the bias (beta = 1)
                for o in range(O):
                    bo = bias[o]
                    row = mat[o]
                    for i in range(nb * L):
                        row[i] = bo
            for gi in range(groups):
                if mode == _FORWARD:  # mat[group] = w[group] @ cols[group] (+ bias)
                    gemm_call(gemm, _NO_TRANS, _NO_TRANS, Og, nb * L, CgK, one,
                              wp + gi * Og * CgK * isz, CgK, cp + gi * CgK * B * L * isz,
                              B * L, beta, mp + gi * Og * B * L * isz, B * L)
                elif mode == _INPUT_GRAD:  # cols[group] = w[group]^T @ mat[group]
                    gemm_call(gemm, _TRANS, _NO_TRANS, CgK, nb * L, Og, one,
                              wp + gi * Og * CgK * isz, CgK, mp + gi * Og * B * L * isz,
                              B * L, zero, cp + gi * CgK * B * L * isz, B * L)
                else:  # out[item][group] (+)= cols[group] @ mat[group]^T
                    gemm_call(gemm, _NO_TRANS, _TRANS, CgK, Og, nb * L, one,
                              cp + gi * CgK * B * L * isz, B * L,
                              mp + gi * Og * B * L * isz, B * L, zero if j == j0 else one,
                              out[item].ctypes.data + gi * CgK * Og * isz, Og)
            if mode == _FORWARD:
                _write_outputs(mat, out, s, nb)
            elif mode == _INPUT_GRAD:
                _scatter_chunk(cols, out, work, readers, taps, fixups, index.shape[0], L, s,
                               nb)


_scratch_cache = threading.local()
#: At most this many bytes of scratch stay cached per user thread (least recently used go
#: first); a larger set (a huge layer: one sample's columns can be tens of MB) is not kept.
SCRATCH_CACHE_BYTES = 32 << 20


def _scratch(rows: int, O: int, B: int, L: int, planes: int,
             dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_pipeline`'s per-thread scratch (columns, a GEMM-sized matrix, ``planes``
    elements of shifted planes and image plane), one
    slice per pool thread, kept per user thread and geometry and reused call after call.
    Reuse keeps each slice in the cache of the thread that works on it: scratch from the
    recycled allocator, last touched by other threads, made the pipeline up to 30% slower,
    and allocating inside the kernel cost 0.35 s of compile time on a cold start. A spare
    row per slice keeps the threads' slices off each other's cache lines."""
    slots = max(1, get_num_threads())
    key = (rows, O, B * L, planes, np.dtype(dtype).char, slots)
    cache = getattr(_scratch_cache, "entries", None)
    if cache is None:
        cache = _scratch_cache.entries = {}
    hit = cache.pop(key, None)
    if hit is not None:
        cache[key] = hit  # the most recently used now
        return hit
    hit = (np.empty((slots, rows + 1, B * L), dtype), np.empty((slots, O + 1, B * L), dtype),
           np.empty((slots, planes + 17), dtype))
    size = sum(a.nbytes for a in hit)
    if size <= SCRATCH_CACHE_BYTES:
        while cache and size + sum(a.nbytes for e in cache.values() for a in e) > SCRATCH_CACHE_BYTES:
            cache.pop(next(iter(cache)))  # the least recently used
        cache[key] = hit
    return hit


def _chunk_samples(N: int, CK: int, L: int, itemsize: int) -> int:
    """Samples per pipeline chunk: columns under :data:`CHUNK_COL_BYTES`, but at least
    :data:`CHUNK_MIN_COLUMNS` columns (and one sample)."""
    fit = CHUNK_COL_BYTES // max(1, CK * L * itemsize)
    return max(1, min(N, max(fit, -(-CHUNK_MIN_COLUMNS // max(1, L)))))


def transposed_sum(parts: np.ndarray, groups: int) -> np.ndarray:
    """Grad-weight's fixed partial sums ``parts[R, G*CgK, Og]`` added in order (the same
    bits at any thread count), each group's ``[CgK, Og]`` then transposed by OpenBLAS's
    ``omatcopy`` (NumPy's transposing copy where it is absent): ``[G, Og, CgK]``."""
    total = parts[0]
    for k in range(1, parts.shape[0]):
        total += parts[k]
    CgK, Og = total.shape[0] // groups, total.shape[1]
    out = np.empty((groups, Og, CgK), dtype=total.dtype)
    by_group = total.reshape(groups, CgK, Og)
    for gi in range(groups):
        if not _blas.transpose_into(by_group[gi], out[gi]):
            out[gi] = by_group[gi].T
    return out


def forward(x: np.ndarray, w: np.ndarray, g: Geometry, groups: int,
            bias: np.ndarray | None) -> np.ndarray:
    """y[N, O, OH, OW] = conv2d(x, w) (+ bias[o], added while y is written)."""
    N, C, H, W = x.shape
    O, Cg, KH, KW = w.shape
    G, Og, L, CgK = groups, O // groups, g.OH * g.OW, Cg * KH * KW
    y = _alloc.empty((N, O, g.OH, g.OW), x.dtype)
    gemm = _blas.gemm_address(x.dtype)
    if gemm is not None:
        has_bias = bias is not None
        b = bias if has_bias else _NO_BIAS[x.dtype.char]
        B = _chunk_samples(N, C * KH * KW, L, x.itemsize)
        index, readers, taps, fixups = _shifted_planes(H, W, KH, KW, g)
        with blas_single_threaded():
            _pipeline(_FORWARD, x.reshape(N, C, H * W), w.reshape(1, O, CgK), y.reshape(N, O, L),
                      b, has_bias, index, readers, taps, fixups, L, G, B, gemm,
                      *_scratch(C * KH * KW, O, B, L, index.size + H * W, x.dtype))
        return y
    wg = w.reshape(G, Og, CgK)
    B = _batch_chunk(N, C * KH * KW, L, x.itemsize)
    cols = _alloc.empty((C * KH * KW, B, L), x.dtype)
    out = _alloc.empty((G, Og, B * L), x.dtype)
    y3 = y.reshape(N, O, L)
    for s in range(0, N, B):
        b = min(B, N - s)
        c = cols if b == B else _alloc.empty((C * KH * KW, b, L), x.dtype)
        o = out if b == B else _alloc.empty((G, Og, b * L), x.dtype)
        _im2col(x[s:s + b], c, KH, KW, g)
        # [G, Og, Cg*K] @ [G, Cg*K, b*L] -> [G, Og, b*L] == [O, b, L]: one GEMM per group
        np.matmul(wg, c.reshape(G, CgK, b * L), out=o)
        if bias is None:
            y3[s:s + b] = o.reshape(O, b, L).transpose(1, 0, 2)
        else:
            np.add(o.reshape(O, b, L).transpose(1, 0, 2), bias.reshape(O, 1), out=y3[s:s + b])
    return y


def backward_input(gy: np.ndarray, w: np.ndarray, x_shape: Sequence[int], g: Geometry,
                   groups: int) -> np.ndarray:
    """gx[N, C, H, W]: the GEMM ``w^T @ gy`` per group, folded back with col2im."""
    N, C, H, W = (int(s) for s in x_shape)
    O, Cg, KH, KW = w.shape
    G, Og, L, CgK = groups, O // groups, g.OH * g.OW, Cg * KH * KW
    gx = _alloc.empty((N, C, H, W), gy.dtype)
    gemm = _blas.gemm_address(gy.dtype)
    if gemm is not None:
        B = _chunk_samples(N, C * KH * KW, L, gy.itemsize)
        index, readers, taps, fixups = _shifted_planes(H, W, KH, KW, g)
        with blas_single_threaded():
            _pipeline(_INPUT_GRAD, gy.reshape(N, O, L), w.reshape(1, O, CgK),
                      gx.reshape(N, C, H * W), _NO_BIAS[gy.dtype.char], False,
                      index, readers, taps, fixups, L, G, B, gemm,
                      *_scratch(C * KH * KW, O, B, L, index.size + H * W, gy.dtype))
        return gx
    wgT = w.reshape(G, Og, CgK).transpose(0, 2, 1)  # BLAS reads the transpose in place
    B = _batch_chunk(N, C * KH * KW, L, gy.itemsize)
    gcols = _alloc.empty((G, CgK, B * L), gy.dtype)
    gyt = _alloc.empty((O, B, L), gy.dtype)
    gy3 = gy.reshape(N, O, L)
    for s in range(0, N, B):
        b = min(B, N - s)
        g2 = gyt if b == B else _alloc.empty((O, b, L), gy.dtype)
        gc = gcols if b == B else _alloc.empty((G, CgK, b * L), gy.dtype)
        g2[...] = gy3[s:s + b].transpose(1, 0, 2)
        # [G, Cg*K, Og] @ [G, Og, b*L] -> [G, Cg*K, b*L] == GEMM-layout columns [C*K, b, L]
        np.matmul(wgT, g2.reshape(G, Og, b * L), out=gc)
        _col2im(gc.reshape(C * KH * KW, b, L), gx[s:s + b], KH, KW, g)
    return gx


def backward_weight(x: np.ndarray, gy: np.ndarray, w_shape: Sequence[int], g: Geometry,
                    groups: int) -> np.ndarray:
    """gw[O, C // groups, KH, KW]: the GEMM ``gy @ cols^T`` per group (the batch sum is
    inside the GEMM), computed as its transpose ``cols @ gy^T``: OpenBLAS runs that
    orientation (the row-major product ``[C*K, O]`` tall, the channel count as its width)
    1.2-1.4x faster on W8's and W9's shapes (benchmarks/NOTES.md)."""
    N, C, H, W = x.shape
    O, Cg, KH, KW = (int(s) for s in w_shape)
    G, Og, L, CgK = groups, O // groups, g.OH * g.OW, Cg * KH * KW
    gemm = _blas.gemm_address(x.dtype)
    if gemm is not None and N > 0:  # (no samples: no chunk writes the sums; zeros below)
        B = _chunk_samples(N, C * KH * KW, L, x.itemsize)
        # every partial sum is written by its first chunk: uninitialised (recycled) memory
        parts = _alloc.empty((min(max(1, -(-N // B)), WEIGHT_GROUPS), G * CgK, Og), x.dtype)
        index, readers, taps, fixups = _shifted_planes(H, W, KH, KW, g)
        with blas_single_threaded():
            _pipeline(_WEIGHT_GRAD, x.reshape(N, C, H * W), gy.reshape(N, O, L), parts,
                      _NO_BIAS[x.dtype.char], False, index, readers, taps, fixups, L, G, B,
                      gemm,
                      *_scratch(C * KH * KW, O, B, L, index.size + H * W, x.dtype))
        return transposed_sum(parts, G).reshape(O, Cg, KH, KW)
    B = _batch_chunk(N, C * KH * KW, L, x.itemsize)
    cols = _alloc.empty((C * KH * KW, B, L), x.dtype)
    gyt = _alloc.empty((O, B, L), x.dtype)
    gy3 = gy.reshape(N, O, L)
    gwt = np.zeros((G, CgK, Og), dtype=x.dtype)
    part = np.empty((G, CgK, Og), dtype=x.dtype)
    for s in range(0, N, B):
        b = min(B, N - s)
        c = cols if b == B else _alloc.empty((C * KH * KW, b, L), x.dtype)
        g2 = gyt if b == B else _alloc.empty((O, b, L), x.dtype)
        _im2col(x[s:s + b], c, KH, KW, g)
        g2[...] = gy3[s:s + b].transpose(1, 0, 2)
        # [G, Cg*K, b*L] @ [G, b*L, Og] -> [G, Cg*K, Og]: the batch sum is inside the GEMM
        np.matmul(c.reshape(G, CgK, b * L), g2.reshape(G, Og, b * L).transpose(0, 2, 1), out=part)
        gwt += part
    return np.ascontiguousarray(gwt.transpose(0, 2, 1)).reshape(O, Cg, KH, KW)
