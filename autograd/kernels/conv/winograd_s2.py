"""The ``"winograd_s2"`` algorithm: 4x4 kernels at stride 2 (DCGAN's convolutions and
transposed convolutions) as Winograd F(2x2, 2x2) on the input's stride phases.

A stride-2 convolution with a 4x4 kernel is a stride-1 convolution with a 2x2 kernel over
four times the channels: split the (zero-padded) input into its four stride phases
``X[(c, a, b), p, q] = xpad[c, 2p + a, 2q + b]`` and the kernel alike, ``w'[o, (c, a, b),
u, v] = w[o, c, 2u + a, 2v + b]``; then ``y[o, i, j] = sum w'[o, c', u, v] X[c', i + u, j +
v]``. That 2x2 convolution on 2x2 output tiles needs 9 multiplications per tile and
channel pair instead of 16 (Lavin & Gray, 2015), with transforms that only add and
subtract. For one 3x3 tile ``d`` of a phase plane and one 2x2 kernel ``g``::

    y (2x2) = A^T [ (G g G^T) * (B^T d B) ] A          (* elementwise, 3x3)

    B^T = [[1, -1, 0], [0, 1, 0], [0, -1, 1]]
    G   = [[1, 0], [1, 1], [0, 1]]
    A^T = [[1, 1, 0], [0, 1, 1]]

Summed over the ``4C`` phase channels, each of the 9 products is a GEMM over channels,
``M[xi] = U[xi] @ V[xi]`` (``U[xi][O, 4C]`` the transformed kernels). The GEMMs do 9/16 of
the im2col GEMM's work (W8's 32 -> 64 channels at 16x16 and 64 -> 128 at 8x8, where that
GEMM alone took as long as PyTorch's whole oneDNN convolution). The phases are never
copied out: the input transform reads each tile's 6x6 input window and takes the four
phases from it.

The backward passes keep the forward's tiles:

* grad-input (so ``conv_transpose2d``'s forward): ``dV[xi] = U[xi]^T @ dM[xi]`` with ``dM
  = A dY A^T`` per tile, then the adjoint input transform: B dV B^T of every phase of a
  tile added onto its 6x6 input window (neighbouring windows overlap by two rows or
  columns; chunks are whole samples, so no two threads add onto one pixel);
* grad-weight: ``dU[xi] = sum_T V[xi] @ dM[xi]^T`` over two fixed partial sums added in
  order (the same bits at any thread count), then ``G^T dU G`` and the phases back into
  4x4 kernels.

Execution as the 3x3 Winograd path (:mod:`.winograd`): one chunked kernel per pass on the
native pool's threads, each running its chunks start to finish (transform, 9
single-threaded BLAS GEMMs at the CBLAS function's address, transform) with the chunk's
transformed tiles in the core's L2. Chunks are whole samples, and each transform runs
over all of a chunk's tiles at once through offset tables (:func:`_tables`): on W8's maps
a tile row has only 2 to 4 tiles, too few for loops over one row to vectorise (the input
transform per row of tiles cost 29 ns per tile and channel, 18 over the chunk).

Tiles: tile ``(n, ti, tj)`` computes outputs ``[2ti : 2ti+2, 2tj : 2tj+2]`` (cropped to
``[OH, OW]``) and reads the input rows ``4ti - pad_top + (0..5)``, columns ``4tj -
pad_left + (0..5)`` (zeros outside the image); phase ``(a, b)`` of them is rows ``a, a+2,
a+4`` and columns ``b, b+2, b+4``.
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

__all__ = ["backward_input", "backward_weight", "forward", "supports"]

# Bytes of one chunk's transformed tiles (input and output planes together), as the 3x3
# path's: half the 1 MB L2 of a Zen 5 core.
_CHUNK_BYTES = 512 << 10
_MIN_CHUNK_TILES = 32
_PLANE_PAD = 16  # elements between planes (the 3x3 path's L1-set reason)
_NO_TRANS, _TRANS = _blas.NO_TRANS, _blas.TRANS
#: Chunk counts are made a multiple of this (two cores here), and grad-weight sums into
#: this many fixed partial sums, added in order.
_PARTS = 2
_u = np.uint64  # non-negative plane offsets: Numba drops its negative-index fix-up


def supports(g: Geometry, groups: int, KH: int, KW: int) -> bool:
    """Whether this path computes the geometry: 4x4 kernels, stride 2, dilation 1, groups
    1, any padding. It also needs :func:`autograd.kernels._blas.gemm_fn`."""
    return (KH == 4 and KW == 4 and groups == 1 and g.stride == (2, 2)
            and g.dilation == (1, 1))


# --------------------------------------------------------------------------- transforms
@functools.lru_cache(maxsize=64)
def _tables(C: int, H: int, W: int, O: int, OH: int, OW: int, pt: int, pl: int,
            B: int) -> tuple[np.ndarray, np.ndarray]:
    """``(window, outputs)`` for chunks of ``B`` samples: ``window[6*r + s, t]`` is the
    offset of tile ``t``'s window pixel ``(r, s)`` in x from its chunk's first sample's
    channel plane (``n*C*H*W + h*W + w``), -1 in the padding; ``outputs[2*r + s, t]``
    the offset of its output ``(r, s)`` in y from the chunk's first sample's channel
    plane, -1 where cropped. The transforms then run over all the chunk's tiles at once
    (a tile row has only 2-4 tiles on W8's maps)."""
    TH, TW = -(-OH // 2), -(-OW // 2)
    grid = np.meshgrid(np.arange(B), np.arange(TH), np.arange(TW), indexing="ij")
    n, ti, tj = (a.ravel() for a in grid)
    r = np.arange(6)[:, None, None]
    s = np.arange(6)[None, :, None]
    h, w = 4 * ti - pt + r, 4 * tj - pl + s
    window = np.where((h >= 0) & (h < H) & (w >= 0) & (w < W), n * C * H * W + h * W + w,
                      -1).reshape(36, -1).astype(np.int64)
    r2, s2 = np.arange(2)[:, None, None], np.arange(2)[None, :, None]
    oh, ow = 2 * ti + r2, 2 * tj + s2
    outputs = np.where((oh < OH) & (ow < OW), n * O * OH * OW + oh * OW + ow,
                       -1).reshape(4, -1).astype(np.int64)
    for table in (window, outputs):
        table.flags.writeable = False
    return window, outputs


@njit(nogil=True, error_model="numpy", inline="always")
def _gather(dst, src, base, table, nt, zero):
    """``dst[k, t] = src[base + table[k, t]]`` for the chunk's ``nt`` tiles, ``zero`` where
    the table holds -1 (padding, cropped outputs)."""
    for k in range(table.shape[0]):
        for t in range(nt):
            o = table[k, t]
            dst[k, t] = src[base + o] if o >= 0 else zero


@njit(nogil=True, error_model="numpy")
def _input_tiles(x, V, D, window, s0, nt, tc):
    """x[N, C, H, W] (flat) of the chunk from sample ``s0`` (``nt`` tiles) -> planes
    ``V[3*i + k, (4c + 2a + b)*tc + t]`` = (B^T d B)[i, k] for phase ``(a, b)`` of
    channel ``c`` in tile ``t``; ``D[36, nt]`` scratch for the windows."""
    C = x.shape[1]
    HW = x.shape[2] * x.shape[3]
    xf = x.reshape(-1)
    zero = x.dtype.type(0)
    for c in range(C):
        _gather(D, xf, (s0 * C + c) * HW, window, nt, zero)
        for a in range(2):
            for b in range(2):
                vb = (4 * c + 2 * a + b) * tc
                r0, r1, r2 = 6 * a + b, 6 * (a + 2) + b, 6 * (a + 4) + b
                for t in range(nt):
                    d10, d11, d12 = D[r1, t], D[r1 + 2, t], D[r1 + 4, t]
                    t00, t01 = D[r0, t] - d10, D[r0 + 2, t] - d11
                    t02 = D[r0 + 4, t] - d12
                    t20, t21 = D[r2, t] - d10, D[r2 + 2, t] - d11
                    t22 = D[r2 + 4, t] - d12
                    j = _u(vb + t)
                    V[0, j] = t00 - t01
                    V[1, j] = t01
                    V[2, j] = t02 - t01
                    V[3, j] = d10 - d11
                    V[4, j] = d11
                    V[5, j] = d12 - d11
                    V[6, j] = t20 - t21
                    V[7, j] = t21
                    V[8, j] = t22 - t21


@njit(nogil=True, error_model="numpy")
def _input_tiles_adjoint(dV, gx, D, window, s0, nt, tc):
    """The adjoint of :func:`_input_tiles`: each tile's B dV B^T of
    every phase added onto its 6x6 window of gx[N, C, H, W] (flat; padding dropped; the
    chunk's samples zeroed before). ``D[36, nt]`` scratch: the windows, each
    position from its one phase (the four phases hold disjoint positions), then added by
    the table; tiles never share a pixel at one window position, so no add waits on
    another within a row of the table."""
    C = gx.shape[1]
    HW = gx.shape[2] * gx.shape[3]
    gf = gx.reshape(-1)
    for c in range(C):
        base = (s0 * C + c) * HW
        for a in range(2):
            for b in range(2):
                vb = (4 * c + 2 * a + b) * tc
                r0, r1, r2 = 6 * a + b, 6 * (a + 2) + b, 6 * (a + 4) + b
                for t in range(nt):
                    j = _u(vb + t)
                    # B dV: rows dV0, dV1 - dV0 - dV2, dV2; then the same on columns
                    e00, e01, e02 = dV[0, j], dV[1, j], dV[2, j]
                    e20, e21, e22 = dV[6, j], dV[7, j], dV[8, j]
                    e10, e11, e12 = dV[3, j] - e00 - e20, dV[4, j] - e01 - e21, dV[5, j] - e02 - e22
                    D[r0, t] = e00
                    D[r0 + 2, t] = e01 - e00 - e02
                    D[r0 + 4, t] = e02
                    D[r1, t] = e10
                    D[r1 + 2, t] = e11 - e10 - e12
                    D[r1 + 4, t] = e12
                    D[r2, t] = e20
                    D[r2 + 2, t] = e21 - e20 - e22
                    D[r2 + 4, t] = e22
        for rs in range(36):
            for t in range(nt):
                o = window[rs, t]
                if o >= 0:
                    gf[base + o] += D[rs, t]


@njit(nogil=True, error_model="numpy")
def _output_tiles(M, y, Y, outputs, bias, has_bias, s0, nt, tc):
    """Planes ``M[3*i + k, o*tc + t]`` of the chunk from sample ``s0`` -> y[N, O, OH, OW]
    (flat) = A^T m A (+ bias[o]), cropped; ``Y[4, nt]`` scratch."""
    O = y.shape[1]
    plane = y.shape[2] * y.shape[3]
    yf = y.reshape(-1)
    zero = y.dtype.type(0)
    for o in range(O):
        bo = bias[o] if has_bias else zero
        mb = o * tc
        for t in range(nt):
            j = _u(mb + t)
            p = M[1, j] + M[4, j]  # A^T m A: each output the sum of a 2x2 block of m
            q = M[4, j] + M[7, j]
            Y[0, t] = M[0, j] + M[3, j] + p + bo
            Y[1, t] = p + M[2, j] + M[5, j] + bo
            Y[2, t] = M[3, j] + M[6, j] + q + bo
            Y[3, t] = q + M[5, j] + M[8, j] + bo
        base = (s0 * O + o) * plane
        for k in range(4):
            for t in range(nt):
                p = outputs[k, t]
                if p >= 0:
                    yf[base + p] = Y[k, t]


@njit(nogil=True, error_model="numpy")
def _output_tiles_adjoint(gy, dM, Y, outputs, s0, nt, tc):
    """gy[N, O, OH, OW] (flat) of the chunk from sample ``s0`` -> planes ``dM[3*i + k,
    o*tc + t]`` = A dY A^T (the adjoint of :func:`_output_tiles`; cropped outputs
    count as 0); ``Y[4, nt]`` scratch."""
    O = gy.shape[1]
    plane = gy.shape[2] * gy.shape[3]
    gf = gy.reshape(-1)
    zero = gy.dtype.type(0)
    for o in range(O):
        _gather(Y, gf, (s0 * O + o) * plane, outputs, nt, zero)
        mb = o * tc
        for t in range(nt):
            a0, a1, b0, b1 = Y[0, t], Y[1, t], Y[2, t], Y[3, t]
            s0_, s1_ = a0 + b0, a1 + b1  # A dY: rows dY0, dY0 + dY1, dY1; then columns
            j = _u(mb + t)
            dM[0, j] = a0
            dM[1, j] = a0 + a1
            dM[2, j] = a1
            dM[3, j] = s0_
            dM[4, j] = s0_ + s1_
            dM[5, j] = s1_
            dM[6, j] = b0
            dM[7, j] = b0 + b1
            dM[8, j] = b1


# --------------------------------------------------------------------------- drivers
@njit(nogil=True, inline="always")
def _planes(a, C4, O, tc):
    """One part's scratch, in ``a``'s dtype: the input-side planes ``[9, 4C*tc]`` (V, dV),
    the output-side ones ``[9, O*tc]`` (M, dM), each :data:`_PLANE_PAD` longer, and the
    transforms' ``D[36, tc]`` and ``Y[4, tc]``."""
    dt = a.dtype
    return (np.empty((9, C4 * tc + _PLANE_PAD), dtype=dt),
            np.empty((9, O * tc + _PLANE_PAD), dtype=dt),
            np.empty((36, tc), dtype=dt), np.empty((4, tc), dtype=dt))


@njit_chunked
def _forward_chunks(x, U, y, bias, has_bias, window, outputs, B, count, gemm, part, parts):
    # chunk k = samples [k*B, k*B + B): input transform, 9 GEMMs, output transform
    N, O, C4 = x.shape[0], U.shape[1], U.shape[2]
    tc = window.shape[1]
    V, M, D, Y = _planes(x, C4, O, tc)
    up, vp, mp = U.ctypes.data, V.ctypes.data, M.ctypes.data
    isz = U.itemsize
    us, vs, ms = O * C4 * isz, V.shape[1] * isz, M.shape[1] * isz
    one, zero = U.dtype.type(1), U.dtype.type(0)
    lo, hi = chunk(count, part, parts)
    for k in range(lo, hi):
        s0 = k * B
        nt = (min(N, s0 + B) - s0) * (tc // B)
        _input_tiles(x, V, D, window, s0, nt, tc)
        for xi in range(9):  # M[xi][O, nt] = U[xi][O, 4C] @ V[xi][4C, nt]
            gemm_call(gemm, _NO_TRANS, _NO_TRANS, O, nt, C4, one, up + xi * us, C4,
                      vp + xi * vs, tc, zero, mp + xi * ms, tc)
        _output_tiles(M, y, Y, outputs, bias, has_bias, s0, nt, tc)


@njit_chunked
def _input_grad_chunks(gy, U, gx, window, outputs, B, count, gemm, part, parts):
    # chunk k = samples [k*B, k*B + B): output-transform adjoint, 9 GEMMs with U^T, the
    # input-transform adjoint added onto the chunk's own samples of gx (zeroed first)
    N, O, C4 = gy.shape[0], U.shape[1], U.shape[2]
    tc = window.shape[1]
    dV, dM, D, Y = _planes(gy, C4, O, tc)
    up, mp, vp = U.ctypes.data, dM.ctypes.data, dV.ctypes.data
    isz = U.itemsize
    us, ms, vs = O * C4 * isz, dM.shape[1] * isz, dV.shape[1] * isz
    one, zero = U.dtype.type(1), U.dtype.type(0)
    plane = gx.shape[1] * gx.shape[2] * gx.shape[3]
    gf = gx.reshape(-1)
    lo, hi = chunk(count, part, parts)
    for k in range(lo, hi):
        s0 = k * B
        s1 = min(N, s0 + B)
        nt = (s1 - s0) * (tc // B)
        for i in range(s0 * plane, s1 * plane):
            gf[_u(i)] = zero
        _output_tiles_adjoint(gy, dM, Y, outputs, s0, nt, tc)
        for xi in range(9):  # dV[xi][4C, nt] = U[xi]^T @ dM[xi][O, nt]
            gemm_call(gemm, _TRANS, _NO_TRANS, C4, nt, O, one, up + xi * us, C4,
                      mp + xi * ms, tc, zero, vp + xi * vs, tc)
        _input_tiles_adjoint(dV, gx, D, window, s0, nt, tc)


@njit_chunked
def _weight_grad_groups(x, gy, dU, window, outputs, B, count, gemm, part, parts):
    # group g of this part sums chunks [g*count/G, (g+1)*count/G) into dU[g]
    N = x.shape[0]
    C4, O = dU.shape[2], dU.shape[3]
    tc = window.shape[1]
    V, dM, D, Y = _planes(x, C4, O, tc)
    vp, mp = V.ctypes.data, dM.ctypes.data
    isz = V.itemsize
    us, vs, ms = O * C4 * isz, V.shape[1] * isz, dM.shape[1] * isz
    one, zero = V.dtype.type(1), V.dtype.type(0)
    n_groups = dU.shape[0]
    lo, hi = chunk(n_groups, part, parts)
    for g in range(lo, hi):
        up = dU[g].ctypes.data
        first = g * count // n_groups
        for k in range(first, (g + 1) * count // n_groups):
            s0 = k * B
            nt = (min(N, s0 + B) - s0) * (tc // B)
            _input_tiles(x, V, D, window, s0, nt, tc)
            _output_tiles_adjoint(gy, dM, Y, outputs, s0, nt, tc)
            beta = zero if k == first else one  # a group's first chunk writes dU
            for xi in range(9):  # dU[xi][4C, O] (+)= V[xi][4C, nt] @ dM[xi][O, nt]^T
                gemm_call(gemm, _NO_TRANS, _TRANS, C4, O, nt, one, vp + xi * vs, tc,
                          mp + xi * ms, tc, beta, up + xi * us, O)


def _plan(N: int, C: int, H: int, W: int, O: int, g: Geometry,
          dtype: np.dtype) -> tuple[int, int, np.ndarray, np.ndarray]:
    """``(B, count, window, outputs)`` of a pass: :func:`_chunks` and their
    :func:`_tables`."""
    B, count = _chunks(N, g.OH, g.OW, 4 * C, O, dtype, _CHUNK_BYTES, _PARTS)
    return (B, count) + _tables(C, H, W, O, g.OH, g.OW, g.pt, g.pl, B)


def _chunks(N: int, OH: int, OW: int, C4: int, O: int, dtype: np.dtype, budget: int,
            parts: int) -> tuple[int, int]:
    """``(B, count)``: chunks of ``B`` whole samples whose transformed tiles (``9 (4C + O)``
    values a tile) stay under ``budget`` bytes, their number a multiple of ``parts`` where
    the batch allows: 4 chunks of 9, 9, 9, 5 samples left one of W8's two threads 30%
    idle. The callers pass :data:`_PARTS`, not the thread count: the chunks, and so every
    result's bits, do not depend on the threads."""
    per_sample = -(-OH // 2) * -(-OW // 2)
    tiles = max(_MIN_CHUNK_TILES, budget // (9 * (C4 + O) * np.dtype(dtype).itemsize))
    count = -(-N // max(1, min(N, tiles // per_sample)))
    count = min(N, -(-count // parts) * parts)
    B = -(-N // count)
    return B, -(-N // B)


@njit_chunked
def _weight_transform_kernel(w, U, part, parts):
    # U[3*i + k, o, 4c + 2a + b] = (G g G^T)[i, k] for the phase kernel g[u, v] =
    # w[o, c, 2u + a, 2v + b]: G g G^T holds g's entries, their row and column sums and
    # their total
    O, C = w.shape[0], w.shape[1]
    lo, hi = chunk(O, part, parts)
    for o in range(lo, hi):
        for c in range(C):
            for a in range(2):
                for b in range(2):
                    j = 4 * c + 2 * a + b
                    g00, g01 = w[o, c, a, b], w[o, c, a, b + 2]
                    g10, g11 = w[o, c, a + 2, b], w[o, c, a + 2, b + 2]
                    U[0, o, j] = g00
                    U[1, o, j] = g00 + g01
                    U[2, o, j] = g01
                    U[3, o, j] = g00 + g10
                    U[4, o, j] = (g00 + g01) + (g10 + g11)
                    U[5, o, j] = g01 + g11
                    U[6, o, j] = g10
                    U[7, o, j] = g10 + g11
                    U[8, o, j] = g11


@njit_chunked
def _weight_transform_adjoint_kernel(dUs, gwt, part, parts):
    # gwt[c, 4*(2u + a) + 2v + b, o] = (G^T du G)[u, v] for du = dU[:, 4c + 2a + b, o]
    # summed over the groups in group order: each entry the sum of a 2x2 block of du, as
    # the output transform's. dUs[R, 9, 4C, O]; every loop runs along o, contiguous (gw
    # itself is gwt transposed: writing it here, 4 entries C*16 apart per o, took 0.11 ms
    # at W8's 64 -> 128)
    R, C4, O = dUs.shape[0], dUs.shape[2], dUs.shape[3]
    lo, hi = chunk(C4, part, parts)
    du = np.empty((9, O), dtype=gwt.dtype)
    for j in range(lo, hi):
        c, a, b = j // 4, (j // 2) % 2, j % 2
        for xi in range(9):
            for o in range(O):
                du[xi, o] = dUs[0, xi, j, o]
            for r in range(1, R):
                for o in range(O):
                    du[xi, o] += dUs[r, xi, j, o]
        k = 4 * a + b
        for o in range(O):
            p, q = du[1, o] + du[4, o], du[4, o] + du[7, o]
            gwt[c, k, o] = du[0, o] + du[3, o] + p
            gwt[c, k + 2, o] = p + du[2, o] + du[5, o]
            gwt[c, k + 8, o] = du[3, o] + du[6, o] + q
            gwt[c, k + 10, o] = q + du[5, o] + du[8, o]


def _weight_transform(w: np.ndarray) -> np.ndarray:
    """w[O, C, 4, 4] -> U[9, O, 4C]: the phase kernels ``w'[o, 4c + 2a + b, u, v] = w[o, c,
    2u + a, 2v + b]``, each transformed, ``G g G^T``."""
    O, C = w.shape[:2]
    U = _alloc.empty((9, O, 4 * C), w.dtype)
    _weight_transform_kernel(w, U)
    return U


def forward(x: np.ndarray, w: np.ndarray, g: Geometry, groups: int,
            bias: np.ndarray | None) -> np.ndarray:
    """y[N, O, OH, OW] = conv2d(x, w) (+ bias[o]) for a geometry :func:`supports`:
    x[N, C, H, W], w[O, C, 4, 4], stride 2."""
    N, C = x.shape[:2]
    O = w.shape[0]
    y = _alloc.empty((N, O, g.OH, g.OW), x.dtype)
    if N == 0 or y.size == 0:
        if bias is not None:
            y[...] = bias.reshape(1, O, 1, 1)
        return y
    B, count, window, outputs = _plan(N, C, x.shape[2], x.shape[3], O, g, x.dtype)
    has_bias = bias is not None
    b = bias if has_bias else np.zeros(O, dtype=x.dtype)
    with blas_single_threaded():
        _forward_chunks(x, _weight_transform(w), y, b, has_bias, window, outputs, B, count,
                        _blas.gemm_address(x.dtype))
    return y


def backward_input(gy: np.ndarray, w: np.ndarray, x_shape: Sequence[int], g: Geometry,
                   groups: int) -> np.ndarray:
    """gx[N, C, H, W] for gy[N, O, OH, OW] (``conv_transpose2d``'s forward): per chunk
    ``dV = U^T dM``, then B dV B^T of every tile added onto its window of the input."""
    N, C, H, W = (int(s) for s in x_shape)
    O = w.shape[0]
    gx = _alloc.empty((N, C, H, W), gy.dtype)
    if N == 0 or gy.size == 0:
        gx.fill(0)
        return gx
    B, count, window, outputs = _plan(N, C, H, W, O, g, gy.dtype)
    with blas_single_threaded():  # every chunk writes its own samples
        _input_grad_chunks(gy, _weight_transform(w), gx, window, outputs, B, count,
                           _blas.gemm_address(gy.dtype))
    return gx


def backward_weight(x: np.ndarray, gy: np.ndarray, w_shape: Sequence[int], g: Geometry,
                    groups: int) -> np.ndarray:
    """gw[O, C, 4, 4] for x[N, C, H, W] and gy[N, O, OH, OW]: fixed groups of chunks
    summed in group order, then the adjoint weight transform."""
    N, C = x.shape[:2]
    O = int(w_shape[0])
    if N == 0 or gy.size == 0:
        return np.zeros((O, C, 4, 4), dtype=x.dtype)
    B, count, window, outputs = _plan(N, C, x.shape[2], x.shape[3], O, g, x.dtype)
    # each group's first chunk writes its partial sum: uninitialised (recycled) memory
    dUs = _alloc.empty((min(count, _PARTS), 9, 4 * C, O), x.dtype)
    with blas_single_threaded():
        _weight_grad_groups(x, gy, dUs, window, outputs, B, count,
                            _blas.gemm_address(x.dtype))
    gwt = _alloc.empty((C, 16, O), x.dtype)
    _weight_transform_adjoint_kernel(dUs, gwt)
    gw = np.empty((O, C, 4, 4), dtype=x.dtype)
    if not _blas.transpose_into(gwt.reshape(C * 16, O), gw.reshape(O, C * 16)):
        gw.reshape(O, C * 16)[...] = gwt.reshape(C * 16, O).T
    return gw
