"""Sampler kernels for torch.distributions: pure functions from uniform/normal draws to
samples, and the implicit reparameterisation gradient of the standard Gamma sample.

The random numbers themselves are drawn by the caller through the engine's public API
(so ``manual_seed`` and ``generator=`` govern them); these functions only transform
them. Rejection samplers are split into one vectorised *attempt* function returning
``(accepted_mask, values)``; the caller redraws for the rejected entries only.
"""
from __future__ import annotations

import math

import numpy as np

from ._jit import njit
from .special import lgamma

__all__ = ["gamma_attempt", "standard_gamma_grad", "poisson_inversion", "poisson_ptrs_attempt",
           "binomial_inversion", "binomial_btrs_attempt"]


def gamma_attempt(d: np.ndarray, c: np.ndarray, z: np.ndarray,
                  u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One Marsaglia-Tsang (2000) attempt for Gamma(d + 1/3, 1), with c = 1/sqrt(9d).

    Shapes: all 1-D of one length (``z`` standard normal, ``u`` uniform on [0, 1)).
    Returns (accepted mask, d * v) where v = (1 + c z)^3; entries are valid where accepted.
    """
    v = 1.0 + c * z
    v = v * v * v
    positive = v > 0
    safe_v = np.where(positive, v, 1.0)
    with np.errstate(divide="ignore"):
        ok = positive & (np.log(u) < 0.5 * z * z + d - d * safe_v + d * np.log(safe_v))
    return ok, d * safe_v


@njit
def _gamma_grad_flat(alpha, x, out):
    # dx/dalpha at fixed CDF value u = P(alpha, x) (implicit reparameterisation):
    #   dx/dalpha = -(dP/dalpha) / (dP/dx).
    # With P(a, x) = e^-x sum_n x^(a+n) / Gamma(a+n+1) and dP/dx = x^(a-1) e^-x / Gamma(a):
    #   dx/da = -sum_n s_n (log x - psi(a+n+1)),  s_n = x^(n+1) Gamma(a) / Gamma(a+n+1),
    # s_0 = x/a, s_(n+1) = s_n x / (a+n+1), psi(z+1) = psi(z) + 1/z: no overflow, since
    # sum s_n = P / pdf, which is moderate wherever samples actually fall.
    for i in range(alpha.size):
        a = float(alpha[i])
        xi = float(x[i])
        if xi <= 0.0:
            out[i] = 0.0  # x log x -> 0 as x -> 0
            continue
        lx = math.log(xi)
        psi = _digamma1(a + 1.0)
        s = xi / a
        total = 0.0
        ssum = 0.0
        n = 0
        while True:
            term = s * (lx - psi)
            total += term
            ssum += s
            k = a + n + 1.0
            if k > xi and s < 1e-17 * ssum:
                break
            if n > 10_000_000:
                break
            psi += 1.0 / k
            s *= xi / k
            n += 1
        out[i] = -total


@njit
def _digamma1(x):
    # digamma for x >= 1 (recurrence to x >= 6, then the asymptotic series)
    acc = 0.0
    while x < 6.0:
        acc -= 1.0 / x
        x += 1.0
    inv2 = 1.0 / (x * x)
    series = inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (
        1.0 / 240 - inv2 * (1.0 / 132 - inv2 * (691.0 / 32760 - inv2 / 12))))))
    return acc + math.log(x) - 0.5 / x - series


def standard_gamma_grad(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """d x / d alpha of a Gamma(alpha, 1) sample ``x`` at fixed CDF value (the implicit
    reparameterisation gradient, PyTorch's ``_standard_gamma_grad``).

    Shapes: ``alpha`` and ``x`` equal; returns an array of that shape in ``x``'s dtype."""
    a64 = np.ascontiguousarray(alpha, dtype=np.float64)
    x64 = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty(x64.shape, dtype=np.float64)
    _gamma_grad_flat(a64.reshape(-1), x64.reshape(-1), out.reshape(-1))
    return out.astype(x.dtype, copy=False)


@njit
def _poisson_inversion_flat(rate, u, out):
    for i in range(rate.size):
        lam = float(rate[i])
        p = math.exp(-lam)
        cdf = p
        k = 0
        while u[i] > cdf and p > 0.0:
            k += 1
            p *= lam / k
            cdf += p
        out[i] = k


def poisson_inversion(rate: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Poisson(rate) samples by CDF inversion of the uniforms ``u`` (for small rates:
    expected rate + 1 steps). Shapes: both 1-D of one length; returns float64 counts."""
    out = np.empty(rate.shape, dtype=np.float64)
    _poisson_inversion_flat(np.ascontiguousarray(rate, dtype=np.float64),
                            np.ascontiguousarray(u, dtype=np.float64), out)
    return out


def poisson_ptrs_attempt(rate: np.ndarray, u: np.ndarray,
                         v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One attempt of Hormann's (1993) transformed rejection with squeeze (PTRS) for
    Poisson(rate), rate >= 10; ``u``, ``v`` uniform on [0, 1). Shapes: 1-D, one length.
    Returns (accepted mask, candidate counts as float64)."""
    slam = np.sqrt(rate)
    loglam = np.log(rate)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    u = u - 0.5
    us = 0.5 - np.abs(u)
    us = np.maximum(us, 1e-300)  # u == 0 maps to us == 0: reject it, never divide by 0
    k = np.floor((2.0 * a / us + b) * u + rate + 0.43)
    quick = (us >= 0.07) & (v <= vr)
    possible = (k >= 0) & ~((us < 0.013) & (v > us))
    kk = np.maximum(k, 0.0)
    with np.errstate(divide="ignore"):
        lhs = np.log(v) + np.log(inv_alpha) - np.log(a / (us * us) + b)
    rhs = -rate + kk * loglam - lgamma(kk + 1.0)
    ok = quick | (possible & (lhs <= rhs))
    return ok, kk


@njit
def _binomial_inversion_flat(n, p, u, out):
    for i in range(n.size):
        q = 1.0 - p[i]
        cnt = n[i]
        # P(k = 0) = q^n; then P(k+1) = P(k) (n - k) / (k + 1) * p / q
        pk = math.exp(cnt * math.log(q)) if q > 0.0 else 0.0
        cdf = pk
        k = 0.0
        r = p[i] / q if q > 0.0 else math.inf
        while u[i] > cdf and k < cnt:
            pk *= (cnt - k) / (k + 1.0) * r
            k += 1.0
            cdf += pk
        out[i] = k


def binomial_inversion(n: np.ndarray, p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Binomial(n, p) samples by CDF inversion of ``u`` (for n p <= 10 with p <= 1/2).
    Shapes: 1-D, one length; returns float64 counts."""
    out = np.empty(n.shape, dtype=np.float64)
    _binomial_inversion_flat(np.ascontiguousarray(n, dtype=np.float64),
                             np.ascontiguousarray(p, dtype=np.float64),
                             np.ascontiguousarray(u, dtype=np.float64), out)
    return out


def binomial_btrs_attempt(n: np.ndarray, p: np.ndarray, u: np.ndarray,
                          v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One attempt of Hormann's (1993) BTRS rejection sampler for Binomial(n, p) with
    p <= 1/2 and n p > 10; ``u``, ``v`` uniform on [0, 1). Shapes: 1-D, one length.
    Returns (accepted mask, candidate counts as float64)."""
    q = 1.0 - p
    spq = np.sqrt(n * p * q)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    vr = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    lpq = np.log(p / q)
    m = np.floor((n + 1.0) * p)
    h = lgamma(m + 1.0) + lgamma(n - m + 1.0)
    u = u - 0.5
    us = np.maximum(0.5 - np.abs(u), 1e-300)
    k = np.floor((2.0 * a / us + b) * u + c)
    inside = (k >= 0) & (k <= n)
    kk = np.clip(k, 0.0, n)
    quick = inside & (us >= 0.07) & (v <= vr)
    with np.errstate(divide="ignore"):
        lv = np.log(v * alpha / (a / (us * us) + b))
    ok = quick | (inside & (lv <= h - lgamma(kk + 1.0) - lgamma(n - kk + 1.0) + (kk - m) * lpq))
    return ok, kk
