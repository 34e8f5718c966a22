"""Convolution kernels: im2col/col2im (unfold/fold) and conv2d forward + both backwards.

Everything is 2-D; the op layer handles 1-D convolution as 2-D with ``H == 1`` (and
``KH == 1``). All functions are pure: they take C-contiguous float32/float64 arrays and
return new arrays. The forward can add a bias; its gradient (a sum of ``gy``) is the op layer's.

Conventions shared by every public function (PyTorch's ``nn.functional`` semantics):

* ``stride = (sh, sw)``, ``dilation = (dh, dw)``, all ``>= 1``.
* ``padding`` is either ``(ph, pw)`` (symmetric, as PyTorch) or
  ``(top, bottom, left, right)``. The 4-tuple exists for ``padding='same'`` with an even
  effective kernel, where PyTorch pads ``total // 2`` before and the rest after; the op
  layer can pass that directly instead of padding the input first.
* Output size: ``OH = (H + top + bottom - dh*(KH-1) - 1) // sh + 1`` (same for W).

Four algorithms (see :func:`_choose_algorithm` for the rule and the measurements):

* ``"winograd"`` (3x3, stride 1, dilation 1, groups 1, padding 0..2): Winograd
  F(2x2, 3x3) in :mod:`autograd.kernels.winograd`, 16 GEMMs over channels on 2x2 output
  tiles instead of 36 multiply-adds per output pair, run in L2-sized chunks by one
  Python thread per core (one ``nogil`` Numba call per chunk: transforms and
  single-threaded BLAS GEMMs).
* ``"taps"`` (stride 1, groups 1, padding at most the dilated kernel extent): no
  im2col. The input is zero-padded once into a ``[C, M (+ slack)]`` matrix (the
  padded images flattened per channel, ``M ~ N*(H+p)*(W+p)``, see :func:`_pad_grid`)
  in which every kernel tap ``(kh, kw)`` is a column-offset view, so the conv on the
  whole padded grid is ``sum_taps W[:, :, kh, kw] @ X[:, off:off+M]``: ``KH*KW`` GEMMs
  accumulated in place by BLAS (``beta=1``), column chunk by column chunk so the output
  block stays in L2; the valid outputs are then cropped out of the grid. Grad-input is
  the same on the padded ``gy`` grid with flipped, transposed taps; grad-weight is one
  ``[O, M] @ [M, C]`` GEMM per tap. The offset views have a leading dimension larger
  than their width, which NumPy's and SciPy's wrappers would copy, so the GEMMs call
  NumPy's own OpenBLAS through ``ctypes`` (the path is off when that library is not
  found).

* ``"gemm"``: im2col in Numba (parallel over ``N*C``) into the "GEMM layout"
  ``[C*KH*KW, N, L]``, then ONE BLAS GEMM per group and stage through ``np.matmul``
  over all ``N*L`` columns (a few equal batch chunks when the columns would exceed
  ``_COL_BUDGET_BYTES``); grad-input folds the GEMM's columns back with col2im.
* ``"direct"``: loop nests in Numba (parallel over ``N*O``, ``N*C`` or ``O*Cg``
  planes), for depthwise and tiny grouped convolutions where the per-group GEMMs are
  too thin for BLAS to pay off.

The GEMM path needs a scratch column buffer of ``C*KH*KW*N*L`` elements (capped by the
budget); the taps path two padded grids (``(C + O) * M`` elements); the Winograd path
about 1 MB per thread; the direct path none.
"""
from __future__ import annotations

import numpy as np

from . import _blas
from . import winograd as WG
from ._jit import njit_parallel, prange

__all__ = [
    "conv_output_size",
    "im2col",
    "col2im",
    "conv2d_forward",
    "conv2d_backward_input",
    "conv2d_backward_weight",
]


# --------------------------------------------------------------------------- helpers
def _pad4(padding):
    """(ph, pw) -> (top, bottom, left, right); a 4-tuple passes through."""
    if len(padding) == 2:
        ph, pw = padding
        return int(ph), int(ph), int(pw), int(pw)
    t, b, l, r = padding
    return int(t), int(b), int(l), int(r)


def conv_output_size(in_size, kernel, stride, pad_before, pad_after, dilation):
    """Output length of one spatial dim: ``(in + pads - d*(k-1) - 1) // s + 1``.

    Returns a Python int (may be ``<= 0`` for a too-small input; the op layer reports that).
    """
    return (in_size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


def _check(name, *arrays):
    # The op layer guarantees these; one cheap check per public call catches a wiring bug
    # before Numba compiles a slow 'A'-layout specialisation or mixes dtypes silently.
    dt = arrays[0].dtype
    for a in arrays:
        assert a.flags.c_contiguous, f"{name}: kernel input must be C-contiguous"
        assert a.dtype == dt and dt in (np.float32, np.float64), (
            f"{name}: kernel inputs must share one float dtype, got {[b.dtype for b in arrays]}"
        )


# --------------------------------------------------------------------------- Numba kernels
# Index bookkeeping shared by every loop nest below: for kernel tap (kh, kw) the input
# pixel read by output (oh, ow) is ih = oh*sh - pt + kh*dh, iw = ow*sw - a with
# a = pl - kw*dw. The valid ow form one interval [lo, hi) computed once per tap, so the
# innermost loops run without bounds tests (and vectorise when sw == 1).


@njit_parallel
def _im2col_kernel(x, cols, KH, KW, sh, sw, pt, pl, dh, dw, OH, OW):
    # x[N, C, H, W] -> cols[C*KH*KW, N, OH*OW]. This "GEMM layout" lets each conv stage
    # be ONE large GEMM over all N*L columns instead of N thin ones. Every element of
    # cols is written (zeros where the window hits padding): cols may be np.empty.
    N, C, H, W = x.shape
    for nc in prange(N * C):
        n = nc // C
        c = nc - n * C
        for kh in range(KH):
            for kw in range(KW):
                row = (c * KH + kh) * KW + kw
                a = pl - kw * dw
                lo = (a + sw - 1) // sw if a > 0 else 0  # ceil(a / sw), >= 0
                hi = (W - 1 + a) // sw + 1 if W - 1 + a >= 0 else 0
                if hi > OW:
                    hi = OW
                if lo > hi:
                    lo = hi
                for oh in range(OH):
                    ih = oh * sh - pt + kh * dh
                    base = oh * OW
                    if ih < 0 or ih >= H:
                        for ow in range(OW):
                            cols[row, n, base + ow] = 0.0
                        continue
                    for ow in range(lo):
                        cols[row, n, base + ow] = 0.0
                    if sw == 1:  # unit stride: a contiguous copy (memcpy speed)
                        cols[row, n, base + lo:base + hi] = x[n, c, ih, lo - a:hi - a]
                    else:
                        for ow in range(lo, hi):
                            cols[row, n, base + ow] = x[n, c, ih, ow * sw - a]
                    for ow in range(hi, OW):
                        cols[row, n, base + ow] = 0.0


@njit_parallel
def _col2im_kernel(cols, x, KH, KW, sh, sw, pt, pl, dh, dw, OH, OW):
    # Adjoint of _im2col_kernel: x[n, c] = sum of every column entry read from it.
    # Parallel over N*C so each thread owns whole x[n, c] planes (no write races).
    N, C, H, W = x.shape
    for nc in prange(N * C):
        n = nc // C
        c = nc - n * C
        for ih in range(H):
            for iw in range(W):
                x[n, c, ih, iw] = 0.0
        for kh in range(KH):
            for kw in range(KW):
                row = (c * KH + kh) * KW + kw
                a = pl - kw * dw
                lo = (a + sw - 1) // sw if a > 0 else 0
                hi = (W - 1 + a) // sw + 1 if W - 1 + a >= 0 else 0
                if hi > OW:
                    hi = OW
                for oh in range(OH):
                    ih = oh * sh - pt + kh * dh
                    if ih < 0 or ih >= H:
                        continue
                    base = oh * OW
                    if sw == 1:
                        for ow in range(lo, hi):
                            x[n, c, ih, ow - a] += cols[row, n, base + ow]
                    else:
                        for ow in range(lo, hi):
                            x[n, c, ih, ow * sw - a] += cols[row, n, base + ow]


@njit_parallel
def _direct_forward_kernel(x, w, y, groups, sh, sw, pt, pl, dh, dw):
    # y[n, o] = sum_{cg, kh, kw} w[o, cg, kh, kw] * x[n, g*Cg + cg, ih, iw].
    # Parallel over N*O planes; each output row is accumulated in a small local buffer
    # (stays in L1, and numba can vectorise the unit-stride inner loop since it cannot
    # alias x) and stored once.
    N, C, H, W = x.shape
    O, Cg, KH, KW = w.shape
    _, _, OH, OW = y.shape
    Og = O // groups
    for no in prange(N * O):
        n = no // O
        o = no - n * O
        c0 = (o // Og) * Cg
        acc = np.empty(OW, dtype=y.dtype)
        for oh in range(OH):
            acc[:] = 0.0
            for kh in range(KH):
                ih = oh * sh - pt + kh * dh
                if ih < 0 or ih >= H:
                    continue
                for cg in range(Cg):
                    xrow = x[n, c0 + cg, ih]
                    for kw in range(KW):
                        wv = w[o, cg, kh, kw]
                        a = pl - kw * dw
                        lo = (a + sw - 1) // sw if a > 0 else 0
                        hi = (W - 1 + a) // sw + 1 if W - 1 + a >= 0 else 0
                        if hi > OW:
                            hi = OW
                        if sw == 1:  # unit stride: the common case, vectorises
                            for ow in range(lo, hi):
                                acc[ow] += wv * xrow[ow - a]
                        else:
                            for ow in range(lo, hi):
                                acc[ow] += wv * xrow[ow * sw - a]
            y[n, o, oh, :] = acc


@njit_parallel
def _direct_backward_input_kernel(gy, w, gx, groups, sh, sw, pt, pl, dh, dw):
    # gx[n, c, ih, :] gathers, for every (o, kh) whose tap lands on row ih, the gy row
    # oh = (ih + pt - kh*dh) / sh (when integral) scattered along W by the kw taps.
    # Parallel over N*C planes; rows accumulate in a local buffer.
    N, C, H, W = gx.shape
    O, Cg, KH, KW = w.shape
    _, _, OH, OW = gy.shape
    Og = O // groups
    for nc in prange(N * C):
        n = nc // C
        c = nc - n * C
        g = c // Cg
        cg = c - g * Cg
        acc = np.empty(W, dtype=gx.dtype)
        for ih in range(H):
            acc[:] = 0.0
            for kh in range(KH):
                t = ih + pt - kh * dh
                if t < 0 or t % sh != 0 or t // sh >= OH:
                    continue
                oh = t // sh
                for o in range(g * Og, (g + 1) * Og):
                    grow = gy[n, o, oh]
                    for kw in range(KW):
                        wv = w[o, cg, kh, kw]
                        a = pl - kw * dw
                        lo = (a + sw - 1) // sw if a > 0 else 0
                        hi = (W - 1 + a) // sw + 1 if W - 1 + a >= 0 else 0
                        if hi > OW:
                            hi = OW
                        if sw == 1:
                            for ow in range(lo, hi):
                                acc[ow - a] += wv * grow[ow]
                        else:
                            for ow in range(lo, hi):
                                acc[ow * sw - a] += wv * grow[ow]
            gx[n, c, ih, :] = acc


@njit_parallel
def _direct_backward_weight_kernel(x, gy, gw, groups, sh, sw, pt, pl, dh, dw):
    # gw[o, cg, kh, kw] = sum_{n, oh, ow} gy[n, o, oh, ow] * x[n, c, ih, iw].
    # Parallel over O*Cg. The sum over ow is kept lane-wise in a local vector (an
    # elementwise update vectorises; a scalar float reduction would not without
    # fastmath), and the lanes are summed in float64 at the end.
    N, C, H, W = x.shape
    O, Cg, KH, KW = gw.shape
    _, _, OH, OW = gy.shape
    Og = O // groups
    for oc in prange(O * Cg):
        o = oc // Cg
        cg = oc - o * Cg
        c = (o // Og) * Cg + cg
        lanes = np.empty(OW, dtype=gw.dtype)
        for kh in range(KH):
            for kw in range(KW):
                a = pl - kw * dw
                lo = (a + sw - 1) // sw if a > 0 else 0
                hi = (W - 1 + a) // sw + 1 if W - 1 + a >= 0 else 0
                if hi > OW:
                    hi = OW
                lanes[:] = 0.0
                for n in range(N):
                    for oh in range(OH):
                        ih = oh * sh - pt + kh * dh
                        if ih < 0 or ih >= H:
                            continue
                        grow = gy[n, o, oh]
                        xrow = x[n, c, ih]
                        if sw == 1:
                            for ow in range(lo, hi):
                                lanes[ow] += grow[ow] * xrow[ow - a]
                        else:
                            for ow in range(lo, hi):
                                lanes[ow] += grow[ow] * xrow[ow * sw - a]
                total = 0.0
                for ow in range(OW):
                    total += lanes[ow]
                gw[o, cg, kh, kw] = total


# --------------------------------------------------------------------------- taps path
# NumPy's own OpenBLAS through ctypes (autograd/kernels/_blas.py); None without it.
_CBLAS_ROW_MAJOR, _CBLAS_NO_TRANS, _CBLAS_TRANS = _blas.ROW_MAJOR, _blas.NO_TRANS, _blas.TRANS


def _gemm_fn(dtype):
    """``cblas_?gemm`` of NumPy's OpenBLAS for ``dtype``, or None (taps and Winograd off)."""
    return _blas.gemm_fn(dtype)


def _taps_valid(groups, stride, pads, dilation, KH, KW, H, W):
    """Whether the taps path computes this geometry (see the module docstring)."""
    sh, sw = stride
    dh, dw = dilation
    pt, pb, pl, pr = pads
    return (groups == 1 and sh == 1 and sw == 1
            and max(pt, pb) <= dh * (KH - 1) and max(pl, pr) <= dw * (KW - 1)
            and H + pt + pb - dh * (KH - 1) >= 1 and W + pl + pr - dw * (KW - 1) >= 1)


# Output columns per GEMM block: a [64, 4096] float32 block is 1 MB, half the 2 MB L2,
# and stays there across the KH*KW accumulating GEMMs (1024..16384 measured within noise
# of each other on W6's forward). Grad-weight's K block: see _taps_backward_weight.
_TAP_CHUNK_COLS = 4096
_TAP_WEIGHT_CHUNK_COLS = 4096


def _pad_grid(x, pads, dilation, KH, KW):
    """x[N, C, H, W] -> zero-padded grid ``X[C, M + slack]`` and its geometry.

    Pixel ``(n, h, w)`` sits at column ``base + (n*Hs + h)*R + w`` with row length
    ``R = W + max(left, right)`` and ``Hs = H + max(top, bottom)`` rows per image,
    ``base = top*R + left``: consecutive rows (and images) share their zero padding,
    which is enough because a window never reaches further than ``max(left, right)``
    zeros past a row end (likewise for rows). Output ``(n, oh, ow)`` of the stride-1
    conv is grid column ``p = (n*Hs + oh)*R + ow``, and kernel tap ``(kh, kw)`` reads
    column ``p + kh*dh*R + kw*dw``. ``M = N*Hs*R``; the slack covers the last taps.

    Returns ``(X, Hs, R, M, offs)`` with ``offs`` the tap offsets in ``(kh, kw)`` order.
    """
    N, C, H, W = x.shape
    pt, pb, pl, pr = pads
    dh, dw = dilation
    R, Hs = W + max(pl, pr), H + max(pt, pb)
    M = N * Hs * R
    offs = [kh * dh * R + kw * dw for kh in range(KH) for kw in range(KW)]
    base = pt * R + pl
    X = np.zeros((C, M + offs[-1]), dtype=x.dtype)
    X[:, base:base + M].reshape(C, N, Hs, R)[:, :, :H, :W] = x.transpose(1, 0, 2, 3)
    return X, Hs, R, M, offs


def _taps_conv(x, wt, pads, dilation, KH, KW, bias=None):
    """Stride-1 conv of x[N, C, H, W] with taps wt[KH*KW, O, C] (+ bias[O]) -> y[N, O, OH, OW]."""
    N, C, H, W = x.shape
    O = wt.shape[1]
    dh, dw = dilation
    pt, pb, pl, pr = pads
    OH, OW = H + pt + pb - dh * (KH - 1), W + pl + pr - dw * (KW - 1)
    X, Hs, R, M, offs = _pad_grid(x, pads, dilation, KH, KW)
    S = X.shape[1]
    Y = np.empty((O, M), dtype=x.dtype)
    gemm = _gemm_fn(x.dtype)
    isz = x.itemsize
    xp, yp, wp = X.ctypes.data, Y.ctypes.data, wt.ctypes.data
    for s in range(0, M, _TAP_CHUNK_COLS):
        cs = min(_TAP_CHUNK_COLS, M - s)
        for t, off in enumerate(offs):
            # Y[:, s:s+cs] (+)= wt[t] @ X[:, s+off : s+off+cs]; leading dims M, C, S
            gemm(_CBLAS_ROW_MAJOR, _CBLAS_NO_TRANS, _CBLAS_NO_TRANS, O, cs, C,
                 1.0, wp + t * O * C * isz, C, xp + (s + off) * isz, S,
                 1.0 if t else 0.0, yp + s * isz, M)
    y = np.empty((N, O, OH, OW), dtype=x.dtype)
    crop = Y.reshape(O, N, Hs, R)[:, :, :OH, :OW].transpose(1, 0, 2, 3)
    if bias is None:
        y[...] = crop
    else:  # the bias rides on the crop copy instead of a separate pass over y
        np.add(crop, bias.reshape(O, 1, 1), out=y)
    return y


def _taps_forward(x, w, pads, dilation, bias=None):
    KH, KW = w.shape[2:]
    wt = np.ascontiguousarray(w.transpose(2, 3, 0, 1)).reshape(KH * KW, w.shape[0], w.shape[1])
    return _taps_conv(x, wt, pads, dilation, KH, KW, bias)


def _taps_backward_input(gy, w, pads, dilation):
    # gx is the full correlation of gy with the flipped kernel, transposed over (O, C):
    # the same tap conv on gy padded by (extent - pad) on each side.
    O, C, KH, KW = w.shape
    dh, dw = dilation
    pt, pb, pl, pr = pads
    eh, ew = dh * (KH - 1), dw * (KW - 1)
    wt = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(2, 3, 1, 0)).reshape(KH * KW, C, O)
    return _taps_conv(gy, wt, (eh - pt, eh - pb, ew - pl, ew - pr), dilation, KH, KW)


def _taps_backward_weight(x, gy, w_shape, pads, dilation):
    # gw[:, :, kh, :] = (Xs_kh[KW*C, M] @ G[O, M].T).T, with G = gy laid out like the
    # forward's output grid (zeros where no output exists) and Xs_kh the grid stacked over
    # the KW column taps (row kw*C + c is channel c shifted by kw*dw, read at column
    # offset kh*dh*R): one [KW*C, O] GEMM per kernel row instead of KW [O, C] ones, so
    # each packed block of G serves KW times more output. Same-process A/B, ms per call:
    # per-tap [O, C] GEMMs W6 25-32, W2 conv2 5.3-5.7; stacked [O, KW*C] W6 25-27, W2
    # conv2 4.8-5.1; stacked and transposed ([KW*C, O], OpenBLAS then splits the longer
    # M = KW*C side between its threads) in a slower phase of the machine W6 26 vs 34.5,
    # W2 conv2 7.2 vs 8.4 for the untransposed one. Chunked over M (4096 beat 16384 by
    # a few percent) so G's block is reused by all kernel rows while in cache.
    N, C, H, W = x.shape
    O, _, KH, KW = w_shape
    OH, OW = gy.shape[2:]
    dh, dw = dilation
    X, Hs, R, M, offs = _pad_grid(x, pads, dilation, KH, KW)
    S = M + (KH - 1) * dh * R
    Xs = np.empty((KW, C, S), dtype=x.dtype)
    for kw in range(KW):
        Xs[kw] = X[:, kw * dw:kw * dw + S]
    del X
    G = np.zeros((O, M), dtype=x.dtype)
    G.reshape(O, N, Hs, R)[:, :, :OH, :OW] = gy.transpose(1, 0, 2, 3)
    KC = KW * C
    gwt = np.zeros((KH, KC, O), dtype=x.dtype)  # stays zero for an empty batch (M == 0)
    gemm = _gemm_fn(x.dtype)
    isz = x.itemsize
    xp, gp, wp = Xs.ctypes.data, G.ctypes.data, gwt.ctypes.data
    for s in range(0, M, _TAP_WEIGHT_CHUNK_COLS):
        cs = min(_TAP_WEIGHT_CHUNK_COLS, M - s)
        for kh in range(KH):
            # gwt[kh] (+)= Xs[:, s + kh*dh*R : ... + cs] @ G[:, s:s+cs].T; leading dims S, M, O
            gemm(_CBLAS_ROW_MAJOR, _CBLAS_NO_TRANS, _CBLAS_TRANS, KC, O, cs,
                 1.0, xp + (s + kh * dh * R) * isz, S, gp + s * isz, M,
                 1.0 if s else 0.0, wp + kh * KC * O * isz, O)
    return np.ascontiguousarray(gwt.reshape(KH, KW, C, O).transpose(3, 2, 0, 1))


# --------------------------------------------------------------------------- algorithm choice
def _choose_algorithm(C, O, groups, KH, KW, taps_ok=False, winograd_ok=False):
    """Return ``"winograd"``, ``"taps"``, ``"direct"`` or ``"gemm"``: THE rule for which
    conv algorithm runs (:func:`_algorithm` applies it).

    ``winograd_ok`` / ``taps_ok`` say whether those paths can compute the geometry at all
    (see :func:`winograd.winograd_possible` and :func:`_taps_valid`; both need NumPy's
    OpenBLAS). A pick that cannot run is demoted: winograd -> taps -> gemm.

    ``"winograd"`` iff ``winograd_ok`` and ``min(C, O) >= _WINOGRAD_MIN_CHANNELS`` (64).
    Winograd vs taps, float32 3x3 stride 1, fwd + grad-input + grad-weight in ms, same
    process, noisy 2-core machine, two runs each:

    ==============================  ==============  ==============
    x -> O channels                 winograd        taps
    ==============================  ==============  ==============
    W6 [32,64,32,32] -> 64          33.6            71.7
    [32,128,16,16] -> 128           31.9            59.1
    [16,256,8,8] -> 256             29.1            31.2
    [64,64,8,8] -> 64               6.4 / 6.9       8.2 / 9.2
    W2 conv2 [64,32,13,13] -> 64    7.1 / 7.5       19.8 / 19.0
    [32,32,32,32] -> 32             13.6 / 19.7     19.3 / 20.9
    [32,24,32,32] -> 24             11.6 / 9.7      13.7 / 12.8
    [32,16,32,32] -> 16             7.7 / 8.1       6.6 / 8.7
    [32,8,32,32] -> 8               3.4             2.3
    ==============================  ==============  ==============

    Winograd does 16 instead of 36 multiply-adds per output and channel pair, but its
    GEMMs have ``K = C`` (or ``O``) and its transforms make a pass over 16 values per tile
    and channel, so it needs enough channels; in isolation it wins from about 24. The
    threshold is 64 all the same: inside W2's training step, Winograd for conv2 (32 -> 64)
    did not pay (A/B in one process, 12 rounds of 20 steps, medians 29-41 ms vs 27-38 ms
    on taps), and compiling its kernels added 4-5 s to W2's cold first step. The cause:
    after a multi-threaded OpenBLAS call (conv1's GEMMs, the Linear layer) OpenBLAS's idle
    worker keeps spinning for a while and takes a core from Winograd's two threads (conv2's
    forward alone 2.4-3.4 ms, right after a 256^3 ``np.matmul`` 3.9-4.8 ms; inside W2's
    step its three stages took 2.5x their isolated time, the taps path's 1.4x).

    ``"taps"`` iff ``taps_ok`` and ``min(C, O) >= _TAPS_MIN_CHANNELS`` (8): the tap GEMMs
    have ``K = C`` (forward) or ``K = O`` (grad-input), so both need a few channels.

    Taps vs gemm, float32 3x3 pad 1 stride 1, NUMBA_THREADING_LAYER=workqueue, Numba and
    OpenBLAS 2 threads, quiet 2-core machine, best of 3 rounds of 5 calls, fwd / grad-input
    / grad-weight in ms:

    * W6 x[32,64,32,32] -> 64: taps 17.4 / 17.4 / 22.4 (56.2 ms back to back, 129
      GFLOP/s; torch 38.7 ms in the same process, ratio 0.69), gemm 39.1 / 40.0 / 38.1
      (107.5). The gemm path's im2col (14 ms) and col2im are gone, and the forward's tap
      GEMMs run near BLAS peak (~150 GFLOP/s on the padded grid). A first version with a full ``Hp*Wp`` padded
      grid per image (13% more columns than outputs instead of 6%) took 63.6; stacking
      the KW column taps into one ``K = 3C`` GEMM per kernel row (3 shifted copies of the
      grid) cost more in copies than it saved in the forward (20.8 vs 17.8 ms), so only
      grad-weight stacks (see :func:`_taps_backward_weight`).
    * W2 conv2 x[64,32,13,13] -> 64: taps 3.5 / 3.7 / 5.4, gemm 5.0 / 6.3 / 5.5; in a
      slower phase of the machine taps 4.6 / 4.8 / 6.3 (16.3) vs gemm 6.7 / 8.1 / 7.2
      (22.0), torch 12.3.
    * x[32,8,32,32] -> 16: taps 1.8 / 1.6 / 3.9, gemm 2.5 / 4.5 / 3.8.
    * x[32,16,32,32] -> 16: taps 2.1 / 2.0 / 4.9, gemm 4.4 / 7.0 / 4.9.
    * W2 conv1 x[64,1,28,28] -> 32 (C = 1): taps 1.8 / 1.9 / 1.8, gemm 1.0 / 1.5 / 1.7:
      K = 1 tap GEMMs are pure memory traffic, hence the channel threshold.

    Otherwise ``"direct"`` iff ``groups > 1`` and ``(C // groups) * (O // groups) <= 4``
    (depthwise, depthwise with a small channel multiplier, tiny groups); ``"gemm"``
    otherwise. Direct vs gemm (earlier benchmarks, one thread, shared machine so the
    figures are noisy but the orderings held in every run):

    * depthwise x[32,64,32,32], groups=64:  direct 15-31 / 19-27 / 30-33,
      gemm 68-77 / 86-89 / 32-70. The grouped GEMM path does 64 GEMMs with M=1 and
      K=9: BLAS cannot amortise anything, im2col dominates.
    * groups=16 (Cg=Og=4): direct 58-128 / 58-107 / 105-133, gemm 77-81 / 37-46 / 40-76:
      GEMM already wins at Cg*Og = 16.
    * x[64,1,28,28] -> 32 ch (W2 conv1, C=1 but groups=1): gemm 8-9 / 1.5 / 2,
      direct 20-30 / 25-29 / 25-33: even with K=9 one big GEMM over N*L columns beats the
      loop nest, so small C alone does not select "direct".
    * x[32,8,32,32] -> 16 ch: gemm 6 / 3 / 5, direct 53 / 56 / 62.
    * W6 x[32,64,32,32] -> 64 ch: gemm ~10x faster than direct.
    """
    if winograd_ok and min(C, O) >= _WINOGRAD_MIN_CHANNELS:
        return "winograd"
    if taps_ok and min(C, O) >= _TAPS_MIN_CHANNELS:
        return "taps"
    if groups > 1 and (C // groups) * (O // groups) <= 4:
        return "direct"
    return "gemm"


_TAPS_MIN_CHANNELS = 8
_WINOGRAD_MIN_CHANNELS = 64


def _taps_possible(dtype, groups, stride, padding, dilation, KH, KW, H, W):
    return (_taps_valid(groups, (int(stride[0]), int(stride[1])), _pad4(padding),
                        (int(dilation[0]), int(dilation[1])), KH, KW, H, W)
            and _gemm_fn(dtype) is not None)


def _algorithm(dtype, C, O, groups, stride, padding, dilation, KH, KW, H, W):
    """The algorithm that runs: :func:`_choose_algorithm`'s pick, demoted to one that can
    compute the geometry (winograd -> taps -> gemm)."""
    stride = (int(stride[0]), int(stride[1]))
    dilation = (int(dilation[0]), int(dilation[1]))
    wino_ok = (WG.winograd_possible(KH, KW, stride, _pad4(padding), dilation, groups)
               and _gemm_fn(dtype) is not None)
    taps_ok = _taps_possible(dtype, groups, stride, padding, dilation, KH, KW, H, W)
    alg = _choose_algorithm(C, O, groups, KH, KW, taps_ok, wino_ok)
    if alg == "winograd" and not wino_ok:
        alg = "taps"
    if alg == "taps" and not taps_ok:
        alg = "gemm"
    return alg


# --------------------------------------------------------------------------- public API
# Column-buffer budget for the GEMM path: the batch is processed in equal chunks whose
# [C*K, B, L] column buffer stays under this size. It bounds scratch memory (W6's columns
# are 75 MB in one piece) and keeps the chunks few, because the best chunk size depends
# on the threading. W6 fwd+bwd ratio to torch (same run, loaded 2-core machine), by budget
# unbounded / 64 MB / 16 MB / 6 MB / 2.4 MB:
#   everything 1 thread:                       0.55 / 0.60 / 0.60 / 0.67 / 0.76
#   Numba 2 threads, OPENBLAS_NUM_THREADS=1:   0.64 / 0.81 / 0.61 / 0.50 / 0.21
#   Numba 2 threads, OpenBLAS 2 threads:       0.20 / 0.20 / 0.23 / 0.14 / (5-20x slower)
# Small chunks help a single thread (columns stay in cache) but every chunk alternates
# Numba's and OpenBLAS's thread pools, whose spin-waiting workers then fight for the
# cores; 64 MB (two chunks for W6) is never far from the best.
_COL_BUDGET_BYTES = 64 << 20


def _geometry(x_shape, w_shape, stride, padding, dilation):
    N, C, H, W = x_shape
    O, _, KH, KW = w_shape
    sh, sw = int(stride[0]), int(stride[1])
    dh, dw = int(dilation[0]), int(dilation[1])
    pt, pb, pl, pr = _pad4(padding)
    OH = conv_output_size(H, KH, sh, pt, pb, dh)
    OW = conv_output_size(W, KW, sw, pl, pr, dw)
    return sh, sw, dh, dw, pt, pl, OH, OW


def _unfold_gemm_layout(x, KH, KW, sh, sw, pt, pl, dh, dw, OH, OW):
    N, C = x.shape[0], x.shape[1]
    cols = np.empty((C * KH * KW, N, OH * OW), dtype=x.dtype)
    _im2col_kernel(x, cols, KH, KW, sh, sw, pt, pl, dh, dw, OH, OW)
    return cols


def im2col(x, kernel_size, dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    """Unfold sliding windows: ``torch.nn.functional.unfold`` on an array.

    Args:
        x: ``[N, C, H, W]`` float array, C-contiguous.
        kernel_size, dilation, stride: ``(KH, KW)``, ``(dh, dw)``, ``(sh, sw)``.
        padding: ``(ph, pw)`` or ``(top, bottom, left, right)``; zero padding.

    Returns:
        ``[N, C*KH*KW, L]`` with ``L = OH*OW``; row ``(c*KH + kh)*KW + kw`` holds
        ``x[n, c, oh*sh - top + kh*dh, ow*sw - left + kw*dw]`` at column ``oh*OW + ow``.
    """
    _check("im2col", x)
    KH, KW = int(kernel_size[0]), int(kernel_size[1])
    sh, sw, dh, dw, pt, pl, OH, OW = _geometry(x.shape, (0, 0, KH, KW), stride, padding, dilation)
    cols = _unfold_gemm_layout(x, KH, KW, sh, sw, pt, pl, dh, dw, OH, OW)
    # The kernel writes the GEMM layout [CK, N, L]; unfold's layout is [N, CK, L].
    return np.ascontiguousarray(cols.transpose(1, 0, 2))


def col2im(cols, output_size, kernel_size, dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    """Fold (sum) columns back into an image: ``torch.nn.functional.fold`` on an array.

    The adjoint of :func:`im2col`: overlapping windows are summed, padding is dropped.

    Args:
        cols: ``[N, C*KH*KW, L]`` float array, C-contiguous, ``L = OH*OW`` for the
            geometry below.
        output_size: ``(H, W)`` of the folded image.
        kernel_size, dilation, padding, stride: as in :func:`im2col`.

    Returns:
        ``[N, C, H, W]`` array of ``cols.dtype``.
    """
    _check("col2im", cols)
    KH, KW = int(kernel_size[0]), int(kernel_size[1])
    H, W = int(output_size[0]), int(output_size[1])
    N, CK, L = cols.shape
    C = CK // (KH * KW)
    sh, sw, dh, dw, pt, pl, OH, OW = _geometry((N, C, H, W), (0, 0, KH, KW), stride, padding, dilation)
    assert OH * OW == L, "col2im: L does not match the geometry"
    x = np.empty((N, C, H, W), dtype=cols.dtype)
    _col2im_kernel(np.ascontiguousarray(cols.transpose(1, 0, 2)), x, KH, KW, sh, sw, pt, pl, dh, dw, OH, OW)
    return x


def _chunk(N, rows, L, itemsize):
    """Samples per GEMM chunk: equal chunks whose ``[rows, B, L]`` buffer fits the budget."""
    per_sample = max(1, rows * L * itemsize)
    n_chunks = -(-(N * per_sample) // _COL_BUDGET_BYTES)  # ceil
    return max(1, -(-N // max(1, n_chunks)))


def conv2d_forward(x, w, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, bias=None):
    """2-D cross-correlation (``torch.nn.functional.conv2d``).

    Args:
        x: ``[N, C, H, W]``; w: ``[O, C // groups, KH, KW]``; same float dtype, C-contiguous.
        bias: optional ``[O]`` of the same dtype, added while the output is copied out of
            the GEMM layout (no separate pass over ``y``).
        stride: ``(sh, sw)``; dilation: ``(dh, dw)``.
        padding: ``(ph, pw)`` or ``(top, bottom, left, right)`` (zero padding).
        groups: ``C`` and ``O`` are both multiples of it.

    Returns:
        ``y[N, O, OH, OW]`` with ``OH = (H + top + bottom - dh*(KH-1) - 1)//sh + 1`` (W alike).
    """
    _check("conv2d_forward", x, w, *(() if bias is None else (bias,)))
    N, C, H, W = x.shape
    O, Cg, KH, KW = w.shape
    sh, sw, dh, dw, pt, pl, OH, OW = _geometry(x.shape, w.shape, stride, padding, dilation)
    alg = _algorithm(x.dtype, C, O, groups, stride, padding, dilation, KH, KW, H, W)
    if alg == "winograd":
        return WG.winograd_forward(x, w, _pad4(padding), bias)
    if alg == "taps":
        return _taps_forward(x, w, _pad4(padding), (dh, dw), bias)
    y = np.empty((N, O, OH, OW), dtype=x.dtype)
    if alg == "direct":
        _direct_forward_kernel(x, w, y, groups, sh, sw, pt, pl, dh, dw)
        if bias is not None:
            y += bias.reshape(O, 1, 1)
        return y
    G, Og, L, CgK = groups, O // groups, OH * OW, Cg * KH * KW
    wg = w.reshape(G, Og, CgK)
    B = _chunk(N, C * KH * KW, L, x.itemsize)
    cols = np.empty((C * KH * KW, B, L), dtype=x.dtype)
    out = np.empty((G, Og, B * L), dtype=x.dtype)
    y3 = y.reshape(N, O, L)
    for s in range(0, N, B):
        b = min(B, N - s)
        c = cols if b == B else np.empty((C * KH * KW, b, L), dtype=x.dtype)
        o = out if b == B else np.empty((G, Og, b * L), dtype=x.dtype)
        _im2col_kernel(x[s:s + b], c, KH, KW, sh, sw, pt, pl, dh, dw, OH, OW)
        # [G, Og, Cg*K] @ [G, Cg*K, b*L] -> [G, Og, b*L] == [O, b, L]: one GEMM per group
        np.matmul(wg, c.reshape(G, CgK, b * L), out=o)
        if bias is None:
            y3[s:s + b] = o.reshape(O, b, L).transpose(1, 0, 2)
        else:
            np.add(o.reshape(O, b, L).transpose(1, 0, 2), bias.reshape(O, 1), out=y3[s:s + b])
    return y


def conv2d_backward_input(gy, w, x_shape, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    """Gradient of :func:`conv2d_forward` w.r.t. ``x`` (== ``conv_transpose2d`` forward).

    Args:
        gy: ``[N, O, OH, OW]`` upstream gradient; w: ``[O, C // groups, KH, KW]``.
        x_shape: ``(N, C, H, W)`` of the forward input (needed because several ``H`` give
            the same ``OH`` when ``sh > 1``; PyTorch's ``output_padding`` picks one).
        stride, padding, dilation, groups: as in :func:`conv2d_forward`.

    Returns:
        ``gx[N, C, H, W]`` of ``gy.dtype``.
    """
    _check("conv2d_backward_input", gy, w)
    N, C, H, W = (int(s) for s in x_shape)
    O, Cg, KH, KW = w.shape
    sh, sw, dh, dw, pt, pl, OH, OW = _geometry((N, C, H, W), w.shape, stride, padding, dilation)
    assert gy.shape == (N, O, OH, OW), "conv2d_backward_input: gy shape does not match geometry"
    alg = _algorithm(gy.dtype, C, O, groups, stride, padding, dilation, KH, KW, H, W)
    if alg == "winograd":
        return WG.winograd_backward_input(gy, w, (N, C, H, W), _pad4(padding))
    if alg == "taps":
        return _taps_backward_input(gy, w, _pad4(padding), (dh, dw))
    gx = np.empty((N, C, H, W), dtype=gy.dtype)
    if alg == "direct":
        _direct_backward_input_kernel(gy, w, gx, groups, sh, sw, pt, pl, dh, dw)
        return gx
    G, Og, L, CgK = groups, O // groups, OH * OW, Cg * KH * KW
    wgT = w.reshape(G, Og, CgK).transpose(0, 2, 1)  # BLAS reads the transpose in place
    B = _chunk(N, C * KH * KW, L, gy.itemsize)
    gcols = np.empty((G, CgK, B * L), dtype=gy.dtype)
    gyt = np.empty((O, B, L), dtype=gy.dtype)
    gy3 = gy.reshape(N, O, L)
    for s in range(0, N, B):
        b = min(B, N - s)
        g2 = gyt if b == B else np.empty((O, b, L), dtype=gy.dtype)
        gc = gcols if b == B else np.empty((G, CgK, b * L), dtype=gy.dtype)
        g2[...] = gy3[s:s + b].transpose(1, 0, 2)
        # [G, Cg*K, Og] @ [G, Og, b*L] -> [G, Cg*K, b*L] == GEMM-layout columns [C*K, b, L]
        np.matmul(wgT, g2.reshape(G, Og, b * L), out=gc)
        _col2im_kernel(gc.reshape(C * KH * KW, b, L), gx[s:s + b], KH, KW, sh, sw, pt, pl, dh, dw, OH, OW)
    return gx


def conv2d_backward_weight(x, gy, w_shape, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    """Gradient of :func:`conv2d_forward` w.r.t. ``w``.

    Args:
        x: ``[N, C, H, W]`` forward input; gy: ``[N, O, OH, OW]`` upstream gradient.
        w_shape: ``(O, C // groups, KH, KW)``.
        stride, padding, dilation, groups: as in :func:`conv2d_forward`.

    Returns:
        ``gw[O, C // groups, KH, KW]`` of ``x.dtype``.
    """
    _check("conv2d_backward_weight", x, gy)
    N, C, H, W = x.shape
    O, Cg, KH, KW = (int(s) for s in w_shape)
    sh, sw, dh, dw, pt, pl, OH, OW = _geometry(x.shape, w_shape, stride, padding, dilation)
    assert gy.shape == (N, O, OH, OW), "conv2d_backward_weight: gy shape does not match geometry"
    alg = _algorithm(x.dtype, C, O, groups, stride, padding, dilation, KH, KW, H, W)
    if alg == "winograd":
        return WG.winograd_backward_weight(x, gy, _pad4(padding))
    if alg == "taps":
        return _taps_backward_weight(x, gy, (O, Cg, KH, KW), _pad4(padding), (dh, dw))
    if alg == "direct":
        gw = np.empty((O, Cg, KH, KW), dtype=x.dtype)
        _direct_backward_weight_kernel(x, gy, gw, groups, sh, sw, pt, pl, dh, dw)
        return gw
    G, Og, L, CgK = groups, O // groups, OH * OW, Cg * KH * KW
    B = _chunk(N, C * KH * KW, L, x.itemsize)
    cols = np.empty((C * KH * KW, B, L), dtype=x.dtype)
    gyt = np.empty((O, B, L), dtype=x.dtype)
    gy3 = gy.reshape(N, O, L)
    gw = np.zeros((G, Og, CgK), dtype=x.dtype)
    part = np.empty((G, Og, CgK), dtype=x.dtype)
    for s in range(0, N, B):
        b = min(B, N - s)
        c = cols if b == B else np.empty((C * KH * KW, b, L), dtype=x.dtype)
        g2 = gyt if b == B else np.empty((O, b, L), dtype=x.dtype)
        _im2col_kernel(x[s:s + b], c, KH, KW, sh, sw, pt, pl, dh, dw, OH, OW)
        g2[...] = gy3[s:s + b].transpose(1, 0, 2)
        # [G, Og, b*L] @ [G, b*L, Cg*K] -> [G, Og, Cg*K]: the batch sum is inside the GEMM
        np.matmul(g2.reshape(G, Og, b * L), c.reshape(G, CgK, b * L).transpose(0, 2, 1), out=part)
        gw += part
    return gw.reshape(O, Cg, KH, KW)
