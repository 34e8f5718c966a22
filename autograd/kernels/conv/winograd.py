"""The ``"winograd"`` algorithm: Winograd F(2x2, 3x3) and F(4x4, 3x3) for 3x3 kernels,
stride 1, dilation 1, groups 1, padding 0..2.

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
transformed tiles (``16 (or 36) x (C + O) x tiles``) stay in the core's L2 cache. One
chunked kernel call (``njit_chunked``, on the native pool's threads) gives each thread a
run of chunks; it runs the whole pipeline on each: input transform, 16 (36) single-threaded BLAS
GEMMs called at the CBLAS function's address (``gemm_call``), output transform.
Whole-tensor passes were memory-bound, 16 ctypes calls per chunk from Python queued the
threads on the GIL, and the Python worker pool's round trip cost 0.15-0.3 ms per call
(figures in benchmarks/NOTES.md). Scratch: about 1 MB per thread.

The 16 transformed planes of a chunk are spaced by a few cache lines more than their
size: at exactly ``C * tiles`` elements apart (a multiple of 4 KiB) all 16 streams of a
transform map to the same L1 sets, and the input transform ran about 5x slower.

F(4x4, 3x3) (the matrices above :func:`_input_tiles4`) works the same way on 6x6 input
tiles with 36 GEMMs, for 4x4 outputs: 2.25 multiplications per output and channel pair
instead of 4. :func:`tile_size` picks it, per pass, on larger maps with enough channels.

F(2x2, 3x3)'s transforms only add, subtract and halve, so its float32 results stay within
a few ulps of the direct sum (below 1e-6 of the output's scale on W6's shapes).
F(4x4, 3x3)'s multiply by up to 8 and divide by 24 (the weight transform's matrix is
built in float64 and rounded once): about 1e-5 of the output's scale in float32, as
cuDNN's and oneDNN's Winograd convolutions; float64 (gradcheck) stays near 1e-13.

The weight transforms and their adjoint are one GEMM each over all kernels
(:func:`_weight_transform`).

Tiles (``m`` = 2 or 4): tile row ``r = n * TH + th`` holds tiles ``(n, th, 0..TW-1)``;
tile ``(n, th, tw)`` reads the ``(m+2) x (m+2)`` input window at row ``m*th - pad_top``,
column ``m*tw - pad_left`` (zeros outside the image) and produces outputs ``[m*th :
m*th+m, m*tw : m*tw+m]``, cropped to ``[OH, OW]``.
"""
# ruff: noqa: E741 (O is the output-channel count, as in the conv literature)
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from ...runtime import blas_single_threaded
from .. import _alloc, _blas
from .._jit import chunk, gemm_call, njit, njit_chunked
from .geometry import Geometry

__all__ = ["F4_MIN_CHANNELS", "F4_MIN_TILES", "backward_input", "backward_weight",
           "f4_thresholds", "forward", "supports", "tile_size"]


# Bytes of one chunk's transformed tiles (input and output planes together): half the
# 1 MB L2 of an AVX-512 Zen 5 core. 256 KiB and 512 KiB tied there and 1-2 MiB were up to
# 20% slower (W9 at 32 channels 32x32: 8.1 vs 9.8 ms); on the AVX2 Zen 3 VM (512 KiB L2)
# 256 KiB-2 MiB made no difference (benchmarks/NOTES.md).
_CHUNK_BYTES = 512 << 10
_MIN_CHUNK_TILES = 32
_PLANE_PAD = 16  # elements between planes, see the module docstring
#: Tiles per run of F(4x4)'s output transform (its local arrays' fixed width).
_BLOCK = 64
_NO_TRANS, _TRANS = _blas.NO_TRANS, _blas.TRANS
# Plane offsets, known non-negative: unsigned, Numba drops its negative-index fix-up.
_u = np.uint64
# Grad-weight sums its chunks in this many fixed groups (one [16, O, C] partial sum each),
# handed out to threads like the forward's chunks: fine enough to balance 2 threads when
# one core is slowed, and the sum order never depends on the threads.
_WEIGHT_GROUPS = 8
#: F(4x4, 3x3) from this many input and output channels and 4x4 tiles (see
#: :func:`tile_size`); None: by the CPU, :func:`f4_thresholds`.
F4_MIN_CHANNELS: int | None = None
F4_MIN_TILES: int | None = None


def supports(g: Geometry, groups: int, KH: int, KW: int) -> bool:
    """Whether this path computes the geometry: 3x3, stride 1, dilation 1, groups 1 and
    pads ``(top, bottom, left, right)`` in 0..2. It also needs
    :func:`autograd.kernels._blas.gemm_fn`."""
    return (KH == 3 and KW == 3 and groups == 1 and g.stride == (1, 1)
            and g.dilation == (1, 1) and all(0 <= p <= 2 for p in g.pads))


# --------------------------------------------------------------------------- transforms
@njit(nogil=True)
def _window_rows(x, rows, n, c, top, pl):
    """``rows[i, k] = x[n, c, top + i, k - pl]`` for every entry of ``rows``, 0 outside the
    image: the input rows one row of tiles reads."""
    H, W = x.shape[2], x.shape[3]
    for i in range(rows.shape[0]):
        h = top + i
        if 0 <= h < H:
            for k in range(rows.shape[1]):
                q = k - pl
                rows[i, _u(k)] = x[n, c, h, _u(q)] if 0 <= q < W else 0.0
        else:
            for k in range(rows.shape[1]):
                rows[i, _u(k)] = 0.0


@njit(nogil=True)
def _input_tiles(x, V, row0, row1, pt, pl, TH, TW, cs, js):
    """Tile rows ``[row0, row1)`` of x[N, C, H, W] -> planes ``V[xi, c*cs + j*js]`` = B^T d B
    (``cs, js = tc, 1``: each plane a [C, tc] matrix; ``1, C``: a [tc, C] one)."""
    C = x.shape[1]
    L = 2 * TW + 2
    rows = np.empty((4, L), dtype=x.dtype)
    t = np.empty((4, L), dtype=x.dtype)
    for r in range(row0, row1):
        n = r // TH
        top = 2 * (r - n * TH) - pt
        j0 = (r - row0) * TW
        for c in range(C):
            _window_rows(x, rows, n, c, top, pl)
            for k in range(L):  # B^T d: combinations of the four rows
                t[0, _u(k)] = rows[0, _u(k)] - rows[2, _u(k)]
                t[1, _u(k)] = rows[1, _u(k)] + rows[2, _u(k)]
                t[2, _u(k)] = rows[2, _u(k)] - rows[1, _u(k)]
                t[3, _u(k)] = rows[1, _u(k)] - rows[3, _u(k)]
            base = c * cs + j0 * js
            for tw in range(TW):  # (B^T d) B: the same combinations of columns 2tw..2tw+3
                k = 2 * tw
                j = base + tw * js
                for i in range(4):
                    V[4 * i, _u(j)] = t[i, _u(k)] - t[i, _u(k + 2)]
                    V[4 * i + 1, _u(j)] = t[i, _u(k + 1)] + t[i, _u(k + 2)]
                    V[4 * i + 2, _u(j)] = t[i, _u(k + 2)] - t[i, _u(k + 1)]
                    V[4 * i + 3, _u(j)] = t[i, _u(k + 1)] - t[i, _u(k + 3)]


@njit(nogil=True)
def _output_tiles(M, y, row0, row1, bias, has_bias, TH, TW, tc):
    """Planes ``M[xi, o*tc + j]`` of tile rows ``[row0, row1)`` -> y[N, O, OH, OW] = A^T m A
    (+ bias[o]), cropped to the output. One loop over all the chunk's tiles per channel:
    loops over one tile row (4-16 tiles) were too short to vectorise."""
    N, O, OH, OW = y.shape
    nt = (row1 - row0) * TW
    y0 = np.empty(2 * nt, dtype=y.dtype)  # the tiles' first output rows, tile row after row
    y1 = np.empty(2 * nt, dtype=y.dtype)  # and their second
    zero = y.dtype.type(0)
    for o in range(O):
        bo = bias[o] if has_bias else zero
        base = o * tc
        for jj in range(nt):
            j = _u(base + jj)
            # A^T m: rows m0 + m1 + m2 and m1 - m2 - m3 of the 4x4 tile
            r0 = M[0, j] + M[4, j] + M[8, j]
            r1 = M[1, j] + M[5, j] + M[9, j]
            r2 = M[2, j] + M[6, j] + M[10, j]
            r3 = M[3, j] + M[7, j] + M[11, j]
            s0 = M[4, j] - M[8, j] - M[12, j]
            s1 = M[5, j] - M[9, j] - M[13, j]
            s2 = M[6, j] - M[10, j] - M[14, j]
            s3 = M[7, j] - M[11, j] - M[15, j]
            y0[_u(2 * jj)] = r0 + r1 + r2 + bo
            y0[_u(2 * jj + 1)] = r1 - r2 - r3 + bo
            y1[_u(2 * jj)] = s0 + s1 + s2 + bo
            y1[_u(2 * jj + 1)] = s1 - s2 - s3 + bo
        for r in range(row0, row1):
            n = r // TH
            h = 2 * (r - n * TH)
            off = (r - row0) * 2 * TW
            for k in range(OW):
                y[n, o, h, _u(k)] = y0[_u(off + k)]
            if h + 1 < OH:
                for k in range(OW):
                    y[n, o, h + 1, _u(k)] = y1[_u(off + k)]


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
                g0[_u(k)] = gy[n, o, h, _u(k)]
            if h + 1 < OH:
                for k in range(OW):
                    g1[_u(k)] = gy[n, o, h + 1, _u(k)]
            else:
                for k in range(OW):
                    g1[_u(k)] = 0.0
            base = o * cs + j0 * js
            for tw in range(TW):
                j = base + tw * js
                a0, a1 = g0[_u(2 * tw)], g0[_u(2 * tw + 1)]
                b0, b1 = g1[_u(2 * tw)], g1[_u(2 * tw + 1)]
                # A dY: rows dY0, dY0 + dY1, dY0 - dY1, -dY1; then the same on columns
                p0, p1 = a0 + b0, a1 + b1
                q0, q1 = a0 - b0, a1 - b1
                dM[0, _u(j)] = a0
                dM[1, _u(j)] = a0 + a1
                dM[2, _u(j)] = a0 - a1
                dM[3, _u(j)] = -a1
                dM[4, _u(j)] = p0
                dM[5, _u(j)] = p0 + p1
                dM[6, _u(j)] = p0 - p1
                dM[7, _u(j)] = -p1
                dM[8, _u(j)] = q0
                dM[9, _u(j)] = q0 + q1
                dM[10, _u(j)] = q0 - q1
                dM[11, _u(j)] = -q1
                dM[12, _u(j)] = -b0
                dM[13, _u(j)] = -b0 - b1
                dM[14, _u(j)] = b1 - b0
                dM[15, _u(j)] = b1


# F(4x4, 3x3): 6x6 input tiles, 36 products per tile and channel pair for 16 outputs
# (2.25 per output against F(2x2, 3x3)'s 4), with Lavin & Gray's interpolation points 0,
# +-1, +-2:
#
#   B^T = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
#          [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
#   G   = [[1/4, 0, 0], [-1/6, -1/6, -1/6], [-1/6, 1/6, -1/6], [1/24, 1/12, 1/6],
#          [1/24, -1/12, 1/6], [0, 0, 1]]
#   A^T = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]


@njit(nogil=True)
def _input_tiles4(x, V, row0, row1, pt, pl, TH, TW, cs, js):
    """F(4x4, 3x3) :func:`_input_tiles`: planes ``V[6*i + j, c*cs + t*js]`` = B^T d B."""
    C = x.shape[1]
    L = 4 * TW + 2
    rows = np.empty((6, L), dtype=x.dtype)
    t = np.empty((6, L), dtype=x.dtype)
    # constants in the data's type: a float64 literal would promote float32 arithmetic
    two, four, five = x.dtype.type(2), x.dtype.type(4), x.dtype.type(5)
    for r in range(row0, row1):
        n = r // TH
        top = 4 * (r - n * TH) - pt
        j0 = (r - row0) * TW
        for c in range(C):
            _window_rows(x, rows, n, c, top, pl)
            for k in range(L):  # B^T d: combinations of the six rows
                d0, d1, d2, d3, d4, d5 = (rows[0, _u(k)], rows[1, _u(k)], rows[2, _u(k)],
                                          rows[3, _u(k)], rows[4, _u(k)], rows[5, _u(k)])
                t[0, _u(k)] = four * d0 - five * d2 + d4
                t[1, _u(k)] = (d3 + d4) - four * (d1 + d2)
                t[2, _u(k)] = (d4 - d3) + four * (d1 - d2)
                t[3, _u(k)] = (d4 - d2) + two * (d3 - d1)
                t[4, _u(k)] = (d4 - d2) - two * (d3 - d1)
                t[5, _u(k)] = four * d1 - five * d3 + d5
            base = c * cs + j0 * js
            for tw in range(TW):  # (B^T d) B: the same combinations of columns 4tw..4tw+5
                k = 4 * tw
                j = _u(base + tw * js)
                for i in range(6):
                    e0, e1, e2 = t[i, _u(k)], t[i, _u(k + 1)], t[i, _u(k + 2)]
                    e3, e4, e5 = t[i, _u(k + 3)], t[i, _u(k + 4)], t[i, _u(k + 5)]
                    V[6 * i, j] = four * e0 - five * e2 + e4
                    V[6 * i + 1, j] = (e3 + e4) - four * (e1 + e2)
                    V[6 * i + 2, j] = (e4 - e3) + four * (e1 - e2)
                    V[6 * i + 3, j] = (e4 - e2) + two * (e3 - e1)
                    V[6 * i + 4, j] = (e4 - e2) - two * (e3 - e1)
                    V[6 * i + 5, j] = four * e1 - five * e3 + e5


@njit(nogil=True, inline="always")
def _at4(m0, m1, m2, m3, m4, m5, two, four, eight):
    """A^T m of one column (or row) ``m`` of a 6x6 tile: its four outputs."""
    s12, d12, s34, d34 = m1 + m2, m1 - m2, m3 + m4, m3 - m4
    return m0 + s12 + s34, d12 + two * d34, s12 + four * s34, d12 + eight * d34 + m5


@njit(nogil=True)
def _output_tiles4(M, y, row0, row1, bias, has_bias, TH, TW, tc):
    """F(4x4, 3x3) :func:`_output_tiles`: planes ``M[6*a + b, o*tc + j]`` -> y = A^T m A
    (+ bias[o]), cropped to the output.

    Per channel, runs of up to :data:`_BLOCK` tiles (whole tile rows, or pieces of one
    long row) go through two passes into local arrays of a fixed shape, then into ``y``:
    A^T m into ``cols`` (4 values per column b of each 6x6 tile), (A^T m) A into ``out``
    (each tile's 4 output rows, laid out as in ``y``). With fixed shapes LLVM sees
    constant strides, needs few runtime overlap checks and vectorises all three loops;
    one loop over all 36 planes into ``y`` stayed scalar, 8x slower
    (benchmarks/NOTES.md)."""
    N, O, OH, OW = y.shape
    cols = np.empty((24, _BLOCK), dtype=y.dtype)
    out = np.empty((4, 4 * _BLOCK), dtype=y.dtype)
    two, four, eight, zero = y.dtype.type(2), y.dtype.type(4), y.dtype.type(8), y.dtype.type(0)
    rows_per_run = max(1, _BLOCK // TW)
    for o in range(O):
        bo = bias[o] if has_bias else zero
        for r in range(row0, row1, rows_per_run):
            nr = min(rows_per_run, row1 - r)
            for t0 in range(0, TW, _BLOCK):
                per_row = min(TW - t0, _BLOCK)  # tiles of each row in this run
                nb = nr * per_row
                base = o * tc + (r - row0) * TW + t0
                for b in range(6):  # A^T m: column b of every tile -> 4 values
                    for jj in range(nb):
                        j = _u(base + jj)
                        c = _at4(M[b, j], M[6 + b, j], M[12 + b, j], M[18 + b, j],
                                 M[24 + b, j], M[30 + b, j], two, four, eight)
                        cols[4 * b, jj], cols[4 * b + 1, jj] = c[0], c[1]
                        cols[4 * b + 2, jj], cols[4 * b + 3, jj] = c[2], c[3]
                for i in range(4):  # (A^T m) A: row i of every tile -> 4 outputs
                    for jj in range(nb):
                        v = _at4(cols[i, jj], cols[4 + i, jj], cols[8 + i, jj],
                                 cols[12 + i, jj], cols[16 + i, jj], cols[20 + i, jj],
                                 two, four, eight)
                        k = _u(4 * jj)
                        out[i, k], out[i, k + _u(1)] = v[0], v[1]
                        out[i, k + _u(2)], out[i, k + _u(3)] = v[2], v[3]
                k0 = 4 * t0
                width = min(OW, 4 * (t0 + per_row)) - k0
                for ri in range(nr):
                    n = (r + ri) // TH
                    h = 4 * (r + ri - n * TH)
                    off = ri * 4 * per_row
                    for i in range(min(4, OH - h)):
                        for k in range(width):
                            y[n, o, h + i, _u(k0 + k)] = out[i, _u(off + k)] + bo


@njit(nogil=True, inline="always")
def _a6(g0, g1, g2, g3, two, four, eight):
    """A g of one row (or column) ``g`` of a 4x4 gradient tile: its six values."""
    se, so, p, q = g0 + g2, g1 + g3, g0 + four * g2, two * g1 + eight * g3
    return g0, se + so, se - so, p + q, p - q, g3


@njit(nogil=True)
def _output_tiles_adjoint4(gy, dM, row0, row1, TH, TW, cs, js):
    """F(4x4, 3x3) :func:`_output_tiles_adjoint`: gy -> planes ``dM[6*a + b, o*cs + t*js]``
    = A dY A^T (outputs past the edge count as 0)."""
    N, O, OH, OW = gy.shape
    g = np.zeros((4, 4 * TW), dtype=gy.dtype)  # entries past OW stay zero
    two, four, eight = gy.dtype.type(2), gy.dtype.type(4), gy.dtype.type(8)
    for row in range(row0, row1):
        n = row // TH
        h = 4 * (row - n * TH)
        j0 = (row - row0) * TW
        for o in range(O):
            for i in range(4):
                if h + i < OH:
                    for k in range(OW):
                        g[i, _u(k)] = gy[n, o, h + i, _u(k)]
                else:
                    for k in range(OW):
                        g[i, _u(k)] = 0.0
            base = o * cs + j0 * js
            for tw in range(TW):
                j = _u(base + tw * js)
                k = 4 * tw
                # dY A^T: A applied to each row of the 4x4 tile
                h0 = _a6(g[0, _u(k)], g[0, _u(k + 1)], g[0, _u(k + 2)], g[0, _u(k + 3)], two, four, eight)
                h1 = _a6(g[1, _u(k)], g[1, _u(k + 1)], g[1, _u(k + 2)], g[1, _u(k + 3)], two, four, eight)
                h2 = _a6(g[2, _u(k)], g[2, _u(k + 1)], g[2, _u(k + 2)], g[2, _u(k + 3)], two, four, eight)
                h3 = _a6(g[3, _u(k)], g[3, _u(k + 1)], g[3, _u(k + 2)], g[3, _u(k + 3)], two, four, eight)
                # A (dY A^T): the same down each column b
                for b in range(6):
                    v = _a6(h0[b], h1[b], h2[b], h3[b], two, four, eight)
                    dM[b, j], dM[6 + b, j], dM[12 + b, j] = v[0], v[1], v[2]
                    dM[18 + b, j], dM[24 + b, j], dM[30 + b, j] = v[3], v[4], v[5]


@njit(nogil=True)
def _conv_rows(x, U, V, M, y, bias, has_bias, row0, row1, pt, pl, TH, TW, tc, gemm, m,
               trans_u):
    """One chunk of :func:`_conv`: tile rows ``[row0, row1)`` through input transform,
    16 or 36 GEMMs (``gemm`` is the CBLAS function's address, see ``gemm_call``) and output
    transform, in one GIL-free call (16 separate ctypes calls cost about 2 us of
    GIL-held Python each). ``m``: output tile size, 2 or 4. ``U[xi]`` is ``[O, C]``, or
    with ``trans_u`` its transpose ``[C, O]``."""
    O, C = (U.shape[2], U.shape[1]) if trans_u else (U.shape[1], U.shape[2])
    nt = (row1 - row0) * TW
    if m == 2:
        _input_tiles(x, V, row0, row1, pt, pl, TH, TW, tc, 1)
    else:
        _input_tiles4(x, V, row0, row1, pt, pl, TH, TW, tc, 1)
    up, vp, mp = U.ctypes.data, V.ctypes.data, M.ctypes.data
    us, vs, ms = O * C * U.itemsize, V.shape[1] * V.itemsize, M.shape[1] * M.itemsize
    one, zero = U.dtype.type(1), U.dtype.type(0)
    ta, lda = (_TRANS, O) if trans_u else (_NO_TRANS, C)
    for xi in range(U.shape[0]):  # M[xi][O, nt] = U[xi][O, C] @ V[xi][C, nt]
        gemm_call(gemm, ta, _NO_TRANS, O, nt, C, one, up + xi * us, lda,
                  vp + xi * vs, tc, zero, mp + xi * ms, tc)
    if m == 2:
        _output_tiles(M, y, row0, row1, bias, has_bias, TH, TW, tc)
    else:
        _output_tiles4(M, y, row0, row1, bias, has_bias, TH, TW, tc)


@njit(nogil=True)
def _weight_grad_rows(x, gy, V, dM, dU, row0, row1, pt, pl, TH, TW, gemm, m, first):
    """One chunk of grad-weight: ``dU[xi] += dM[xi]^T @ V[xi]`` over tile rows
    ``[row0, row1)``, on tile-major planes (``[nt, C]`` and ``[nt, O]``): the GEMM is then
    A^T B, which OpenBLAS ran 10-15% faster here than A B^T on ``[C, nt]`` planes
    (figures in benchmarks/NOTES.md)."""
    O, C = dU.shape[1], dU.shape[2]
    nt = (row1 - row0) * TW
    if m == 2:
        _input_tiles(x, V, row0, row1, pt, pl, TH, TW, 1, C)
        _output_tiles_adjoint(gy, dM, row0, row1, TH, TW, 1, O)
    else:
        _input_tiles4(x, V, row0, row1, pt, pl, TH, TW, 1, C)
        _output_tiles_adjoint4(gy, dM, row0, row1, TH, TW, 1, O)
    up, vp, mp = dU.ctypes.data, V.ctypes.data, dM.ctypes.data
    us, vs, ms = O * C * dU.itemsize, V.shape[1] * V.itemsize, dM.shape[1] * dM.itemsize
    one = dU.dtype.type(1)
    beta = dU.dtype.type(0) if first else one  # a group's first chunk writes dU
    for xi in range(dU.shape[0]):  # dU[xi][O, C] (+)= dM[xi][nt, O]^T @ V[xi][nt, C]
        gemm_call(gemm, _TRANS, _NO_TRANS, O, C, nt, one, mp + xi * ms, O,
                  vp + xi * vs, C, beta, up + xi * us, C)


# --------------------------------------------------------------------------- drivers
class _Chunks:
    """The tile size of a batch's conv (``m``: :func:`tile_size`) and how its tile rows
    split into chunks (the kernels' planes hold one chunk)."""

    def __init__(self, N, OH, OW, C, O, dtype, weight_grad=False):
        self.m = m = tile_size(N, C, O, OH, OW, weight_grad)
        self.components = (m + 2) ** 2
        self.TH, self.TW = -(-OH // m), -(-OW // m)
        rows = N * self.TH
        tiles = max(_MIN_CHUNK_TILES,
                    _CHUNK_BYTES // (self.components * (C + O) * np.dtype(dtype).itemsize))
        self.rows_per_chunk = max(1, tiles // self.TW)
        self.tc = self.rows_per_chunk * self.TW  # tiles per (full) chunk = plane row length
        self.count = -(-rows // self.rows_per_chunk)


@functools.cache
def _avx512() -> bool:
    """Whether this CPU has AVX-512 (LLVM's host features, as Numba compiles for them)."""
    import llvmlite.binding as llvm
    return bool(llvm.get_host_cpu_features().get("avx512f", False))


def f4_thresholds(weight_grad: bool = False) -> tuple[int, int]:
    """``(channels, tiles)`` from which :func:`tile_size` picks F(4x4, 3x3) on this CPU,
    for the forward and grad-input passes or (``weight_grad``) for grad-weight.

    F4's 36 GEMMs have the same ``K`` as F2's 16 for four times the outputs, but its
    transforms do more work per tile and its chunks hold fewer tile rows. How much the
    GEMM saving buys depends on the BLAS and on the pass:

    * AVX-512 (a Zen 5 VM, OpenBLAS SkylakeX kernels): with the weight transforms as one
      GEMM (a per-kernel Numba loop had cost F4 0.9 ms a call at 64 channels and hidden
      its gain), F4 wins every pass from 64 tiles at 8-128 channels, fwd+bwd alone (F2
      vs F4, ms): W9's 32 channels 32x32 5.20 vs 3.83, 64 channels 16x16 3.75 vs 2.62,
      128 channels 8x8 3.25 vs 2.51; W6 18.4 vs 12.5; 8 channels 32x32 1.15 vs 0.87; 64
      channels 32x32 batch 1 (64 tiles) 0.56 vs 0.48. It loses on fewer tiles with many
      channels: 256 channels 4x4 (32 tiles) 4.31 vs 5.65, 128 channels 8x8 batch 2 (8
      tiles) 0.54 vs 0.72; 64 channels 8x8 batch 4 (16 tiles) is even.
    * AVX2 (a Zen 3 VM, OpenBLAS Haswell kernels): F4 won all passes together from 32
      channels and 512 tiles (W9 161.7 -> 144.8 ms per step), measured before the
      transforms vectorised.

    Figures in benchmarks/NOTES.md."""
    if not _avx512():
        return (32, 512)
    return (8, 64)


def tile_size(N: int, C: int, O: int, OH: int, OW: int, weight_grad: bool = False) -> int:
    """Output tile size for a batch of ``N`` convs ``C -> O`` channels to ``OH x OW`` maps
    (the forward and grad-input, or ``weight_grad``): 4 (F(4x4, 3x3)) when both channel
    counts reach :data:`F4_MIN_CHANNELS` and there are at least :data:`F4_MIN_TILES` 4x4
    tiles (by default :func:`f4_thresholds`), else 2 (F(2x2, 3x3))."""
    min_channels, min_tiles = f4_thresholds(weight_grad)
    if F4_MIN_CHANNELS is not None:
        min_channels = F4_MIN_CHANNELS
    if F4_MIN_TILES is not None:
        min_tiles = F4_MIN_TILES
    tiles = N * -(-OH // 4) * -(-OW // 4)
    return 4 if min(C, O) >= min_channels and tiles >= min_tiles else 2


# G of F(2x2, 3x3) and of F(4x4, 3x3) (the module docstring, and above _input_tiles4)
_G = {2: np.array([[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]]),
      4: np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
                   [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]])}


@functools.cache
def _kernel_transform(m: int, dtype: np.dtype, flipped: bool) -> np.ndarray:
    """``T[(m+2)^2, 9]`` with ``(G g G^T).ravel() = T @ g.ravel()`` for a 3x3 kernel ``g``
    (``kron(G, G)``, built in float64 and rounded once to ``dtype``); ``flipped``: the same
    for the kernel turned by 180 degrees (its columns reversed)."""
    t = np.kron(_G[m], _G[m])
    t = t[:, ::-1] if flipped else t
    out = np.ascontiguousarray(t, dtype=dtype)
    out.flags.writeable = False
    return out


def _weight_transform(w, m, flipped=False):
    """w[O, C, 3, 3] -> U[(m+2)^2, O, C] = G g G^T of every kernel (of every kernel turned
    by 180 degrees with ``flipped``), component-major: ONE GEMM ``T @ w^T`` over all
    ``O*C`` kernels. A Numba loop per kernel took 0.92 ms at 64 channels for F(4x4)
    (0.025 as the GEMM; benchmarks/NOTES.md)."""
    O, C = w.shape[:2]
    T = _kernel_transform(m, w.dtype, flipped)
    U = _alloc.empty((T.shape[0], O, C), w.dtype)
    np.matmul(T, w.reshape(O * C, 9).T, out=U.reshape(T.shape[0], O * C))
    return U


def _weight_transform_adjoint(dU, m):
    """dU[(m+2)^2, O, C] -> gw[O, C, 3, 3] = G^T du G per (o, c): ``dU^T @ T``, one GEMM."""
    n2, O, C = dU.shape
    T = _kernel_transform(m, dU.dtype, False)
    return (dU.reshape(n2, O * C).T @ T).reshape(O, C, 3, 3)


@njit_chunked
def _conv_chunks(x, U, y, bias, has_bias, pt, pl, TH, TW, tc, rows_per_chunk, count, gemm, m,
                 trans_u, part, parts):
    # this part's run of chunks, one after another through _conv_rows, with its own planes
    C, O = x.shape[1], y.shape[1]
    rows = x.shape[0] * TH
    V = np.empty((U.shape[0], C * tc + _PLANE_PAD), dtype=x.dtype)
    M = np.empty((U.shape[0], O * tc + _PLANE_PAD), dtype=x.dtype)
    lo, hi = chunk(count, part, parts)
    for k in range(lo, hi):
        r0 = k * rows_per_chunk
        _conv_rows(x, U, V, M, y, bias, has_bias, r0, min(rows, r0 + rows_per_chunk), pt, pl,
                   TH, TW, tc, gemm, m, trans_u)


@njit_chunked
def _weight_grad_groups(x, gy, dU, pt, pl, TH, TW, tc, rows_per_chunk, count, gemm, m, part,
                        parts):
    # groups [lo, hi) of this part: group k sums chunks [k*count/G, (k+1)*count/G) into dU[k]
    C, O = dU.shape[3], dU.shape[2]
    rows = x.shape[0] * TH
    n_groups = dU.shape[0]
    V = np.empty((dU.shape[1], C * tc + _PLANE_PAD), dtype=x.dtype)
    dM = np.empty((dU.shape[1], O * tc + _PLANE_PAD), dtype=x.dtype)
    lo, hi = chunk(n_groups, part, parts)
    for k in range(lo, hi):
        for i in range(k * count // n_groups, (k + 1) * count // n_groups):
            r0 = i * rows_per_chunk
            _weight_grad_rows(x, gy, V, dM, dU[k], r0, min(rows, r0 + rows_per_chunk), pt,
                              pl, TH, TW, gemm, m, i == k * count // n_groups)


def _conv(x, w, pt, pl, OH, OW, bias, adjoint=False):
    """y[N, O, OH, OW] = the Winograd conv of x[N, C, H, W] with w[O, C, 3, 3] (tiles of
    :func:`tile_size`); ``adjoint``: with each kernel turned by 180 degrees and ``w``'s
    channel axes swapped (w[C, O, 3, 3]), grad-input's conv."""
    N, C = x.shape[:2]
    O = w.shape[1] if adjoint else w.shape[0]
    y = _alloc.empty((N, O, OH, OW), x.dtype)
    if N == 0:
        return y
    ch = _Chunks(N, OH, OW, C, O, x.dtype)
    # U[xi] is [O, C]; for the adjoint, the transform of w's turned kernels, read
    # transposed by the GEMMs (no copy of w with its axes swapped)
    U = _weight_transform(w, ch.m, flipped=adjoint)
    has_bias = bias is not None
    b = bias if has_bias else np.zeros(O, dtype=x.dtype)
    with blas_single_threaded():  # every output belongs to exactly one chunk
        _conv_chunks(x, U, y, b, has_bias, pt, pl, ch.TH, ch.TW, ch.tc, ch.rows_per_chunk,
                     ch.count, _blas.gemm_address(x.dtype), ch.m, adjoint)
    return y


def forward(x: np.ndarray, w: np.ndarray, g: Geometry, groups: int,
            bias: np.ndarray | None) -> np.ndarray:
    """y[N, O, OH, OW] = conv2d(x, w) (+ bias[o]) for a geometry :func:`supports`:
    x[N, C, H, W], w[O, C, 3, 3], ``OH = H + top + bottom - 2`` (W alike)."""
    return _conv(x, w, g.pt, g.pl, g.OH, g.OW, bias)


def backward_input(gy: np.ndarray, w: np.ndarray, x_shape: Sequence[int], g: Geometry,
                   groups: int) -> np.ndarray:
    """gx[N, C, H, W] for gy[N, O, OH, OW]: the full correlation of gy with the flipped
    kernel, i.e. the forward with padding ``2 - pad``."""
    H, W = int(x_shape[2]), int(x_shape[3])
    return _conv(gy, w, 2 - g.pt, 2 - g.pl, H, W, None, adjoint=True)


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
    ch = _Chunks(N, OH, OW, C, O, x.dtype, weight_grad=True)
    # each group's first chunk writes its partial sum: uninitialised (recycled) memory
    dUs = _alloc.empty((min(ch.count, _WEIGHT_GROUPS), ch.components, O, C), x.dtype)
    with blas_single_threaded():
        _weight_grad_groups(x, gy, dUs, pt, pl, ch.TH, ch.TW, ch.tc, ch.rows_per_chunk,
                            ch.count, _blas.gemm_address(x.dtype), ch.m)
    dU = dUs[0]
    for k in range(1, dUs.shape[0]):  # in group order: the same bits at any thread count
        dU += dUs[k]
    return _weight_transform_adjoint(dU, ch.m)
