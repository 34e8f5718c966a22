"""Specs of the conv and pool families (picked up by specs.py's ``specs_*`` discovery).

References are slow, obviously correct NumPy loops; shapes are tiny because gradcheck
costs two forward passes per input element. Each op has a batch-0 case (the size-0 edge)
and a non-contiguous case.
"""
from __future__ import annotations

import math

import numpy as np

from .specs import C, OpSpec


def _pad2(x, ph, pw, value=0.0):
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def ref_conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    s = (stride, stride) if np.isscalar(stride) else stride
    p = (padding, padding) if np.isscalar(padding) else padding
    d = (dilation, dilation) if np.isscalar(dilation) else dilation
    N, Cin, H, W = x.shape
    Cout, Cg, KH, KW = w.shape
    xp = _pad2(x, *p)
    OH = (H + 2 * p[0] - d[0] * (KH - 1) - 1) // s[0] + 1
    OW = (W + 2 * p[1] - d[1] * (KW - 1) - 1) // s[1] + 1
    y = np.zeros((N, Cout, OH, OW))
    og = Cout // groups
    for o in range(Cout):
        g = o // og
        for i in range(OH):
            for j in range(OW):
                patch = xp[:, g * Cg:(g + 1) * Cg,
                           i * s[0]:i * s[0] + d[0] * (KH - 1) + 1:d[0],
                           j * s[1]:j * s[1] + d[1] * (KW - 1) + 1:d[1]]
                y[:, o, i, j] = (patch * w[o]).sum(axis=(1, 2, 3))
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def ref_conv_transpose2d(x, w, stride=1, padding=0, output_padding=0):
    """Scatter form: every input pixel adds w-weighted copies into the output."""
    N, Cin, H, W = x.shape
    _, Cout, KH, KW = w.shape
    OH = (H - 1) * stride - 2 * padding + KH + output_padding
    OW = (W - 1) * stride - 2 * padding + KW + output_padding
    full = np.zeros((N, Cout, OH + 2 * padding + KH, OW + 2 * padding + KW))
    for i in range(H):
        for j in range(W):
            full[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW] += \
                np.einsum("nc,cokl->nokl", x[:, :, i, j], w)
    return full[:, :, padding:padding + OH, padding:padding + OW]


def _windows(H, k, s, p, ceil_mode):
    n = (H + 2 * p - k + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (n - 1) * s >= H + p:
        n -= 1
    return n


def ref_pool2d(x, k, s=None, p=0, mode="max", ceil_mode=False, count_include_pad=True):
    s = s or k
    N, Cc, H, W = x.shape
    OH, OW = _windows(H, k, s, p, ceil_mode), _windows(W, k, s, p, ceil_mode)
    y = np.zeros((N, Cc, OH, OW))
    for i in range(OH):
        for j in range(OW):
            h0, w0 = i * s - p, j * s - p
            h1, w1 = min(h0 + k, H + p), min(w0 + k, W + p)
            hs, ws = max(h0, 0), max(w0, 0)
            he, we = min(h1, H), min(w1, W)
            win = x[:, :, hs:he, ws:we]
            if mode == "max":
                y[:, :, i, j] = win.max(axis=(2, 3))
            else:
                div = (h1 - h0) * (w1 - w0) if count_include_pad else (he - hs) * (we - ws)
                y[:, :, i, j] = win.sum(axis=(2, 3)) / div
    return y


def ref_adaptive2d(x, out, mode="avg"):
    N, Cc, H, W = x.shape
    OH, OW = out
    y = np.zeros((N, Cc, OH, OW))
    for i in range(OH):
        h0, h1 = (i * H) // OH, math.ceil((i + 1) * H / OH)
        for j in range(OW):
            w0, w1 = (j * W) // OW, math.ceil((j + 1) * W / OW)
            win = x[:, :, h0:h1, w0:w1]
            y[:, :, i, j] = win.mean(axis=(2, 3)) if mode == "avg" else win.max(axis=(2, 3))
    return y


def ref_unfold(x, k, padding=0, stride=1):
    N, Cc, H, W = x.shape
    xp = _pad2(x, padding, padding)
    OH, OW = (H + 2 * padding - k) // stride + 1, (W + 2 * padding - k) // stride + 1
    cols = [xp[:, :, i * stride:i * stride + k, j * stride:j * stride + k].reshape(N, Cc * k * k)
            for i in range(OH) for j in range(OW)]
    return np.stack(cols, axis=2)


def ref_fold(cols, size, k, stride=1):
    N, CK, L = cols.shape
    Cc = CK // (k * k)
    H, W = size
    OW = (W - k) // stride + 1
    y = np.zeros((N, Cc, H, W))
    for col in range(L):
        i, j = divmod(col, OW)
        y[:, :, i * stride:i * stride + k, j * stride:j * stride + k] += \
            cols[:, :, col].reshape(N, Cc, k, k)
    return y


def _1d(fn):
    """Lift a 2-D reference to 1-D inputs (N, C, L) via a height of one."""
    def ref(x, *args, **kw):
        return fn(x[:, :, None, :], *args, **kw)[:, :, 0, :]
    return ref


def _s(name, call, ref, cases, **kw):
    return OpSpec(name=name, call=call, ref=ref, cases=cases, **kw)


_TOL = dict(fwd_tol=dict(rtol=1e-5, atol=1e-5))
_MAX = dict(**_TOL)  # max pools: random normal samples have no ties within eps

_UNPOOL_IDX = np.broadcast_to(np.array([[0, 2], [4, 6]], dtype=np.int64), (1, 2, 2, 2)).copy()

SPECS = [
    _s("conv2d", lambda lib, x, w, b, **k: lib.conv2d(x, w, b, **k), ref_conv2d,
       [C(((1, 2, 4, 4), (3, 2, 3, 3), (3,))),
        C(((1, 4, 5, 4), (4, 2, 2, 3), (4,)), dict(stride=2, padding=1, dilation=(1, 2), groups=2)),
        C(((0, 2, 4, 4), (3, 2, 3, 3), (3,))),
        C(((1, 2, 4, 4), (2, 2, 3, 3), (2,)), dict(padding=1), noncontig=True)], **_TOL),
    _s("conv1d", lambda lib, x, w, **k: lib.conv1d(x, w, **k),
       lambda x, w, stride=1, groups=1: ref_conv2d(x[:, :, None, :], w[:, :, None, :],
                                                   stride=(1, stride), groups=groups)[:, :, 0, :],
       [C(((2, 2, 6), (3, 2, 3))), C(((1, 2, 7), (2, 1, 2)), dict(stride=2, groups=2)),
        C(((0, 2, 6), (3, 2, 3))), C(((2, 2, 5), (2, 2, 2)), noncontig=True)], **_TOL),
    _s("conv_transpose2d", lambda lib, x, w, **k: lib.conv_transpose2d(x, w, **k),
       ref_conv_transpose2d,
       [C(((1, 2, 3, 3), (2, 3, 2, 2)), dict(stride=2)),
        C(((1, 2, 3, 2), (2, 2, 3, 3)), dict(stride=2, padding=1, output_padding=1)),
        C(((0, 2, 3, 3), (2, 3, 2, 2))), C(((1, 2, 2, 3), (2, 2, 2, 2)), noncontig=True)], **_TOL),
    _s("conv_transpose1d", lambda lib, x, w, **k: lib.conv_transpose1d(x, w, **k),
       lambda x, w: ref_conv_transpose2d(x[:, :, None, :], w[:, :, None, :])[:, :, 0, :],
       [C(((1, 2, 4), (2, 3, 3))), C(((0, 2, 4), (2, 3, 3))),
        C(((2, 2, 3), (2, 2, 2)), noncontig=True)], **_TOL),
    _s("unfold", lambda lib, x, k, **kw: lib.unfold(x, k, **kw), ref_unfold,
       [C(((1, 2, 4, 4),), dict(k=2)), C(((2, 1, 5, 4),), dict(k=3, padding=1, stride=2)),
        C(((0, 2, 4, 4),), dict(k=2)), C(((1, 2, 3, 4),), dict(k=2), noncontig=True)],
       **_TOL),
    _s("fold", lambda lib, c, **k: lib.fold(c, k["size"], k["k"], stride=k.get("stride", 1)),
       lambda c, **k: ref_fold(c, k["size"], k["k"], k.get("stride", 1)),
       [C(((1, 8, 9),), dict(size=(4, 4), k=2)), C(((2, 4, 4),), dict(size=(4, 4), k=2, stride=2)),
        C(((0, 8, 9),), dict(size=(4, 4), k=2)),
        C(((1, 4, 4),), dict(size=(3, 3), k=2), noncontig=True)], **_TOL),
    _s("max_pool2d", lambda lib, x, **k: lib.max_pool2d(x, **k),
       lambda x, **k: ref_pool2d(x, k["kernel_size"], k.get("stride"), k.get("padding", 0),
                                 "max", k.get("ceil_mode", False)),
       [C(((1, 2, 4, 4),), dict(kernel_size=2)),
        C(((1, 1, 5, 5),), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
        C(((0, 2, 4, 4),), dict(kernel_size=2)),
        C(((1, 2, 4, 5),), dict(kernel_size=2, stride=1), noncontig=True)], **_MAX),
    _s("max_pool1d", lambda lib, x, **k: lib.max_pool1d(x, **k),
       lambda x, **k: _1d(lambda a: ref_pool2d_1d(a, **k))(x),
       [C(((2, 2, 6),), dict(kernel_size=2)), C(((1, 2, 7),), dict(kernel_size=3, stride=2)),
        C(((0, 2, 6),), dict(kernel_size=2)),
        C(((2, 3, 4),), dict(kernel_size=2), noncontig=True)], **_MAX),
    _s("avg_pool2d", lambda lib, x, **k: lib.avg_pool2d(x, **k),
       lambda x, **k: ref_pool2d(x, k["kernel_size"], k.get("stride"), k.get("padding", 0),
                                 "avg", k.get("ceil_mode", False),
                                 k.get("count_include_pad", True)),
       [C(((1, 2, 4, 4),), dict(kernel_size=2)),
        C(((1, 1, 5, 5),), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                count_include_pad=False)),
        C(((0, 2, 4, 4),), dict(kernel_size=2)),
        C(((1, 2, 4, 5),), dict(kernel_size=2, stride=1), noncontig=True)], **_TOL),
    _s("avg_pool1d", lambda lib, x, **k: lib.avg_pool1d(x, **k),
       lambda x, **k: _1d(lambda a: ref_pool2d_1d(a, mode="avg", **k))(x),
       [C(((2, 2, 6),), dict(kernel_size=2)), C(((1, 2, 7),), dict(kernel_size=3, stride=2)),
        C(((0, 2, 6),), dict(kernel_size=2)),
        C(((2, 3, 4),), dict(kernel_size=2), noncontig=True)], **_TOL),
    _s("adaptive_avg_pool2d", lambda lib, x, out: lib.adaptive_avg_pool2d(x, out),
       lambda x, out: ref_adaptive2d(x, out),
       [C(((1, 2, 5, 4),), dict(out=(2, 3))), C(((0, 2, 4, 4),), dict(out=(2, 2))),
        C(((1, 2, 4, 5),), dict(out=(3, 2)), noncontig=True)], **_TOL),
    _s("adaptive_avg_pool1d", lambda lib, x, out: lib.adaptive_avg_pool1d(x, out),
       lambda x, out: _1d(lambda a: ref_adaptive2d(a, (1, out)))(x),
       [C(((2, 2, 7),), dict(out=3)), C(((0, 2, 4),), dict(out=2)),
        C(((2, 3, 5),), dict(out=2), noncontig=True)], **_TOL),
    _s("adaptive_max_pool2d", lambda lib, x, out: lib.adaptive_max_pool2d(x, out),
       lambda x, out: ref_adaptive2d(x, out, "max"),
       [C(((1, 2, 5, 4),), dict(out=(2, 3))), C(((0, 2, 4, 4),), dict(out=(2, 2))),
        C(((1, 2, 4, 5),), dict(out=(3, 2)), noncontig=True)], **_MAX),
    _s("adaptive_max_pool1d", lambda lib, x, out: lib.adaptive_max_pool1d(x, out),
       lambda x, out: _1d(lambda a: ref_adaptive2d(a, (1, out), "max"))(x),
       [C(((2, 2, 7),), dict(out=3)), C(((0, 2, 4),), dict(out=2)),
        C(((2, 3, 5),), dict(out=2), noncontig=True)], **_MAX),
    _s("max_unpool2d", lambda lib, x, **k: lib.max_unpool2d(
        x, lib.tensor(_UNPOOL_IDX[:x.shape[0]]), 2),
       lambda x, **k: _ref_unpool(x),
       [C(((1, 2, 2, 2),)), C(((0, 2, 2, 2),)), C(((1, 2, 2, 2),), noncontig=True)], **_TOL),
]


def ref_pool2d_1d(a, kernel_size, stride=None, mode="max"):
    """1-D pooling on an (N, C, 1, L) array as 2-D pooling with a (1, k) window."""
    s = stride or kernel_size
    L = a.shape[-1]
    n = (L - kernel_size) // s + 1
    wins = np.stack([a[..., i * s:i * s + kernel_size] for i in range(n)], axis=-2)
    return wins.max(-1) if mode == "max" else wins.mean(-1)


def _ref_unpool(x):
    """Value (i, j) lands at flat position 4i + 2j of a 4x4 plane (distinct positions)."""
    N, Cc, H, W = x.shape
    out = np.zeros((N, Cc, 16))
    for i in range(H):
        for j in range(W):
            out[:, :, 4 * i + 2 * j] = x[:, :, i, j]
    return out.reshape(N, Cc, 4, 4)
