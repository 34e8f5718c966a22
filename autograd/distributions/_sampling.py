"""Batched samplers NumPy's engine-independent draws cannot give directly: Gamma
(Marsaglia-Tsang, with the implicit reparameterisation gradient), Poisson and Binomial.

Every random number comes from the engine's public API (``autograd.rand``/``randn`` with
``generator=``), so ``manual_seed`` governs them; the rejection samplers draw one batch
for all entries, then redraw only for the rejected ones.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd as _ag

from ..kernels import sampling as _k
from ..ops.special import standard_gamma_rsample
from ..tensor import Tensor


def _uniform(n: int, generator: Any) -> np.ndarray:
    return _ag.rand(n, dtype=_ag.float64, generator=generator).numpy()


def _normal(n: int, generator: Any) -> np.ndarray:
    return _ag.randn(n, dtype=_ag.float64, generator=generator).numpy()


def _standard_gamma_array(alpha: np.ndarray, generator: Any) -> np.ndarray:
    """Gamma(alpha, 1) draws (float64) of alpha's shape."""
    a = np.asarray(alpha, dtype=np.float64).reshape(-1)
    boost = a < 1.0
    # alpha < 1: draw Gamma(alpha + 1) and multiply by U^(1/alpha) (Marsaglia-Tsang's trick)
    d = np.where(boost, a + 1.0, a) - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    out = np.empty_like(a)
    pending = np.arange(a.size)
    while pending.size:
        z = _normal(pending.size, generator)
        u = _uniform(pending.size, generator)
        ok, value = _k.gamma_attempt(d[pending], c[pending], z, u)
        out[pending[ok]] = value[ok]
        pending = pending[~ok]
    if boost.any():
        idx = np.flatnonzero(boost)
        u = _uniform(idx.size, generator)
        with np.errstate(divide="ignore"):
            out[idx] *= np.exp(np.log(u) / a[idx])
    return out.reshape(np.shape(alpha))


def standard_gamma(alpha: Tensor, generator: Any = None) -> Tensor:
    """Gamma(alpha, 1) samples of alpha's shape and dtype, differentiable in ``alpha``
    (implicit reparameterisation, as PyTorch's ``_standard_gamma``); samples are clamped
    below at the dtype's smallest normal number, as PyTorch's Gamma.rsample does."""
    draws = _standard_gamma_array(alpha.detach().numpy(), generator)
    tiny = np.finfo(alpha.detach().numpy().dtype).tiny
    sample = _ag.from_numpy(np.maximum(draws.astype(alpha.detach().numpy().dtype), tiny))
    return standard_gamma_rsample(alpha, sample)


def poisson(rate: Tensor, generator: Any = None) -> Tensor:
    """Poisson(rate) counts of rate's shape and dtype (no gradient): CDF inversion for
    rate < 10, Hormann's PTRS rejection sampler above."""
    lam = rate.detach().numpy().astype(np.float64).reshape(-1)
    out = np.zeros_like(lam)
    small = np.flatnonzero((lam > 0) & (lam < 10))
    if small.size:
        out[small] = _k.poisson_inversion(lam[small], _uniform(small.size, generator))
    pending = np.flatnonzero(lam >= 10)
    while pending.size:
        ok, k = _k.poisson_ptrs_attempt(lam[pending], _uniform(pending.size, generator),
                                        _uniform(pending.size, generator))
        out[pending[ok]] = k[ok]
        pending = pending[~ok]
    out[np.isnan(lam)] = np.nan
    return _ag.from_numpy(out.reshape(rate.shape).astype(rate.detach().numpy().dtype))


def binomial(count: Tensor, prob: Tensor, generator: Any = None) -> Tensor:
    """Binomial(count, prob) counts of the (equal) shapes of ``count`` and ``prob``, in
    prob's dtype (no gradient): inversion when count * min(p, 1-p) < 10, BTRS above."""
    n = count.detach().numpy().astype(np.float64).reshape(-1)
    p = prob.detach().numpy().astype(np.float64).reshape(-1)
    flip = p > 0.5
    q = np.where(flip, 1.0 - p, p)  # sample with min(p, 1 - p), reflect afterwards
    out = np.zeros_like(n)
    small = np.flatnonzero((n * q < 10) & (q > 0) & (n > 0))
    if small.size:
        out[small] = _k.binomial_inversion(n[small], q[small], _uniform(small.size, generator))
    pending = np.flatnonzero(n * q >= 10)
    while pending.size:
        ok, k = _k.binomial_btrs_attempt(n[pending], q[pending],
                                         _uniform(pending.size, generator),
                                         _uniform(pending.size, generator))
        out[pending[ok]] = k[ok]
        pending = pending[~ok]
    out = np.where(flip, n - out, out)
    return _ag.from_numpy(out.reshape(prob.shape).astype(prob.detach().numpy().dtype))
