"""Samplers of torch.distributions (moments over large samples with fixed seeds, the
Gamma sample's implicit reparameterisation gradient) and the special functions and kernels
they rest on (lgamma, digamma, polygamma, erfinv, gammainc against SciPy)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as torch
from autograd import distributions as D
from autograd.kernels import sampling as K
from autograd.kernels import special as S
from autograd.ops.special import digamma, erfinv, gammainc, lgamma, mvlgamma, polygamma

sp = pytest.importorskip("scipy.special", reason="SciPy is the reference for special functions")

F64 = torch.float64
N = 200_000


def _moments_ok(x: np.ndarray, mean: np.ndarray, var: np.ndarray, axis: int = 0) -> None:
    """Sample mean within 6 standard errors, sample variance within 8% (+ a tiny absolute
    slack). At N = 200 000 the variance's relative standard error is sqrt((kurtosis + 2) / N),
    at most 1.3% here (Gamma(0.2), excess kurtosis 30): 8% is over 6 standard errors."""
    n = x.shape[axis]
    np.testing.assert_array_less(np.abs(x.mean(axis) - mean), 6 * np.sqrt(var / n) + 1e-12)
    np.testing.assert_allclose(x.var(axis), var, rtol=0.08, atol=1e-9)


@pytest.mark.parametrize("make", [
    lambda: D.Normal(torch.tensor([0.5, -2.0]), torch.tensor([1.0, 0.3])),
    lambda: D.LogNormal(torch.tensor([0.1]), torch.tensor([0.4])),
    lambda: D.Uniform(torch.tensor([-1.0, 2.0]), torch.tensor([1.0, 5.0])),
    lambda: D.Exponential(torch.tensor([0.5, 3.0])),
    lambda: D.Laplace(torch.tensor([1.0]), torch.tensor([2.0])),
    lambda: D.Gamma(torch.tensor([0.2, 1.0, 3.5, 40.0]), torch.tensor([1.0, 2.0, 0.5, 4.0])),
    lambda: D.Chi2(torch.tensor([1.0, 7.0])),
    lambda: D.Beta(torch.tensor([0.3, 2.0, 5.0]), torch.tensor([0.6, 2.0, 1.5])),
    lambda: D.StudentT(torch.tensor([6.0]), torch.tensor([1.0]), torch.tensor([2.0])),
    lambda: D.Bernoulli(probs=torch.tensor([0.1, 0.7])),
    lambda: D.Binomial(torch.tensor([5.0, 30.0, 1000.0, 50.0]),
                       probs=torch.tensor([0.3, 0.5, 0.02, 0.9])),
    lambda: D.Geometric(probs=torch.tensor([0.2, 0.9])),
    lambda: D.Poisson(torch.tensor([0.3, 4.0, 12.0, 250.0])),
    lambda: D.Dirichlet(torch.tensor([0.5, 1.0, 3.0])),
    lambda: D.OneHotCategorical(probs=torch.tensor([0.1, 0.6, 0.3])),
    lambda: D.Multinomial(10, probs=torch.tensor([0.1, 0.6, 0.3])),
    lambda: D.MultivariateNormal(torch.tensor([1.0, -1.0]),
                                 covariance_matrix=torch.tensor([[2.0, 0.6], [0.6, 0.5]])),
    lambda: D.LowRankMultivariateNormal(torch.tensor([1.0, -1.0]), torch.tensor([[1.0], [0.5]]),
                                        torch.tensor([0.3, 0.2])),
    lambda: D.MixtureSameFamily(D.Categorical(probs=torch.tensor([0.3, 0.7])),
                                D.Normal(torch.tensor([-1.0, 2.0]), torch.tensor([0.5, 1.0]))),
])
def test_sample_moments(make) -> None:
    torch.manual_seed(2024)
    d = make()
    x = d.sample((N,)).double().numpy()
    assert np.isfinite(x).all()
    _moments_ok(x, d.mean.double().numpy(), d.variance.double().numpy())


def test_categorical_frequencies() -> None:
    torch.manual_seed(5)
    p = np.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])
    x = D.Categorical(probs=torch.tensor(p)).sample((N,)).numpy()
    freq = np.stack([(x == k).mean(0) for k in range(3)], -1)
    np.testing.assert_allclose(freq, p, atol=6 * math.sqrt(0.25 / N))


def test_cauchy_quartiles() -> None:
    torch.manual_seed(1)
    x = D.Cauchy(torch.tensor([1.0]), torch.tensor([2.0])).sample((N,)).numpy()[:, 0]
    # standard errors of the sample quartiles: 0.012 (outer), 0.007 (median)
    np.testing.assert_allclose(np.quantile(x, [0.25, 0.5, 0.75]), [-1.0, 1.0, 3.0], atol=0.08)


def test_relaxed_samples_stay_in_support_and_harden_at_low_temperature() -> None:
    torch.manual_seed(2)
    probs = torch.tensor([0.2, 0.7])
    x = D.RelaxedBernoulli(torch.tensor(0.05), probs=probs).sample((N,)).numpy()
    assert ((x > 0) & (x < 1)).all()
    np.testing.assert_allclose((x > 0.5).mean(0), [0.2, 0.7], atol=0.01)
    y = D.RelaxedOneHotCategorical(torch.tensor(0.05), probs=torch.tensor([0.2, 0.8])).sample(
        (N,)).numpy()
    np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose((y.argmax(-1) == 1).mean(), 0.8, atol=0.01)


def test_poisson_binomial_pmf() -> None:
    """Empirical pmf of the counting samplers against the exact pmf (both branches)."""
    torch.manual_seed(9)
    for rate in (3.0, 40.0):
        x = D.Poisson(torch.tensor(rate, dtype=F64)).sample((N,)).numpy()
        ks = np.arange(int(rate) - 3, int(rate) + 4)
        pmf = np.exp(ks * math.log(rate) - rate - sp.gammaln(ks + 1))
        np.testing.assert_allclose([(x == k).mean() for k in ks], pmf,
                                   atol=6 * math.sqrt(0.25 / N))
    for n, p in ((12, 0.3), (400, 0.35)):
        x = D.Binomial(n, probs=torch.tensor(p, dtype=F64)).sample((N,)).numpy()
        ks = np.arange(int(n * p) - 3, int(n * p) + 4)
        pmf = np.exp(sp.gammaln(n + 1) - sp.gammaln(ks + 1) - sp.gammaln(n - ks + 1)
                     + ks * math.log(p) + (n - ks) * math.log1p(-p))
        np.testing.assert_allclose([(x == k).mean() for k in ks], pmf,
                                   atol=6 * math.sqrt(0.25 / N))


def test_samples_follow_manual_seed() -> None:
    d = D.Gamma(torch.tensor([0.5, 2.0]), torch.tensor([1.0, 1.0]))
    torch.manual_seed(3)
    a = d.sample((10,))
    torch.manual_seed(3)
    b = d.sample((10,))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


# ---------------------------------------------------------------------------
# the Gamma sample's implicit reparameterisation gradient
# ---------------------------------------------------------------------------
def test_standard_gamma_grad_matches_inverse_cdf_derivative() -> None:
    """d x / d alpha at fixed u = P(alpha, x), by central differences of SciPy's inverse."""
    a = np.array([0.01, 0.1, 0.5, 1.0, 2.0, 7.0, 50.0, 1000.0])
    for u in (0.03, 0.5, 0.97):
        x = sp.gammaincinv(a, u)
        h = 1e-6 * a
        num = (sp.gammaincinv(a + h, u) - sp.gammaincinv(a - h, u)) / (2 * h)
        np.testing.assert_allclose(K.standard_gamma_grad(a, x), num, rtol=1e-5)
    assert K.standard_gamma_grad(np.array([0.5]), np.array([0.0]))[0] == 0.0


def test_gamma_rsample_gradients_are_unbiased() -> None:
    """E[d x / d alpha] = d E[x] / d alpha: 1/rate for Gamma, b/(a+b)^2 for Beta, and the
    Dirichlet analogue; d x / d rate = -x / rate exactly."""
    torch.manual_seed(11)
    alpha = torch.tensor([0.3, 1.0, 4.0], dtype=F64, requires_grad=True)
    rate = torch.tensor([2.0, 0.5, 1.0], dtype=F64, requires_grad=True)
    x = D.Gamma(alpha, rate).rsample((N,))
    ga, gr = torch.autograd.grad(x.sum(), [alpha, rate])
    np.testing.assert_allclose(ga.numpy() / N, 1 / rate.detach().numpy(), rtol=0.02)
    np.testing.assert_allclose(gr.numpy(), -x.sum(0).detach().numpy() / rate.detach().numpy())
    a = torch.tensor([0.7, 3.0], dtype=F64, requires_grad=True)
    b = torch.tensor([2.0, 1.5], dtype=F64, requires_grad=True)
    y = D.Beta(a, b).rsample((N,))
    ga, gb = torch.autograd.grad(y.sum(), [a, b])
    an, bn = a.detach().numpy(), b.detach().numpy()
    np.testing.assert_allclose(ga.numpy() / N, bn / (an + bn) ** 2, rtol=0.03)
    np.testing.assert_allclose(gb.numpy() / N, -an / (an + bn) ** 2, rtol=0.03)


def test_gamma_grad_has_no_double_backward() -> None:
    alpha = torch.tensor([1.5], dtype=F64, requires_grad=True)
    x = D.Gamma(alpha, torch.tensor([1.0], dtype=F64)).rsample()
    (g,) = torch.autograd.grad(x.sum(), [alpha], create_graph=True)
    with pytest.raises(RuntimeError, match="_standard_gamma_grad"):
        torch.autograd.grad(g.sum(), [alpha])


def test_gamma_attempt_kernel_matches_definition() -> None:
    rng = np.random.default_rng(0)
    d = np.full(1000, 2.0 - 1 / 3)
    c = 1 / np.sqrt(9 * d)
    z, u = rng.standard_normal(1000), rng.random(1000)
    ok, val = K.gamma_attempt(d, c, z, u)
    v = (1 + c * z) ** 3
    with np.errstate(invalid="ignore"):
        ref = (v > 0) & (np.log(u) < 0.5 * z * z + d - d * v + d * np.log(v))
    np.testing.assert_array_equal(ok, ref)
    np.testing.assert_allclose(val[ok], (d * v)[ok])


# ---------------------------------------------------------------------------
# special functions
# ---------------------------------------------------------------------------
X = np.concatenate([np.linspace(-4.7, 25.0, 301), [1e-6, 0.5, 1.0, 2.0, 1e3, 1e6]])


def test_special_kernels_against_scipy() -> None:
    np.testing.assert_allclose(S.lgamma(X), sp.gammaln(X), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(S.digamma(X), sp.digamma(X), rtol=1e-12, atol=1e-12)
    for n in (1, 2, 3, 5):
        np.testing.assert_allclose(S.polygamma(n, X), sp.polygamma(n, X), rtol=1e-11)
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 2001), [1 - 1e-12, -1 + 1e-15, 0.0]])
    np.testing.assert_allclose(S.erfinv(y), sp.erfinv(y), rtol=1e-13, atol=1e-15)
    a = np.repeat([0.1, 0.5, 1.0, 3.0, 30.0, 500.0], 4)
    xx = a * np.tile([0.2, 1.0, 1.5, 4.0], 6)
    np.testing.assert_allclose(S.gammainc(a, xx), sp.gammainc(a, xx), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(S.zeta(np.array([2.0, 3.5]), np.array([1.0, 0.3])),
                               sp.zeta([2.0, 3.5], [1.0, 0.3]), rtol=1e-13)


def test_special_edge_values() -> None:
    assert S.lgamma(np.array([0.0, -2.0])).tolist() == [math.inf, math.inf]
    d = S.digamma(np.array([0.0, -1.0]))
    assert d[0] == -math.inf and math.isnan(d[1])
    e = S.erfinv(np.array([1.0, -1.0, 1.5]))
    assert e[0] == math.inf and e[1] == -math.inf and math.isnan(e[2])
    assert S.erfinv(np.array([0.5], np.float32)).dtype == np.float32


@pytest.mark.parametrize("fn", [lgamma, digamma, lambda x: polygamma(1, x),
                                lambda x: polygamma(3, x), lambda x: mvlgamma(x + 2, 3),
                                lambda x: erfinv(x / 4),
                                lambda x: gammainc(torch.tensor(1.5, dtype=F64), x)])
def test_special_ops_gradcheck(fn) -> None:
    x = torch.tensor([0.6, 1.7, 3.2], dtype=F64, requires_grad=True)
    assert torch.gradcheck(fn, (x,))
    assert torch.gradgradcheck(fn, (x,))


def test_special_ops_public_names_and_dtypes() -> None:
    assert torch.lgamma(torch.tensor([1, 2, 3])).dtype == torch.float32  # ints -> float
    np.testing.assert_allclose(torch.digamma(torch.tensor([1.0])).numpy(), [-0.5772157], rtol=1e-6)
    assert torch.polygamma(0, torch.tensor([2.0])).item() == pytest.approx(1 - 0.5772157, rel=1e-6)
    with pytest.raises(RuntimeError, match="negative n"):
        torch.polygamma(-1, torch.tensor([1.0]))
    with pytest.raises(RuntimeError, match="All elements must be greater than"):
        torch.mvlgamma(torch.tensor([0.2]), 3)
    with pytest.raises(TypeError):
        torch.erfinv([0.5])  # type: ignore[arg-type]
    x = torch.tensor([1.5, 2.5], dtype=F64)
    for method, fn in (("lgamma", sp.gammaln), ("digamma", sp.digamma)):
        np.testing.assert_allclose(getattr(x, method)().numpy(), fn(x.numpy()), rtol=1e-11)
    np.testing.assert_allclose(x.polygamma(2).numpy(), sp.polygamma(2, x.numpy()), rtol=1e-12)
    np.testing.assert_allclose(x.mvlgamma(2).numpy(), sp.multigammaln(x.numpy(), 2), rtol=1e-13)
    np.testing.assert_allclose((x / 3).erfinv().numpy(), sp.erfinv(x.numpy() / 3), rtol=1e-13)
    a = torch.tensor([2.0], dtype=F64, requires_grad=True)
    with pytest.raises(NotImplementedError, match="igamma: input"):
        torch.autograd.grad(gammainc(a, torch.tensor([1.0], dtype=F64)).sum(), [a])
