"""Fused activation kernels: GELU (exact and tanh), SiLU, and softmax / log-softmax over
the last dim, forward and backward, each one pass over memory.

NumPy spends one pass (and one temporary) per arithmetic step: GELU's backward is about
ten, softmax's forward five. Here every element is read and written once. Elementwise
kernels run over contiguous chunks and softmax over rows, both split across the worker
threads (``njit_chunked``: serial nogil kernels, no ``parallel=True`` compile cost);
arrays too small to pay for waking the pool run on the calling thread.

float32 is computed in float32 throughout (a Python float literal would promote each
step to float64), with its own vectorising exp and erfc (see ``_expf``).
"""
from __future__ import annotations

import math

import numpy as np

from . import _alloc
from ._jit import chunk, njit, njit_chunked

__all__ = ["gelu", "gelu_backward", "silu", "silu_backward", "softmax_lastdim",
           "softmax_lastdim_backward", "scaled_softmax_lastdim"]

GELU_ERF, GELU_TANH, SILU = 0, 1, 2

# Reassociation and contraction let LLVM vectorise sums and fuse multiply-adds (strict
# IEEE order keeps row sums scalar, ~3x slower); no-NaN / no-inf are NOT assumed, so
# NaN, inf and masked (-inf) inputs keep NumPy's results. error_model="numpy": a
# division by zero gives inf instead of a Python exception check per element, which
# stops vectorisation.
_FAST = {"reassoc", "contract", "arcp", "nsz"}
# The elementwise kernels have no sums to reorder: contraction only, so exp's range
# reduction keeps its precision (reassociated, exp was off by up to 4.4 ulp at |a| ~ 87;
# _expf keeps these flags also where LLVM inlines it into a reassociating row kernel).
_ELEMENTWISE = {"contract", "arcp", "nsz"}

# Below autograd.runtime.CHUNKED_MIN_SIZE elements one thread does the work: the pool's
# wake-up (tens of microseconds) costs more than it saves (benchmarks/NOTES.md).

_K0 = math.sqrt(2.0 / math.pi)
_K1 = 0.044715
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)

# float64 runs libm's exp/erfc per element; float32 runs straight-line versions that
# vectorise (Numba without Intel SVML calls libm's scalar expf per element, ~5x slower
# than NumPy's SIMD exp). The two spans are written out separately: a runtime flag
# choosing between them inside one loop keeps the libm call in the loop body and stops
# vectorisation. _erfcf is inlined in Numba's IR (inline="always"): left to LLVM, a
# helper calling a helper (erfc -> exp) stays a call per element (10x slower). _expf is
# left to LLVM's inliner, which takes it; IR-inlining every exp site cost ~2 s of cold
# compile for no measurable speed.


# 1.5 * 2^23: adding it rounds a float32 of magnitude below 2^22 to an integer, which
# then sits in the low mantissa bits (no float -> int conversion on the vector path)
_ROUND = np.float32(12582912.0)
_ROUND_BITS = 0x4B400000


@njit(error_model="numpy", fastmath=_ELEMENTWISE, inline="always")
def _exp_split(xc):
    """``(shifted, r)`` with ``xc = n ln2 + r``, ``|r| <= ln2/2``, for xc in [-87, 88]:
    n = round(xc / ln2) by the 1.5 * 2^23 trick (see _ROUND: no float -> int -> float)
    sits in ``shifted``'s low mantissa bits; Cody-Waite's split ln2 makes n * hi exact."""
    shifted = xc * np.float32(1.4426950408889634) + _ROUND
    n = shifted - _ROUND
    return shifted, xc - n * np.float32(0.693359375) - n * np.float32(-2.12194440e-4)


@njit(error_model="numpy", fastmath=_ELEMENTWISE, inline="always")
def _exp_taylor(p, r):
    """Horner's scheme for exp's Taylor polynomial from its r^5/120 term down, ``p``
    holding the higher terms' sum over r^5 (1/720 for degree 6)."""
    p = p * r + np.float32(1 / 120)
    p = p * r + np.float32(1 / 24)
    p = p * r + np.float32(1 / 6)
    p = p * r + np.float32(0.5)
    p = p * r + np.float32(1.0)
    return p * r + np.float32(1.0)


@njit(error_model="numpy", fastmath=_ELEMENTWISE, inline="always")
def _times_pow2(p, shifted):
    """``p * 2^n`` for the n that :func:`_exp_split` left in ``shifted``."""
    bits = (np.float32(shifted).view(np.int32) - np.int32(_ROUND_BITS - 127)) << np.int32(23)
    return p * np.int32(bits).view(np.float32)


@njit(error_model="numpy", fastmath=_ELEMENTWISE)
def _expf(a):
    """exp of a float32 in float32 arithmetic, within 2 ulp, as straight-line code:
    a = n ln2 + r, |r| <= ln2/2; exp(r) by its degree-7 Taylor polynomial (error below
    1e-8 relative); 2^n assembled in the exponent bits."""
    xc = a if a > np.float32(-87.0) else np.float32(-87.0)
    xc = xc if xc < np.float32(88.0) else np.float32(88.0)
    shifted, r = _exp_split(xc)
    y = _times_pow2(_exp_taylor(np.float32(1 / 5040) * r + np.float32(1 / 720), r), shifted)
    y = np.float32(0.0) if a < np.float32(-87.0) else y
    y = np.float32(np.inf) if a > np.float32(88.0) else y
    return a if a != a else y


@njit(error_model="numpy", fastmath=_ELEMENTWISE, inline="always")
def _expf_nonpositive(a):
    """exp of a float32 ``a <= 0`` (GELU's Gaussian factors), lighter than :func:`_expf`:
    no overflow branch, exp(r) by its degree-6 Taylor polynomial (truncation below
    1.2e-7 relative, the erfc approximation's own error); 0 below -87. A NaN gives a NaN
    or a number, which the callers multiply by the NaN input."""
    shifted, r = _exp_split(max(a, np.float32(-87.0)))
    y = _times_pow2(_exp_taylor(np.float32(1 / 720), r), shifted)
    return np.float32(0.0) if a < np.float32(-87.0) else y


@njit(error_model="numpy", fastmath=_ELEMENTWISE, inline="always")
def _erfcf(z):
    """erfc(z) for float32 z >= 0 by Numerical Recipes' t exp(-z^2 + P(t)),
    t = 1 / (1 + z/2), relative error below 1.2e-7 (Press et al., 6.2)."""
    one = np.float32(1.0)
    t = one / (one + np.float32(0.5) * z)
    p = np.float32(0.17087277) * t + np.float32(-0.82215223)
    p = p * t + np.float32(1.48851587)
    p = p * t + np.float32(-1.13520398)
    p = p * t + np.float32(0.27886807)
    p = p * t + np.float32(-0.18628806)
    p = p * t + np.float32(0.09678418)
    p = p * t + np.float32(0.37409196)
    p = p * t + np.float32(1.00002368)
    p = p * t + np.float32(-1.26551223)
    return t * _expf_nonpositive(p - z * z)  # the argument is <= 0 (P(1) ~ 0)


# Each kernel loops over its part as a slice from 0: indexing by range(lo, hi) keeps
# NumPy-style negative-index wraparound in the loop and ran 1.6-1.9x slower.
# float32: one kernel per activation and direction. A single kernel choosing among them
# by runtime flags ran GELU at half the speed (LLVM did not inline exp into every loop of
# the larger function, 1.8 vs 0.96 ms for [16, 64, 512] on one thread), and each compiles
# only when used (cold start).
@njit_chunked(error_model="numpy", fastmath=_ELEMENTWISE)
def _gelu_erf32(x, out, part, parts):
    lo, hi = chunk(x.size, part, parts)
    x, out = x[lo:hi], out[lo:hi]
    half, one = np.float32(0.5), np.float32(1.0)
    inv_sqrt2 = np.float32(_INV_SQRT2)
    for i in range(x.size):
        # Phi(a) = erfc(-a/sqrt2)/2 without cancellation on either side of 0
        a = x[i]
        h = half * _erfcf(abs(a) * inv_sqrt2)
        out[i] = a * (h if a < 0 else one - h)


@njit_chunked(error_model="numpy", fastmath=_ELEMENTWISE)
def _gelu_erf_back32(x, g, out, part, parts):
    lo, hi = chunk(x.size, part, parts)
    x, g, out = x[lo:hi], g[lo:hi], out[lo:hi]
    half, one = np.float32(0.5), np.float32(1.0)
    inv_sqrt2, inv_sqrt2pi = np.float32(_INV_SQRT2), np.float32(_INV_SQRT2PI)
    for i in range(x.size):
        a = x[i]
        h = half * _erfcf(abs(a) * inv_sqrt2)
        cdf = h if a < 0 else one - h
        out[i] = g[i] * (cdf + a * _expf_nonpositive(-half * a * a) * inv_sqrt2pi)


@njit_chunked(error_model="numpy", fastmath=_ELEMENTWISE)
def _gelu_tanh32(x, out, part, parts):
    # 1 + tanh(y) = 2 sigmoid(2y): no cancellation
    lo, hi = chunk(x.size, part, parts)
    x, out = x[lo:hi], out[lo:hi]
    one, two = np.float32(1.0), np.float32(2.0)
    k0, k1 = np.float32(_K0), np.float32(_K1)
    for i in range(x.size):
        a = x[i]
        out[i] = a / (one + _expf(-two * k0 * (a + k1 * a * a * a)))


@njit_chunked(error_model="numpy", fastmath=_ELEMENTWISE)
def _gelu_tanh_back32(x, g, out, part, parts):
    # 1 - tanh(y)^2 = 4 s (1 - s) with s = sigmoid(2y)
    lo, hi = chunk(x.size, part, parts)
    x, g, out = x[lo:hi], g[lo:hi], out[lo:hi]
    one, two = np.float32(1.0), np.float32(2.0)
    k0, k1, k1x3 = np.float32(_K0), np.float32(_K1), np.float32(3 * _K1)
    for i in range(x.size):
        a = x[i]
        s = one / (one + _expf(-two * k0 * (a + k1 * a * a * a)))
        out[i] = g[i] * (s + two * a * s * (one - s) * k0 * (one + k1x3 * a * a))


@njit_chunked(error_model="numpy", fastmath=_ELEMENTWISE)
def _silu32(x, out, part, parts):
    lo, hi = chunk(x.size, part, parts)
    x, out = x[lo:hi], out[lo:hi]
    one = np.float32(1.0)
    for i in range(x.size):
        a = x[i]
        out[i] = a / (one + _expf(-a))


@njit_chunked(error_model="numpy", fastmath=_ELEMENTWISE)
def _silu_back32(x, g, out, part, parts):
    lo, hi = chunk(x.size, part, parts)
    x, g, out = x[lo:hi], g[lo:hi], out[lo:hi]
    one = np.float32(1.0)
    for i in range(x.size):
        a = x[i]
        s = one / (one + _expf(-a))
        out[i] = g[i] * s * (one + a * (one - s))


@njit_chunked(error_model="numpy", fastmath=_ELEMENTWISE)
def _activation64(x, g, out, mode, backward, part, parts):
    # float64 on libm (np.exp: inf, not OverflowError, without JIT); speed matters less
    lo, hi = chunk(x.size, part, parts)
    x, g, out = x[lo:hi], g[lo:hi], out[lo:hi]
    for i in range(x.size):
        a = x[i]
        if mode == GELU_ERF:
            e = math.erfc(abs(a) * _INV_SQRT2)
            cdf = 0.5 * e if a < 0 else 1.0 - 0.5 * e
            out[i] = (g[i] * (cdf + a * np.exp(-0.5 * a * a) * _INV_SQRT2PI) if backward
                      else a * cdf)
            continue
        if mode == GELU_TANH:
            s = 1.0 / (1.0 + np.exp(-2.0 * _K0 * (a + _K1 * a * a * a)))
            d = s + 2.0 * a * s * (1.0 - s) * _K0 * (1.0 + 3 * _K1 * a * a)
        else:
            s = 1.0 / (1.0 + np.exp(-a))
            d = s * (1.0 + a * (1.0 - s))
        out[i] = g[i] * d if backward else a * s


_FORWARD32 = {GELU_ERF: _gelu_erf32, GELU_TANH: _gelu_tanh32, SILU: _silu32}
_BACKWARD32 = {GELU_ERF: _gelu_erf_back32, GELU_TANH: _gelu_tanh_back32, SILU: _silu_back32}


def _elementwise(x: np.ndarray, g: np.ndarray | None, mode: int) -> np.ndarray:
    x = np.ascontiguousarray(x)
    out = _alloc.empty_like(x)
    if x.size == 0:
        return out
    xf, of = x.reshape(-1), out.reshape(-1)
    gf = None if g is None else np.ascontiguousarray(g, dtype=x.dtype).reshape(-1)
    if x.dtype == np.float32:
        if gf is None:
            _FORWARD32[mode](xf, of)
        else:
            _BACKWARD32[mode](xf, gf, of)
    else:
        _activation64(xf, xf if gf is None else gf, of, mode, gf is not None)
    return out


def gelu(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    """GELU ``x * Phi(x)`` (``approximate='tanh'``: the tanh form), elementwise, float32
    or float64. Shape and dtype of ``x``."""
    return _elementwise(x, None, GELU_TANH if approximate == "tanh" else GELU_ERF)


def gelu_backward(g: np.ndarray, x: np.ndarray, approximate: str = "none") -> np.ndarray:
    """``g * gelu'(x)`` in one pass. Shapes: g and x equal; returns x's shape and dtype."""
    return _elementwise(x, g, GELU_TANH if approximate == "tanh" else GELU_ERF)


def silu(x: np.ndarray) -> np.ndarray:
    """SiLU ``x * sigmoid(x)``, elementwise. Shape and dtype of ``x``."""
    return _elementwise(x, None, SILU)


def silu_backward(g: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``g * silu'(x)`` in one pass. Shapes: g and x equal; returns x's shape and dtype."""
    return _elementwise(x, g, SILU)


@njit(error_model="numpy", fastmath=_FAST)
def _exp_row(src, r, scale, shift, dst, stop):
    """dst[j] = exp(src[r, j] * scale - shift) for j < stop; returns their sum. The dtype
    branch sits outside the loops: inside, it would keep libm's exp call in the loop body
    of the float32 version too and stop vectorisation."""
    s = src[r, 0] * 0
    if src.itemsize == 4:
        for j in range(stop):
            e = _expf(src[r, j] * scale - shift)
            dst[j] = e
            s += e
    else:
        for j in range(stop):
            e = np.exp(src[r, j] * scale - shift)
            dst[j] = e
            s += e
    return s


# Each compiled function costs a few tenths of a second at a cold start, so the row loops
# live inside the two chunked kernels rather than in per-row helpers.
@njit_chunked(error_model="numpy", fastmath=_FAST)
def _softmax_forward(x, out, log, scale, n_q, part, parts):
    # softmax of scale * x[r] per row; n_q > 0: row r is query r % n_q of a causal score
    # matrix, which sees keys 0..r % n_q only (the rest of the row gets weight 0)
    lo, hi = chunk(x.shape[0], part, parts)
    n = x.shape[1]
    # the exps go to a row buffer: written straight into out, which may be x itself (the
    # attention op works in place), LLVM's overlap check fails and the loop runs scalar
    row = np.empty(n, dtype=out.dtype)
    for r in range(lo, hi):
        stop = min(r % n_q + 1, n) if n_q > 0 else n
        # max(scale * x) is scale * max(x) (scale * min(x) for scale < 0): rounding is
        # monotonic, so the scaled row is never written out before the exp pass
        m = x[r, 0]
        if scale >= 0:
            for j in range(1, stop):
                m = max(m, x[r, j])
        else:
            for j in range(1, stop):
                m = min(m, x[r, j])
        m = m * scale
        s = _exp_row(x, r, scale, m, row, stop)
        if log:
            lse = m + math.log(s)
            for j in range(n):
                out[r, j] = x[r, j] - lse
        else:
            inv = 1 / s
            for j in range(stop):
                out[r, j] = row[j] * inv
            for j in range(stop, n):
                out[r, j] = 0


@njit_chunked(error_model="numpy", fastmath=_FAST)
def _softmax_backward(y, g, out, log, zero, one, part, parts):
    # zero, one: 0 and 1 in y's dtype (literals would make exp_row compile a float64 twin)
    lo, hi = chunk(y.shape[0], part, parts)
    n = y.shape[1]
    for r in range(lo, hi):
        s = g[r, 0] * 0
        if log:  # g - exp(y) * sum(g)
            for j in range(n):
                s += g[r, j]
            _exp_row(y, r, one, zero, out[r], n)
            for j in range(n):
                out[r, j] = g[r, j] - out[r, j] * s
        else:  # y * (g - sum(g * y))
            for j in range(n):
                s += g[r, j] * y[r, j]
            for j in range(n):
                out[r, j] = y[r, j] * (g[r, j] - s)


def _rows(x: np.ndarray, g: np.ndarray | None, log: bool, scale: float = 1.0,
          n_q: int = 0, out: np.ndarray | None = None) -> np.ndarray:
    x = np.ascontiguousarray(x)
    out = _alloc.empty_like(x) if out is None else out
    if x.size == 0:
        return out
    x2 = x.reshape(-1, x.shape[-1])
    o2 = out.reshape(x2.shape)
    if g is None:
        _softmax_forward(x2, o2, log, x.dtype.type(scale), n_q)
    else:
        _softmax_backward(x2, np.ascontiguousarray(g, dtype=x.dtype).reshape(x2.shape), o2, log,
                          x.dtype.type(0), x.dtype.type(1))
    return out


def softmax_lastdim(x: np.ndarray, log: bool = False) -> np.ndarray:
    """Softmax (``log=True``: log-softmax) over the last dim, max subtracted first.
    Shape (..., n) with n >= 1, float32 or float64; returns x's shape and dtype."""
    return _rows(x, None, log)


def scaled_softmax_lastdim(x: np.ndarray, scale: float, causal: bool) -> np.ndarray:
    """``softmax(scale * x)`` over the last dim, in place (x is overwritten and returned).
    ``causal``: x is [..., L, S] attention scores and query i sees keys 0..i only (the
    others get weight 0). float32/float64, contiguous, S >= 1."""
    return _rows(x, None, False, scale, x.shape[-2] if causal else 0, out=x)


def softmax_lastdim_backward(g: np.ndarray, y: np.ndarray, log: bool = False) -> np.ndarray:
    """Softmax's (``log=True``: log-softmax's) vector-Jacobian product from its output
    ``y``: ``y * (g - sum(g y))`` or ``g - exp(y) sum(g)`` per last-dim row. Shapes equal."""
    return _rows(y, g, log)
