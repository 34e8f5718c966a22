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
"""
# ruff: noqa: E741 (O is the output-channel count, as in the conv literature)
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .geometry import Geometry

__all__ = ["backward_input", "backward_weight", "forward", "supports"]


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


def forward(x: np.ndarray, w: np.ndarray, g: Geometry, groups: int,
            bias: np.ndarray | None) -> np.ndarray:
    """y[N, O, OH, OW] = conv2d(x, w) (+ bias[o]) for a geometry :func:`supports`."""
    N = x.shape[0]
    O, C, KH, KW = w.shape
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
    if _one_by_one(g, KH, KW):
        gxs = np.matmul(w.reshape(O, C).T, gy.reshape(N, O, g.OH * g.OW))  # [N, C, OH*OW]
        if g.sh == 1 and g.sw == 1:
            return gxs.reshape(N, C, H, W)
        gx = np.zeros((N, C, H, W), dtype=gy.dtype)
        gx[:, :, ::g.sh, ::g.sw][:, :, :g.OH, :g.OW] = gxs.reshape(N, C, g.OH, g.OW)
        return gx
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
    if _one_by_one(g, KH, KW):
        # ([C, N*L] @ [N*L, O])^T: both operands laid out channel-major by one copy each.
        # OpenBLAS runs this orientation (the row-major product tall, the small channel
        # count as its width) 1.2-1.4x faster than gy @ x^T (benchmarks/NOTES.md).
        NL = N * g.OH * g.OW
        xs = _subsampled(x, g).transpose(1, 0, 2).reshape(C, NL)
        gyt = gy.reshape(N, O, g.OH * g.OW).transpose(1, 0, 2).reshape(O, NL)
        return np.ascontiguousarray((xs @ gyt.T).T).reshape(O, C, 1, 1)
    return (gy.reshape(N, O).T @ _window(x, KH, KW)).reshape(O, C, KH, KW)
