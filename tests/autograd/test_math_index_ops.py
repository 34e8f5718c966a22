"""Issue 12 ops without torch: gradients where the specs cannot reach (src larger than
index, windows, strided reads), in-place/no-grad semantics, defaults and errors."""
import numpy as np
import pytest

import autograd
from autograd import gradcheck, gradgradcheck


def _leaf(shape, seed=0, lo=-2.0, hi=2.0):
    rng = np.random.default_rng(seed)
    return autograd.tensor(rng.uniform(lo, hi, shape), requires_grad=True)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_src_larger_than_index_gradients(reduce, include_self):
    idx = autograd.tensor([[0, 1, 0], [2, 2, 0]])
    x, s = _leaf((3, 3), 1, 0.5, 2.0), _leaf((3, 5), 2, 0.5, 2.0)

    def f(a, b):
        return autograd.scatter_reduce(a, 0, idx, b, reduce, include_self=include_self)
    assert gradcheck(f, (x, s))
    assert gradgradcheck(f, (x, s))


def test_scatter_reduce_prod_with_zeros_gradient():
    x = autograd.tensor([[0.0, 2.0], [3.0, 0.0]], dtype=autograd.float64, requires_grad=True)
    s = autograd.tensor([[0.0, 5.0], [2.0, 1.5]], dtype=autograd.float64, requires_grad=True)
    idx = autograd.tensor([[0, 1], [0, 1]])
    out = autograd.scatter_reduce(x, 0, idx, s, "prod")
    gx, gs = autograd.grad(out.sum(), [x, s])
    # out[0, 0] = x00 * s00 * s10 (two zeros: every gradient 0); out[1, 1] = x11 * s01 * s11
    # (one zero, x11: it gets 5 * 1.5, the others 0); x01 and x10 are untouched (gradient 1)
    np.testing.assert_allclose(gx.numpy(), [[0.0, 1.0], [1.0, 7.5]])
    np.testing.assert_allclose(gs.numpy(), [[0.0, 0.0], [0.0, 0.0]])
    s2 = autograd.tensor([[4.0, 5.0], [2.0, 1.5]], dtype=autograd.float64, requires_grad=True)
    x2 = autograd.tensor([[1.0, 2.0], [3.0, 0.0]], dtype=autograd.float64, requires_grad=True)
    out = autograd.scatter_reduce(x2, 0, idx, s2, "prod")
    gx, gs = autograd.grad(out.sum(), [x2, s2])
    np.testing.assert_allclose(gs.numpy(), [[2.0, 0.0], [4.0, 0.0]])


def test_unfold_gradients_and_shapes():
    x = _leaf((3, 8))
    assert x.unfold(1, 3, 2).shape == (3, 3, 3)
    assert x.unfold(0, 2, 1).shape == (2, 8, 2)
    assert gradcheck(lambda t: t.unfold(1, 3, 2), (x,))
    assert gradgradcheck(lambda t: t.unfold(1, 4, 1), (x,))
    assert autograd.tensor(2.0).unfold(0, 1, 1).shape == (1,)


def test_as_strided_gradient_accumulates_overlaps():
    x = _leaf((6,))
    out = x.as_strided((3, 2), (1, 1))
    np.testing.assert_array_equal(out.detach().numpy(), x.detach().numpy()[[[0, 1], [1, 2], [2, 3]]])
    (g,) = autograd.grad(out.sum(), [x])
    np.testing.assert_array_equal(g.numpy(), [1, 2, 2, 1, 0, 0])
    assert gradcheck(lambda t: t.as_strided((2, 2), (2, 1), 1), (x,))
    with pytest.raises(RuntimeError, match="as_strided"):
        x.as_strided((4,), (2,))


def test_resize_keeps_prefix_and_zero_fills():
    x = autograd.arange(4.0)
    v = x._version
    x.resize_(6)
    np.testing.assert_array_equal(x.numpy(), [0, 1, 2, 3, 0, 0])
    assert x._version > v
    with pytest.raises(RuntimeError, match="require grad"):
        _leaf((2,)).resize_(3)


def test_random_fills_use_the_engine_generator():
    g = autograd.Generator().manual_seed(5)
    a = autograd.zeros(10).random_(0, 100, generator=g).numpy().copy()
    g.manual_seed(5)
    b = autograd.zeros(10).random_(0, 100, generator=g).numpy()
    np.testing.assert_array_equal(a, b)
    with pytest.raises(RuntimeError, match="random_"):
        autograd.zeros(2).random_(3, 3)
    with pytest.raises(RuntimeError, match="exponential_"):
        autograd.zeros(2).exponential_(0.0)
    with pytest.raises(RuntimeError):
        _leaf((2,)).exponential_()


def test_nan_to_num_defaults_follow_dtype():
    for dt in (autograd.float32, autograd.float64, autograd.float16):
        x = autograd.tensor([float("nan"), float("inf"), -float("inf")], dtype=dt)
        out = autograd.nan_to_num(x).numpy()
        info = np.finfo(out.dtype)
        np.testing.assert_array_equal(out, [0, info.max, info.min])
    x = _leaf((3,))
    y = autograd.nan_to_num(autograd.log(x))
    (g,) = autograd.grad(y.sum(), [x])
    xv = x.detach().numpy()
    np.testing.assert_allclose(g.numpy(), np.where(xv > 0, 1 / xv, 0.0))


def test_index_fill_negative_and_duplicate_indices_fill_once():
    x = autograd.zeros(2, 3, dtype=autograd.float64)
    v = autograd.tensor(2.0, dtype=autograd.float64, requires_grad=True)
    out = autograd.index_fill(x, 1, autograd.tensor([-1, 2, 0]), v)
    np.testing.assert_array_equal(out.detach().numpy(), [[2, 0, 2], [2, 0, 2]])
    (g,) = autograd.grad(out.sum(), [v])
    assert float(g) == 4.0


def test_einsum_ellipsis_diagonal_and_broadcast():
    a = _leaf((2, 3, 3))
    b = _leaf((1, 3))
    for eq, ops in [("...ii->...i", (a,)), ("bii,bi->b", (a, b)), ("...ij,...j", (a, b)),
                    ("bij,kj->bik", (a, b))]:
        want = np.einsum(eq, *[t.detach().numpy() for t in ops])
        np.testing.assert_allclose(autograd.einsum(eq, *ops).detach().numpy(), want)
        assert gradcheck(lambda *t, eq=eq: autograd.einsum(eq, *t), ops)
        assert gradgradcheck(lambda *t, eq=eq: autograd.einsum(eq, *t), ops)
    with pytest.raises(RuntimeError, match="repeated"):
        autograd.einsum("ii", autograd.ones(2, 3))
    with pytest.raises(RuntimeError, match="output subscript"):
        autograd.einsum("ij->k", autograd.ones(2, 3))


def test_cdist_zero_distance_gradient_is_zero_and_p0_counts():
    x = _leaf((3, 2))
    d = autograd.cdist(x, x)
    (g,) = autograd.grad(d.trace(), [x])
    np.testing.assert_array_equal(g.numpy(), 0)
    y = autograd.tensor([[0.0, 1.0], [2.0, 1.0]])
    np.testing.assert_array_equal(autograd.cdist(y, y, p=0).numpy(), [[0, 1], [1, 0]])


def test_diagonal_is_a_copy_and_methods_exist():
    x = autograd.arange(9.0).reshape(3, 3)
    d = x.diagonal()
    d[0] = 100.0
    assert float(x[0, 0]) == 0.0  # documented: ours copies where torch gives a view
    assert float(x.trace()) == 12.0
    assert x.diag(1).tolist() == [1.0, 5.0]
    assert x.swapdims(0, 1).tolist() == x.T.tolist()
    assert x.moveaxis(0, 1).tolist() == x.T.tolist()


def test_addmm_family_beta_zero_ignores_nan_input():
    nan = autograd.full((2, 2), float("nan"))
    out = autograd.addbmm(nan, autograd.ones(3, 2, 4), autograd.ones(3, 4, 2), beta=0)
    np.testing.assert_array_equal(out.numpy(), 12)
    with pytest.raises(autograd.ShapeError):
        autograd.addmv(autograd.ones(3), autograd.ones(2, 2), autograd.ones(2))
