"""Float64 gradcheck of every layer w.r.t. its input and parameters on tiny sizes,
gradgradcheck where double backward is expected (fused cross-entropy included), and
the fused cross-entropy kernels against a NumPy reference."""
import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd.kernels import loss as K

RNG = np.random.default_rng(0)


def t64(*shape, scale=1.0, grad=True):
    return autograd.tensor(RNG.standard_normal(shape) * scale, requires_grad=grad)


LAYERS = [
    ("Linear", lambda: nn.Linear(3, 2), [(2, 3)]),
    ("Bilinear", lambda: nn.Bilinear(2, 3, 2), [(2, 2), (2, 3)]),
    ("Conv1d", lambda: nn.Conv1d(2, 2, 3, stride=2, padding=1), [(1, 2, 5)]),
    ("Conv2d", lambda: nn.Conv2d(2, 2, 2, groups=2), [(1, 2, 3, 3)]),
    ("ConvTranspose2d", lambda: nn.ConvTranspose2d(2, 1, 2, stride=2), [(1, 2, 2, 2)]),
    ("MaxPool2d", lambda: nn.MaxPool2d(2), [(1, 1, 4, 4)]),
    ("AvgPool1d", lambda: nn.AvgPool1d(2), [(1, 2, 4)]),
    ("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d(2), [(1, 1, 3, 3)]),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(2), [(4, 2)]),
    ("BatchNorm2d-eval", lambda: nn.BatchNorm2d(2).eval(), [(2, 2, 2, 2)]),
    ("LayerNorm", lambda: nn.LayerNorm(3), [(2, 3)]),
    ("GroupNorm", lambda: nn.GroupNorm(2, 4), [(2, 4, 2)]),
    ("GELU", lambda: nn.GELU(), [(2, 3)]),
    ("Softmax", lambda: nn.LogSoftmax(1), [(2, 3)]),
    ("ELU", lambda: nn.ELU(), [(2, 3)]),
]


@pytest.mark.parametrize("name,make,shapes", LAYERS, ids=[layer[0] for layer in LAYERS])
def test_layer_gradcheck(name, make, shapes):
    m = make().double()
    for p in m.parameters():  # make affine params non-trivial
        p.detach().numpy()[...] = RNG.standard_normal(p.shape)
    xs = [t64(*s) for s in shapes]
    params = list(m.parameters())
    if name == "MaxPool2d":  # keep window maxima well separated for finite differences
        xs[0].detach().numpy()[...] = RNG.permutation(16).reshape(1, 1, 4, 4) * 0.5
    n = len(xs)
    assert autograd.gradcheck(lambda *a: m(*a[:n]), (*xs, *params), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("xshape,bias", [((2, 3), True), ((2, 2, 3), True), ((3,), False)])
def test_fused_linear_gradcheck_and_gradgradcheck(xshape, bias):
    x, w = t64(*xshape), t64(2, 3)
    args = (x, w, t64(2)) if bias else (x, w)
    assert autograd.gradcheck(F.linear, args)
    assert autograd.gradgradcheck(F.linear, args)
    with pytest.raises(ValueError, match="bias of shape"):
        F.linear(x, w, t64(3))


def test_embedding_gradcheck():
    # (no padding_idx: its row's gradient is zeroed on purpose, which finite
    # differences cannot see; tests/reference checks that case against torch)
    m = nn.Embedding(5, 3).double()
    idx = autograd.tensor([[0, 1, 4], [4, 2, 0]])
    assert autograd.gradcheck(lambda w: m(idx), (m.weight,))


@pytest.mark.parametrize("ls", [0.0, 0.2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2)])
def test_cross_entropy_gradcheck_and_gradgradcheck(ls, reduction, shape):
    x = t64(*shape)
    tshape = (shape[0],) + shape[2:]
    t = autograd.tensor(RNG.integers(0, 3, tshape))
    t.numpy().flat[0] = -100
    w = autograd.tensor(RNG.random(3) + 0.5)

    def f(x):
        return F.cross_entropy(x, t, w, label_smoothing=ls, reduction=reduction)

    assert autograd.gradcheck(f, (x,))
    assert autograd.gradgradcheck(f, (x,))


def test_losses_gradgradcheck():
    x, y = t64(3, 2), t64(3, 2, grad=False)
    p = autograd.tensor(RNG.uniform(0.1, 0.9, (3, 2)), requires_grad=True)
    for f, inp in [(lambda a: F.mse_loss(a, y), x),
                   (lambda a: F.binary_cross_entropy_with_logits(a, y.sigmoid()), x),
                   (lambda a: F.binary_cross_entropy(a, y.sigmoid()), p),
                   (lambda a: F.nll_loss(a.log_softmax(1), autograd.tensor([0, 1, 1])), x),
                   (lambda a: F.cross_entropy(a, y.softmax(1), label_smoothing=0.1), x),
                   (lambda a: F.kl_div(a.log_softmax(1), y.softmax(1), reduction="batchmean"), x),
                   (lambda a: F.layer_norm(a, (2,)), x)]:
        assert autograd.gradcheck(f, (inp,))
        assert autograd.gradgradcheck(f, (inp,))


def _ce_reference(x, t, w, ignore, ls):
    """Log-softmax + NLL + label smoothing in plain NumPy (float64)."""
    x = x.astype(np.float64)
    logp = x - x.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    valid = t != ignore
    safe = np.where(valid, t, 0)
    c = x.shape[1]
    nll = -logp[np.arange(len(t)), safe] * w[safe]
    smooth = -(logp * w).sum(1)
    loss = np.where(valid, (1 - ls) * nll + ls / c * smooth, 0)
    return loss, np.where(valid, w[safe], 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ls", [0.0, 0.3])
def test_cross_entropy_kernels_vs_numpy(dtype, ls):
    x = (RNG.standard_normal((9, 5)) * 10).astype(dtype)
    t = RNG.integers(0, 5, 9)
    t[2] = 3
    t[4] = 7  # ignored
    w = (RNG.random(5) + 0.2).astype(dtype)
    loss, wrow, lse, bad = K.cross_entropy_forward(x, t, w, 7, ls)
    assert bad == -1
    rl, rw = _ce_reference(x, t, w, 7, ls)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(loss, rl, rtol=tol, atol=tol)
    np.testing.assert_allclose(wrow, rw, rtol=tol)
    t_bad = t.copy()
    t_bad[2] = 5  # rows 0 and 1 are valid, row 4 is ignored
    t_bad[5] = -1
    assert K.cross_entropy_forward(x, t_bad, w, 7, ls)[3] == 2  # first bad row
    grow = RNG.standard_normal(9).astype(dtype)
    gx = K.cross_entropy_backward(x, t, w, 7, ls, lse, grow)
    # reference gradient by central differences of sum(grow * loss) in float64
    x64, eps = x.astype(np.float64), 1e-6
    num = np.zeros_like(x64)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            xp, xm = x64.copy(), x64.copy()
            xp[i, j] += eps
            xm[i, j] -= eps
            num[i, j] = (grow @ _ce_reference(xp, t, w.astype(np.float64), 7, ls)[0] -
                         grow @ _ce_reference(xm, t, w.astype(np.float64), 7, ls)[0]) / (2 * eps)
    np.testing.assert_allclose(gx, num, rtol=1e-4, atol=1e-4 if dtype == np.float32 else 1e-7)


@pytest.mark.parametrize("ls", [0.0, 0.2])
def test_cross_entropy_kernels_row_blocks_agree_with_one_block(monkeypatch, ls):
    # N * C above BLOCK_ELEMENTS splits the rows into blocks; the result must not change
    x = RNG.standard_normal((37, 11)).astype(np.float32)
    t = RNG.integers(0, 11, 37)
    t[5] = -100
    w = (RNG.random(11) + 0.5).astype(np.float32)
    grow = RNG.standard_normal(37).astype(np.float32)
    whole = K.cross_entropy_forward(x, t, w, -100, ls)
    g_whole = K.cross_entropy_backward(x, t, w, -100, ls, whole[2], grow)
    monkeypatch.setattr(K, "BLOCK_ELEMENTS", 30)  # 2 rows per block, a short last block
    blocked = K.cross_entropy_forward(x, t, w, -100, ls)
    for a, b in zip(whole[:3], blocked[:3]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(g_whole, K.cross_entropy_backward(x, t, w, -100, ls,
                                                                     blocked[2], grow))


def test_cross_entropy_ignored_rows_with_inf_logits_get_zero_gradient_silently():
    x = np.array([[np.inf, 0.0, 1.0], [0.5, -1.0, 2.0], [np.nan, 1e30, -np.inf]], np.float32)
    t = np.array([-100, 2, -100])
    w = np.ones(3, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, wrow, lse, bad = K.cross_entropy_forward(x, t, w, -100, 0.0)
        gx = K.cross_entropy_backward(x, t, w, -100, 0.0, lse, np.ones(3, np.float32))
    assert bad == -1 and loss[0] == 0 and loss[2] == 0 and np.isfinite(loss[1])
    np.testing.assert_array_equal(gx[[0, 2]], 0)
    assert np.isfinite(gx[1]).all() and abs(gx[1].sum()) < 1e-6


def test_cross_entropy_fast_and_graph_backward_agree():
    x = t64(6, 4)
    t = autograd.tensor(RNG.integers(0, 4, 6))
    (g_fast,) = autograd.grad(F.cross_entropy(x, t, label_smoothing=0.1), x)
    (g_graph,) = autograd.grad(F.cross_entropy(x, t, label_smoothing=0.1), x, create_graph=True)
    assert g_graph.requires_grad
    np.testing.assert_allclose(g_fast.numpy(), g_graph.detach().numpy(), atol=1e-14)


def test_cross_entropy_errors():
    x = autograd.randn(3, 4)
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        F.cross_entropy(x, autograd.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match=r"expected target of shape \(3,\)"):
        F.cross_entropy(x, autograd.tensor([0, 1]))
    with pytest.raises(ValueError, match="weight must have shape"):
        F.cross_entropy(x, autograd.tensor([0, 1, 2]), autograd.ones(3))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, autograd.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, autograd.tensor([0, 1, 2]), label_smoothing=1.5)
    all_ignored = F.cross_entropy(x, autograd.tensor([-100, -100, -100]))
    assert np.isnan(all_ignored.item())


def test_dropout_statistics_and_modes():
    autograd.manual_seed(0)
    x = autograd.ones(200, 50)
    d = nn.Dropout(0.3)
    y = d(x).numpy()
    assert abs((y == 0).mean() - 0.3) < 0.02
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    d.eval()
    assert d(x) is x
    d2 = nn.Dropout2d(0.5)
    y2 = d2(autograd.ones(4, 30, 3, 3)).numpy()
    per_channel = y2.reshape(4, 30, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel != 0).all(-1))
    with pytest.raises(ValueError):
        nn.Dropout(1.5)
    xg = autograd.ones(10, requires_grad=True)
    nn.Dropout(0.5)(xg).sum().backward()
    assert set(np.unique(xg.grad.numpy())) <= {0.0, 2.0}


def test_batchnorm_momentum_none_is_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    xs = [RNG.standard_normal((5, 2)) + i for i in range(3)]
    for x in xs:
        bn(autograd.tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([x.mean(0) for x in xs], 0))
    # running_var starts at 1 and is the cumulative average of unbiased batch variances
    expected_var = sum(x.var(0, ddof=1) for x in xs) / 3
    np.testing.assert_allclose(bn.running_var.numpy(), expected_var)
    assert int(bn.num_batches_tracked.item()) == 3
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(2)(autograd.randn(3, 2))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(2)(autograd.randn(1, 2))


def test_shape_errors_name_the_layer():
    with pytest.raises(ValueError, match="linear: input of shape"):
        nn.Linear(3, 2)(autograd.randn(4, 5))
    with pytest.raises(ValueError, match="Conv2d: expected input with 3 channels"):
        nn.Conv2d(3, 2, 3)(autograd.randn(1, 4, 5, 5))
    with pytest.raises(ValueError, match="layer_norm"):
        nn.LayerNorm(4)(autograd.randn(2, 3))
    with pytest.raises(IndexError, match="embedding: index out of range"):
        nn.Embedding(3, 2)(autograd.tensor([3]))
