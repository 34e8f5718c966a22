"""The sorting family without torch: ties, return types, Tensor methods, validation
errors, and the samplers (reproducible under manual_seed, statistically sane)."""
import numpy as np
import pytest

import autograd as torch


def t(x, **kw):
    return torch.tensor(x, **kw)


def test_sort_is_stable_both_ways_and_nan_is_largest():
    a = t([3., 1., 3., 2., 1., 3.])
    v, i = torch.sort(a, descending=True)
    assert i.tolist() == [0, 2, 5, 3, 1, 4] and v.tolist() == [3., 3., 3., 2., 1., 1.]
    assert torch.sort(a).indices.tolist() == [1, 4, 3, 0, 2, 5]
    assert torch.argsort(a, descending=True).tolist() == [0, 2, 5, 3, 1, 4]
    n = t([1., float("nan"), 3., 0.])
    assert torch.sort(n).indices.tolist() == [3, 0, 2, 1]
    assert torch.sort(n, descending=True).indices.tolist() == [1, 2, 0, 3]
    assert torch.topk(n, 2).indices.tolist() == [1, 2]


def test_return_types_unpack_and_name_fields():
    a = t([[4., 1., 3.], [0., 2., 5.]])
    for res in (a.sort(), a.topk(2), a.kthvalue(2), a.median(1), a.mode(1), a.nanmedian(1)):
        values, indices = res
        assert values is res.values and indices is res.indices
        assert indices.dtype == np.int64


def test_median_lower_and_gradient_split_among_ties():
    x = t([1., 2., 2., 3.], requires_grad=True)
    m = torch.median(x)
    assert m.item() == 2.0 and m.shape == ()
    m.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, .5, .5, 0])
    assert torch.median(t([4., 1., 3., 2.])).item() == 2.0      # lower of the two middles
    assert np.isnan(torch.median(t([1., float("nan")])).item())
    assert torch.nanmedian(t([1., float("nan"), 5., 3.])).item() == 3.0
    v, i = torch.median(t([1., float("nan"), 2., float("nan")]), 0)
    assert np.isnan(v.item()) and i.item() == 1


def test_selection_gradients_go_to_selected_entries():
    x = t([[3., 1., 2.], [0., 5., 4.]], requires_grad=True)
    v, _ = torch.topk(x, 2, dim=1)
    (v * t([[1., 10.], [100., 1000.]])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1, 0, 10], [0, 100, 1000]])
    x.grad = None
    torch.kthvalue(x, 1, 0).values.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 1, 1], [1, 0, 0]])


def test_mode_smallest_most_frequent_at_last_index():
    v, i = torch.mode(t([1., 2., 2., 1., 3., 3.]))
    assert v.item() == 1.0 and i.item() == 3
    v, i = torch.mode(t([[3, 3, 1], [0, 2, 2]]), 1)
    assert v.tolist() == [3, 2] and i.tolist() == [1, 2]


def test_unique_and_unique_consecutive():
    x = t([[1., 3.], [1., 3.], [2., 0.]])
    u, inv, c = torch.unique(x, return_inverse=True, return_counts=True)
    assert u.tolist() == [0., 1., 2., 3.] and inv.shape == (3, 2) and c.tolist() == [1, 2, 1, 2]
    u, inv, c = x.unique(dim=0, return_inverse=True, return_counts=True)
    assert u.tolist() == [[1., 3.], [2., 0.]] and inv.tolist() == [0, 0, 1] and c.tolist() == [2, 1]
    u, inv, c = torch.unique_consecutive(t([1, 1, 2, 2, 3, 1, 1, 2]), return_inverse=True,
                                         return_counts=True)
    assert u.tolist() == [1, 2, 3, 1, 2] and c.tolist() == [2, 2, 1, 2, 1]
    assert inv.tolist() == [0, 0, 1, 1, 2, 3, 3, 4]
    assert not torch.unique(t([1., 2.], requires_grad=True)).requires_grad


def test_bincount_histc_searchsorted_bucketize():
    assert torch.bincount(t([0, 1, 1, 3]), minlength=6).tolist() == [1, 2, 0, 1, 0, 0]
    w = torch.bincount(t([0, 1, 1]), weights=t([.5, 1., 2.]))
    assert w.dtype == np.float32 and w.tolist() == [.5, 3.]
    assert torch.bincount(t([0, 1]), weights=t([1, 2])).dtype == np.float64
    assert torch.histc(t([1., 2, 1]), bins=4, min=0, max=3).tolist() == [0., 2., 1., 0.]
    assert torch.histc(t([1., 1.]), bins=4).tolist() == [0., 0., 2., 0.]
    s = t([1., 3., 5., 7.])
    assert torch.searchsorted(s, t([3., 6., 9.])).tolist() == [1, 3, 4]
    assert torch.searchsorted(s, t([3.]), side="right").tolist() == [2]
    assert torch.searchsorted(s, 3, out_int32=True).dtype == np.int32
    assert torch.searchsorted(t([5., 1., 3.]), t([2., 4.]), sorter=t([1, 2, 0])).tolist() == [1, 2]
    assert torch.bucketize(t([3., 6.]), s, right=True).tolist() == [2, 3]


@pytest.mark.parametrize("call,exc,word", [
    (lambda: torch.topk(t([1., 2.]), 3), RuntimeError, "topk"),
    (lambda: torch.kthvalue(t([1., 2.]), 0), RuntimeError, "kthvalue"),
    (lambda: torch.sort(t([1., 2.]), 1), IndexError, "sort"),
    (lambda: torch.median(torch.ones(0, 3), 0), IndexError, "median"),
    (lambda: torch.mode(torch.ones(0)), IndexError, "mode"),
    (lambda: torch.bincount(t([0, -1])), RuntimeError, "bincount"),
    (lambda: torch.bincount(t([0., 1.])), RuntimeError, "bincount"),
    (lambda: torch.histc(t([1., 2.]), bins=0), RuntimeError, "histc"),
    (lambda: torch.histc(t([1., 2.]), min=3, max=1), RuntimeError, "histc"),
    (lambda: torch.searchsorted(t([1.]), t([1.]), side="middle"), RuntimeError, "searchsorted"),
    (lambda: torch.bucketize(t([1.]), t([[1.]])), RuntimeError, "bucketize"),
    (lambda: torch.multinomial(t([.5, .5]), 3), RuntimeError, "multinomial"),
    (lambda: torch.multinomial(t([-1., 1.]), 1), RuntimeError, "multinomial"),
    (lambda: torch.multinomial(t([0., 0.]), 1), RuntimeError, "multinomial"),
    (lambda: torch.bernoulli(t([1.5])), RuntimeError, "bernoulli"),
    (lambda: torch.nanmean(t([1, 2])), RuntimeError, "nanmean"),
    (lambda: torch.repeat_interleave(t([1, 2]), t([1, -1])), RuntimeError, "repeat_interleave"),
    (lambda: torch.repeat_interleave(t([1, 2]), t([1, 2, 3])), RuntimeError, "repeat_interleave"),
    (lambda: torch.dstack([]), RuntimeError, "dstack"),
    (lambda: torch.topk([1., 2.], 1), TypeError, "topk"),
])
def test_errors_name_the_op(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


def test_multinomial_reproducible_and_sane():
    p = t([0.1, 0.6, 0.3])
    torch.manual_seed(3)
    a = torch.multinomial(p, 4000, replacement=True)
    torch.manual_seed(3)
    b = torch.multinomial(p, 4000, replacement=True)
    assert a.dtype == np.int64 and a.shape == (4000,) and a.tolist() == b.tolist()
    freq = np.bincount(a.numpy(), minlength=3) / 4000
    np.testing.assert_allclose(freq, [0.1, 0.6, 0.3], atol=0.04)
    g = torch.Generator().manual_seed(1)
    rows = torch.multinomial(torch.ones(50, 5), 5, generator=g)
    assert rows.shape == (50, 5)
    assert all(sorted(r) == [0, 1, 2, 3, 4] for r in rows.tolist())   # a permutation per row
    firsts = torch.multinomial(t([0.9, 0.1]).expand(2000, 2).contiguous(), 1).numpy()
    assert 0.85 < (firsts == 0).mean() < 0.95
    assert torch.multinomial(t([0., 1., 0.]), 2).tolist()[0] == 1


def test_bernoulli_reproducible_sane_and_zero_gradient():
    p = torch.full((4000,), 0.3, requires_grad=True)
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    a, b = torch.bernoulli(p, generator=g1), torch.bernoulli(p, generator=g2)
    assert a.dtype == np.float32 and a.tolist() == b.tolist()
    assert set(np.unique(a.detach().numpy())) <= {0.0, 1.0}
    assert abs(a.detach().numpy().mean() - 0.3) < 0.04
    a.sum().backward()
    assert np.all(p.grad.numpy() == 0)
    assert torch.bernoulli(torch.ones(3), p=0.0).tolist() == [0., 0., 0.]
    z = torch.zeros(2, 3)
    z.bernoulli_(t([1., 0., 1.]))
    assert z.tolist() == [[1., 0., 1.], [1., 0., 1.]]
    torch.manual_seed(0)
    x = torch.zeros(3, dtype=torch.int64).bernoulli_(0.5)
    assert x.dtype == np.int64
    with pytest.raises(RuntimeError, match="bernoulli_"):
        torch.zeros(3).bernoulli_(1.5)


def test_nansum_nanmean_and_gradients():
    x = t([1., float("nan"), 2.], requires_grad=True)
    assert torch.nansum(x).item() == 3.0
    m = x.nanmean()
    assert m.item() == 1.5
    m.backward()
    np.testing.assert_allclose(x.grad.numpy(), [.5, 0, .5])
    assert np.isnan(torch.nanmean(t([float("nan")])).item())
    assert torch.nansum(t([1, 2])).dtype == np.int64


def test_repeat_interleave_and_stacking():
    x = t([[1, 2], [3, 4]])
    assert torch.repeat_interleave(x, 2).tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
    assert x.repeat_interleave(t([1, 2]), dim=0).tolist() == [[1, 2], [3, 4], [3, 4]]
    assert torch.repeat_interleave(t([2, 0, 1])).tolist() == [0, 0, 2]
    assert torch.repeat_interleave(x, t([1, 2]), dim=0, output_size=3).shape == (3, 2)
    assert torch.dstack([torch.ones(2), torch.ones(2)]).shape == (1, 2, 2)
    assert torch.column_stack([torch.ones(2), torch.ones(2, 3)]).shape == (2, 4)
    assert torch.atleast_3d(torch.ones(3)).shape == (1, 3, 1)
    a, b = torch.atleast_2d(t(1.), torch.ones(3))
    assert a.shape == (1, 1) and b.shape == (1, 3)
    assert isinstance(torch.atleast_1d([t(1.)]), tuple)
