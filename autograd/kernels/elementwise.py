"""Elementwise kernels NumPy lacks (erf) or runs in several passes (ReLU and leaky ReLU
forward/backward)."""
from __future__ import annotations

import math

import numpy as np

from . import _alloc
from ._jit import CHUNKED_MIN_SIZE_STREAMING, chunk, njit, njit_chunked


@njit
def _erf_flat(x, out):
    for i in range(x.size):
        out[i] = math.erf(x[i])


def erf(x: np.ndarray) -> np.ndarray:
    """Gauss error function, elementwise; same shape and dtype as ``x``."""
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    _erf_flat(x.reshape(-1), out.reshape(-1))
    return out


@njit_chunked(error_model="numpy", min_size=CHUNKED_MIN_SIZE_STREAMING)
def _relu_pass(a, y, out, backward, part, parts):
    # forward (a = x): `0 if v < 0 else v`, so NaN and -0.0 pass through as in PyTorch's
    # relu (NumPy's maximum(x, 0) turns -0.0 into 0.0); backward (a = g, y = the relu
    # output): `0 if y <= 0 else g`, so a NaN passes the gradient as in PyTorch's
    # threshold_backward. On the pool's threads (W9 step 44.25 -> 42.66 ms, W2
    # 6.90 -> 6.73), as one kernel for both passes: it compiles in the time the two serial
    # kernels took (0.12 s of W2's cold first step), where two chunked kernels cost 0.18 s
    # (benchmarks/NOTES.md).
    lo, hi = chunk(a.size, part, parts)
    a, y, out = a[lo:hi], y[lo:hi], out[lo:hi]
    if backward:
        for i in range(a.size):
            out[i] = 0 if y[i] <= 0 else a[i]
    else:
        for i in range(a.size):
            v = a[i]
            out[i] = 0 if v < 0 else v


def relu(x: np.ndarray) -> np.ndarray:
    """ReLU forward ``max(x, 0)`` in one pass, PyTorch's rule for -0.0 and NaN (both kept).

    Float arrays of any shape; returns a new C-contiguous array of x's shape and dtype.
    NumPy's ``maximum(x, 0)`` ran 2.5-3x slower at W2's activation (benchmarks/NOTES.md).
    """
    shape = np.shape(x)
    x = np.ascontiguousarray(x).reshape(-1)  # at least 1-D: NumPy's rule for 0-d
    out = _alloc.empty_like(x)
    if x.size:
        _relu_pass(x, x, out, False)
    return out.reshape(shape)


def relu_backward(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``g`` where ``y > 0`` or ``y`` is NaN, else 0, in one pass (ReLU's backward; y is the
    ReLU output; PyTorch passes the gradient at NaN).

    Shapes: g and y equal; returns an array of g's shape and dtype. NumPy's version takes
    two passes and a float*bool cast, about 3x slower.
    """
    shape = np.shape(g)
    g = np.ascontiguousarray(g).reshape(-1)  # at least 1-D: NumPy's rule for 0-d
    y = np.ascontiguousarray(y).reshape(-1)
    out = _alloc.empty_like(g)
    if g.size:
        _relu_pass(g, y, out, True)
    return out.reshape(shape)


@njit_chunked(error_model="numpy", min_size=CHUNKED_MIN_SIZE_STREAMING)
def _leaky_relu_kernel(a, slope, out, positive, part, parts):
    lo, hi = chunk(a.size, part, parts)
    a, out, positive = a[lo:hi], out[lo:hi], positive[lo:hi]
    for i in range(a.size):
        v = a[i]
        p = v > 0
        positive[i] = p
        out[i] = v if p else v * slope


@njit_chunked(error_model="numpy", min_size=CHUNKED_MIN_SIZE_STREAMING)
def _leaky_relu_backward_kernel(g, positive, slope, out, part, parts):
    lo, hi = chunk(g.size, part, parts)
    g, positive, out = g[lo:hi], positive[lo:hi], out[lo:hi]
    for i in range(g.size):
        out[i] = g[i] if positive[i] else g[i] * slope


def leaky_relu(a: np.ndarray, negative_slope: float) -> tuple[np.ndarray, np.ndarray]:
    """``(out, positive)``: ``out = a if a > 0 else a * negative_slope`` (the slope in
    ``a``'s dtype, as NumPy's ``a * slope``) and the mask ``a > 0``, in one pass instead of
    NumPy's three. float32/float64; both results of ``a``'s shape."""
    shape = np.shape(a)
    a = np.ascontiguousarray(a).reshape(-1)
    out = _alloc.empty_like(a)
    positive = _alloc.empty(a.shape, np.bool_)
    if a.size:
        _leaky_relu_kernel(a, a.dtype.type(negative_slope), out, positive)
    return out.reshape(shape), positive.reshape(shape)


def leaky_relu_backward(g: np.ndarray, positive: np.ndarray, negative_slope: float) -> np.ndarray:
    """``g if positive else g * negative_slope`` (the slope in ``g``'s dtype), one pass.
    Shapes: g and positive equal; returns g's shape and dtype."""
    shape = np.shape(g)
    g = np.ascontiguousarray(g).reshape(-1)
    out = _alloc.empty_like(g)
    if g.size:
        _leaky_relu_backward_kernel(g, np.ascontiguousarray(positive).reshape(-1),
                                    g.dtype.type(negative_slope), out)
    return out.reshape(shape)
