"""Issue 12 ops against PyTorch: dtypes and values under promotion, errors, Tensor
methods (unfold, as_strided, in-place forms, random fills) and float64 gradients."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests compare against PyTorch")

import autograd  # noqa: E402
import nn.functional as F  # noqa: E402


def _same(o, t):
    assert str(o.dtype) == str(t.dtype).replace("torch.", ""), (o.dtype, t.dtype)
    assert tuple(o.shape) == tuple(t.shape)
    np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-6,
                               equal_nan=True)


INT = [1, 2, -3]
FLT = [0.5, -1.25, 2.0]


@pytest.mark.parametrize("expr", [
    "L.atan2(i, i)", "L.atan2(f, i)", "L.fmod(i, 2)", "L.fmod(i, 2.5)", "L.fmod(f, -0.75)",
    "L.fmod(f, i)", "L.nan_to_num(i)", "L.sinh(i)", "L.tan(b)", "L.acosh(i)", "L.atanh(f)",
    "L.xlogy(i, i)", "L.xlogy(2, f)", "L.xlogy(f, 3)", "L.copysign(i, -1)", "L.copysign(f, i)",
    "L.deg2rad(i)", "L.rad2deg(b)", "L.float_power(i, 2)", "L.float_power(f, 2)",
    "L.float_power(2, f)", "L.float_power(f, i)", "L.logit(i)", "L.logit(f, eps=0.1)",
    "L.hypot(f, d)", "L.logaddexp(f, d)", "L.logaddexp2(d, f)", "L.frac(d)",
    "L.nan_to_num(L.log(f))", "L.nan_to_num(L.log(d), posinf=5.0)", "L.arctan2(d, f)",
    "L.trace(L.ones(2, 3, dtype=L.int32))", "L.diag(i)", "L.diag(i, -2)",
    "L.tril_indices(3, 4, 1)", "L.triu_indices(4, 3, -1, dtype=L.int32)",
    "L.kron(i, f)", "L.block_diag(i.int(), f)", "L.block_diag()", "L.cartesian_prod(i, i)",
    "L.addmv(i, L.ones(3, 3, dtype=L.int64), i, beta=2, alpha=3)",
    "L.addr(L.tensor(float('nan')), f, f, beta=0)", "L.tensordot(f, f, 0)",
    "L.take(f, L.tensor([[-1, 0]]))", "L.cosine_similarity(f, d.float(), dim=0)",
    "L.pairwise_distance(f, f * 2)", "L.einsum('i,j', i, i)", "L.einsum('...,...', f, f)",
    "L.scatter_reduce(i, 0, L.tensor([0, 0, 2]), i * 3, 'mean')",
    "L.scatter_reduce(-i, 0, L.tensor([0, 0, 2]), -i * 3, 'mean', include_self=False)",
    "L.scatter_reduce(f, 0, L.tensor([1, 1, 1]), f, 'amax', include_self=False)",
    "L.index_fill(i, 0, L.tensor([-1]), 2.7)", "i.index_copy(0, L.tensor([2, 0]), i[:2])",
    "L.masked_scatter(L.zeros(2, 3), L.tensor([[True], [False]]), L.arange(9.).reshape(3, 3))",
    "L.ones(2, 3).unfold(1, 2, 1)", "L.arange(7.).unfold(0, 3, 2)", "L.tensor(5.).unfold(0, 1, 1)",
    "L.arange(12.).as_strided((3, 2), (1, 4), 1)", "L.swapdims(L.ones(2, 3, 4), 0, 2)",
    "L.moveaxis(L.ones(2, 3, 4), (0, 1), (2, 0))", "L.ones(2, 3).diagonal(1, 1, 0)",
    "L.diag_embed(L.ones(2, 3), 1, 0, 2)", "L.cdist(L.ones(2, 3, 4), L.zeros(1, 5, 4), p=1.0)",
])
def test_values_and_dtypes_match_torch(expr):
    def env(L):
        return dict(L=L, i=L.tensor(INT), f=L.tensor(FLT), d=L.tensor(FLT, dtype=L.float64),
                    b=L.tensor([True, False, True]))
    t = eval(expr, env(torch))
    o = eval(expr, env(autograd))
    _same(o, t)


@pytest.mark.parametrize("expr", [
    "L.logaddexp(i, i)", "L.hypot(i, i)", "L.hypot(f, 2)", "L.atan2(f, 2)", "L.frac(i)",
    "L.fmod(i, 0)", "L.fmod(b, b)", "L.logaddexp(f, 2.)",
    "L.scatter_reduce(f, 0, L.tensor([0]), f, 'foo')", "L.diag(L.tensor(1.))",
    "L.diagonal(L.ones(2, 3), 0, 1, 1)", "L.einsum('ii', L.ones(2, 3))",
    "L.cdist(L.ones(3), L.ones(2, 3))", "L.cdist(L.ones(2, 3), L.ones(2, 4))",
    "L.cosine_similarity(i, i, dim=0)", "L.take(f, L.tensor([3]))",
    "L.index_fill(f, 0, L.tensor([0]), L.tensor([1.]))",
    "L.masked_scatter(L.zeros(3), L.tensor([True, True, True]), L.ones(2))",
    "L.cartesian_prod(i, f)", "L.tensordot(f, d, 1)", "L.trace(L.ones(2, 2, 2))",
    "L.index_copy(f, 0, L.tensor([-1]), f[:1])", "L.ones(5).unfold(0, 6, 1)",
    "L.ones(5).unfold(0, 2, 0)", "L.block_diag(L.ones(2, 2, 2))",
])
def test_errors_match_torch_class(expr):
    def env(L):
        return dict(L=L, i=L.tensor(INT), f=L.tensor(FLT), d=L.tensor(FLT, dtype=L.float64),
                    b=L.tensor([True, False, True]))
    with pytest.raises(Exception) as t:
        eval(expr, env(torch))
    with pytest.raises(Exception) as o:
        eval(expr, env(autograd))
    assert isinstance(o.value, type(t.value)), (type(o.value), type(t.value), o.value)


def _grads(fn, arrays, L):
    xs = [L.tensor(a, requires_grad=True) for a in arrays]
    out = fn(L, *xs)
    r = np.random.default_rng(3).standard_normal(tuple(out.shape))
    loss = (out * L.tensor(r)).sum()
    if L is torch:
        return out, torch.autograd.grad(loss, xs)
    return out, autograd.grad(loss, xs)


@pytest.mark.parametrize("name,fn,shapes", [
    ("unfold", lambda L, x: x.unfold(1, 3, 2), [(2, 7)]),
    ("unfold_overlap", lambda L, x: x.unfold(0, 3, 1), [(5, 2)]),
    ("as_strided", lambda L, x: x.as_strided((3, 3), (1, 2), 1), [(4, 3)]),
    ("F.cosine_similarity", lambda L, a, b: (F if L is autograd else torch.nn.functional)
     .cosine_similarity(a, b, dim=-1), [(3, 4), (4,)]),
    ("F.pairwise_distance", lambda L, a, b: (F if L is autograd else torch.nn.functional)
     .pairwise_distance(a, b, p=3.0), [(3, 4), (3, 4)]),
    ("cdist_zero", lambda L, a: L.cdist(a, a), [(3, 2)]),
    ("cdist_batched", lambda L, a, b: L.cdist(a, b, p=1.5), [(2, 3, 4), (2, 2, 4)]),
    ("scatter_reduce_prod_zero", lambda L, a, s: L.scatter_reduce(
        a * L.tensor([[0., 1, 1], [1, 1, 1]], dtype=L.float64), 1,
        L.tensor([[0, 0, 2, 2], [1, 1, 1, 0]]), s * L.tensor([[1., 0, 0, 1], [1, 0, 1, 1]],
                                                               dtype=L.float64), "prod"),
     [(2, 3), (2, 4)]),
    ("index_fill_tensor", lambda L, a, v: L.index_fill(a, 1, L.tensor([2, 0]), v.sum()),
     [(2, 3), (2,)]),
    ("addr_beta0", lambda L, c, a, b: L.addr(c, a, b, beta=0), [(2, 3), (2,), (3,)]),
    ("float_power", lambda L, a, b: L.float_power(a.abs() + 0.5, b), [(3,), (2, 3)]),
    ("logit_eps", lambda L, a: L.logit(a * 0.5 + 0.5, eps=0.3), [(6,)]),
    ("einsum_diag_ellipsis", lambda L, a, b: L.einsum("b...ii,...i->b...", a, b),
     [(2, 3, 4, 4), (4,)]),
    ("diag_embed", lambda L, a: L.diag_embed(a, 2, -1, 0), [(2, 3)]),
    ("kron3", lambda L, a, b: L.kron(a, b), [(2, 1, 2), (2, 3)]),
    ("copysign", lambda L, a, b: L.copysign(a, b), [(3,), (2, 3)]),
])
def test_float64_gradients_match_torch(name, fn, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    to, tg = _grads(fn, arrays, torch)
    oo, og = _grads(fn, arrays, autograd)
    _same(oo, to)
    for o, t in zip(og, tg):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("method,args", [
    ("fmod_", (0.7,)), ("hypot_", ("other",)), ("atan2_", ("other",)), ("xlogy_", (2.0,)),
    ("copysign_", (-1.0,)), ("frac_", ()), ("deg2rad_", ()), ("rad2deg_", ()), ("sinh_", ()),
    ("atan_", ()), ("nan_to_num_", ()), ("logit_", (0.2,)), ("arctan2_", ("other",)),
])
def test_inplace_forms_match_torch(method, args):
    base = [0.25, -0.5, 0.75]
    for L in (torch, autograd):
        x = L.tensor(base)
        a = [L.tensor([0.5, 1.5, -2.0]) if v == "other" else v for v in args]
        assert getattr(x, method)(*a) is x
        if L is torch:
            want = x.numpy().copy()
        else:
            np.testing.assert_allclose(x.numpy(), want, rtol=1e-6)


def test_inplace_index_methods_match_torch():
    outs = []
    for L in (torch, autograd):
        x = L.zeros(3, 4)
        x.index_copy_(0, L.tensor([2]), L.ones(1, 4))
        x.index_fill_(1, L.tensor([0]), -1.0)
        x.scatter_reduce_(0, L.tensor([[0, 1, 2, 0]]), L.full((1, 4), 3.0), "amax")
        x.masked_scatter_(x > 2, L.arange(10.0))
        x.addmm_(L.ones(3, 2), L.ones(2, 4), beta=0.5)
        x.addr_(L.ones(3), L.arange(4.0))
        outs.append(x.numpy().copy())
    np.testing.assert_allclose(outs[1], outs[0])


def test_float_power_inplace_needs_double():
    with pytest.raises(RuntimeError):
        torch.ones(2).float_power_(2)
    with pytest.raises(RuntimeError):
        autograd.ones(2).float_power_(2)
    x = autograd.ones(2, dtype=autograd.float64)
    assert x.float_power_(2) is x


def test_resize_matches_torch():
    for L in (torch, autograd):
        x = L.arange(6.0)
        assert x.resize_(2, 2) is x
        assert tuple(x.shape) == (2, 2)
        np.testing.assert_array_equal(x.numpy(), [[0, 1], [2, 3]])
        with pytest.raises(RuntimeError):
            L.ones(3, requires_grad=True).resize_(2)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_random_fills_have_torch_ranges(dtype):
    for L in (torch, autograd):
        dt = getattr(L, dtype)
        x = L.zeros(2000, dtype=dt)
        x.random_(3, 7)
        v = x.numpy()
        assert set(np.unique(v)) == {3, 4, 5, 6}
        assert str(x.dtype).endswith(dtype)
        x.random_(5)
        assert v.min() >= 0 and x.numpy().max() < 5
        x.random_()
        assert x.numpy().min() >= 0
    for L in (torch, autograd):
        y = L.zeros(5000, dtype=L.float64)
        assert y.exponential_(2.0).numpy().min() >= 0
        assert abs(y.numpy().mean() - 0.5) < 0.05
        g = y.geometric_(0.5).numpy()
        assert g.min() >= 1 and np.all(g == np.round(g))
        assert y.log_normal_(0.0, 0.5).numpy().min() > 0
        assert np.isfinite(y.cauchy_().numpy()).all()
