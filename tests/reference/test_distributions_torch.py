"""torch.distributions against PyTorch: log_prob, entropy, cdf/icdf, mean/mode/variance,
shapes, KL divergences (every registered pair among our families), their gradients with
respect to every parameter, and the ValueError messages of argument/sample validation.

Each case is a builder ``f(m, params)`` run once with ``m = autograd`` and once with
``m = torch`` on the same float64 parameters (leaves requiring grad), so one spelling
exercises both libraries.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch", reason="reference tests compare with PyTorch (pip install torch)")

RNG = np.random.default_rng(1234)


def _pos(*shape: int, lo: float = 0.5, hi: float = 3.0) -> np.ndarray:
    return RNG.uniform(lo, hi, shape)


def _real(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _prob(*shape: int) -> np.ndarray:
    return RNG.uniform(0.1, 0.9, shape)


def _simplex(*shape: int) -> np.ndarray:
    p = RNG.uniform(0.2, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


def _spd(n: int) -> np.ndarray:
    a = RNG.standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


def _tril(n: int) -> np.ndarray:
    return np.linalg.cholesky(_spd(n))


Builder = Callable[[Any, dict[str, Any]], Any]

# name -> (builder, parameter arrays). Parameters become float64 leaves requiring grad.
CASES: dict[str, tuple[Builder, dict[str, np.ndarray]]] = {
    "Normal": (lambda m, p: m.distributions.Normal(p["loc"], p["scale"]),
               {"loc": _real(3), "scale": _pos(3)}),
    "Normal-bcast": (lambda m, p: m.distributions.Normal(p["loc"], p["scale"]),
                     {"loc": _real(2, 1), "scale": _pos(3)}),
    "LogNormal": (lambda m, p: m.distributions.LogNormal(p["loc"], p["scale"]),
                  {"loc": _real(3), "scale": _pos(3, lo=0.3, hi=1.0)}),
    "Uniform": (lambda m, p: m.distributions.Uniform(p["low"], p["low"] + p["width"]),
                {"low": _real(3), "width": _pos(3)}),
    "Exponential": (lambda m, p: m.distributions.Exponential(p["rate"]), {"rate": _pos(4)}),
    "Laplace": (lambda m, p: m.distributions.Laplace(p["loc"], p["scale"]),
                {"loc": _real(3), "scale": _pos(3)}),
    "Cauchy": (lambda m, p: m.distributions.Cauchy(p["loc"], p["scale"]),
               {"loc": _real(3), "scale": _pos(3)}),
    "Gamma": (lambda m, p: m.distributions.Gamma(p["concentration"], p["rate"]),
              {"concentration": _pos(4, lo=0.3, hi=4.0), "rate": _pos(4)}),
    "Chi2": (lambda m, p: m.distributions.Chi2(p["df"]), {"df": _pos(3, lo=1.0, hi=6.0)}),
    "Beta": (lambda m, p: m.distributions.Beta(p["c1"], p["c0"]),
             {"c1": _pos(3, lo=0.5, hi=4.0), "c0": _pos(3, lo=0.5, hi=4.0)}),
    "Dirichlet": (lambda m, p: m.distributions.Dirichlet(p["concentration"]),
                  {"concentration": _pos(2, 4, lo=0.5, hi=3.0)}),
    "StudentT": (lambda m, p: m.distributions.StudentT(p["df"], p["loc"], p["scale"]),
                 {"df": _pos(3, lo=2.5, hi=8.0), "loc": _real(3), "scale": _pos(3)}),
    "Bernoulli-probs": (lambda m, p: m.distributions.Bernoulli(probs=p["probs"]),
                        {"probs": _prob(4)}),
    "Bernoulli-logits": (lambda m, p: m.distributions.Bernoulli(logits=p["logits"]),
                         {"logits": _real(4)}),
    "Binomial": (lambda m, p: m.distributions.Binomial(m.tensor([5.0, 10.0, 10.0],
                                                                dtype=m.float64),
                                                       probs=p["probs"]), {"probs": _prob(3)}),
    "Binomial-logits": (lambda m, p: m.distributions.Binomial(8, logits=p["logits"]),
                        {"logits": _real(3)}),
    "Categorical-probs": (lambda m, p: m.distributions.Categorical(probs=p["probs"]),
                          {"probs": _simplex(2, 5)}),
    "Categorical-logits": (lambda m, p: m.distributions.Categorical(logits=p["logits"]),
                           {"logits": _real(3, 4)}),
    "OneHotCategorical": (lambda m, p: m.distributions.OneHotCategorical(probs=p["probs"]),
                          {"probs": _simplex(2, 4)}),
    "Multinomial": (lambda m, p: m.distributions.Multinomial(6, probs=p["probs"]),
                    {"probs": _simplex(2, 3)}),
    "Geometric": (lambda m, p: m.distributions.Geometric(probs=p["probs"]), {"probs": _prob(4)}),
    "Poisson": (lambda m, p: m.distributions.Poisson(p["rate"]), {"rate": _pos(4, hi=6.0)}),
    "MVN-scale_tril": (lambda m, p: m.distributions.MultivariateNormal(
        p["loc"], scale_tril=p["L"]), {"loc": _real(2, 3), "L": _tril(3)}),
    "MVN-covariance": (lambda m, p: m.distributions.MultivariateNormal(
        p["loc"], covariance_matrix=p["S"]), {"loc": _real(3), "S": _spd(3)}),
    "MVN-precision": (lambda m, p: m.distributions.MultivariateNormal(
        p["loc"], precision_matrix=p["P"]), {"loc": _real(3), "P": _spd(3)}),
    "LowRankMVN": (lambda m, p: m.distributions.LowRankMultivariateNormal(
        p["loc"], p["W"], p["D"]), {"loc": _real(2, 4), "W": _real(4, 2), "D": _pos(4)}),
    "Independent": (lambda m, p: m.distributions.Independent(
        m.distributions.Normal(p["loc"], p["scale"]), 1), {"loc": _real(2, 3), "scale": _pos(2, 3)}),
    "MixtureSameFamily": (lambda m, p: m.distributions.MixtureSameFamily(
        m.distributions.Categorical(logits=p["logits"]),
        m.distributions.Normal(p["loc"], p["scale"])),
        {"logits": _real(2, 3), "loc": _real(2, 3), "scale": _pos(2, 3)}),
    "MixtureSameFamily-mvn": (lambda m, p: m.distributions.MixtureSameFamily(
        m.distributions.Categorical(probs=p["probs"]),
        m.distributions.Independent(m.distributions.Normal(p["loc"], p["scale"]), 1)),
        {"probs": _simplex(3), "loc": _real(3, 2), "scale": _pos(3, 2)}),
    "Transformed-affine-exp": (lambda m, p: m.distributions.TransformedDistribution(
        m.distributions.Normal(p["loc"], p["scale"]),
        [m.distributions.transforms.ExpTransform(),
         m.distributions.transforms.AffineTransform(1.0, p["a"])]),
        {"loc": _real(3), "scale": _pos(3, lo=0.3, hi=1.0), "a": _pos(3)}),
    "Transformed-logistic": (lambda m, p: m.distributions.TransformedDistribution(
        m.distributions.Uniform(p["zero"] * 0.0, p["zero"] * 0.0 + 1.0),
        [m.distributions.transforms.SigmoidTransform().inv,
         m.distributions.transforms.AffineTransform(p["loc"], p["scale"])]),
        {"zero": _real(3), "loc": _real(3), "scale": _pos(3)}),
    "Transformed-tanh": (lambda m, p: m.distributions.TransformedDistribution(
        m.distributions.Normal(p["loc"], p["scale"]),
        [m.distributions.transforms.TanhTransform(cache_size=1)]),
        {"loc": _real(3), "scale": _pos(3, lo=0.3, hi=1.0)}),
    "RelaxedBernoulli": (lambda m, p: m.distributions.RelaxedBernoulli(p["t"], probs=p["probs"]),
                         {"t": np.array(0.7), "probs": _prob(3)}),
    "RelaxedOneHotCategorical": (lambda m, p: m.distributions.RelaxedOneHotCategorical(
        p["t"], logits=p["logits"]), {"t": np.array(0.8), "logits": _real(2, 3)}),
}


def _params(m: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    return {k: m.tensor(v, dtype=m.float64, requires_grad=True) for k, v in arrays.items()}


def _pair(name: str) -> tuple[Any, dict[str, Any], Any, dict[str, Any]]:
    build, arrays = CASES[name]
    ours_p, theirs_p = _params(ag, arrays), _params(torch, arrays)
    return build(ag, ours_p), ours_p, build(torch, theirs_p), theirs_p


def _np(t: Any) -> np.ndarray:
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(a: Any, b: Any, rtol: float = 1e-7, atol: float = 1e-9) -> None:
    np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol, equal_nan=True)


def _grads(m: Any, out: Any, params: dict[str, Any]) -> list[np.ndarray | None]:
    """Gradients of (out * w).sum() for a fixed random w (all-ones hides transposes)."""
    w = np.random.default_rng(7).standard_normal(tuple(out.shape))
    loss = (out * m.tensor(w, dtype=out.dtype)).sum()
    leaves = list(params.values())
    # retain_graph: a distribution's parameters are shared by several outputs (log_prob,
    # cdf, icdf) whose gradients are taken one after the other
    gs = m.autograd.grad(loss, leaves, allow_unused=True, retain_graph=True)
    return [None if g is None else _np(g) for g in gs]


def _check_grads(ours: Any, op: Any, theirs: Any, tp: Any, rtol: float = 1e-6,
                 atol: float = 1e-8) -> None:
    try:
        expected = _grads(torch, theirs, tp)
    except NotImplementedError as e:  # e.g. Gamma.cdf wrt concentration: PyTorch has none
        with pytest.raises(NotImplementedError, match=re.escape(str(e))):
            _grads(ag, ours, op)
        return
    for k, a, b in zip(op, _grads(ag, ours, op), expected):
        if a is None or b is None:
            # an unused parameter on one side must have a zero gradient on the other
            other = a if b is None else b
            assert other is None or np.allclose(other, 0), k
            continue
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"grad wrt {k}")


def _value(theirs: Any) -> tuple[np.ndarray, Any]:
    torch.manual_seed(0)
    v = theirs.sample((2,))
    return v.numpy(), v


@pytest.mark.parametrize("name", sorted(CASES))
def test_shapes_and_log_prob(name: str) -> None:
    ours, op, theirs, tp = _pair(name)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    assert ours.has_rsample == theirs.has_rsample
    sample = ours.sample((5,))
    assert tuple(sample.shape) == tuple(theirs.sample((5,)).shape)
    assert sample.dtype == getattr(ag, str(theirs.sample().dtype).split(".")[-1])
    v_np, v_t = _value(theirs)
    lp, tlp = ours.log_prob(ag.tensor(v_np)), theirs.log_prob(v_t)
    _close(lp, tlp, rtol=1e-6)
    _check_grads(lp, op, tlp, tp, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(CASES))
def test_entropy(name: str) -> None:
    ours, op, theirs, tp = _pair(name)
    try:
        th = theirs.entropy()
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            ours.entropy()
        return
    h = ours.entropy()
    _close(h, th, rtol=1e-7)
    _check_grads(h, op, th, tp)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("prop", ["mean", "mode", "variance", "stddev"])
def test_moments(name: str, prop: str) -> None:
    ours, op, theirs, tp = _pair(name)
    try:
        expected = getattr(theirs, prop)
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            getattr(ours, prop)
        return
    got = getattr(ours, prop)
    assert tuple(got.shape) == tuple(expected.shape)
    _close(got, expected)
    if expected.requires_grad and bool(torch.isfinite(expected).all()):
        _check_grads(got, op, expected, tp)


@pytest.mark.parametrize("name", sorted(CASES))
def test_cdf_icdf(name: str) -> None:
    ours, op, theirs, tp = _pair(name)
    v_np, v_t = _value(theirs)
    try:
        tc = theirs.cdf(v_t)
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            ours.cdf(ag.tensor(v_np))
        return
    c = ours.cdf(ag.tensor(v_np))
    _close(c, tc)
    _check_grads(c, op, tc, tp, rtol=1e-6)
    q = np.random.default_rng(3).uniform(0.05, 0.95, tuple(tc.shape))
    try:
        ti = theirs.icdf(torch.tensor(q))
    except NotImplementedError:
        return
    i = ours.icdf(ag.tensor(q))
    _close(i, ti, rtol=1e-7)
    _check_grads(i, op, ti, tp, rtol=1e-6)


@pytest.mark.parametrize("name", ["Bernoulli-probs", "Binomial-logits", "Categorical-probs",
                                  "OneHotCategorical"])
@pytest.mark.parametrize("expand", [True, False])
def test_enumerate_support(name: str, expand: bool) -> None:
    ours, _, theirs, _ = _pair(name)
    _close(ours.enumerate_support(expand), theirs.enumerate_support(expand))


@pytest.mark.parametrize("name", ["Normal", "Gamma", "Dirichlet", "Categorical-logits",
                                  "MVN-scale_tril", "LowRankMVN", "Independent",
                                  "Transformed-affine-exp", "RelaxedBernoulli", "Multinomial",
                                  "MixtureSameFamily", "Binomial", "StudentT", "Beta"])
def test_expand(name: str) -> None:
    ours, _, theirs, _ = _pair(name)
    shape = (4,) + tuple(theirs.batch_shape)
    e, te = ours.expand(shape), theirs.expand(shape)
    assert tuple(e.batch_shape) == tuple(te.batch_shape)
    assert tuple(e.sample().shape) == tuple(te.sample().shape)
    v_np, v_t = _value(te)
    _close(e.log_prob(ag.tensor(v_np)), te.log_prob(v_t), rtol=1e-6)


# ---------------------------------------------------------------------------
# KL divergences: every pair PyTorch registers among these families
# ---------------------------------------------------------------------------
def _kl_family(cls: str, m: Any, p: dict[str, Any], pre: str) -> Any:
    D = m.distributions
    g = lambda k: p[pre + k]
    return {
        "Normal": lambda: D.Normal(g("a"), g("b")),
        "Uniform": lambda: D.Uniform(g("a"), g("a") + g("b")),
        "Exponential": lambda: D.Exponential(g("b")),
        "Laplace": lambda: D.Laplace(g("a"), g("b")),
        "Gamma": lambda: D.Gamma(g("b"), g("c")),
        "Beta": lambda: D.Beta(g("b"), g("c")),
        "Bernoulli": lambda: D.Bernoulli(probs=g("p")),
        "Binomial": lambda: D.Binomial(m.tensor([7.0, 7.0, 7.0], dtype=m.float64), probs=g("p")),
        "Poisson": lambda: D.Poisson(g("b")),
        "Geometric": lambda: D.Geometric(probs=g("p")),
        "Cauchy": lambda: D.Cauchy(g("a"), g("b")),
        "Categorical": lambda: D.Categorical(probs=g("s")),
        "OneHotCategorical": lambda: D.OneHotCategorical(probs=g("s")),
        "Dirichlet": lambda: D.Dirichlet(g("k")),
        "MultivariateNormal": lambda: D.MultivariateNormal(g("v"), scale_tril=g("L")),
        "LowRankMultivariateNormal": lambda: D.LowRankMultivariateNormal(g("v"), g("W"), g("d")),
        "Independent": lambda: D.Independent(D.Normal(g("a"), g("b")), 1),
        "TransformedDistribution": lambda: D.LogNormal(g("a"), g("b")),
    }[cls]()


def _kl_arrays(pre: str, seed: int) -> dict[str, np.ndarray]:
    r = np.random.default_rng(seed)
    a = r.standard_normal((4, 3))
    L = np.linalg.cholesky(np.stack([_spd(3) for _ in range(2)]))
    return {pre + "a": r.uniform(0.1, 0.5, 3), pre + "b": r.uniform(0.5, 2.0, 3),
            pre + "c": r.uniform(0.5, 2.0, 3), pre + "p": r.uniform(0.1, 0.9, 3),
            pre + "s": _simplex(2, 4), pre + "k": r.uniform(0.5, 3.0, (2, 4)),
            pre + "v": r.standard_normal((2, 3)), pre + "L": L,
            pre + "W": a[:3, :2], pre + "d": r.uniform(0.5, 2.0, 3)}


KL_PAIRS = [
    ("Bernoulli", "Bernoulli"), ("Beta", "Beta"), ("Binomial", "Binomial"),
    ("Categorical", "Categorical"), ("Dirichlet", "Dirichlet"), ("Exponential", "Exponential"),
    ("Gamma", "Gamma"), ("Geometric", "Geometric"), ("Laplace", "Laplace"),
    ("LowRankMultivariateNormal", "LowRankMultivariateNormal"),
    ("MultivariateNormal", "LowRankMultivariateNormal"),
    ("LowRankMultivariateNormal", "MultivariateNormal"),
    ("MultivariateNormal", "MultivariateNormal"), ("Normal", "Normal"),
    ("OneHotCategorical", "OneHotCategorical"), ("Poisson", "Poisson"),
    ("TransformedDistribution", "TransformedDistribution"), ("Uniform", "Uniform"),
    ("Bernoulli", "Poisson"), ("Beta", "Exponential"), ("Beta", "Gamma"), ("Beta", "Normal"),
    ("Beta", "Uniform"), ("Exponential", "Beta"), ("Exponential", "Uniform"),
    ("Exponential", "Gamma"), ("Exponential", "Normal"), ("Gamma", "Beta"), ("Gamma", "Uniform"),
    ("Gamma", "Exponential"), ("Gamma", "Normal"), ("Laplace", "Beta"),
    ("Laplace", "Exponential"), ("Laplace", "Gamma"), ("Laplace", "Uniform"),
    ("Laplace", "Normal"), ("Normal", "Beta"), ("Normal", "Exponential"), ("Normal", "Gamma"),
    ("Normal", "Uniform"), ("Normal", "Laplace"), ("Poisson", "Bernoulli"),
    ("Poisson", "Binomial"), ("Uniform", "Beta"), ("Uniform", "Exponential"),
    ("Uniform", "Gamma"), ("Uniform", "Normal"), ("Independent", "Independent"),
    ("Cauchy", "Cauchy"),
]


@pytest.mark.parametrize("pq", KL_PAIRS, ids=["-".join(p) for p in KL_PAIRS])
def test_kl_divergence(pq: tuple[str, str]) -> None:
    arrays = {**_kl_arrays("p_", 11), **_kl_arrays("q_", 12)}
    op, tp = _params(ag, arrays), _params(torch, arrays)
    ours = ag.distributions.kl_divergence(_kl_family(pq[0], ag, op, "p_"),
                                          _kl_family(pq[1], ag, op, "q_"))
    theirs = torch.distributions.kl_divergence(_kl_family(pq[0], torch, tp, "p_"),
                                               _kl_family(pq[1], torch, tp, "q_"))
    assert tuple(ours.shape) == tuple(theirs.shape)
    _close(ours, theirs, rtol=1e-7)
    if bool(torch.isfinite(theirs).all()) and theirs.requires_grad:
        _check_grads(ours, op, theirs, tp)


def test_kl_pairs_cover_torch_registry() -> None:
    """Every pair PyTorch registers between two families we implement is tested above."""
    ours = set(ag.distributions.__all__)
    reg = {(p.__name__, q.__name__) for p, q in torch.distributions.kl._KL_REGISTRY}
    expected = {pq for pq in reg if pq[0] in ours and pq[1] in ours
                and "ExponentialFamily" not in pq}
    assert expected <= set(KL_PAIRS)


def test_kl_expfamily_bregman_matches_closed_form() -> None:
    """The generic exponential-family KL (Bregman divergence) agrees with PyTorch's."""
    from torch.distributions.kl import _kl_expfamily_expfamily as t_kl

    from autograd.distributions.kl import _kl_expfamily_expfamily
    a, b = _pos(3), _pos(3)
    ours = _kl_expfamily_expfamily(ag.distributions.Gamma(ag.tensor(a), ag.tensor(b)),
                                   ag.distributions.Gamma(ag.tensor(b), ag.tensor(a)))
    theirs = t_kl(torch.distributions.Gamma(torch.tensor(a), torch.tensor(b)),
                  torch.distributions.Gamma(torch.tensor(b), torch.tensor(a)))
    _close(ours, theirs)


def test_kl_not_implemented_message() -> None:
    p = ag.distributions.Normal(0.0, 1.0)
    q = ag.distributions.StudentT(3.0)
    with pytest.raises(NotImplementedError) as ours:
        ag.distributions.kl_divergence(p, q)
    with pytest.raises(NotImplementedError) as theirs:
        torch.distributions.kl_divergence(torch.distributions.Normal(0.0, 1.0),
                                          torch.distributions.StudentT(3.0))
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------------------
# validation messages
# ---------------------------------------------------------------------------
def _messages(fn: Callable[[Any], Any]) -> tuple[str, str]:
    with pytest.raises(ValueError) as ours:
        fn(ag)
    with pytest.raises(ValueError) as theirs:
        fn(torch)
    return str(ours.value), str(theirs.value)


@pytest.mark.parametrize("fn", [
    lambda m: m.distributions.Normal(m.tensor([0.0]), m.tensor([-1.0])),
    lambda m: m.distributions.Normal(m.tensor([0.0]), m.tensor([1.0])).log_prob([0.0]),
    lambda m: m.distributions.Bernoulli(probs=m.tensor([0.5]), logits=m.tensor([0.0])),
    lambda m: m.distributions.Bernoulli(probs=m.tensor([1.5])),
    lambda m: m.distributions.Bernoulli(probs=m.tensor([0.5])).log_prob(m.tensor([0.5])),
    lambda m: m.distributions.Categorical(probs=m.tensor(0.5)),
    lambda m: m.distributions.Categorical(probs=m.tensor([0.2, 0.8])).log_prob(m.tensor(2)),
    lambda m: m.distributions.Dirichlet(m.tensor(1.0)),
    lambda m: m.distributions.Exponential(m.tensor([1.0])).log_prob(m.tensor([-1.0])),
    lambda m: m.distributions.Normal(m.tensor([0.0, 1.0]), m.tensor([1.0, 1.0])).log_prob(
        m.tensor([0.0, 1.0, 2.0])),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2)),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), scale_tril=m.tensor(
        [[1.0, 0.0], [0.5, -1.0]])),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.eye(2)).log_prob(m.zeros(3)),
    lambda m: m.distributions.Uniform(m.tensor([1.0]), m.tensor([0.0])),
    lambda m: m.distributions.Gamma(m.tensor([1.0]), m.tensor([1.0])).log_prob(
        m.tensor([-0.5])),
    lambda m: m.distributions.Poisson(m.tensor([1.0])).log_prob(m.tensor([1.5])),
    lambda m: m.distributions.Geometric(probs=m.tensor([0.0])),
    lambda m: m.distributions.Independent(m.distributions.Normal(m.zeros(2), m.ones(2)), 2),
    lambda m: m.distributions.LowRankMultivariateNormal(m.zeros(3), m.zeros(2, 1), m.ones(3)),
])
def test_validation_messages(fn: Callable[[Any], Any]) -> None:
    ours, theirs = _messages(fn)
    assert _numbers_normalised(ours) == _numbers_normalised(theirs)


def _numbers_normalised(msg: str) -> str:
    """The message with tensor printing differences removed: numbagrad prints ``1.5`` and
    ``[ 1. , 0. ]`` where PyTorch prints ``1.5000`` and ``[ 1.0000, 0.0000]``."""
    msg = re.sub(r"-?\d+\.\d*(e[-+]?\d+)?", lambda mo: f"{float(mo.group(0)):g}", msg)
    return re.sub(r"\s+", "", msg)


def test_validate_args_off_allows_invalid() -> None:
    d = ag.distributions.Normal(ag.tensor([0.0]), ag.tensor([-1.0]), validate_args=False)
    with np.errstate(invalid="ignore"):  # log of the negative scale
        assert math.isnan(float(d.log_prob(ag.tensor([0.0]))))


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_dtypes(name: str) -> None:
    """float32 parameters give float32 samples/log_prob/entropy (int64 Categorical draws),
    and values close to PyTorch's."""
    build, arrays = CASES[name]
    ours = build(ag, {k: ag.tensor(v, dtype=ag.float32) for k, v in arrays.items()})
    theirs = build(torch, {k: torch.tensor(v, dtype=torch.float32) for k, v in arrays.items()})
    ts = theirs.sample((3,))
    s = ours.sample((3,))
    assert str(s.dtype).split(".")[-1] == str(ts.dtype).split(".")[-1]
    lp, tlp = ours.log_prob(ag.tensor(ts.numpy())), theirs.log_prob(ts)
    assert str(lp.dtype).split(".")[-1] == str(tlp.dtype).split(".")[-1]
    _close(lp, tlp, rtol=2e-4, atol=2e-4)


@pytest.mark.parametrize("make", [
    lambda m: m.distributions.Normal(0.0, 1.0),
    lambda m: m.distributions.Bernoulli(0.3),
    lambda m: m.distributions.Exponential(2.0),
    lambda m: m.distributions.Gamma(2.0, 3.0),
    lambda m: m.distributions.Beta(2.0, 3.0),
    lambda m: m.distributions.Poisson(3.0),
    lambda m: m.distributions.StudentT(4.0),
    lambda m: m.distributions.Categorical(m.tensor([0.2, 0.8])),
])
def test_python_number_parameters(make: Callable[[Any], Any]) -> None:
    ours, theirs = make(ag), make(torch)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == ()
    s, ts = ours.sample((2,)), theirs.sample((2,))
    assert tuple(s.shape) == tuple(ts.shape)
    assert str(s.dtype).split(".")[-1] == str(ts.dtype).split(".")[-1]
    _close(ours.log_prob(ag.tensor(ts.numpy())), theirs.log_prob(ts), rtol=1e-6)
    assert repr(ours) == repr(theirs)
