"""PyTorch's CPU random streams: the mt19937 engine and the samplers built on it.

The engine state is one ``uint32`` array ``st`` of length 626: the 624 Mersenne Twister
words, then ``left`` and ``next`` (PyTorch's ``mt19937_data_pod`` fields). Seeding takes the
low 32 bits of the seed, as PyTorch does. ``u32`` is one engine draw and ``u64`` two
(high word first), PyTorch's ``random()`` and ``random64()``.

Each sampler reproduces the arithmetic of PyTorch's CPU kernel for that distribution, in the
same precision and order (float32 samplers compute in float32), so equal seeds give equal
bits. Normal draws keep PyTorch's one-value Box-Muller cache in a ``float64`` array
``cache = [valid, value]`` owned by the generator. Nothing here imports the engine.
"""
from __future__ import annotations

import math

import numpy as np

from ._jit import fma, njit

__all__ = [
    "seed_state", "u32", "u64", "fill_u32", "draws", "uniform_f32", "uniform_f64", "normal_fill_f32",
    "normal_fill_f64", "normal_serial", "random_from_to", "random_bits", "randperm",
    "bernoulli_scalar", "bernoulli_scalar_mcg31", "bernoulli_f64", "bernoulli_f32",
    "exponential", "geometric", "cauchy", "log_normal", "multinomial_replacement",
]

_N, _M = 624, 397
_MATRIX_A = np.uint32(0x9908B0DF)
_UPPER = np.uint32(0x80000000)
_LOWER = np.uint32(0x7FFFFFFF)

_F24 = np.float32(1.0 / (1 << 24))
_F53 = 1.0 / (1 << 53)
_MASK24 = np.uint32((1 << 24) - 1)
_MASK53 = np.uint64((1 << 53) - 1)


def seed_state(st, seed):
    """Initialise ``st`` from ``seed`` (its low 32 bits seed the twister). Plain Python, not
    a kernel: seeding runs at ``import autograd`` and must not load Numba (~0.2 ms)."""
    x = int(seed) & 0xFFFFFFFF
    words = [x]
    for j in range(1, _N):
        x = (1812433253 * (x ^ (x >> 30)) + j) & 0xFFFFFFFF
        words.append(x)
    st[:_N] = words
    st[_N] = 1
    st[_N + 1] = 0


@njit
def _twist(u, v):
    y = (u & _UPPER) | (v & _LOWER)
    return (y >> np.uint32(1)) ^ (_MATRIX_A if (v & np.uint32(1)) else np.uint32(0))


@njit
def _next_state(st):
    for j in range(_N - _M):
        st[j] = st[j + _M] ^ _twist(st[j], st[j + 1])
    for j in range(_N - _M, _N - 1):
        st[j] = st[j + _M - _N] ^ _twist(st[j], st[j + 1])
    st[_N - 1] = st[_M - 1] ^ _twist(st[_N - 1], st[0])
    st[_N] = _N
    st[_N + 1] = 0


@njit
def _temper(y):
    y ^= y >> np.uint32(11)
    y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
    y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
    y ^= y >> np.uint32(18)
    return y


@njit
def u32(st):
    """One 32-bit draw (PyTorch's ``random()``), as uint32."""
    st[_N] -= 1
    if st[_N] == 0:
        _next_state(st)
    y = st[st[_N + 1]]
    st[_N + 1] += 1
    return _temper(y)


@njit
def u64(st):
    """One 64-bit draw (PyTorch's ``random64()``: first draw is the high word)."""
    hi = np.uint64(u32(st))
    lo = np.uint64(u32(st))
    return (hi << np.uint64(32)) | lo


_CHUNK = 4096      # draws per refill of the small scratch buffers: no large temporaries


@njit
def fill_u32(st, out):
    """Fill the uint32 array ``out`` with consecutive 32-bit draws (the stream of as many
    :func:`u32` calls, tempered a state block at a time)."""
    n = out.size
    left = np.int64(st[_N])
    nxt = np.int64(st[_N + 1])
    i = 0
    while i < n:
        avail = left - 1
        if avail == 0:
            _next_state(st)
            left, nxt = _N + 1, 0
            continue
        take = min(avail, n - i)
        for j in range(take):
            out[i + j] = _temper(st[nxt + j])
        i += take
        nxt += take
        left -= take
    st[_N] = np.uint32(left)
    st[_N + 1] = np.uint32(nxt)


@njit
def draws(st, n):
    """``n`` consecutive 32-bit draws as a new uint32 array."""
    out = np.empty(n, np.uint32)
    fill_u32(st, out)
    return out


@njit
def _unit_f64(st):
    return np.float64(u64(st) & _MASK53) * _F53


@njit
def _fill_units_f64(st, out):
    """Uniform [0, 1) float64 values from 53 bits of each 64-bit draw (high word first)."""
    n = out.size
    buf = np.empty(2 * _CHUNK, np.uint32)
    for start in range(0, n, _CHUNK):
        m = min(_CHUNK, n - start)
        fill_u32(st, buf[:2 * m])
        for i in range(m):
            # signed: x86 converts int64, not uint64, to float64 in one instruction
            hi = np.int64(buf[2 * i] & np.uint32(0x1FFFFF))
            out[start + i] = np.float64((hi << 32) | np.int64(buf[2 * i + 1])) * _F53


@njit
def _units_f64(st, n):
    out = np.empty(n, np.float64)
    _fill_units_f64(st, out)
    return out


@njit
def _fill_words(st, out, wide):
    """``out`` (uint64) gets 64-bit draws (two engine draws each) when ``wide``, else
    32-bit ones."""
    n = out.size
    buf = np.empty(2 * _CHUNK, np.uint32)
    for start in range(0, n, _CHUNK):
        m = min(_CHUNK, n - start)
        if wide:
            fill_u32(st, buf[:2 * m])
            for i in range(m):
                out[start + i] = (np.uint64(buf[2 * i]) << np.uint64(32)) | np.uint64(buf[2 * i + 1])
        else:
            fill_u32(st, buf[:m])
            for i in range(m):
                out[start + i] = np.uint64(buf[i])


@njit
def uniform_f32(st, out, low, high):
    """``out[i] = x * (high - low) + low`` in float32, x from 24 random bits."""
    lo = np.float32(low)
    span = np.float32(high) - lo
    n = out.size
    buf = np.empty(_CHUNK, np.uint32)
    for start in range(0, n, _CHUNK):
        m = min(_CHUNK, n - start)
        fill_u32(st, buf[:m])
        for i in range(m):
            out[start + i] = fma(np.float32(buf[i] & _MASK24) * _F24, span, lo)


@njit
def uniform_f64(st, out, low, high):
    """``out[i] = x * (high - low) + low`` in float64, x from 53 random bits."""
    span = high - low
    _fill_units_f64(st, out)
    for i in range(out.size):
        out[i] = fma(out[i], span, low)


# ------------------------------------------------------------------------------- normal
# float32 tensors of >= 16 elements: PyTorch's AVX2 path, Box-Muller on blocks of 16 with
# the Cephes-style float32 log and sincos polynomials of avx_mathfun.h, op for op. PyTorch's
# compiler fuses each multiply whose only use is an add into an FMA (here and in every
# ``x * scale + shift`` below); so do we, and the bits agree.
_ONE = np.float32(1.0)
_ZERO = np.float32(0.0)
_HALF = np.float32(0.5)
_SQRTHF = np.float32(0.707106781186547524)
_LOG_P = (np.float32(7.0376836292e-2), np.float32(-1.1514610310e-1),
          np.float32(1.1676998740e-1), np.float32(-1.2420140846e-1),
          np.float32(1.4249322787e-1), np.float32(-1.6668057665e-1),
          np.float32(2.0000714765e-1), np.float32(-2.4999993993e-1),
          np.float32(3.3333331174e-1))
_LOG_Q1 = np.float32(-2.12194440e-4)
_LOG_Q2 = np.float32(0.693359375)
_DP1 = np.float32(-0.78515625)
_DP2 = np.float32(-2.4187564849853515625e-4)
_DP3 = np.float32(-3.77489497744594108e-8)
_SIN_P = (np.float32(-1.9515295891e-4), np.float32(8.3321608736e-3),
          np.float32(-1.6666654611e-1))
_COS_P = (np.float32(2.443315711809948e-005), np.float32(-1.388731625493765e-003),
          np.float32(4.166664568298827e-002))
_FOPI = np.float32(1.27323954473516)
_TWO_PI_F32 = np.float32(2.0 * math.pi)
_MINUS_TWO = np.float32(-2.0)


@njit
def _box_muller_blocks_f32(data, start, nblocks, mean, std):
    """Blocks of 16 from ``data[start]`` on: in each, elements 0-7 are u1 and 8-15 are u2
    on entry, normals on exit. Lane for lane PyTorch's AVX2 kernel: ``log256_ps`` of
    ``1 - u1`` and ``sincos256_ps`` of ``2 pi u2``. Written as branch-free loops over all
    blocks' lanes at once, so that they vectorise."""
    lanes = 8 * min(nblocks, _CHUNK // 8)
    frac = np.empty(lanes, np.float32)
    bits = frac.view(np.int32)            # the exponent/mantissa split works on the bits
    expo = np.empty(lanes, np.float32)
    theta = np.empty(lanes, np.float32)
    for first in range(0, nblocks, _CHUNK // 8):
        count = min(_CHUNK // 8, nblocks - first)
        _box_muller_chunk_f32(data, start + 16 * first, count, mean, std, frac, bits, expo,
                              theta)


@njit
def _box_muller_chunk_f32(data, start, nblocks, mean, std, frac, bits, expo, theta):
    half = nblocks * 8
    for b in range(nblocks):
        base = start + 16 * b
        for j in range(8):
            frac[8 * b + j] = _ONE - data[base + j]
            theta[8 * b + j] = _TWO_PI_F32 * data[base + 8 + j]
    for i in range(half):
        w = bits[i]
        expo[i] = np.float32((w >> np.int32(23)) - np.int32(0x7F)) + _ONE
        bits[i] = (w & np.int32(~0x7F800000)) | np.int32(0x3F000000)     # mantissa | 0.5
    for i in range(half):
        # log(1 - u1) (u1 < 1: the argument is normal and > 0)
        m = frac[i]
        small = m < _SQRTHF
        e = expo[i] - (_ONE if small else _ZERO)
        m = (m - _ONE) + (m if small else _ZERO)
        z = m * m
        y = fma(_LOG_P[0], m, _LOG_P[1])
        y = fma(y, m, _LOG_P[2])
        y = fma(y, m, _LOG_P[3])
        y = fma(y, m, _LOG_P[4])
        y = fma(y, m, _LOG_P[5])
        y = fma(y, m, _LOG_P[6])
        y = fma(y, m, _LOG_P[7])
        y = fma(y, m, _LOG_P[8])
        y = y * m
        y = fma(y, z, e * _LOG_Q1)
        y = fma(-z, _HALF, y)
        radius = np.sqrt(_MINUS_TWO * fma(e, _LOG_Q2, m + y))
        # sincos of theta = 2 pi u2 >= 0
        x = theta[i]
        q = (np.int32(x * _FOPI) + np.int32(1)) & np.int32(~1)
        yq = np.float32(q)
        x = fma(yq, _DP1, x)
        x = fma(yq, _DP2, x)
        x = fma(yq, _DP3, x)
        z = x * x
        c = fma(_COS_P[0], z, _COS_P[1])
        c = fma(c, z, _COS_P[2])
        c = c * z
        c = fma(c, z, -(z * _HALF))
        c = c + _ONE
        sn = fma(_SIN_P[0], z, _SIN_P[1])
        sn = fma(sn, z, _SIN_P[2])
        sn = sn * z
        sn = fma(sn, x, x)
        sine_poly = (q & np.int32(2)) == 0
        sin_v = sn if sine_poly else c
        cos_v = c if sine_poly else sn
        sin_v = -sin_v if (q & np.int32(4)) != 0 else sin_v
        cos_v = -cos_v if ((q - np.int32(2)) & np.int32(4)) == 0 else cos_v
        frac[i] = radius * cos_v
        theta[i] = radius * sin_v
    for b in range(nblocks):
        base = start + 16 * b
        for j in range(8):
            data[base + j] = fma(frac[8 * b + j], std, mean)
            data[base + 8 + j] = fma(theta[8 * b + j], std, mean)


@njit
def normal_fill_f32(st, out, mean, std):
    """PyTorch's float32 ``normal_`` for >= 16 contiguous elements (its AVX2 kernel)."""
    n = out.size
    m32, s32 = np.float32(mean), np.float32(std)
    # np.int64(...) rather than bare 0 and 1: a constant argument is typed as a literal,
    # and each literal compiles its own specialisation (0.3 s of a cold start)
    uniform_f32(st, out, 0.0, 1.0)
    _box_muller_blocks_f32(out, np.int64(0), n // 16, m32, s32)
    if n % 16 != 0:
        uniform_f32(st, out[n - 16:], 0.0, 1.0)
        _box_muller_blocks_f32(out, n - 16, np.int64(1), m32, s32)


@njit
def _box_muller_16_f64(data, k, mean, std):
    for j in range(8):
        u1 = 1.0 - data[k + j]
        u2 = data[k + j + 8]
        radius = math.sqrt(-2.0 * math.log(u1))
        theta = 2.0 * math.pi * u2
        data[k + j] = fma(radius * math.cos(theta), std, mean)
        data[k + j + 8] = fma(radius * math.sin(theta), std, mean)


@njit
def normal_fill_f64(st, out, mean, std):
    """PyTorch's float64 ``normal_`` for >= 16 contiguous elements."""
    n = out.size
    uniform_f64(st, out, 0.0, 1.0)
    for k in range(0, n - 15, 16):
        _box_muller_16_f64(out, k, mean, std)
    if n % 16 != 0:
        uniform_f64(st, out[n - 16:], 0.0, 1.0)
        _box_muller_16_f64(out, n - 16, mean, std)


@njit
def _standard_normal(st, cache):
    if cache[0] != 0.0:
        cache[0] = 0.0
        return cache[1]
    u1 = _unit_f64(st)
    u2 = _unit_f64(st)
    r = math.sqrt(-2.0 * math.log1p(-u2))
    theta = 2.0 * math.pi * u1
    cache[0] = 1.0
    cache[1] = r * math.sin(theta)
    return r * math.cos(theta)


@njit
def normal_serial(st, cache, out, mean, std):
    """PyTorch's element-by-element normal (small or strided tensors): float64
    Box-Muller, each pair's second value cached for the next call."""
    for i in range(out.size):
        out[i] = fma(_standard_normal(st, cache), std, mean)


@njit
def log_normal(st, cache, out, mean, std):
    """``exp(normal(mean, std))`` element by element (PyTorch's ``log_normal_``)."""
    for i in range(out.size):
        out[i] = math.exp(fma(_standard_normal(st, cache), std, mean))


# ----------------------------------------------------------------------------- integers
@njit
def random_from_to(st, out, span, base, wide):
    """``out[i] = (draw % span) + base`` (int64); ``wide`` draws 64 bits, else 32."""
    s = np.uint64(span)
    words = np.empty(out.size, np.uint64)
    _fill_words(st, words, wide)
    for i in range(out.size):
        out[i] = np.int64(words[i] % s) + base


@njit
def random_bits(st, out, modulus, wide):
    """``random_()`` without bounds: ``draw % modulus`` (``modulus`` 0 means 2**64)."""
    m = np.uint64(modulus)
    words = np.empty(out.size, np.uint64)
    _fill_words(st, words, wide)
    for i in range(out.size):
        out[i] = np.int64(words[i] % m) if modulus != 0 else np.int64(words[i])


@njit
def randperm(st, n):
    """PyTorch's ``randperm``: a forward swap shuffle of 0..n-1 for n < 2**32 / 20, the
    inside-out Fisher-Yates with 64-bit draws above."""
    out = np.empty(n, np.int64)
    if n < 4294967295 // 20:
        for i in range(n):
            out[i] = i
        bits = draws(st, max(n - 1, 0))
        for i in range(n - 1):
            z = np.int64(bits[i]) % (n - i)
            tmp = out[i]
            out[i] = out[z + i]
            out[z + i] = tmp
    else:
        words = np.empty(n, np.uint64)
        _fill_words(st, words, True)
        for i in range(n):
            z = np.int64(words[i] % np.uint64(i + 1))
            out[i] = out[z]
            out[z] = i
    return out


# ------------------------------------------------------------------- discrete and other
@njit
def bernoulli_scalar(st, out, p):
    """``out[i] = U < p`` with float64 U (PyTorch's non-MKL ``bernoulli_(p)``)."""
    _fill_units_f64(st, out)
    for i in range(out.size):
        out[i] = 1.0 if out[i] < p else 0.0


_MCG31_M = np.uint64(2147483647)
_MCG31_A = np.uint64(1132489760)


@njit
def bernoulli_scalar_mcg31(st, out, p):
    """``bernoulli_(p)`` as PyTorch's MKL builds run it on Intel CPUs: one engine draw
    seeds MKL's MCG31m1 stream (``x <- 1132489760 x mod (2**31 - 1)``, starting at the
    seed), and ``out[i] = x_i / (2**31 - 1) < p`` (MKL's inverse-CDF Bernoulli)."""
    x = np.uint64(u32(st)) % _MCG31_M
    if x == 0:
        x = np.uint64(1)
    m = np.float64(_MCG31_M)
    for i in range(out.size):
        out[i] = 1.0 if np.float64(x) / m < p else 0.0
        x = (_MCG31_A * x) % _MCG31_M


@njit
def bernoulli_f64(st, p, out):
    """Per-element float64 probabilities: ``out[i] = U64 < p[i]``."""
    _fill_units_f64(st, out)
    for i in range(out.size):
        out[i] = 1.0 if out[i] < p[i] else 0.0


@njit
def bernoulli_f32(st, p, out):
    """Per-element float32 probabilities: ``out[i] = U32 < p[i]`` in float32."""
    units = np.empty(out.size, np.float32)
    uniform_f32(st, units, 0.0, 1.0)
    for i in range(out.size):
        out[i] = 1.0 if units[i] < p[i] else 0.0


@njit
def exponential(st, out, lambd):
    """``-1/lambd * log1p(-U)`` in float64."""
    scale = -1.0 / lambd
    _fill_units_f64(st, out)
    for i in range(out.size):
        out[i] = scale * math.log1p(-out[i])


@njit
def geometric(st, out, p):
    """``ceil(log(U) / log(1 - p))`` in float64."""
    denom = math.log(1.0 - p)
    _fill_units_f64(st, out)
    for i in range(out.size):
        out[i] = math.ceil(math.log(out[i]) / denom)


@njit
def cauchy(st, out, median, sigma):
    """``median + sigma * tan(pi * (U - 0.5))`` in float64."""
    _fill_units_f64(st, out)
    for i in range(out.size):
        out[i] = fma(sigma, math.tan(math.pi * (out[i] - 0.5)), median)


@njit
def multinomial_replacement(st, probs, n_sample, out):
    """Rows of ``probs`` (n_dist, n_cat; float32 or float64) sampled ``n_sample`` times
    with replacement into ``out`` (n_dist, n_sample): normalised cumulative sums in the
    probabilities' dtype, float64 uniforms, a binary search per draw. Returns the first
    row whose sum is not positive, or -1."""
    n_dist, n_cat = probs.shape
    cum = np.empty(n_cat, probs.dtype)
    for i in range(n_dist):
        cum[0] = probs[i, 0]
        for j in range(1, n_cat):
            cum[j] = cum[j - 1] + probs[i, j]      # summed in the probabilities' dtype
        total = cum[n_cat - 1]
        if not total > 0:
            return i
        for j in range(n_cat):
            cum[j] /= total
        cum[n_cat - 1] = 1.0
        units = _units_f64(st, n_sample)
        for k in range(n_sample):
            u = units[k]
            left, right = 0, n_cat
            while right - left > 0:
                mid = left + (right - left) // 2
                if np.float64(cum[mid]) < u:
                    left = mid + 1
                else:
                    right = mid
            out[i, k] = left
    return -1
