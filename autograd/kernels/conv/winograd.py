"""The ``"winograd"`` algorithm: Winograd F(2x2, 3x3) for 3x3 kernels, stride 1,
dilation 1, groups 1, padding 0..2.

A 3x3 convolution computed on 2x2 output tiles needs 16 multiplications per tile and
channel pair instead of 36 (Lavin & Gray, "Fast Algorithms for Convolutional Neural
Networks", 2015). For one 4x4 input tile ``d`` and one 3x3 kernel ``g``::

    y (2x2) = A^T [ (G g G^T) * (B^T d B) ] A          (* elementwise, 4x4)

    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    G   = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]

Summed over input channels, each of the 16 elementwise products is a GEMM over channels,
``M[xi] = U[xi] @ V[xi]`` with ``U[xi][O, C]`` the transformed weights and ``V[xi][C, T]``
the transformed input tiles. Both gradients keep that form:

* grad-input is the forward on ``gy`` with the flipped, channel-transposed kernel and
  padding ``2 - pad`` (so the path needs ``0 <= pad <= 2`` on every side);
* grad-weight is ``dw = G^T dU G`` with ``dU[xi] = sum_T dM[xi] @ V[xi]^T``, where
  ``dM = A dY A^T`` per tile is the adjoint of the output transform.

Execution: tiles are processed in chunks of whole tile rows small enough that a chunk's
transformed tiles (``16 x (C + O) x tiles``) stay in the core's L2 cache. One chunked
kernel call (``njit_chunked``, on the native pool's threads) gives each thread a run of
chunks; it runs the whole pipeline on each: input transform, 16 single-threaded BLAS
GEMMs called at the CBLAS function's address (``gemm_call``), output transform.
Whole-tensor passes were memory-bound, 16 ctypes calls per chunk from Python queued the
threads on the GIL, and the Python worker pool's round trip cost 0.15-0.3 ms per call
(figures in benchmarks/NOTES.md). Scratch: about 1 MB per thread.

The 16 transformed planes of a chunk are spaced by a few cache lines more than their
size: at exactly ``C * tiles`` elements apart (a multiple of 4 KiB) all 16 streams of a
transform map to the same L1 sets, and the input transform ran about 5x slower.

The transforms only add, subtract and halve, so float32 results stay within a few ulps of
the direct sum: on W6's shapes the largest difference to the direct convolution is below
1e-6 of the output's scale.

Tiles: tile row ``r = n * TH + th`` holds tiles ``(n, th, 0..TW-1)``; tile ``(n, th, tw)``
reads the 4x4 input window at row ``2*th - pad_top``, column ``2*tw - pad_left`` (zeros
outside the image) and produces outputs ``[2*th : 2*th+2, 2*tw : 2*tw+2]``, cropped to
``[OH, OW]``.
"""
# ruff: noqa: E741 (O is the output-channel count, as in the conv literature)
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...runtime import blas_single_threaded
from .. import _alloc, _blas
from .._jit import chunk, gemm_call, njit, njit_chunked
from .geometry import Geometry

__all__ = ["backward_input", "backward_weight", "forward", "supports"]


# Bytes of one chunk's transformed tiles (input and output planes together): half the
# 2 MB L2 of this machine's cores (chunk sizes from 64 to 1024 tiles were measured;
# figures in benchmarks/NOTES.md).
_CHUNK_BYTES = 1 << 20
_MIN_CHUNK_TILES = 32
_PLANE_PAD = 16  # elements between planes, see the module docstring
_NO_TRANS, _TRANS = _blas.NO_TRANS, _blas.TRANS
# Grad-weight sums its chunks in this many fixed groups (one [16, O, C] partial sum each),
# handed out to threads like the forward's chunks: fine enough to balance 2 threads when
# one core is slowed, and the sum order never depends on the threads.
_WEIGHT_GROUPS = 8


def supports(g: Geometry, groups: int, KH: int, KW: int) -> bool:
    """Whether this path computes the geometry: 3x3, stride 1, dilation 1, groups 1 and
    pads ``(top, bottom, left, right)`` in 0..2. It also needs
    :func:`autograd.kernels._blas.gemm_fn`."""
    return (KH == 3 and KW == 3 and groups == 1 and g.stride == (1, 1)
            and g.dilation == (1, 1) and all(0 <= p <= 2 for p in g.pads))


# --------------------------------------------------------------------------- transforms
@njit(nogil=True)
def _input_tiles(x, V, row0, row1, pt, pl, TH, TW, cs, js):
    """Tile rows ``[row0, row1)`` of x[N, C, H, W] -> planes ``V[xi, c*cs + j*js]`` = B^T d B
    (``cs, js = tc, 1``: each plane a [C, tc] matrix; ``1, C``: a [tc, C] one)."""
    N, C, H, W = x.shape
    L = 2 * TW + 2
    rows = np.empty((4, L), dtype=x.dtype)
    t = np.empty((4, L), dtype=x.dtype)
    for r in range(row0, row1):
        n = r // TH
        top = 2 * (r - n * TH) - pt
        j0 = (r - row0) * TW
        for c in range(C):
            for i in range(4):
                h = top + i
                if 0 <= h < H:
                    for k in range(L):
                        q = k - pl
                        rows[i, k] = x[n, c, h, q] if 0 <= q < W else 0.0
                else:
                    for k in range(L):
                        rows[i, k] = 0.0
            for k in range(L):  # B^T d: combinations of the four rows
                t[0, k] = rows[0, k] - rows[2, k]
                t[1, k] = rows[1, k] + rows[2, k]
                t[2, k] = rows[2, k] - rows[1, k]
                t[3, k] = rows[1, k] - rows[3, k]
            base = c * cs + j0 * js
            for tw in range(TW):  # (B^T d) B: the same combinations of columns 2tw..2tw+3
                k = 2 * tw
                j = base + tw * js
                for i in range(4):
                    V[4 * i, j] = t[i, k] - t[i, k + 2]
                    V[4 * i + 1, j] = t[i, k + 1] + t[i, k + 2]
                    V[4 * i + 2, j] = t[i, k + 2] - t[i, k + 1]
                    V[4 * i + 3, j] = t[i, k + 1] - t[i, k + 3]


@njit(nogil=True)
def _output_tiles(M, y, row0, row1, bias, has_bias, TH, TW, tc):
    """Planes ``M[xi, o*tc + j]`` of tile rows ``[row0, row1)`` -> y[N, O, OH, OW] = A^T m A
    (+ bias[o]), cropped to the output."""
    N, O, OH, OW = y.shape
    y0 = np.empty(2 * TW, dtype=y.dtype)
    y1 = np.empty(2 * TW, dtype=y.dtype)
    for r in range(row0, row1):
        n = r // TH
        h = 2 * (r - n * TH)
        j0 = (r - row0) * TW
        for o in range(O):
            bo = bias[o] if has_bias else 0.0
            base = o * tc + j0
            for tw in range(TW):
                j = base + tw
                # A^T m: rows m0 + m1 + m2 and m1 - m2 - m3 of the 4x4 tile
                r0 = M[0, j] + M[4, j] + M[8, j]
                r1 = M[1, j] + M[5, j] + M[9, j]
                r2 = M[2, j] + M[6, j] + M[10, j]
                r3 = M[3, j] + M[7, j] + M[11, j]
                s0 = M[4, j] - M[8, j] - M[12, j]
                s1 = M[5, j] - M[9, j] - M[13, j]
                s2 = M[6, j] - M[10, j] - M[14, j]
                s3 = M[7, j] - M[11, j] - M[15, j]
                y0[2 * tw] = r0 + r1 + r2 + bo
                y0[2 * tw + 1] = r1 - r2 - r3 + bo
                y1[2 * tw] = s0 + s1 + s2 + bo
                y1[2 * tw + 1] = s1 - s2 - s3 + bo
            for k in range(OW):
                y[n, o, h, k] = y0[k]
            if h + 1 < OH:
                for k in range(OW):
                    y[n, o, h + 1, k] = y1[k]


@njit(nogil=True)
def _output_tiles_adjoint(gy, dM, row0, row1, TH, TW, cs, js):
    """gy[N, O, OH, OW] of tile rows ``[row0, row1)`` -> planes ``dM[xi, o*cs + j*js]`` =
    A dY A^T (the adjoint of :func:`_output_tiles`; outputs past the edge count as 0)."""
    N, O, OH, OW = gy.shape
    g0 = np.zeros(2 * TW, dtype=gy.dtype)  # entries past OW stay zero
    g1 = np.zeros(2 * TW, dtype=gy.dtype)
    for r in range(row0, row1):
        n = r // TH
        h = 2 * (r - n * TH)
        j0 = (r - row0) * TW
        for o in range(O):
            for k in range(OW):
                g0[k] = gy[n, o, h, k]
            if h + 1 < OH:
                for k in range(OW):
                    g1[k] = gy[n, o, h + 1, k]
            else:
                for k in range(OW):
                    g1[k] = 0.0
            base = o * cs + j0 * js
            for tw in range(TW):
                j = base + tw * js
                a0, a1 = g0[2 * tw], g0[2 * tw + 1]
                b0, b1 = g1[2 * tw], g1[2 * tw + 1]
                # A dY: rows dY0, dY0 + dY1, dY0 - dY1, -dY1; then the same on columns
                p0, p1 = a0 + b0, a1 + b1
                q0, q1 = a0 - b0, a1 - b1
                dM[0, j] = a0
                dM[1, j] = a0 + a1
                dM[2, j] = a0 - a1
                dM[3, j] = -a1
                dM[4, j] = p0
                dM[5, j] = p0 + p1
                dM[6, j] = p0 - p1
                dM[7, j] = -p1
                dM[8, j] = q0
                dM[9, j] = q0 + q1
                dM[10, j] = q0 - q1
                dM[11, j] = -q1
                dM[12, j] = -b0
                dM[13, j] = -b0 - b1
                dM[14, j] = b1 - b0
                dM[15, j] = b1


@njit(nogil=True)
def _weight_tiles(w, U):
    """w[O, C, 3, 3] -> U[16, O, C]: G g G^T of every 3x3 kernel g."""
    O, C = w.shape[:2]
    t = np.empty((4, 3), dtype=w.dtype)
    for o in range(O):
        for c in range(C):
            for k in range(3):  # G g: rows g0, (g0 + g1 + g2)/2, (g0 - g1 + g2)/2, g2
                g0, g1, g2 = w[o, c, 0, k], w[o, c, 1, k], w[o, c, 2, k]
                t[0, k] = g0
                t[1, k] = 0.5 * (g0 + g1 + g2)
                t[2, k] = 0.5 * (g0 - g1 + g2)
                t[3, k] = g2
            for i in range(4):  # (G g) G^T: the same on columns
                g0, g1, g2 = t[i, 0], t[i, 1], t[i, 2]
                U[4 * i, o, c] = g0
                U[4 * i + 1, o, c] = 0.5 * (g0 + g1 + g2)
                U[4 * i + 2, o, c] = 0.5 * (g0 - g1 + g2)
                U[4 * i + 3, o, c] = g2


@njit(nogil=True)
def _weight_tiles_adjoint(dU, gw):
    """dU[16, O, C] -> gw[O, C, 3, 3] = G^T du G (the adjoint of :func:`_weight_tiles`)."""
    O, C = gw.shape[:2]
    t = np.empty((3, 4), dtype=gw.dtype)
    for o in range(O):
        for c in range(C):
            for j in range(4):  # G^T du: rows u0 + (u1 + u2)/2, (u1 - u2)/2, (u1 + u2)/2 + u3
                u0, u1, u2, u3 = dU[j, o, c], dU[4 + j, o, c], dU[8 + j, o, c], dU[12 + j, o, c]
                t[0, j] = u0 + 0.5 * (u1 + u2)
                t[1, j] = 0.5 * (u1 - u2)
                t[2, j] = 0.5 * (u1 + u2) + u3
            for i in range(3):  # (G^T du) G: the same on columns
                u0, u1, u2, u3 = t[i, 0], t[i, 1], t[i, 2], t[i, 3]
                gw[o, c, i, 0] = u0 + 0.5 * (u1 + u2)
                gw[o, c, i, 1] = 0.5 * (u1 - u2)
                gw[o, c, i, 2] = 0.5 * (u1 + u2) + u3


@njit(nogil=True)
def _conv_rows(x, U, V, M, y, bias, has_bias, row0, row1, pt, pl, TH, TW, tc, gemm):
    """One chunk of :func:`_conv`: tile rows ``[row0, row1)`` through input transform,
    16 GEMMs (``gemm`` is the CBLAS function's address, see ``gemm_call``) and output
    transform, in one GIL-free call (16 separate ctypes calls cost about 2 us of
    GIL-held Python each)."""
    O, C = U.shape[1], U.shape[2]
    nt = (row1 - row0) * TW
    _input_tiles(x, V, row0, row1, pt, pl, TH, TW, tc, 1)
    up, vp, mp = U.ctypes.data, V.ctypes.data, M.ctypes.data
    us, vs, ms = O * C * U.itemsize, V.shape[1] * V.itemsize, M.shape[1] * M.itemsize
    one, zero = U.dtype.type(1), U.dtype.type(0)
    for xi in range(16):  # M[xi][O, nt] = U[xi][O, C] @ V[xi][C, nt]
        gemm_call(gemm, _NO_TRANS, _NO_TRANS, O, nt, C, one, up + xi * us, C,
                  vp + xi * vs, tc, zero, mp + xi * ms, tc)
    _output_tiles(M, y, row0, row1, bias, has_bias, TH, TW, tc)


@njit(nogil=True)
def _weight_grad_rows(x, gy, V, dM, dU, row0, row1, pt, pl, TH, TW, gemm):
    """One chunk of grad-weight: ``dU[xi] += dM[xi]^T @ V[xi]`` over tile rows
    ``[row0, row1)``, on tile-major planes (``[nt, C]`` and ``[nt, O]``): the GEMM is then
    A^T B, which OpenBLAS ran 10-15% faster here than A B^T on ``[C, nt]`` planes
    (figures in benchmarks/NOTES.md)."""
    O, C = dU.shape[1], dU.shape[2]
    nt = (row1 - row0) * TW
    _input_tiles(x, V, row0, row1, pt, pl, TH, TW, 1, C)
    _output_tiles_adjoint(gy, dM, row0, row1, TH, TW, 1, O)
    up, vp, mp = dU.ctypes.data, V.ctypes.data, dM.ctypes.data
    us, vs, ms = O * C * dU.itemsize, V.shape[1] * V.itemsize, dM.shape[1] * dM.itemsize
    one = dU.dtype.type(1)
    for xi in range(16):  # dU[xi][O, C] += dM[xi][nt, O]^T @ V[xi][nt, C]
        gemm_call(gemm, _TRANS, _NO_TRANS, O, C, nt, one, mp + xi * ms, O,
                  vp + xi * vs, C, one, up + xi * us, C)


# --------------------------------------------------------------------------- drivers
class _Chunks:
    """How a batch's tile rows split into chunks (the kernels' planes hold one chunk)."""

    def __init__(self, N, OH, OW, C, O, dtype):
        self.TH, self.TW = (OH + 1) // 2, (OW + 1) // 2
        rows = N * self.TH
        tiles = max(_MIN_CHUNK_TILES, _CHUNK_BYTES // (16 * (C + O) * np.dtype(dtype).itemsize))
        self.rows_per_chunk = max(1, tiles // self.TW)
        self.tc = self.rows_per_chunk * self.TW  # tiles per (full) chunk = plane row length
        self.count = -(-rows // self.rows_per_chunk)


def _weight_transform(w):
    """w[O, C, 3, 3] -> U[16, O, C] = G w G^T per (o, c), component-major."""
    U = np.empty((16, w.shape[0], w.shape[1]), dtype=w.dtype)
    _weight_tiles(w, U)
    return U


@njit_chunked
def _conv_chunks(x, U, y, bias, has_bias, pt, pl, TH, TW, tc, rows_per_chunk, count, gemm,
                 part, parts):
    # this part's run of chunks, one after another through _conv_rows, with its own planes
    C, O = U.shape[2], U.shape[1]
    rows = x.shape[0] * TH
    V = np.empty((16, C * tc + _PLANE_PAD), dtype=x.dtype)
    M = np.empty((16, O * tc + _PLANE_PAD), dtype=x.dtype)
    lo, hi = chunk(count, part, parts)
    for k in range(lo, hi):
        r0 = k * rows_per_chunk
        _conv_rows(x, U, V, M, y, bias, has_bias, r0, min(rows, r0 + rows_per_chunk), pt, pl,
                   TH, TW, tc, gemm)


@njit_chunked
def _weight_grad_groups(x, gy, dU, pt, pl, TH, TW, tc, rows_per_chunk, count, gemm, part,
                        parts):
    # groups [lo, hi) of this part: group k sums chunks [k*count/G, (k+1)*count/G) into dU[k]
    C, O = dU.shape[3], dU.shape[2]
    rows = x.shape[0] * TH
    n_groups = dU.shape[0]
    V = np.empty((16, C * tc + _PLANE_PAD), dtype=x.dtype)
    dM = np.empty((16, O * tc + _PLANE_PAD), dtype=x.dtype)
    lo, hi = chunk(n_groups, part, parts)
    for k in range(lo, hi):
        for i in range(k * count // n_groups, (k + 1) * count // n_groups):
            r0 = i * rows_per_chunk
            _weight_grad_rows(x, gy, V, dM, dU[k], r0, min(rows, r0 + rows_per_chunk), pt,
                              pl, TH, TW, gemm)


def _conv(x, U, pt, pl, OH, OW, bias):
    """y[N, O, OH, OW] = the Winograd conv of x with transformed weights U[16, O, C]."""
    N, C = x.shape[:2]
    O = U.shape[1]
    y = _alloc.empty((N, O, OH, OW), x.dtype)
    if N == 0:
        return y
    ch = _Chunks(N, OH, OW, C, O, x.dtype)
    has_bias = bias is not None
    b = bias if has_bias else np.zeros(O, dtype=x.dtype)
    with blas_single_threaded():  # every output belongs to exactly one chunk
        _conv_chunks(x, U, y, b, has_bias, pt, pl, ch.TH, ch.TW, ch.tc, ch.rows_per_chunk,
                     ch.count, _blas.gemm_address(x.dtype))
    return y


def forward(x: np.ndarray, w: np.ndarray, g: Geometry, groups: int,
            bias: np.ndarray | None) -> np.ndarray:
    """y[N, O, OH, OW] = conv2d(x, w) (+ bias[o]) for a geometry :func:`supports`:
    x[N, C, H, W], w[O, C, 3, 3], ``OH = H + top + bottom - 2`` (W alike)."""
    return _conv(x, _weight_transform(w), g.pt, g.pl, g.OH, g.OW, bias)


def backward_input(gy: np.ndarray, w: np.ndarray, x_shape: Sequence[int], g: Geometry,
                   groups: int) -> np.ndarray:
    """gx[N, C, H, W] for gy[N, O, OH, OW]: the full correlation of gy with the flipped
    kernel, i.e. the forward with padding ``2 - pad``."""
    H, W = int(x_shape[2]), int(x_shape[3])
    wf = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    return _conv(gy, _weight_transform(wf), 2 - g.pt, 2 - g.pl, H, W, None)


def backward_weight(x: np.ndarray, gy: np.ndarray, w_shape: Sequence[int], g: Geometry,
                    groups: int) -> np.ndarray:
    """gw[O, C, 3, 3] for x[N, C, H, W] and gy[N, O, OH, OW]: sums of ``dM[xi] @ V[xi]^T``
    over fixed groups of chunks, added in group order (the same bits at any thread
    count), then ``G^T dU G``."""
    N, C = x.shape[:2]
    O, OH, OW = gy.shape[1:]
    pt, pl = g.pt, g.pl
    if N == 0:
        return np.zeros((O, C, 3, 3), dtype=x.dtype)
    ch = _Chunks(N, OH, OW, C, O, x.dtype)
    dUs = np.zeros((min(ch.count, _WEIGHT_GROUPS), 16, O, C), dtype=x.dtype)
    with blas_single_threaded():
        _weight_grad_groups(x, gy, dUs, pt, pl, ch.TH, ch.TW, ch.tc, ch.rows_per_chunk,
                            ch.count, _blas.gemm_address(x.dtype))
    dU = dUs[0]
    for k in range(1, dUs.shape[0]):  # in group order: the same bits at any thread count
        dU += dUs[k]
    gw = np.empty((O, C, 3, 3), dtype=x.dtype)
    _weight_tiles_adjoint(dU, gw)
    return gw
