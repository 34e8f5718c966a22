"""The ``"polyphase"`` algorithm (stride > 1, unit dilation, groups 1): a strided conv as
kernel-tap GEMMs on the input's stride phases, no im2col/col2im.

With stride ``s`` (per dim) write kernel row ``kh = s*qh + rh`` (``0 <= rh < s``). Output
row ``oh`` reads padded input row ``oh*s + kh = s*(oh + qh) + rh``: row ``oh + qh`` of the
input's phase ``rh`` (its padded rows ``rh, rh + s, ...``). So the strided conv is a
stride-1 conv of the ``sh*sw`` phase images with the ``QH x QW`` "phase taps"
``(qh, qw)``, ``Q = ceil(K / s)`` (space-to-depth). As in :mod:`.taps`, the phase
images are laid out once as a zero-padded grid ``X[P*C, M + slack]`` (phase-major rows:
phase ``p = rh*sw + rw`` holds rows ``p*C .. p*C + C``; every sample an ``HQ x WQ`` image,
``M = N*HQ*WQ``), so every phase tap is a column-offset view and the conv is a sum of
GEMMs accumulated in place by BLAS. A tap only multiplies the phases for which
``qh*sh + rh < KH`` and ``qw*sw + rw < KW`` (one GEMM per contiguous run of such phases):
a 4x4 stride-2 kernel is 4 taps over all 4 phases, a 3x3 one does its 9 real
multiply-adds per output, not 16.

Grad-input is the adjoint on the same grid (the output gradient laid out like the
forward's output grid, transposed phase taps), read back out of the phases; that is how a
strided ``conv_transpose2d`` runs. Grad-weight is one ``[run*C, M] @ [M, O]`` GEMM per
tap and phase run. All GEMMs call NumPy's OpenBLAS through ``ctypes``
(:func:`autograd.kernels._blas.gemm_fn`), column chunk by column chunk as in :mod:`.taps`.
"""
# ruff: noqa: E741 (O is the output-channel count, as in the conv literature)
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import _alloc, _blas
from .geometry import Geometry

__all__ = ["backward_input", "backward_weight", "forward", "supports"]

_ROW_MAJOR, _NO_TRANS, _TRANS = _blas.ROW_MAJOR, _blas.NO_TRANS, _blas.TRANS
# Grid columns per GEMM chunk, as in the taps path: the output block stays in L2 across
# the accumulating tap GEMMs.
_CHUNK_COLS = 4096
# Grad-weight's blocks: rows of the [P*C, O] result per GEMM (the GEMMs' M).
_WEIGHT_BLOCK_ROWS = 128


def _in_chunks(M: int, task) -> None:
    """``task(start, width)`` over column chunks of at most ``_CHUNK_COLS`` covering
    ``[0, M)``, one after another; each chunk's GEMMs use OpenBLAS's own threads.

    Running the chunks as tasks on the runtime's threads with OpenBLAS single-threaded
    instead (as Winograd does) measured faster for single convolutions on a busy machine,
    but inside whole W8/W9 steps on a quiet one it was slower (W8 174 vs 134 ms/step):
    OpenBLAS's worker, still spinning after the step's other GEMMs, takes a core from the
    pool's threads (benchmarks/NOTES.md, "Convolution: pointwise and polyphase paths").
    """
    for start in range(0, M, _CHUNK_COLS):
        task(start, min(_CHUNK_COLS, M - start))


def supports(g: Geometry, groups: int, KH: int, KW: int) -> bool:
    """Whether this path computes the geometry: groups 1, unit dilation, a stride above
    one in some dim, and a non-empty output. It also needs
    :func:`autograd.kernels._blas.gemm_fn`."""
    return (groups == 1 and g.dh == 1 and g.dw == 1 and (g.sh > 1 or g.sw > 1)
            and g.OH >= 1 and g.OW >= 1)


class _Plan:
    """The phase grid of one conv: sizes, tap offsets and which phases each tap uses."""

    def __init__(self, g: Geometry, N: int, C: int, KH: int, KW: int) -> None:
        sh, sw = g.sh, g.sw
        self.g, self.N, self.C = g, N, C
        self.QH, self.QW = -(-KH // sh), -(-KW // sw)
        # Phase images exactly as large as the outputs read: row oh + qh for qh < QH.
        self.HQ, self.WQ = g.OH + self.QH - 1, g.OW + self.QW - 1
        self.P = sh * sw
        self.M = N * self.HQ * self.WQ
        # (tap index, column offset, [(first phase, phase count), ...]) per phase tap
        self.taps = []
        for qh in range(self.QH):
            nh = min(sh, KH - qh * sh)
            for qw in range(self.QW):
                nw = min(sw, KW - qw * sw)
                runs = [(0, nh * sw)] if nw == sw else [(rh * sw, nw) for rh in range(nh)]
                self.taps.append((qh * self.QW + qw, qh * self.WQ + qw, runs))
        self.slack = (self.QH - 1) * self.WQ + self.QW - 1

    def phase_slices(self, p: int, H: int, W: int):
        """For phase ``p``: the grid rows/cols ``(i0, i1, j0, j1)`` holding input pixels and
        the input's first row/col ``(ih0, iw0)`` there (rows step by ``sh``); None if the
        phase reads no input pixel."""
        g = self.g
        rh, rw = divmod(p, g.sw)
        i0, i1 = _phase_range(g.pt, rh, g.sh, H, self.HQ)
        j0, j1 = _phase_range(g.pl, rw, g.sw, W, self.WQ)
        if i1 <= i0 or j1 <= j0:
            return None
        return i0, i1, j0, j1, i0 * g.sh + rh - g.pt, j0 * g.sw + rw - g.pl


def _phase_range(pad: int, r: int, s: int, size: int, n: int) -> tuple[int, int]:
    """The phase indices ``i`` in ``[0, n)`` whose input row ``i*s + r - pad`` lies in
    ``[0, size)``."""
    lo = max(0, -(-(pad - r) // s))
    hi = min(n, -(-(size + pad - r) // s))
    return lo, hi


def _phase_weight(w: np.ndarray, plan: _Plan) -> np.ndarray:
    """w[O, C, KH, KW] -> ``Wq[QH*QW, O, P*C]``: tap ``(qh, qw)``, phase-major columns
    (zeros where a phase has no kernel tap; never read)."""
    O, C, KH, KW = w.shape
    sh, sw = plan.g.sh, plan.g.sw
    wp = np.zeros((O, C, plan.QH * sh, plan.QW * sw), dtype=w.dtype)
    wp[:, :, :KH, :KW] = w
    return np.ascontiguousarray(wp.reshape(O, C, plan.QH, sh, plan.QW, sw)
                                .transpose(2, 4, 0, 3, 5, 1)).reshape(plan.QH * plan.QW, O,
                                                                       plan.P * C)


def _grid(x: np.ndarray, plan: _Plan) -> np.ndarray:
    """x[N, C, H, W] -> the phase grid ``X[P*C, M + slack]`` (zeros for padding)."""
    N, C, H, W = x.shape
    g = plan.g
    # np.zeros then one copy per phase measured faster than zeroing only the padding
    # (four small strided writes per phase), 0.12-0.96 ms vs 0.15-1.01 ms on W8/W9 shapes.
    X = _alloc.empty((plan.P * C, plan.M + plan.slack), x.dtype)
    X.fill(0)
    for p in range(plan.P):
        sl = plan.phase_slices(p, H, W)
        if sl is None:
            continue
        i0, i1, j0, j1, ih0, iw0 = sl
        dst = X[p * C:(p + 1) * C, :plan.M].reshape(C, N, plan.HQ, plan.WQ)
        src = x[:, :, ih0:ih0 + (i1 - i0 - 1) * g.sh + 1:g.sh,
                iw0:iw0 + (j1 - j0 - 1) * g.sw + 1:g.sw]
        dst[:, :, i0:i1, j0:j1] = src.transpose(1, 0, 2, 3)
    return X


def _out_grid(gy: np.ndarray, plan: _Plan, front: int) -> np.ndarray:
    """gy[N, O, OH, OW] laid out like the forward's output grid, zeros elsewhere, after
    ``front`` zero columns: ``[O, front + M]``."""
    O = gy.shape[1]
    G = _alloc.empty((O, front + plan.M), gy.dtype)
    G.fill(0)
    G[:, front:].reshape(O, plan.N, plan.HQ, plan.WQ)[:, :, :plan.g.OH, :plan.g.OW] = \
        gy.transpose(1, 0, 2, 3)
    return G


def forward(x: np.ndarray, w: np.ndarray, g: Geometry, groups: int,
            bias: np.ndarray | None) -> np.ndarray:
    """y[N, O, OH, OW] = conv2d(x, w) (+ bias[o]) for a geometry :func:`supports`."""
    N, C = x.shape[:2]
    O, _, KH, KW = w.shape
    plan = _Plan(g, N, C, KH, KW)
    X, Wq = _grid(x, plan), _phase_weight(w, plan)
    M, S, PC = plan.M, X.shape[1], plan.P * C
    Y = _alloc.empty((O, M), x.dtype)
    gemm = _blas.gemm_fn(x.dtype)
    assert gemm is not None, "the polyphase path needs NumPy's OpenBLAS (see supports)"
    isz = x.itemsize
    xp, yp, wp = X.ctypes.data, Y.ctypes.data, Wq.ctypes.data

    def chunk(s: int, cs: int) -> None:
        beta = 0.0
        for t, off, runs in plan.taps:
            for p0, n in runs:
                # Y[:, s:s+cs] (+)= Wq[t][:, p0*C:(p0+n)*C] @ X[p0*C:(p0+n)*C, s+off : +cs]
                gemm(_ROW_MAJOR, _NO_TRANS, _NO_TRANS, O, cs, n * C,
                     1.0, wp + (t * O * PC + p0 * C) * isz, PC,
                     xp + (p0 * C * S + s + off) * isz, S, beta, yp + s * isz, M)
                beta = 1.0
    _in_chunks(M, chunk)
    y = _alloc.empty((N, O, g.OH, g.OW), x.dtype)
    crop = Y.reshape(O, N, plan.HQ, plan.WQ)[:, :, :g.OH, :g.OW].transpose(1, 0, 2, 3)
    if bias is None:
        y[...] = crop
    else:  # the bias rides on the crop copy instead of a separate pass over y
        np.add(crop, bias.reshape(O, 1, 1), out=y)
    return y


def backward_input(gy: np.ndarray, w: np.ndarray, x_shape: Sequence[int], g: Geometry,
                   groups: int) -> np.ndarray:
    """gx[N, C, H, W]: the forward's adjoint on the phase grid, read back out of the phases.

    ``GX[p-block, q] = sum_taps Wq[t][:, p-block]^T @ G[:, q - off_t]``: a grid column minus
    a tap offset that wraps into the previous row or image lands on the zero part of the
    output grid (``ow >= OW`` or ``oh >= OH``), or on the front zero padding.
    """
    N, C, H, W = (int(s) for s in x_shape)
    O, _, KH, KW = w.shape
    plan = _Plan(g, N, C, KH, KW)
    Wq = _phase_weight(w, plan)
    front = plan.slack
    G = _out_grid(gy, plan, front)
    M, PC, MG = plan.M, plan.P * C, G.shape[1]
    GX = _alloc.empty((PC, M), gy.dtype)
    GX.fill(0)  # phases without a tap stay zero
    gemm = _blas.gemm_fn(gy.dtype)
    assert gemm is not None, "the polyphase path needs NumPy's OpenBLAS (see supports)"
    isz = gy.itemsize
    gp, xp, wp = G.ctypes.data, GX.ctypes.data, Wq.ctypes.data

    def chunk(s: int, cs: int) -> None:
        for t, off, runs in plan.taps:
            for p0, n in runs:
                # GX[p0*C:(p0+n)*C, s:s+cs] += Wq[t][:, p0*C:(p0+n)*C]^T @ G[:, front+s-off : +cs]
                gemm(_ROW_MAJOR, _TRANS, _NO_TRANS, n * C, cs, O,
                     1.0, wp + (t * O * PC + p0 * C) * isz, PC,
                     gp + (front + s - off) * isz, MG, 1.0, xp + (p0 * C * M + s) * isz, M)
    _in_chunks(M, chunk)
    covered = (plan.HQ * g.sh >= g.pt + H) and (plan.WQ * g.sw >= g.pl + W)
    gx = _alloc.empty((N, C, H, W), gy.dtype)
    if not covered:
        gx.fill(0)
    for p in range(plan.P):
        sl = plan.phase_slices(p, H, W)
        if sl is None:
            continue
        i0, i1, j0, j1, ih0, iw0 = sl
        src = GX[p * C:(p + 1) * C].reshape(C, N, plan.HQ, plan.WQ)[:, :, i0:i1, j0:j1]
        gx[:, :, ih0:ih0 + (i1 - i0 - 1) * g.sh + 1:g.sh,
           iw0:iw0 + (j1 - j0 - 1) * g.sw + 1:g.sw] = src.transpose(1, 0, 2, 3)
    return gx


def backward_weight(x: np.ndarray, gy: np.ndarray, w_shape: Sequence[int], g: Geometry,
                    groups: int) -> np.ndarray:
    """gw[O, C, KH, KW]: ``X[run, off_t : off_t + M] @ G[O, M]^T`` per tap and phase run,
    chunked over M so G's block is reused by every tap while in cache."""
    N, C = x.shape[:2]
    O, _, KH, KW = (int(s) for s in w_shape)
    plan = _Plan(g, N, C, KH, KW)
    X, G = _grid(x, plan), _out_grid(gy, plan, 0)
    M, S, PC = plan.M, X.shape[1], plan.P * C
    # transposed result [run*C, O], as in the taps path (where OpenBLAS split the longer M
    # side between its threads better); here within noise of [O, run*C] on W8/W9 shapes
    gwq = np.zeros((plan.QH * plan.QW, PC, O), dtype=x.dtype)
    gemm = _blas.gemm_fn(x.dtype)
    assert gemm is not None, "the polyphase path needs NumPy's OpenBLAS (see supports)"
    isz = x.itemsize
    xp, gp, wp = X.ctypes.data, G.ctypes.data, gwq.ctypes.data
    # One task per tap and block of at most _WEIGHT_BLOCK_ROWS rows of a phase run: the
    # tasks write disjoint blocks of gwq (no reduction), each summing over all of M.
    step = _WEIGHT_BLOCK_ROWS
    blocks = [(t, off, r, min(step, (p0 + n) * C - r))
              for t, off, runs in plan.taps for p0, n in runs
              for r in range(p0 * C, (p0 + n) * C, step)]

    def block(_, i: int) -> None:
        t, off, r, rows = blocks[i]
        for s in range(0, M, _CHUNK_COLS):
            cs = min(_CHUNK_COLS, M - s)
            # gwq[t][r:r+rows] += X[r:r+rows, s+off : +cs] @ G[:, s:s+cs]^T
            gemm(_ROW_MAJOR, _NO_TRANS, _TRANS, rows, O, cs,
                 1.0, xp + (r * S + s + off) * isz, S, gp + s * isz, M,
                 1.0, wp + (t * PC + r) * O * isz, O)
    for i in range(len(blocks)):
        block(None, i)
    sh, sw, QH, QW = g.sh, g.sw, plan.QH, plan.QW
    # Two copies, each with a run of C or O elements innermost, instead of one 6-D copy
    # whose innermost run is sw elements (NumPy's iterator overhead per run dominated).
    taps = np.ascontiguousarray(gwq.reshape(QH, QW, sh, sw, C, O).transpose(5, 0, 2, 1, 3, 4))
    gwp = np.ascontiguousarray(taps.reshape(O, QH * sh * QW * sw, C).transpose(0, 2, 1))
    return np.ascontiguousarray(gwp.reshape(O, C, QH * sh, QW * sw)[:, :, :KH, :KW])
