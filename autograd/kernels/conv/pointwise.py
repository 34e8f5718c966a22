"""The ``"pointwise"`` algorithm: convolutions that ARE a plain GEMM, no im2col.

Two geometries (groups 1, no padding):

* a 1x1 kernel at any stride: the input subsampled by the stride (``x[:, :, ::sh, ::sw]``)
  times the ``[O, C]`` weight, per sample (ResNet's 1x1 downsample, bottleneck 1x1s);
* a single output pixel with unit dilation (``OH == OW == 1``): the kernel covers the
  input's top-left ``KH x KW`` window, so ``y[N, O] = x_window[N, C*KH*KW] @ w[O, -1]^T``
  (DCGAN's last discriminator conv, and the 1x1 -> 4x4 first transposed conv of its
  generator, whose forward is this path's grad-input).

Grad-input scatters back into a zero image (strided, or outside the window) only when
some input pixels are never read; grad-weight contracts over the batch inside one GEMM.

With NumPy's OpenBLAS (``_blas.gemm_address``) 1x1 convs run as one chunked kernel on the
native pool: each thread takes a run of samples and calls a single-threaded GEMM per
sample straight on the sample's ``[C, H*W]`` plane (stride 1) or on its subsampled pixels
gathered into the thread's scratch, writing ``y[n]`` (or ``gx[n]``) in place; grad-weight
accumulates per-sample GEMMs into a fixed set of partial sums, added in order (the same
bits at any thread count). NumPy's batched ``matmul`` called the threaded BLAS once per
sample and the grad-weight's transposing copies went to fresh pages: W9's 32 -> 64 1x1
stride-2 fwd+bwd took 1.53 ms against PyTorch's 1.28 (benchmarks/NOTES.md).
"""
# ruff: noqa: E741 (O is the output-channel count, as in the conv literature)
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...runtime import blas_single_threaded, get_num_threads
from .. import _alloc, _blas
from .._jit import chunk, gemm_call, njit_chunked
from .gemm import _NO_BIAS, WEIGHT_GROUPS, transposed_sum
from .geometry import Geometry

__all__ = ["backward_input", "backward_weight", "forward", "supports"]

_NO_TRANS, _TRANS = _blas.NO_TRANS, _blas.TRANS
_FORWARD, _INPUT_GRAD, _WEIGHT_GRAD = 0, 1, 2
_u = np.uint64


def _one_by_one(g: Geometry, KH: int, KW: int) -> bool:
    return KH == 1 and KW == 1


def supports(g: Geometry, groups: int, KH: int, KW: int) -> bool:
    """Whether this path computes the geometry: groups 1, zero padding, non-empty output,
    and either a 1x1 kernel or a single output pixel with unit dilation."""
    if groups != 1 or any(g.pads) or g.OH < 1 or g.OW < 1:
        return False
    return _one_by_one(g, KH, KW) or (g.OH == 1 and g.OW == 1 and g.dh == 1 and g.dw == 1)


def _subsampled(x: np.ndarray, g: Geometry) -> np.ndarray:
    """The pixels a 1x1 conv reads, ``[N, C, OH*OW]`` (a view when the stride is 1)."""
    N, C = x.shape[:2]
    if g.sh == 1 and g.sw == 1:
        return x.reshape(N, C, g.OH * g.OW)
    return np.ascontiguousarray(x[:, :, ::g.sh, ::g.sw][:, :, :g.OH, :g.OW]).reshape(
        N, C, g.OH * g.OW)


def _window(x: np.ndarray, KH: int, KW: int) -> np.ndarray:
    """The window a single-output conv reads, ``[N, C*KH*KW]`` (a view when it is the
    whole image)."""
    N, C = x.shape[:2]  # explicit sizes, not -1: N may be 0
    if x.shape[2] == KH and x.shape[3] == KW:
        return x.reshape(N, C * KH * KW)
    return np.ascontiguousarray(x[:, :, :KH, :KW]).reshape(N, C * KH * KW)


@njit_chunked(error_model="numpy")
def _one_by_one_pass(mode, a, b, out, bias, has_bias, sh, sw, W, OH, OW, gemm, scratch, part,
                     parts):
    # Samples [lo, hi) of this part (grad-weight: partial sums [lo, hi), sum r over samples
    # [r*N/R, (r+1)*N/R), the first written, the rest added).
    #   forward:     a = x[N, C, H*W],  b = w[O, C], out = y[N, O, L]
    #   input grad:  a = gy[N, O, L],   b = w[O, C], out = gx[N, C, H*W]
    #   weight grad: a = x[N, C, H*W],  b = gy[N, O, L], out = sums[R, C, O]
    # scratch[part]: the subsampled pixels [C, L] of one sample (stride > 1)
    N, L = a.shape[0], OH * OW
    strided = sh != 1 or sw != 1
    C = out.shape[1] if mode == _INPUT_GRAD else a.shape[1]
    O = b.shape[1] if mode == _WEIGHT_GRAD else b.shape[0]
    one, zero = a.dtype.type(1), a.dtype.type(0)
    work = scratch[part]
    wp = work.ctypes.data
    items = out.shape[0] if mode == _WEIGHT_GRAD else N
    lo, hi = chunk(items, part, parts)
    for item in range(lo, hi):
        n0, n1 = item, item + 1
        if mode == _WEIGHT_GRAD:
            n0, n1 = item * N // items, (item + 1) * N // items
        for n in range(n0, n1):
            if mode != _INPUT_GRAD:
                src = a[n].ctypes.data  # x[n] as [C, L] (stride 1) ...
                if strided:             # ... or its subsampled pixels, gathered
                    for c in range(C):
                        for oh in range(OH):
                            row = a[n, c, oh * sh * W:]
                            for ow in range(OW):
                                work[_u(c * L + oh * OW + ow)] = row[_u(ow * sw)]
                    src = wp
            if mode == _FORWARD:  # y[n] = w @ xs[n] (+ bias: the GEMM adds onto it)
                if has_bias:
                    for o in range(O):
                        for i in range(L):
                            out[n, o, i] = bias[o]
                gemm_call(gemm, _NO_TRANS, _NO_TRANS, O, L, C, one, b.ctypes.data, C, src, L,
                          one if has_bias else zero, out[n].ctypes.data, L)
            elif mode == _WEIGHT_GRAD:  # sums[item] (+)= xs[n] @ gy[n]^T
                gemm_call(gemm, _NO_TRANS, _TRANS, C, O, L, one, src, L, b[n].ctypes.data, L,
                          zero if n == n0 else one, out[item].ctypes.data, O)
            elif not strided:  # gx[n] = w^T @ gy[n]
                gemm_call(gemm, _TRANS, _NO_TRANS, C, L, O, one, b.ctypes.data, C,
                          a[n].ctypes.data, L, zero, out[n].ctypes.data, L)
            else:  # the same into scratch, then into the pixels the conv read; 0 elsewhere
                gemm_call(gemm, _TRANS, _NO_TRANS, C, L, O, one, b.ctypes.data, C,
                          a[n].ctypes.data, L, zero, wp, L)
                HW = out.shape[2]
                for c in range(C):
                    dst = out[n, c]
                    for i in range(HW):
                        dst[_u(i)] = zero
                    for oh in range(OH):
                        row = dst[oh * sh * W:]
                        for ow in range(OW):
                            row[_u(ow * sw)] = work[_u(c * L + oh * OW + ow)]


def _run(mode: int, a: np.ndarray, b: np.ndarray, out: np.ndarray, bias: np.ndarray | None,
         g: Geometry, W: int, gemm: int, C: int) -> None:
    """:func:`_one_by_one_pass` on the native pool, with a scratch row per thread for a
    sample's subsampled pixels (strided convs; 16 spare elements keep the rows off each
    other's cache lines)."""
    L = g.OH * g.OW
    strided = g.sh != 1 or g.sw != 1
    slots = max(1, get_num_threads())
    scratch = _alloc.empty((slots, C * L + 16 if strided else 1), a.dtype)
    has_bias = bias is not None
    with blas_single_threaded():
        _one_by_one_pass(mode, a, b, out, bias if has_bias else _NO_BIAS[a.dtype.char], has_bias,
                         g.sh, g.sw, W, g.OH, g.OW, gemm, scratch)


def forward(x: np.ndarray, w: np.ndarray, g: Geometry, groups: int,
            bias: np.ndarray | None) -> np.ndarray:
    """y[N, O, OH, OW] = conv2d(x, w) (+ bias[o]) for a geometry :func:`supports`."""
    N = x.shape[0]
    O, C, KH, KW = w.shape
    gemm = _blas.gemm_address(x.dtype)
    if _one_by_one(g, KH, KW) and gemm is not None:
        y = _alloc.empty((N, O, g.OH, g.OW), x.dtype)
        L, HW = g.OH * g.OW, x.shape[2] * x.shape[3]  # explicit sizes, not -1: N may be 0
        _run(_FORWARD, x.reshape(N, C, HW), w.reshape(O, C), y.reshape(N, O, L), bias, g,
             x.shape[3], gemm, C)
        return y
    if _one_by_one(g, KH, KW):
        # [O, C] @ [N, C, L] -> [N, O, L]: one BLAS GEMM per sample, written straight into y
        y = np.matmul(w.reshape(O, C), _subsampled(x, g))
        if bias is not None:
            y += bias.reshape(O, 1)
        return y.reshape(N, O, g.OH, g.OW)
    y2 = _window(x, KH, KW) @ w.reshape(O, -1).T
    if bias is not None:
        y2 += bias
    return y2.reshape(N, O, 1, 1)


def backward_input(gy: np.ndarray, w: np.ndarray, x_shape: Sequence[int], g: Geometry,
                   groups: int) -> np.ndarray:
    """gx[N, C, H, W]: ``w^T @ gy``, scattered into zeros where the conv skips pixels."""
    N, C, H, W = (int(s) for s in x_shape)
    O, _, KH, KW = w.shape
    gemm = _blas.gemm_address(gy.dtype)
    if _one_by_one(g, KH, KW) and gemm is not None:
        gx = _alloc.empty((N, C, H, W), gy.dtype)
        _run(_INPUT_GRAD, gy.reshape(N, O, g.OH * g.OW), w.reshape(O, C), gx.reshape(N, C, H * W), None,
             g, W, gemm, C)
        return gx
    if _one_by_one(g, KH, KW):
        gxs = np.matmul(w.reshape(O, C).T, gy.reshape(N, O, g.OH * g.OW))  # [N, C, OH*OW]
        if g.sh == 1 and g.sw == 1:
            return gxs.reshape(N, C, H, W)
        gx = np.zeros((N, C, H, W), dtype=gy.dtype)
        gx[:, :, ::g.sh, ::g.sw][:, :, :g.OH, :g.OW] = gxs.reshape(N, C, g.OH, g.OW)
        return gx
    if O == 1:  # an outer product: OpenBLAS's GEMM with K = 1 took 4x as long (DCGAN's last conv)
        gxw = np.multiply(gy.reshape(N, 1), w.reshape(1, C * KH * KW),
                          out=_alloc.empty((N, C * KH * KW), gy.dtype)).reshape(N, C, KH, KW)
    else:
        gxw = (gy.reshape(N, O) @ w.reshape(O, -1)).reshape(N, C, KH, KW)
    if H == KH and W == KW:
        return gxw
    gx = np.zeros((N, C, H, W), dtype=gy.dtype)
    gx[:, :, :KH, :KW] = gxw
    return gx


def backward_weight(x: np.ndarray, gy: np.ndarray, w_shape: Sequence[int], g: Geometry,
                    groups: int) -> np.ndarray:
    """gw[O, C, KH, KW]: ``gy @ x^T`` with the batch (and pixel) sum inside one GEMM."""
    N = x.shape[0]
    O, C, KH, KW = (int(s) for s in w_shape)
    gemm = _blas.gemm_address(x.dtype)
    if _one_by_one(g, KH, KW) and gemm is not None and N > 0:
        # sums[C, O] of xs[n] @ gy[n]^T: the orientation OpenBLAS runs faster (below)
        # samples in fixed groups, one partial sum each (as gemm's grad-weight)
        sums = _alloc.empty((min(N, WEIGHT_GROUPS), C, O), x.dtype)
        _run(_WEIGHT_GRAD, x.reshape(N, C, x.shape[2] * x.shape[3]),
             gy.reshape(N, O, g.OH * g.OW), sums, None, g,
             x.shape[3], gemm, C)
        return transposed_sum(sums, 1).reshape(O, C, 1, 1)
    if _one_by_one(g, KH, KW):
        # ([C, N*L] @ [N*L, O])^T: both operands laid out channel-major by one copy each.
        # OpenBLAS runs this orientation (the row-major product tall, the small channel
        # count as its width) 1.2-1.4x faster than gy @ x^T (benchmarks/NOTES.md).
        NL = N * g.OH * g.OW
        xs = _subsampled(x, g).transpose(1, 0, 2).reshape(C, NL)
        gyt = gy.reshape(N, O, g.OH * g.OW).transpose(1, 0, 2).reshape(O, NL)
        return np.ascontiguousarray((xs @ gyt.T).T).reshape(O, C, 1, 1)
    return (gy.reshape(N, O).T @ _window(x, KH, KW)).reshape(O, C, KH, KW)
