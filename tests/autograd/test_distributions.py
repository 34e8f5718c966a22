"""torch.distributions: float64 gradcheck/gradgradcheck of log_prob, entropy, cdf, rsample
and kl_divergence with respect to every parameter, shapes, expand, validation, and the
registry machinery (register_kl dispatch, constraints, transforms)."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as torch
from autograd import distributions as D
from autograd.distributions import constraints, transforms

F64 = torch.float64


def t(x: Any, grad: bool = True) -> torch.Tensor:
    return torch.tensor(np.asarray(x, dtype=np.float64), dtype=F64, requires_grad=grad)


def _spd(n: int, seed: int) -> np.ndarray:
    a = np.random.default_rng(seed).standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


# family -> (builder from parameter tensors, parameter arrays, a valid value)
FAMILIES: dict[str, tuple[Callable[..., Any], list[Any], Any]] = {
    "Normal": (D.Normal, [[0.3, -1.0], [0.5, 2.0]], [0.1, 0.7]),
    "LogNormal": (D.LogNormal, [[0.3, -1.0], [0.5, 0.8]], [0.4, 1.7]),
    "Uniform": (lambda lo, w: D.Uniform(lo, lo + w), [[0.3, -1.0], [1.5, 2.0]], [0.5, 0.2]),
    "Exponential": (D.Exponential, [[0.7, 2.0]], [0.4, 1.5]),
    "Laplace": (D.Laplace, [[0.3, -1.0], [0.5, 2.0]], [0.1, 0.7]),
    "Cauchy": (D.Cauchy, [[0.3, -1.0], [0.5, 2.0]], [0.1, 0.7]),
    "Gamma": (D.Gamma, [[0.7, 3.0], [1.5, 0.5]], [0.4, 6.0]),
    "Chi2": (D.Chi2, [[2.5, 4.0]], [1.4, 3.0]),
    "Beta": (D.Beta, [[0.7, 3.0], [1.5, 2.5]], [0.4, 0.8]),
    "Dirichlet": (D.Dirichlet, [[[0.7, 3.0, 1.2], [2.0, 1.5, 0.6]]],
                  [[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]]),
    "StudentT": (D.StudentT, [[2.5, 7.0], [0.3, -1.0], [0.5, 2.0]], [0.1, 0.7]),
    "Bernoulli": (lambda p: D.Bernoulli(probs=p), [[0.3, 0.8]], [1.0, 0.0]),
    "Bernoulli-logits": (lambda lg: D.Bernoulli(logits=lg), [[0.3, -2.0]], [1.0, 0.0]),
    "Binomial": (lambda p: D.Binomial(6, probs=p), [[0.3, 0.8]], [2.0, 5.0]),
    "Categorical": (lambda p: D.Categorical(probs=p), [[[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]]],
                    [2.0, 0.0]),
    "Categorical-logits": (lambda lg: D.Categorical(logits=lg), [[[0.2, -0.5, 1.3]]], [1.0]),
    "OneHotCategorical": (lambda p: D.OneHotCategorical(probs=p), [[[0.2, 0.5, 0.3]]],
                          [[0.0, 1.0, 0.0]]),
    "Multinomial": (lambda p: D.Multinomial(5, probs=p), [[[0.2, 0.5, 0.3]]], [[1.0, 3.0, 1.0]]),
    "Geometric": (lambda p: D.Geometric(probs=p), [[0.3, 0.8]], [2.0, 0.0]),
    "Poisson": (D.Poisson, [[0.7, 4.0]], [2.0, 3.0]),
    "MVN-scale_tril": (lambda loc, L: D.MultivariateNormal(loc, scale_tril=L.tril()),
                       [[0.1, -0.2], np.linalg.cholesky(_spd(2, 1))], [0.3, 0.5]),
    "MVN-cov": (lambda loc, S: D.MultivariateNormal(loc, covariance_matrix=(S + S.mT) / 2),
                [[0.1, -0.2, 0.4], _spd(3, 2)], [0.3, 0.5, -0.1]),
    "MVN-prec": (lambda loc, P: D.MultivariateNormal(loc, precision_matrix=(P + P.mT) / 2),
                 [[0.1, -0.2, 0.4], _spd(3, 3)], [0.3, 0.5, -0.1]),
    "LowRankMVN": (D.LowRankMultivariateNormal, [[0.1, -0.2, 0.4], [[0.5], [-1.0], [0.3]],
                                                 [0.7, 1.2, 0.9]], [0.3, 0.5, -0.1]),
    "Independent": (lambda loc, s: D.Independent(D.Normal(loc, s), 1),
                    [[0.3, -1.0], [0.5, 2.0]], [0.1, 0.7]),
    "MixtureSameFamily": (lambda lg, loc, s: D.MixtureSameFamily(
        D.Categorical(logits=lg), D.Normal(loc, s)), [[0.3, -0.2], [0.1, 1.0], [0.6, 1.5]], 0.4),
    "RelaxedBernoulli": (lambda p: D.RelaxedBernoulli(torch.tensor(0.6, dtype=F64), probs=p),
                         [[0.3, 0.8]], [0.2, 0.9]),
    "RelaxedOneHotCategorical": (lambda lg: D.RelaxedOneHotCategorical(
        torch.tensor(0.7, dtype=F64), logits=lg), [[0.3, -0.5, 0.9]], [0.2, 0.5, 0.3]),
    "Transformed-tanh-affine": (lambda loc, s: D.TransformedDistribution(
        D.Normal(loc, s), [transforms.TanhTransform(), transforms.AffineTransform(0.5, 2.0)]),
        [[0.3, -1.0], [0.5, 0.7]], [0.1, 1.7]),
    "Transformed-stickbreaking": (lambda loc, s: D.TransformedDistribution(
        D.Independent(D.Normal(loc, s), 1), transforms.StickBreakingTransform()),
        [[0.3, -1.0], [0.5, 0.7]], [0.2, 0.5, 0.3]),
}

CONTINUOUS_RSAMPLE_EXACT = ["Normal", "LogNormal", "Uniform", "Exponential", "Laplace",
                            "Cauchy", "MVN-scale_tril", "MVN-cov", "MVN-prec", "LowRankMVN",
                            "Independent", "RelaxedBernoulli", "RelaxedOneHotCategorical",
                            "Transformed-tanh-affine", "Transformed-stickbreaking"]


def _family(name: str) -> tuple[Callable[..., Any], list[torch.Tensor], torch.Tensor]:
    build, params, value = FAMILIES[name]
    return build, [t(p) for p in params], torch.tensor(value, dtype=F64)


def _check(fn: Callable[..., torch.Tensor], params: list[torch.Tensor], double: bool = True) -> None:
    assert torch.gradcheck(fn, tuple(params), eps=1e-6, atol=1e-6, rtol=1e-4)
    if double:
        assert torch.gradgradcheck(fn, tuple(params), eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_log_prob_gradcheck(name: str) -> None:
    build, params, value = _family(name)
    _check(lambda *ps: build(*ps).log_prob(value), params)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_entropy_gradcheck(name: str) -> None:
    build, params, _ = _family(name)
    d = build(*params)
    try:
        d.entropy()
    except NotImplementedError:  # Poisson, mixtures, transformed: PyTorch has none either
        pytest.skip(f"{name} has no closed-form entropy (as in PyTorch)")
    _check(lambda *ps: build(*ps).entropy(), params)


@pytest.mark.parametrize("name", ["Normal", "Uniform", "Exponential", "Laplace", "Cauchy",
                                  "Transformed-tanh-affine"])
def test_cdf_icdf_gradcheck(name: str) -> None:
    build, params, value = _family(name)
    _check(lambda *ps: build(*ps).cdf(value), params)
    q = torch.tensor([0.3, 0.8], dtype=F64)
    _check(lambda *ps: build(*ps).icdf(q), params)


@pytest.mark.parametrize("name", CONTINUOUS_RSAMPLE_EXACT)
def test_rsample_gradcheck(name: str) -> None:
    """Reparameterised samples are smooth functions of the parameters at fixed noise."""
    build, params, _ = _family(name)

    def sample(*ps: torch.Tensor) -> torch.Tensor:
        torch.manual_seed(3)
        return build(*ps).rsample((2,))
    _check(sample, params)


def test_icdf_inverts_cdf() -> None:
    for name in ["Normal", "Laplace", "Cauchy", "Exponential", "Uniform"]:
        build, params, value = _family(name)
        d = build(*params)
        np.testing.assert_allclose(d.icdf(d.cdf(value)).detach().numpy(), value.numpy(),
                                   rtol=1e-10, atol=1e-12)


KL_CASES = {
    "Normal": (D.Normal, [[0.3, -1.0], [0.5, 2.0]], [[0.1, 0.4], [1.5, 0.7]]),
    "Gamma": (D.Gamma, [[0.7, 3.0], [1.5, 0.5]], [[1.2, 2.0], [0.5, 1.0]]),
    "Beta": (D.Beta, [[0.7, 3.0], [1.5, 2.5]], [[1.2, 2.0], [0.5, 1.0]]),
    "Dirichlet": (D.Dirichlet, [[[0.7, 3.0, 1.2]]], [[[1.2, 0.6, 2.0]]]),
    "Bernoulli": (lambda p: D.Bernoulli(probs=p), [[0.3, 0.8]], [[0.5, 0.4]]),
    "Binomial": (lambda p: D.Binomial(5, probs=p), [[0.3, 0.8]], [[0.5, 0.4]]),
    "Categorical": (lambda p: D.Categorical(probs=p), [[[0.2, 0.5, 0.3]]], [[[0.4, 0.4, 0.2]]]),
    "Geometric": (lambda p: D.Geometric(probs=p), [[0.3, 0.8]], [[0.5, 0.4]]),
    "Poisson": (D.Poisson, [[0.7, 4.0]], [[1.5, 2.0]]),
    "Exponential": (D.Exponential, [[0.7, 4.0]], [[1.5, 2.0]]),
    "Laplace": (D.Laplace, [[0.3, -1.0], [0.5, 2.0]], [[0.1, 0.4], [1.5, 0.7]]),
    "Cauchy": (D.Cauchy, [[0.3, -1.0], [0.5, 2.0]], [[0.1, 0.4], [1.5, 0.7]]),
    "Uniform": (lambda lo, w: D.Uniform(lo, lo + w), [[0.3, -1.0], [0.5, 2.0]],
                [[0.1, -1.5], [1.5, 3.0]]),
    "MVN": (lambda loc, L: D.MultivariateNormal(loc, scale_tril=L.tril()),
            [[0.1, -0.2], np.linalg.cholesky(_spd(2, 4))], [[0.3, 0.2], np.linalg.cholesky(_spd(2, 5))]),
    "LowRankMVN": (D.LowRankMultivariateNormal, [[0.1, -0.2, 0.4], [[0.5], [-1.0], [0.3]],
                                                 [0.7, 1.2, 0.9]],
                   [[0.3, 0.2, 0.0], [[0.2], [0.4], [-0.3]], [1.1, 0.6, 0.8]]),
}


@pytest.mark.parametrize("name", sorted(KL_CASES))
def test_kl_gradcheck(name: str) -> None:
    build, pp, qp = KL_CASES[name]
    n = len(pp)
    params = [t(p) for p in pp + qp]
    _check(lambda *ps: D.kl_divergence(build(*ps[:n]), build(*ps[n:])), params)


@pytest.mark.parametrize("name", sorted(KL_CASES))
def test_kl_self_is_zero_and_positive(name: str) -> None:
    build, pp, qp = KL_CASES[name]
    p = build(*[t(x, False) for x in pp])
    q = build(*[t(x, False) for x in qp])
    np.testing.assert_allclose(D.kl_divergence(p, p).numpy(), 0.0, atol=1e-12)
    assert bool((D.kl_divergence(p, q) > 0).all())


def test_kl_mixed_pairs_gradcheck() -> None:
    ps = [t([0.7, 3.0]), t([1.5, 0.5]), t([0.2, -0.4]), t([0.8, 1.3])]
    _check(lambda a, b, m, s: D.kl_divergence(D.Gamma(a, b), D.Normal(m, s)), ps)
    _check(lambda a, b, m, s: D.kl_divergence(D.Beta(a, b), D.Gamma(m.abs() + 1, s)), ps)
    _check(lambda a, b, m, s: D.kl_divergence(D.Normal(m, s), D.Laplace(a, b)), ps)
    L = t(np.linalg.cholesky(_spd(3, 6)))
    loc, W, d = t([0.1, 0.2, 0.3]), t([[0.5], [-1.0], [0.3]]), t([0.7, 1.2, 0.9])
    _check(lambda loc, L, W, d: D.kl_divergence(D.MultivariateNormal(loc, scale_tril=L.tril()),
                                                D.LowRankMultivariateNormal(loc * 0, W, d)),
           [loc, L, W, d])
    _check(lambda loc, L, W, d: D.kl_divergence(D.LowRankMultivariateNormal(loc, W, d),
                                                D.MultivariateNormal(loc * 0, scale_tril=L.tril())),
           [loc, L, W, d])


def test_kl_infinite_where_supports_differ() -> None:
    kl = D.kl_divergence(D.Uniform(torch.tensor([0.0, -1.0]), torch.tensor([1.0, 1.0])),
                         D.Uniform(torch.tensor([0.0, 0.0]), torch.tensor([2.0, 2.0])))
    assert math.isfinite(float(kl[0])) and kl[1].item() == math.inf
    assert D.kl_divergence(D.Normal(0.0, 1.0), D.Exponential(1.0)).item() == math.inf


def test_register_kl_dispatch_and_ambiguity() -> None:
    class MyNormal(D.Normal):
        pass

    # a subclass pair uses the (Normal, Normal) rule until a more specific one is registered
    p, q = MyNormal(0.0, 1.0), MyNormal(1.0, 1.0)
    assert D.kl_divergence(p, q).item() == pytest.approx(0.5)
    try:
        @D.register_kl(MyNormal, MyNormal)
        def _kl(p: Any, q: Any) -> torch.Tensor:
            return torch.tensor(42.0)
        assert D.kl_divergence(p, q).item() == 42.0

        class A(D.Normal):
            pass

        class B(D.Normal):
            pass

        D.register_kl(A, D.Normal)(lambda p, q: torch.tensor(1.0))
        D.register_kl(D.Normal, B)(lambda p, q: torch.tensor(2.0))
        with pytest.warns(RuntimeWarning, match="Ambiguous kl_divergence"):
            D.kl_divergence(A(0.0, 1.0), B(0.0, 1.0))
    finally:
        from autograd.distributions import kl as klmod
        for key in [k for k in klmod._KL_REGISTRY if k[0].__module__ == __name__
                    or k[1].__module__ == __name__]:
            del klmod._KL_REGISTRY[key]
        klmod._KL_MEMOIZE.clear()
    with pytest.raises(TypeError, match="Distribution subclass"):
        D.register_kl(int, D.Normal)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_sample_and_log_prob_shapes(name: str) -> None:
    build, params, _ = _family(name)
    d = build(*params)
    x = d.sample((4, 3))
    expected = (4, 3) + tuple(d.batch_shape) + tuple(d.event_shape)
    assert tuple(x.shape) == expected
    assert not x.requires_grad
    lp = d.log_prob(x)
    assert tuple(lp.shape) == (4, 3) + tuple(d.batch_shape)
    assert bool(torch.isfinite(lp).all())
    if d.has_rsample:
        assert d.rsample((2,)).requires_grad


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_expand(name: str) -> None:
    build, params, value = _family(name)
    d = build(*params)
    e = d.expand((5,) + tuple(d.batch_shape))
    assert tuple(e.batch_shape) == (5,) + tuple(d.batch_shape)
    assert tuple(e.sample().shape) == (5,) + tuple(d.batch_shape) + tuple(d.event_shape)
    lp = e.log_prob(value)
    np.testing.assert_allclose(lp.detach().numpy(),
                               np.broadcast_to(d.log_prob(value).detach().numpy(), lp.shape))


def test_validation_default_on_and_switch() -> None:
    with pytest.raises(ValueError, match="to satisfy the constraint GreaterThan"):
        D.Normal(torch.tensor([0.0]), torch.tensor([0.0]))
    with pytest.raises(ValueError, match="to be within the support"):
        D.Poisson(torch.tensor([1.0])).log_prob(torch.tensor([-1.0]))
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(torch.tensor([0.0]), torch.tensor([0.0]))  # no error
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args("yes")  # type: ignore[arg-type]


def test_exactly_one_parameterisation() -> None:
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Categorical()
    with pytest.raises(ValueError, match="Exactly one of covariance_matrix"):
        D.MultivariateNormal(torch.zeros(2), torch.eye(2), scale_tril=torch.eye(2))
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count"):
        D.Multinomial(torch.tensor(3), probs=torch.tensor([0.5, 0.5]))


def test_logits_probs_views_agree() -> None:
    d = D.Categorical(logits=torch.tensor([1.0, 2.0, 0.5], dtype=F64))
    np.testing.assert_allclose(d.probs.sum().item(), 1.0)
    np.testing.assert_allclose(d.logits.exp().numpy(), d.probs.numpy())
    b = D.Bernoulli(probs=torch.tensor([0.25], dtype=F64))
    np.testing.assert_allclose(b.logits.numpy(), [math.log(1 / 3)])


def test_constraints() -> None:
    x = torch.tensor([[0.2, 0.8], [0.5, 0.6]])
    assert constraints.simplex.check(x).tolist() == [True, False]
    assert constraints.positive.check(torch.tensor([1.0, 0.0])).tolist() == [True, False]
    assert constraints.integer_interval(0, 3).check(torch.tensor([0.0, 3.0, 1.5, 4.0])).tolist() \
        == [True, True, False, False]
    assert constraints.independent(constraints.real, 1).check(
        torch.tensor([[1.0, math.nan], [0.0, 1.0]])).tolist() == [False, True]
    assert constraints.positive_definite.check(torch.tensor(
        [[[2.0, 0.5], [0.5, 1.0]], [[1.0, 2.0], [2.0, 1.0]]])).tolist() == [True, False]
    assert constraints.lower_cholesky.check(torch.tensor([[1.0, 0.0], [2.0, 1.0]])).item()
    assert repr(constraints.interval(0.0, 1.0)) == "Interval(lower_bound=0.0, upper_bound=1.0)"
    assert constraints.is_dependent(constraints.dependent)
    assert constraints.nonnegative_integer.is_discrete and constraints.simplex.event_dim == 1
    assert constraints.stack([constraints.positive, constraints.real], dim=-1).check(
        torch.tensor([[1.0, -2.0], [-1.0, 0.0]])).tolist() == [[True, True], [False, True]]
    assert constraints.cat([constraints.positive, constraints.real], dim=-1, lengths=[1, 1]).check(
        torch.tensor([[1.0, -2.0]])).tolist() == [[True, True]]


@pytest.mark.parametrize("tr", [
    transforms.ExpTransform(), transforms.SigmoidTransform(), transforms.TanhTransform(),
    transforms.AffineTransform(0.5, -2.0), transforms.PowerTransform(torch.tensor(2.5, dtype=F64)),
    transforms.ComposeTransform([transforms.AffineTransform(0.1, 0.5), transforms.ExpTransform()]),
    transforms.ExpTransform().inv,
])
def test_transform_inverse_and_jacobian(tr: transforms.Transform) -> None:
    x = torch.tensor([0.3, 0.9, 1.4], dtype=F64)
    if isinstance(tr, transforms._InverseTransform):
        x = x + 0.5  # the log's domain
    y = tr(x)
    np.testing.assert_allclose(tr.inv(y).numpy(), x.numpy(), rtol=1e-10)
    # log|dy/dx| against the autograd derivative of the elementwise map
    xr = x.clone().requires_grad_()
    (dy,) = torch.autograd.grad(tr(xr).sum(), [xr])
    np.testing.assert_allclose(tr.log_abs_det_jacobian(x, y).numpy(), np.log(np.abs(dy.numpy())),
                               rtol=1e-9)
    assert tr.inv.inv is tr or isinstance(tr, transforms.ComposeTransform)


def test_transform_cache_returns_input() -> None:
    tr = transforms.TanhTransform(cache_size=1)
    x = torch.tensor([30.0], dtype=F64)  # tanh(30) == 1.0: atanh would give inf
    y = tr(x)
    assert tr.inv(y) is x
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        transforms.ExpTransform(cache_size=2)


def test_stick_breaking_maps_to_simplex() -> None:
    tr = transforms.StickBreakingTransform()
    x = torch.tensor([[0.3, -1.2, 2.0]], dtype=F64)
    y = tr(x)
    assert tuple(y.shape) == (1, 4)
    np.testing.assert_allclose(y.sum(-1).numpy(), [1.0])
    np.testing.assert_allclose(tr.inv(y).numpy(), x.numpy(), rtol=1e-9)


def test_lazy_property_keeps_graph() -> None:
    p = torch.tensor([0.3, 0.6], dtype=F64, requires_grad=True)
    d = D.Bernoulli(probs=p)
    with torch.no_grad():
        logits = d.logits  # computed lazily under no_grad: still differentiable (PyTorch)
    assert logits.requires_grad
    assert "logits" in d.__dict__


def test_mixture_sample_picks_components() -> None:
    torch.manual_seed(0)
    mix = D.MixtureSameFamily(D.Categorical(probs=torch.tensor([0.5, 0.5])),
                              D.Normal(torch.tensor([-100.0, 100.0]), torch.tensor([1.0, 1.0])))
    x = mix.sample((2000,))
    assert bool(((x.abs() - 100).abs() < 6).all())
    frac = float((x > 0).float().mean())
    assert 0.43 < frac < 0.57  # 6 standard errors of a fair coin over 2000 draws
