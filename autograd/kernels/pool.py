"""Pooling kernels: max / average / adaptive pooling over 2-D planes, forward and backward.

All functions take C-contiguous float32/float64 ``[N, C, H, W]`` arrays and return new
arrays; 1-D pooling is done by the op layer as 2-D with ``H == 1``. Every loop nest is
parallel over the ``N*C`` planes (``njit_chunked``): planes are independent, so each thread
owns whole input and output planes and the backward scatters need no atomics.

Semantics are PyTorch's CPU kernels, line for line where it matters:

* output size (:func:`pool_output_size`): ``floor`` or ``ceil`` of
  ``(H + 2p - d*(k-1) - 1) / s`` plus one; with ``ceil_mode`` the last window must start
  inside the input or the left padding, else it is dropped.
* max pooling pads with ``-inf``; ties keep the first maximum in row-major window order;
  a NaN always wins (the last NaN seen), so NaNs propagate as in PyTorch. Indices are
  flat positions ``ih*W + iw`` inside each ``H*W`` plane (``return_indices=True``).
* average pooling divisor: ``divisor_override`` if given; else with
  ``count_include_pad`` the window clipped to the padded input (so ``ceil_mode``
  overhang past the padding is not counted), otherwise only the in-image elements.
* adaptive windows: ``start = floor(i*In/Out)``, ``end = ceil((i+1)*In/Out)``.

The op layer validates arguments (``padding <= kernel // 2``, sizes > 0); kernels trust them.
"""
from __future__ import annotations

import numpy as np

from . import _alloc
from ._jit import chunk, njit, njit_chunked

__all__ = [
    "pool_output_size",
    "max_pool2d_forward",
    "max_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool2d_backward",
    "adaptive_avg_pool2d_forward",
    "adaptive_avg_pool2d_backward",
    "adaptive_max_pool2d_forward",
]


def pool_output_size(in_size, kernel, stride, padding, dilation=1, ceil_mode=False):
    """Output length of one pooled dim, PyTorch's ``pooling_output_shape``.

    Returns a Python int (``<= 0`` for a too-small input; the op layer reports that).
    """
    span = in_size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    # ceil_mode may add a window that starts in the right padding; PyTorch drops it.
    if ceil_mode and (out - 1) * stride >= in_size + padding:
        out -= 1
    return out


def _ints(*pairs):
    """``(h, w)`` pairs -> one flat tuple of Python ints."""
    return tuple(int(v) for pair in pairs for v in (pair[0], pair[1]))


def _grad_input(gy, input_size):
    """An empty ``gx[N, C, H, W]`` of ``gy.dtype`` for ``input_size = (H, W)``."""
    return _alloc.empty((gy.shape[0], gy.shape[1], int(input_size[0]), int(input_size[1])),
                        gy.dtype)


def _check(name, *arrays):
    # The op layer guarantees these; one cheap check per public call catches wiring bugs.
    for a in arrays:
        assert a.flags.c_contiguous and a.ndim == 4, f"{name}: expected a C-contiguous 4-D array"
        assert a.dtype in (np.float32, np.float64), f"{name}: expected float32/float64, got {a.dtype}"


# --------------------------------------------------------------------------- Numba kernels
@njit(inline="always")
def _avg_window(i, size, out, k, s, p, adaptive):
    """``[start, end)`` of average-pool window ``i`` along one dim, clipped to the padded
    input (the caller clips to the input); ``adaptive`` as in :func:`_max_windows`."""
    if adaptive:
        return (i * size) // out, ((i + 1) * size + out - 1) // out
    start = i * s - p
    return start, min(start + k, size + p)


# Max pooling picks its value and index without data-dependent branches: with random
# data "is this the new maximum?" is a coin flip, and a mispredicted branch per element
# (LLVM turns the selects of a running (max, argmax) pair back into branches) ran W2's
# 2x2 pool 6x slower than the two arithmetic passes below (benchmarks/NOTES.md,
# "Max pooling without branches"). Pass 1 takes the window's max and whether it holds a
# NaN; pass 2 finds the first position equal to the max (or, rarely, the last NaN: a
# predictable branch) by integer arithmetic. The value is then read back from that
# position, so a -0.0 that comes first wins over a later 0.0, as in PyTorch.
@njit(inline="always")
def _first_equal(v, best, t, k, found):
    """One step of the search for the first window position ``t`` whose value equals
    ``best``: returns the updated ``(k, found)`` with no branch."""
    e = np.int64(v == best) * (1 - found)
    return k + e * t, found + e


@njit_chunked
def _max_pool_fwd_kernel(x, y, idx, W, hs, hn, ws, wn, dh, dw, part, parts):
    # Any windows on flattened planes x[P, H*W] -> y/idx[P, OH*OW]: row window oh starts
    # at hs[oh] and takes hn[oh] rows dh apart (ws, wn, dw for columns), from
    # :func:`_max_windows`; one loop nest, so the tie and NaN rules exist once.
    OH, OW = hs.shape[0], ws.shape[0]
    lo, hi = chunk(x.shape[0], part, parts)
    for p in range(lo, hi):
        xp, yp, ip = x[p], y[p], idx[p]
        for oh in range(OH):
            h0, nh = hs[oh], hn[oh]
            for ow in range(OW):
                w0, nw = ws[ow], wn[ow]
                best = -np.inf
                nan = np.int64(0)
                for a in range(nh):
                    r = (h0 + a * dh) * W + w0
                    for b in range(nw):
                        v = xp[r + b * dw]
                        best = max(best, v)
                        nan |= np.int64(v != v)
                k = np.int64(0)
                found = np.int64(0)
                if nan:  # a NaN wins, the last one seen
                    for a in range(nh):
                        r = (h0 + a * dh) * W + w0
                        for b in range(nw):
                            if xp[r + b * dw] != xp[r + b * dw]:
                                k, found = r + b * dw, 1
                else:
                    for a in range(nh):
                        r = (h0 + a * dh) * W + w0
                        for b in range(nw):
                            k, found = _first_equal(xp[r + b * dw], best, r + b * dw, k, found)
                o = oh * OW + ow
                if found:
                    yp[o], ip[o] = xp[k], k
                else:  # a window wholly in the padding: PyTorch's -inf and start index
                    yp[o], ip[o] = -np.inf, h0 * W + w0


@njit_chunked
def _max_pool_2x2_kernel(x, y, idx, W, OH, OW, sh, sw, part, parts):
    # MaxPool2d(2), the CNN classic, on flattened planes x[P, H*W] -> y/idx[P, OH*OW] (no
    # padding, no dilation, windows inside the plane): the four taps unrolled by hand.
    # Its own function: the cold first step of a small CNN compiles this alone, not the
    # general loops below (each compiled function costs a cold start, benchmarks/NOTES.md).
    lo, hi = chunk(x.shape[0], part, parts)
    for p in range(lo, hi):
        xp, yp, ip = x[p], y[p], idx[p]
        for oh in range(OH):
            for ow in range(OW):
                j = oh * sh * W + ow * sw
                a, b, c, d = xp[j], xp[j + 1], xp[j + W], xp[j + W + 1]
                if (a != a) | (b != b) | (c != c) | (d != d):
                    k = W + 1 if d != d else (W if c != c else (1 if b != b else 0))
                else:
                    m = max(max(a, b), max(c, d))
                    na, nb, nc = np.int64(a != m), np.int64(b != m), np.int64(c != m)
                    k = na * ((1 - nb) + nb * ((1 - nc) * W + nc * (W + 1)))
                yp[oh * OW + ow] = xp[j + k]
                ip[oh * OW + ow] = j + k


@njit_chunked
def _max_pool_fwd_plain_kernel(x, y, idx, W, OH, OW, KH, KW, sh, sw, part, parts):
    # The common case on flattened planes x[P, H*W] -> y/idx[P, OH*OW] (no padding, no
    # dilation, every window inside the plane); same tie (first wins) and NaN (last NaN
    # wins) rules as above.
    lo, hi = chunk(x.shape[0], part, parts)
    for p in range(lo, hi):
        xp, yp, ip = x[p], y[p], idx[p]
        for oh in range(OH):
            for ow in range(OW):
                j = oh * sh * W + ow * sw
                best = xp[j]
                nan = np.int64(0)
                for ih in range(KH):
                    for iw in range(KW):
                        v = xp[j + ih * W + iw]
                        best = max(best, v)
                        nan |= np.int64(v != v)
                k = np.int64(0)
                found = np.int64(0)
                for ih in range(KH):
                    for iw in range(KW):
                        t = j + ih * W + iw
                        if nan:
                            if xp[t] != xp[t]:
                                k = t
                        else:
                            k, found = _first_equal(xp[t], best, t, k, found)
                yp[oh * OW + ow] = xp[k]
                ip[oh * OW + ow] = k


@njit_chunked
def _max_pool_tiled_bwd_kernel(gy, idx, gx, H, W, OH, OW, KH, KW, part, parts):
    # gy/idx[P, OH*OW], gx[P, H*W]. Windows tile the plane (stride == kernel, no
    # padding/dilation), so no two windows share an input and every index is inside the
    # plane: zero-fill, then plain stores (no bounds tests, no read-modify-write).
    lo, hi = chunk(gx.shape[0], part, parts)
    for p in range(lo, hi):
        for j in range(H * W):
            gx[p, j] = 0.0
        for j in range(OH * OW):
            gx[p, idx[p, j]] = gy[p, j]


@njit_chunked
def _index_scatter_add_kernel(gy, idx, gx, part, parts):
    # gx[n, c].flat[idx[n, c, i, j]] += gy[n, c, i, j]; gx is zeroed here, plane by plane.
    N, C, H, W = gx.shape
    OH, OW = gy.shape[2], gy.shape[3]
    lo, hi = chunk(N * C, part, parts)
    for nc in range(lo, hi):
        n = nc // C
        c = nc - n * C
        for ih in range(H):
            for iw in range(W):
                gx[n, c, ih, iw] = 0.0
        for oh in range(OH):
            for ow in range(OW):
                k = idx[n, c, oh, ow]
                # A window that lies wholly in the padding (possible with dilation) gets
                # -inf and an index past the plane from PyTorch's rule; it has no input
                # to receive a gradient, and writing it would corrupt memory.
                if k < 0 or k >= H * W:
                    continue
                ih = k // W
                gx[n, c, ih, k - ih * W] += gy[n, c, oh, ow]


@njit_chunked
def _avg_pool_kernel(x, y, gy, gx, backward, adaptive, KH, KW, sh, sw, ph, pw, include_pad,
                     divisor, part, parts):
    # One loop nest for both directions and both window rules, so the window/divisor rule
    # exists once:
    # forward  y[n, c, oh, ow] = sum(window of x) / d
    # backward gx[window] += gy[n, c, oh, ow] / d
    # (the unused pair of arrays is a dummy). divisor > 0 is divisor_override. With
    # ``adaptive`` the windows are [floor(i*In/Out), ceil((i+1)*In/Out)), inside the
    # input, and d is their size (pass include_pad=True, divisor=0).
    N, C, H, W = gx.shape if backward else x.shape
    OH, OW = (gy.shape[2], gy.shape[3]) if backward else (y.shape[2], y.shape[3])
    lo, hi = chunk(N * C, part, parts)
    for nc in range(lo, hi):
        n = nc // C
        c = nc - n * C
        if backward:
            for ih in range(H):
                for iw in range(W):
                    gx[n, c, ih, iw] = 0.0
        for oh in range(OH):
            h0, h1 = _avg_window(oh, H, OH, KH, sh, ph, adaptive)
            for ow in range(OW):
                w0, w1 = _avg_window(ow, W, OW, KW, sw, pw, adaptive)
                pool_size = (h1 - h0) * (w1 - w0)  # clipped to the padded input
                a0 = max(h0, 0)
                a1 = min(h1, H)
                b0 = max(w0, 0)
                b1 = min(w1, W)
                if a0 >= a1 or b0 >= b1:
                    if not backward:
                        y[n, c, oh, ow] = 0.0
                    continue
                if divisor > 0:
                    d = divisor
                elif include_pad:
                    d = pool_size
                else:
                    d = (a1 - a0) * (b1 - b0)
                if backward:
                    g = gy[n, c, oh, ow] / d
                    for ih in range(a0, a1):
                        for iw in range(b0, b1):
                            gx[n, c, ih, iw] += g
                else:
                    acc = 0.0  # float64 accumulator, also for float32 input
                    for ih in range(a0, a1):
                        for iw in range(b0, b1):
                            acc += x[n, c, ih, iw]
                    y[n, c, oh, ow] = acc / d


def _max_windows(size, out, k, s, p, d, adaptive):
    """Max-pool windows along one dim as ``(start, count)`` int64 arrays of length ``out``:
    window ``i`` reads ``start[i] + j*d`` for ``j < count[i]``, clipped to the input, the
    start stepped past the padding in steps of the dilation (as PyTorch); ``adaptive``:
    ``[floor(i*size/out), ceil((i+1)*size/out))`` with ``d = 1``."""
    i = np.arange(out, dtype=np.int64)
    if adaptive:
        start, end = (i * size) // out, ((i + 1) * size + out - 1) // out
    else:
        start = i * s - p
        end = np.minimum(start + (k - 1) * d + 1, size)
        start = np.where(start < 0, start + (d - 1 - start) // d * d, start)
    return start, np.where(end > start, (end - start + d - 1) // d, 0)


def _max_pool_general(x, y, idx, kernel, stride, padding, dilation, adaptive):
    """Run :func:`_max_pool_fwd_kernel` on x[N, C, H, W] -> y, idx[N, C, OH, OW]."""
    N, C, H, W = x.shape
    OH, OW = y.shape[2], y.shape[3]
    hs, hn = _max_windows(H, OH, kernel[0], stride[0], padding[0], dilation[0], adaptive)
    ws, wn = _max_windows(W, OW, kernel[1], stride[1], padding[1], dilation[1], adaptive)
    _max_pool_fwd_kernel(x.reshape(N * C, H * W), y.reshape(N * C, OH * OW),
                         idx.reshape(N * C, OH * OW), W, hs, hn, ws, wn, dilation[0],
                         dilation[1])


# --------------------------------------------------------------------------- public API
def max_pool2d_forward(x, kernel_size, stride, padding=(0, 0), dilation=(1, 1), ceil_mode=False):
    """Max pooling with indices (``F.max_pool2d(..., return_indices=True)``).

    Args:
        x: ``[N, C, H, W]`` float array, C-contiguous.
        kernel_size, stride, padding, dilation: ``(h, w)`` pairs (padding ``<= k // 2``).
        ceil_mode: PyTorch's ceil rule (see :func:`pool_output_size`).

    Returns:
        ``(y, indices)``: ``y[N, C, OH, OW]`` of ``x.dtype`` and ``indices[N, C, OH, OW]``
        int64, flat positions ``ih*W + iw`` inside each ``H*W`` plane.
    """
    _check("max_pool2d_forward", x)
    N, C, H, W = x.shape
    KH, KW, sh, sw, ph, pw, dh, dw = _ints(kernel_size, stride, padding, dilation)
    OH = pool_output_size(H, KH, sh, ph, dh, ceil_mode)
    OW = pool_output_size(W, KW, sw, pw, dw, ceil_mode)
    y = _alloc.empty((N, C, OH, OW), x.dtype)
    idx = _alloc.empty((N, C, OH, OW), np.int64)
    if ph == pw == 0 and dh == dw == 1 and (OH - 1) * sh + KH <= H and (OW - 1) * sw + KW <= W:
        # the common case on flattened planes: about 2x faster than the general kernel at
        # W2's shape (benchmarks/NOTES.md)
        P = N * C
        if KH == KW == 2:
            _max_pool_2x2_kernel(x.reshape(P, H * W), y.reshape(P, OH * OW),
                                 idx.reshape(P, OH * OW), W, OH, OW, sh, sw)
        else:
            _max_pool_fwd_plain_kernel(x.reshape(P, H * W), y.reshape(P, OH * OW),
                                       idx.reshape(P, OH * OW), W, OH, OW, KH, KW, sh, sw)
    else:
        _max_pool_general(x, y, idx, (KH, KW), (sh, sw), (ph, pw), (dh, dw), False)
    return y, idx


def max_pool2d_backward(gy, indices, input_size, tiles=None):
    """Scatter-add ``gy`` to the argmax positions: gradient of max pooling.

    Also serves adaptive max pooling's backward and ``max_unpool2d`` (whose indices are
    distinct within a plane, so add and assign agree).

    Args:
        gy: ``[N, C, OH, OW]`` float array; indices: ``[N, C, OH, OW]`` int64 flat
            positions into each plane, as returned by the forward. Positions outside
            ``[0, H*W)`` (a window wholly in the padding) are skipped.
        input_size: ``(H, W)`` of the plane to scatter into.
        tiles: ``(KH, KW)`` when the indices come from :func:`max_pool2d_forward` with
            ``stride == kernel_size``, no padding, no dilation: windows then tile the
            plane and gx takes plain stores (about 7x faster at W2's shape, see
            benchmarks/NOTES.md). Ignored if the windows do not fit in the plane.

    Returns:
        ``gx[N, C, H, W]`` of ``gy.dtype``; zero where nothing was selected, summed where
        a position was the max of several (overlapping) windows.
    """
    _check("max_pool2d_backward", gy)
    assert indices.dtype == np.int64 and indices.shape == gy.shape and indices.flags.c_contiguous
    gx = _grad_input(gy, input_size)
    N, C, H, W = gx.shape
    OH, OW = gy.shape[2], gy.shape[3]
    if tiles is not None and OH * int(tiles[0]) <= H and OW * int(tiles[1]) <= W:
        P = N * C
        _max_pool_tiled_bwd_kernel(gy.reshape(P, OH * OW), indices.reshape(P, OH * OW),
                                   gx.reshape(P, H * W), H, W, OH, OW,
                                   int(tiles[0]), int(tiles[1]))
    else:
        _index_scatter_add_kernel(gy, indices, gx)
    return gx


def avg_pool2d_forward(x, kernel_size, stride, padding=(0, 0), ceil_mode=False,
                       count_include_pad=True, divisor_override=None):
    """Average pooling (``F.avg_pool2d``).

    Args:
        x: ``[N, C, H, W]`` float array, C-contiguous.
        kernel_size, stride, padding: ``(h, w)`` pairs (padding ``<= k // 2``).
        ceil_mode, count_include_pad, divisor_override: as in PyTorch (module docstring).

    Returns:
        ``y[N, C, OH, OW]`` of ``x.dtype``.
    """
    _check("avg_pool2d_forward", x)
    N, C, H, W = x.shape
    KH, KW, sh, sw, ph, pw = _ints(kernel_size, stride, padding)
    OH = pool_output_size(H, KH, sh, ph, 1, ceil_mode)
    OW = pool_output_size(W, KW, sw, pw, 1, ceil_mode)
    y = np.empty((N, C, OH, OW), dtype=x.dtype)
    _avg_pool_kernel(x, y, y, x, False, False, KH, KW, sh, sw, ph, pw, bool(count_include_pad),
                     int(divisor_override or 0))
    return y


def avg_pool2d_backward(gy, input_size, kernel_size, stride, padding=(0, 0), ceil_mode=False,
                        count_include_pad=True, divisor_override=None):
    """Gradient of :func:`avg_pool2d_forward` w.r.t. ``x``.

    Args:
        gy: ``[N, C, OH, OW]`` upstream gradient; input_size: ``(H, W)`` of ``x``.
        Others: exactly the forward's arguments.

    Returns:
        ``gx[N, C, H, W]`` of ``gy.dtype``.
    """
    _check("avg_pool2d_backward", gy)
    KH, KW, sh, sw, ph, pw = _ints(kernel_size, stride, padding)
    gx = _grad_input(gy, input_size)
    _avg_pool_kernel(gx, gy, gy, gx, True, False, KH, KW, sh, sw, ph, pw, bool(count_include_pad),
                     int(divisor_override or 0))
    return gx


def adaptive_avg_pool2d_forward(x, output_size):
    """Adaptive average pooling (``F.adaptive_avg_pool2d``).

    Args:
        x: ``[N, C, H, W]`` float array, C-contiguous.
        output_size: ``(OH, OW)``, both ``>= 1`` (the op layer resolves ``None``).

    Returns:
        ``y[N, C, OH, OW]``; window ``i`` spans ``[floor(i*H/OH), ceil((i+1)*H/OH))``.
    """
    _check("adaptive_avg_pool2d_forward", x)
    N, C = x.shape[0], x.shape[1]
    y = np.empty((N, C, int(output_size[0]), int(output_size[1])), dtype=x.dtype)
    _avg_pool_kernel(x, y, y, x, False, True, 0, 0, 1, 1, 0, 0, True, 0)
    return y


def adaptive_avg_pool2d_backward(gy, input_size):
    """Gradient of :func:`adaptive_avg_pool2d_forward` w.r.t. ``x``.

    Args:
        gy: ``[N, C, OH, OW]`` upstream gradient; input_size: ``(H, W)`` of ``x``.

    Returns:
        ``gx[N, C, H, W]`` of ``gy.dtype``.
    """
    _check("adaptive_avg_pool2d_backward", gy)
    gx = _grad_input(gy, input_size)
    _avg_pool_kernel(gx, gy, gy, gx, True, True, 0, 0, 1, 1, 0, 0, True, 0)
    return gx


def adaptive_max_pool2d_forward(x, output_size):
    """Adaptive max pooling with indices (``F.adaptive_max_pool2d(..., return_indices=True)``).

    Backward is :func:`max_pool2d_backward` with the returned indices.

    Args:
        x: ``[N, C, H, W]`` float array, C-contiguous.
        output_size: ``(OH, OW)``, both ``>= 1``.

    Returns:
        ``(y, indices)``: ``y[N, C, OH, OW]`` and int64 flat indices into each ``H*W`` plane.
    """
    _check("adaptive_max_pool2d_forward", x)
    N, C = x.shape[0], x.shape[1]
    OH, OW = int(output_size[0]), int(output_size[1])
    y = _alloc.empty((N, C, OH, OW), x.dtype)
    idx = _alloc.empty((N, C, OH, OW), np.int64)
    _max_pool_general(x, y, idx, (0, 0), (1, 1), (0, 0), (1, 1), True)
    return y, idx
