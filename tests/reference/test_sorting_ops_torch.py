"""The sorting family against PyTorch CPU: values, dtypes, shapes and indices (where
PyTorch is deterministic: stable sorts, distinct values, median/mode tie rules), float64
gradients with a random upstream gradient, exception classes; samplers by shape, dtype,
reproducibility and statistics (their exact numbers are compared with PyTorch's in
test_random_streams_torch.py)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5))
XI = RNG.integers(0, 4, (3, 4, 5))
XNAN = np.array([[1., np.nan, 2., np.nan, 0.], [3., 1., 2., 2., np.nan]])


def _both(f, *arrays, grad=False):
    """f(lib, *tensors) for torch and autograd; compares every output, and gradients."""
    res = []
    for lib, wrap in ((torch, torch.from_numpy), (autograd, autograd.from_numpy)):
        xs = [wrap(a.copy()) for a in arrays]
        if grad:
            xs = [x.requires_grad_(True) if x.dtype in (torch.float64, np.float64) else x for x in xs]
        out = f(lib, *xs)
        res.append((xs, out if isinstance(out, tuple) else (out,)))
    (txs, touts), (oxs, oouts) = res
    assert len(touts) == len(oouts)
    for t, o in zip(touts, oouts):
        tn, on = t.detach().numpy(), o.detach().numpy()
        assert tn.shape == on.shape, (tn.shape, on.shape)
        assert tn.dtype == on.dtype, (tn.dtype, on.dtype)
        np.testing.assert_allclose(on, tn, rtol=1e-12, atol=0, equal_nan=True)
    if grad:
        floats = [(t, o) for t, o in zip(touts, oouts) if t.is_floating_point()]
        rs = [RNG.standard_normal(tuple(t.shape)) for t, _ in floats]
        tl = sum((t * torch.from_numpy(r)).sum() for (t, _), r in zip(floats, rs))
        ol = sum((o * autograd.tensor(r)).sum() for (_, o), r in zip(floats, rs))
        tg = torch.autograd.grad(tl, txs[0])[0]
        og = autograd.grad(ol, oxs[0])[0]
        np.testing.assert_allclose(og.numpy(), tg.numpy(), rtol=1e-12, atol=1e-14)


DIMS = [0, 1, -1]


@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("descending", [False, True])
def test_sort_argsort_topk(dim, descending):
    _both(lambda L, x: L.sort(x, dim, descending), X, grad=True)
    _both(lambda L, x: L.sort(x, dim, descending), XI)        # ties: stable, as torch
    _both(lambda L, x: L.argsort(x, dim=dim, descending=descending, stable=True), XI)
    _both(lambda L, x: L.topk(x, 2, dim, largest=descending), X, grad=True)
    _both(lambda L, x: L.topk(x, 3, dim, largest=False)[0], XI)  # tie indices: unspecified
    _both(lambda L, x: L.sort(x, -1, descending), XNAN, grad=True)


@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_selections_with_dim(dim, keepdim):
    _both(lambda L, x: L.kthvalue(x, 2, dim, keepdim), X, grad=True)
    _both(lambda L, x: L.median(x, dim, keepdim), X, grad=True)
    _both(lambda L, x: L.nanmedian(x, dim, keepdim), X, grad=True)
    _both(lambda L, x: L.mode(x, dim, keepdim), XI)           # ties: smallest value, last index
    _both(lambda L, x: L.mode(x, dim, keepdim), X, grad=True)
    _both(lambda L, x: L.median(x, -1, keepdim), XNAN, grad=True)
    _both(lambda L, x: L.nanmedian(x, -1, keepdim), XNAN, grad=True)


def test_tie_values_agree_where_torch_indices_are_unspecified():
    for f in (lambda L, x: L.median(x, 1), lambda L, x: L.kthvalue(x, 2, 1),
              lambda L, x: L.topk(x, 2, 1)):
        _both(lambda L, x: f(L, x)[0], XI)


@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (7,), (2, 3)])
def test_edge_shapes(shape):
    x = RNG.standard_normal(shape)
    _both(lambda L, x: L.sort(x, 0), x, grad=True)
    _both(lambda L, x: L.msort(x), x, grad=True)
    _both(lambda L, x: L.nansum(x), x, grad=True)
    _both(lambda L, x: L.nanmean(x), x, grad=True)
    _both(lambda L, x: L.repeat_interleave(x, 2), x, grad=True)
    _both(lambda L, x: L.atleast_3d(x), x, grad=True)
    _both(lambda L, x: L.unique(x, return_inverse=True, return_counts=True), x)
    if x.size:
        _both(lambda L, x: L.median(x), x, grad=True)
        _both(lambda L, x: L.topk(x, 1, 0), x, grad=True)
        _both(lambda L, x: L.kthvalue(x, 1, 0), x, grad=True)


def test_median_no_dim_ties_and_nan():
    _both(lambda L, x: L.median(x), np.array([1., 2., 2., 3.]), grad=True)
    _both(lambda L, x: L.median(x), np.array([3., 3., 1.]), grad=True)
    _both(lambda L, x: L.median(x), XNAN)
    _both(lambda L, x: L.nanmedian(x), XNAN, grad=True)
    _both(lambda L, x: L.median(x), XI)


def test_unique_family():
    _both(lambda L, x: L.unique(x, return_inverse=True, return_counts=True), XI)
    for d in DIMS:
        _both(lambda L, x: L.unique(x, dim=d, return_inverse=True, return_counts=True), XI % 2)
        _both(lambda L, x: L.unique_consecutive(x, dim=d, return_inverse=True,
                                                return_counts=True), XI // 3)
    _both(lambda L, x: L.unique_consecutive(x, return_inverse=True, return_counts=True), XI)
    _both(lambda L, x: L.unique(x), np.array(2.5))


def test_counting_and_searching():
    b = np.array([0, 3, 1, 1, 7])
    for w in (RNG.random(5).astype(np.float32), RNG.random(5), np.array([1, 2, 3, 4, 5])):
        _both(lambda L, b, w: L.bincount(b, w, 10), b, w)
    _both(lambda L, b: L.bincount(b), b)
    _both(lambda L, b: L.bincount(b), np.zeros(0, np.int64))
    _both(lambda L, x: L.histc(x, 7), X)
    _both(lambda L, x: L.histc(x, 5, -1, 1), X.astype(np.float32))
    _both(lambda L, x: L.histc(x, 4), np.array([1., 1.]))
    s = np.sort(RNG.standard_normal(6))
    v = np.concatenate([RNG.standard_normal(4), s[:2]])
    for right in (False, True):
        _both(lambda L, s, v: L.searchsorted(s, v, right=right), s, v)
        _both(lambda L, s, v: L.bucketize(v, s, right=right, out_int32=True), s, v)
        S = np.sort(RNG.standard_normal((2, 5)), 1)
        _both(lambda L, s, v: L.searchsorted(s, v, side="right" if right else "left"), S,
              RNG.standard_normal((2, 3)))
    perm = np.array([3, 0, 4, 1, 2])
    _both(lambda L, s, p, v: L.searchsorted(s, v, sorter=p), s[:5][np.argsort(perm)], perm, v)
    _both(lambda L, s: L.searchsorted(s, 0.25), s)


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_nan_reductions_and_repeat_interleave(dim):
    _both(lambda L, x: L.nansum(x, dim), XNAN, grad=True)
    _both(lambda L, x: L.nanmean(x, dim, keepdim=True), XNAN, grad=True)
    _both(lambda L, x: L.nansum(x, dim), XI)
    _both(lambda L, x: L.repeat_interleave(x, 3, dim), X[0], grad=True)
    if dim is not None:
        _both(lambda L, x, r: L.repeat_interleave(x, r, dim), X[0], np.arange(X.shape[dim + 1]),
              grad=True)


def test_stacking_helpers():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    _both(lambda L, a, b: L.dstack([a, b]), a, b, grad=True)
    _both(lambda L, a, b: L.column_stack([a, b[:, 0]]), a, b, grad=True)
    _both(lambda L, a, b: L.column_stack([a[0, 0], b[0, 0]]), a, b, grad=True)
    _both(lambda L, a, b: L.atleast_2d(a[0], b[0, 0]), a, b, grad=True)
    _both(lambda L, a, b: L.atleast_1d([a[0, 0], b]), a, b, grad=True)


@pytest.mark.parametrize("call", [
    lambda L: L.topk(L.ones(3), 4), lambda L: L.topk(L.ones(3), 1, 2),
    lambda L: L.kthvalue(L.ones(3), 4), lambda L: L.kthvalue(L.ones(0), 1),
    lambda L: L.median(L.ones(0, 2), 0), lambda L: L.mode(L.ones(0)),
    lambda L: L.sort(L.ones(3), 1), lambda L: L.sort([1., 2.]),
    lambda L: L.bincount(L.tensor([0, -1])), lambda L: L.bincount(L.tensor([[0]])),
    lambda L: L.bincount(L.tensor([0, 1]), minlength=-1), lambda L: L.bincount(L.ones(2)),
    lambda L: L.histc(L.tensor([1, 2])), lambda L: L.histc(L.ones(2), bins=0),
    lambda L: L.histc(L.ones(2), min=2, max=1),
    lambda L: L.searchsorted(L.tensor(1.), L.ones(1)),
    lambda L: L.searchsorted(L.ones(2, 2), L.ones(1, 1)),
    lambda L: L.searchsorted(L.ones(2), L.ones(1), right=True, side="left"),
    lambda L: L.bucketize(L.ones(1), L.ones(1, 2)),
    lambda L: L.multinomial(L.ones(3), 4), lambda L: L.multinomial(L.ones(3), 0),
    lambda L: L.multinomial(L.ones(2, 2, 2), 1), lambda L: L.multinomial(L.tensor([1, 2]), 1),
    lambda L: L.multinomial(L.tensor([0., 0.]), 1),
    lambda L: L.multinomial(L.tensor([float("nan"), 1.]), 1),
    lambda L: L.bernoulli(L.tensor([1.5])), lambda L: L.bernoulli(L.ones(2), p=2.),
    lambda L: L.nanmean(L.tensor([1, 2])),
    lambda L: L.repeat_interleave(L.ones(2), -1),
    lambda L: L.repeat_interleave(L.ones(2), L.tensor([1, -1])),
    lambda L: L.repeat_interleave(L.ones(2, 2), L.tensor([1, 2])),
    lambda L: L.repeat_interleave(L.ones(2, 2), L.tensor([1, 2]), dim=0, output_size=4),
    lambda L: L.repeat_interleave(L.ones(2, 2), L.tensor([[1]]), dim=0),
    lambda L: L.dstack([]), lambda L: L.column_stack([]), lambda L: L.dstack(L.ones(2)),
    lambda L: L.atleast_1d(1.), lambda L: L.zeros(3).bernoulli_(1.5),
])
def test_error_classes_match_torch(call):
    with pytest.raises(Exception) as t_info:
        call(torch)
    with pytest.raises(Exception) as o_info:
        call(autograd)
    assert isinstance(o_info.value, type(t_info.value)), (t_info.value, o_info.value)


def test_samplers_shapes_dtypes_reproducibility():
    p = autograd.tensor([[0.2, 0.5, 0.3], [1., 1., 0.]])
    for replacement in (False, True):
        tp = torch.tensor(p.numpy())
        t_out = torch.multinomial(tp, 2, replacement)
        autograd.manual_seed(7)
        a = autograd.multinomial(p, 2, replacement)
        autograd.manual_seed(7)
        b = p.multinomial(2, replacement)
        assert a.shape == tuple(t_out.shape) and a.dtype == np.int64
        assert a.tolist() == b.tolist()
    probs = np.full((3, 1000), 0.25)
    autograd.manual_seed(1)
    s1 = autograd.bernoulli(autograd.tensor(probs))
    autograd.manual_seed(1)
    s2 = autograd.tensor(probs).bernoulli()
    ts = torch.bernoulli(torch.from_numpy(probs))
    assert s1.shape == tuple(ts.shape) and s1.numpy().dtype == ts.numpy().dtype
    assert s1.tolist() == s2.tolist()
    assert abs(s1.numpy().mean() - 0.25) < 0.03
    w = np.array([1., 2., 7.])
    autograd.manual_seed(2)
    draws = autograd.multinomial(autograd.tensor(w), 20000, True).numpy()
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 20000, w / w.sum(), atol=0.015)
