"""Special functions NumPy lacks (lgamma, digamma, polygamma, erfinv), elementwise.

Each public function takes a float array and returns a new array of the same shape and
dtype, computed in float64 inside the loop. The algorithms are the textbook ones:
``math.lgamma``; digamma by reflection, upward recurrence to x >= 6 and the asymptotic
series; polygamma through the Hurwitz zeta function (Euler-Maclaurin summation);
erfinv from Giles' single-precision approximation refined by Newton steps on erf/erfc.
"""
from __future__ import annotations

import math

import numpy as np

from ._jit import njit

__all__ = ["lgamma", "digamma", "polygamma", "erfinv", "zeta", "gammainc"]


@njit
def _lgamma_flat(x, out):
    for i in range(x.size):
        v = float(x[i])
        if v <= 0.0 and v == math.floor(v):
            out[i] = math.inf  # poles: PyTorch gives +inf there, math.lgamma raises
        else:
            out[i] = math.lgamma(v)


# Coefficients B_2k / (2k) of the digamma asymptotic series, k = 1..7.
_DIGAMMA_ASYM = np.array([1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132,
                          -691.0 / 32760, 1.0 / 12])


@njit
def _digamma_pos(x, coef):
    """psi(x) for x > 0: upward recurrence to x >= 6, then the asymptotic series."""
    acc = 0.0
    while x < 6.0:  # psi(x) = psi(x + 1) - 1/x
        acc -= 1.0 / x
        x += 1.0
    inv2 = 1.0 / (x * x)
    series = 0.0
    p = inv2
    for k in range(coef.size):
        series += coef[k] * p
        p *= inv2
    return acc + math.log(x) - 0.5 / x - series


@njit
def _digamma_scalar(x, coef):
    # no recursion: Numba's on-disk cache mishandles recursive functions
    if x == 0.0:
        return -math.inf  # PyTorch (and SciPy): digamma(0) = -inf
    if x < 0.0:
        if x == math.floor(x):
            return math.nan
        # reflection psi(x) = psi(1 - x) - pi / tan(pi x)
        return _digamma_pos(1.0 - x, coef) - math.pi / math.tan(math.pi * x)
    return _digamma_pos(x, coef)


@njit
def _digamma_flat(x, out, coef):
    for i in range(x.size):
        out[i] = _digamma_scalar(float(x[i]), coef)


# B_2j / (2j)! for j = 1..12 (Euler-Maclaurin correction terms of the Hurwitz zeta sum).
_ZETA_EM = np.array([
    1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1209600, 1.0 / 47900160,
    -691.0 / 1307674368000, 1.0 / 74724249600, -3617.0 / 10670622842880000,
    43867.0 / 5109094217170944000, -174611.0 / 802857662698291200000,
    77683.0 / 14101100039391805440000, -236364091.0 / 1693824136731743669452800000])


@njit
def _zeta_scalar(s, q, em):
    """Hurwitz zeta sum_{k>=0} (q + k)^-s for s > 1 (q may be negative when s is integral)."""
    if q <= 0.0 and q == math.floor(q):
        return math.inf
    if q <= 0.0 and s != math.floor(s):
        return math.nan  # (q + k)^-s is not real
    total = 0.0
    a = q
    i = 0
    # direct terms until the tail is far enough out for the asymptotic expansion
    while i < 9 or a <= 9.0:
        total += a ** -s
        a += 1.0
        i += 1
    total += a ** (1.0 - s) / (s - 1.0) + 0.5 * a ** -s
    fac = s * a ** (-s - 1.0)  # s (s+1) ... (s+2j-2) a^(-s-2j+1), j = 1
    for j in range(em.size):
        term = em[j] * fac
        total += term
        if abs(term) < 1e-17 * abs(total):
            break
        fac *= (s + 2 * j + 1.0) * (s + 2 * j + 2.0) / (a * a)
    return total


@njit
def _polygamma_flat(n, x, out, em):
    sign = 1.0 if n % 2 == 1 else -1.0
    nfact = math.gamma(n + 1.0)
    for i in range(x.size):
        out[i] = sign * nfact * _zeta_scalar(n + 1.0, float(x[i]), em)


@njit
def _zeta_flat(s, q, out, em):
    for i in range(s.size):
        sv, qv = float(s[i]), float(q[i])
        out[i] = math.inf if sv == 1.0 else (math.nan if sv < 1.0 else _zeta_scalar(sv, qv, em))


@njit
def _erfinv_flat(y, out):
    two_over_sqrt_pi = 2.0 / math.sqrt(math.pi)
    for i in range(y.size):
        v = float(y[i])
        if not -1.0 <= v <= 1.0:
            out[i] = math.nan
            continue
        if v == 1.0 or v == -1.0:
            out[i] = math.copysign(math.inf, v)
            continue
        # Giles (2010), "Approximating the erfinv function": about 1e-7 relative error
        w = -math.log((1.0 - v) * (1.0 + v))
        if w < 5.0:
            w -= 2.5
            p = 2.81022636e-08
            p = 3.43273939e-07 + p * w
            p = -3.5233877e-06 + p * w
            p = -4.39150654e-06 + p * w
            p = 0.00021858087 + p * w
            p = -0.00125372503 + p * w
            p = -0.00417768164 + p * w
            p = 0.246640727 + p * w
            p = 1.50140941 + p * w
        else:
            w = math.sqrt(w) - 3.0
            p = -0.000200214257
            p = 0.000100950558 + p * w
            p = 0.00134934322 + p * w
            p = -0.00367342844 + p * w
            p = 0.00573950773 + p * w
            p = -0.0076224613 + p * w
            p = 0.00943887047 + p * w
            p = 1.00167406 + p * w
            p = 2.83297682 + p * w
        x = p * v
        a = abs(v)
        ax = abs(x)
        # Newton on erf near 0, and on log(erfc) in the tails: 1 - |y| is exact there and
        # erfc keeps its relative accuracy (erf(x) - y would lose every digit), and the log
        # makes the equation nearly linear so Newton does not overshoot
        if a < 0.5:
            for _ in range(3):
                ax -= (math.erf(ax) - a) / (two_over_sqrt_pi * math.exp(-ax * ax))
        else:
            log_t = math.log(1.0 - a)
            for _ in range(4):
                c = math.erfc(ax)
                d = two_over_sqrt_pi * math.exp(-ax * ax)
                if c == 0.0 or d == 0.0:
                    break
                ax += (math.log(c) - log_t) * c / d
        out[i] = math.copysign(ax, v)


@njit
def _gammainc_flat(a, x, out):
    # Regularised lower incomplete gamma P(a, x): the power series
    # P = x^a e^-x / Gamma(a+1) sum_n x^n / ((a+1)...(a+n)) below x < a + 1, and
    # 1 - Q with Q's continued fraction (modified Lentz) above, where the series is slow.
    for i in range(a.size):
        av = float(a[i])
        xv = float(x[i])
        if math.isnan(av) or math.isnan(xv) or av < 0.0 or xv < 0.0:
            out[i] = math.nan
        elif av == 0.0:
            out[i] = 1.0 if xv > 0.0 else math.nan  # PyTorch: gammainc(0, x > 0) = 1
        elif xv == 0.0:
            out[i] = 0.0
        elif math.isinf(xv):
            out[i] = 1.0
        elif xv < av + 1.0:
            term = 1.0 / av
            total = term
            ap = av
            for _ in range(100000):
                ap += 1.0
                term *= xv / ap
                total += term
                if abs(term) < abs(total) * 1e-17:
                    break
            out[i] = total * math.exp(-xv + av * math.log(xv) - math.lgamma(av))
        else:
            tiny = 1e-300
            b = xv + 1.0 - av
            c = 1.0 / tiny
            d = 1.0 / b
            h = d
            for n in range(1, 100000):
                an = -n * (n - av)
                b += 2.0
                d = an * d + b
                if abs(d) < tiny:
                    d = tiny
                c = b + an / c
                if abs(c) < tiny:
                    c = tiny
                d = 1.0 / d
                delta = d * c
                h *= delta
                if abs(delta - 1.0) < 1e-16:
                    break
            out[i] = 1.0 - math.exp(-xv + av * math.log(xv) - math.lgamma(av)) * h


def gammainc(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Regularised lower incomplete gamma P(a, x) over broadcast ``a`` and ``x`` (nan for
    negative arguments); result dtype: ``x``'s."""
    a, x = np.broadcast_arrays(a, x)
    a64 = np.ascontiguousarray(a, dtype=np.float64)
    x64 = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty(x64.shape, dtype=np.float64)
    _gammainc_flat(a64.reshape(-1), x64.reshape(-1), out.reshape(-1))
    return out.astype(np.result_type(a.dtype, x.dtype), copy=False)


def _run(flat_kernel, x: np.ndarray, *extra) -> np.ndarray:
    x = np.ascontiguousarray(x)
    out = np.empty(x.shape, dtype=x.dtype)
    flat_kernel(x.reshape(-1), out.reshape(-1), *extra)
    return out


def lgamma(x: np.ndarray) -> np.ndarray:
    """log|Gamma(x)| elementwise (+inf at 0 and the negative integers)."""
    return _run(_lgamma_flat, x)


def digamma(x: np.ndarray) -> np.ndarray:
    """psi(x) = d/dx lgamma(x) elementwise (-inf at 0, nan at negative integers)."""
    return _run(_digamma_flat, x, _DIGAMMA_ASYM)


def polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """The n-th derivative of digamma (n >= 1) elementwise: (-1)^(n+1) n! zeta(n+1, x)."""
    x = np.ascontiguousarray(x)
    out = np.empty(x.shape, dtype=x.dtype)
    _polygamma_flat(int(n), x.reshape(-1), out.reshape(-1), _ZETA_EM)
    return out


def zeta(s: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hurwitz zeta(s, q) elementwise over broadcast ``s`` and ``q`` (inf for s == 1, nan for
    s < 1); result dtype is ``s``'s."""
    s, q = np.broadcast_arrays(s, q)
    s = np.ascontiguousarray(s)
    q = np.ascontiguousarray(q)
    out = np.empty(s.shape, dtype=s.dtype)
    _zeta_flat(s.reshape(-1), q.reshape(-1), out.reshape(-1), _ZETA_EM)
    return out


def erfinv(x: np.ndarray) -> np.ndarray:
    """Inverse error function elementwise on [-1, 1] (+-inf at +-1, nan outside)."""
    return _run(_erfinv_flat, x)
