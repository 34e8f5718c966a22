"""Conv and pool kernels against torch.nn.functional (CPU, float64 and float32)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")
F = torch.nn.functional

from autograd.kernels import conv as K  # noqa: E402
from autograd.kernels import pool as P  # noqa: E402

# (N, C, H, W, O, KH, KW, stride, padding, dilation, groups)
CONV_CASES = [
    (2, 3, 7, 9, 4, 3, 3, (1, 1), (1, 1), (1, 1), 1),
    (1, 4, 8, 5, 6, 2, 3, (2, 1), (0, 1), (1, 2), 2),
    (3, 6, 6, 7, 6, 3, 3, (1, 2), (1, 1), (1, 1), 6),
    (2, 4, 5, 5, 8, 1, 1, (1, 1), (0, 0), (1, 1), 4),
    (2, 3, 1, 11, 5, 1, 4, (1, 2), (0, 2), (1, 2), 1),
    (1, 2, 9, 10, 3, 2, 2, (3, 4), (0, 0), (1, 1), 1),
    (2, 16, 9, 8, 12, 3, 3, (2, 2), (1, 2), (1, 1), 4),
    (2, 8, 10, 10, 8, 5, 5, (1, 1), (2, 2), (1, 1), 1),
    (2, 8, 9, 7, 6, 3, 3, (1, 1), (2, 0), (1, 1), 1),     # winograd: pad 2 / 0, odd sizes
    (3, 64, 6, 5, 64, 3, 3, (1, 1), (1, 1), (1, 1), 1),   # winograd by the rule's own choice
    (2, 3, 8, 8, 5, 4, 4, (2, 2), (1, 1), (1, 1), 1),     # winograd_s2: DCGAN's 4x4 stride 2
    (3, 4, 9, 7, 6, 4, 4, (2, 2), (2, 0), (1, 1), 1),     # winograd_s2: odd sizes, pads 2 / 0
    (2, 16, 10, 10, 32, 4, 4, (2, 2), (1, 1), (1, 1), 1),  # winograd_s2 by the rule's choice
]


def _tol(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("algorithm", ["gemm", "direct", "winograd", "winograd_s2", "pointwise"])
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_vs_torch(case, algorithm, dtype, monkeypatch):
    monkeypatch.setattr(K.rule, "choose_algorithm", lambda *a: algorithm)
    N, C, H, W, O, KH, KW, stride, padding, dilation, groups = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((O, C // groups, KH, KW)).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    yt = F.conv2d(xt, wt, None, stride, padding, dilation, groups)
    gy = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    yt.backward(torch.tensor(gy))
    y = K.conv2d_forward(x, w, stride, padding, dilation, groups)
    np.testing.assert_allclose(y, yt.detach().numpy(), **_tol(dtype))
    gx = K.conv2d_backward_input(gy, w, x.shape, stride, padding, dilation, groups)
    np.testing.assert_allclose(gx, xt.grad.numpy(), **_tol(dtype))
    gw = K.conv2d_backward_weight(x, gy, w.shape, stride, padding, dilation, groups)
    np.testing.assert_allclose(gw, wt.grad.numpy(), **_tol(dtype))
    # backward-input is conv_transpose2d; output_padding selects H, W among the candidates
    OH, OW = gy.shape[2:]
    op = tuple(n + 2 * p - ((o - 1) * s + d * (k - 1) + 1)
               for n, p, o, s, d, k in zip((H, W), padding, (OH, OW), stride, dilation, (KH, KW)))
    if all(o < max(s, d) for o, s, d in zip(op, stride, dilation)):  # torch's own constraint
        ct = F.conv_transpose2d(torch.tensor(gy), torch.tensor(w), None, stride, padding, op,
                                groups, dilation)
        np.testing.assert_allclose(gx, ct.numpy(), **_tol(dtype))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_asymmetric_same_padding_vs_torch():
    # padding='same' with an even kernel: PyTorch pads total//2 before and the rest after.
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 8))
    w = rng.standard_normal((4, 3, 2, 4))
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yt = F.conv2d(xt, wt, padding="same", dilation=(1, 2))
    gy = rng.standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(gy))
    pad = []
    for k, d in zip((2, 4), (1, 2)):
        total = d * (k - 1)
        pad += [total // 2, total - total // 2]
    y = K.conv2d_forward(x, w, (1, 1), tuple(pad), (1, 2), 1)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(K.conv2d_backward_input(gy, w, x.shape, (1, 1), tuple(pad), (1, 2), 1),
                               xt.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(K.conv2d_backward_weight(x, gy, w.shape, (1, 1), tuple(pad), (1, 2), 1),
                               wt.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", CONV_CASES)
def test_unfold_fold_vs_torch(case):
    N, C, H, W, _, KH, KW, stride, padding, dilation, _ = case
    x = np.random.default_rng(2).standard_normal((N, C, H, W))
    u = K.im2col(x, (KH, KW), dilation, padding, stride)
    ut = F.unfold(torch.tensor(x), (KH, KW), dilation, padding, stride)
    np.testing.assert_array_equal(u, ut.numpy())
    c = np.random.default_rng(3).standard_normal(u.shape)
    f = K.col2im(c, (H, W), (KH, KW), dilation, padding, stride)
    ft = F.fold(torch.tensor(c), (H, W), (KH, KW), dilation, padding, stride)
    np.testing.assert_allclose(f, ft.numpy(), rtol=1e-12, atol=1e-12)


MAX_CASES = [
    (7, 9, (3, 3), (2, 2), (1, 1), (1, 1), True),
    (8, 5, (2, 3), (2, 1), (1, 1), (2, 1), False),
    (11, 4, (3, 2), (3, 3), (1, 1), (1, 1), True),
    (5, 5, (3, 3), (1, 1), (1, 1), (2, 2), True),
    (1, 13, (1, 4), (1, 3), (0, 2), (1, 1), True),
    (26, 26, (2, 2), (2, 2), (0, 0), (1, 1), False),
    (1, 3, (2, 1), (1, 1), (1, 0), (2, 1), False),    # windows wholly in the padding
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", MAX_CASES)
def test_max_pool2d_vs_torch(case, dtype):
    H, W, k, s, p, d, cm = case
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, H, W)).round(1).astype(dtype)  # rounding makes ties
    x[0, 0, 0, 0] = np.nan
    x[1, 2, -1, -1] = np.nan
    xt = torch.tensor(x, requires_grad=True)
    yt, it = F.max_pool2d(xt, k, s, p, d, ceil_mode=cm, return_indices=True)
    y, idx = P.max_pool2d_forward(x, k, s, p, d, cm)
    np.testing.assert_array_equal(y, yt.detach().numpy())
    # a window wholly in the padding has no defined index in torch (its value is arbitrary
    # memory, which made this test flaky): compare indices only where a value was selected
    chosen = ~np.isneginf(y)
    np.testing.assert_array_equal(idx[chosen], it.numpy()[chosen])
    if not chosen.all() or idx.max() >= H * W:
        return  # a window wholly in the padding: torch's own backward aborts on its index
    gy = rng.standard_normal(y.shape).astype(dtype)
    yt.backward(torch.tensor(gy))
    np.testing.assert_allclose(P.max_pool2d_backward(gy, idx, (H, W)), xt.grad.numpy(), **_tol(dtype))
    # the same scatter is max_unpool2d
    if k[0] <= s[0] and k[1] <= s[1] and d == (1, 1) and not cm:  # non-overlapping windows
        un = F.max_unpool2d(torch.tensor(gy), it, k, s, p, output_size=(H, W))
        np.testing.assert_allclose(P.max_pool2d_backward(gy, idx, (H, W)), un.numpy(), **_tol(dtype))


AVG_CASES = [
    (7, 9, (3, 3), (2, 2), (1, 1), True),
    (7, 9, (3, 3), (2, 2), (1, 1), False),
    (8, 5, (2, 3), (2, 1), (1, 1), False),
    (11, 4, (3, 2), (3, 3), (1, 1), True),
    (5, 6, (5, 4), (2, 3), (2, 2), True),
    (1, 13, (1, 4), (1, 3), (0, 2), True),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("divisor_override", [None, 5])
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("case", AVG_CASES)
def test_avg_pool2d_vs_torch(case, count_include_pad, divisor_override, dtype):
    H, W, k, s, p, cm = case
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, H, W)).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    yt = F.avg_pool2d(xt, k, s, p, cm, count_include_pad, divisor_override)
    args = (k, s, p, cm, count_include_pad, divisor_override)
    y = P.avg_pool2d_forward(x, *args)
    np.testing.assert_allclose(y, yt.detach().numpy(), **_tol(dtype))
    gy = rng.standard_normal(y.shape).astype(dtype)
    yt.backward(torch.tensor(gy))
    np.testing.assert_allclose(P.avg_pool2d_backward(gy, (H, W), *args), xt.grad.numpy(), **_tol(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", [(7, 9, (3, 4)), (5, 5, (5, 5)), (4, 6, (7, 3)), (10, 3, (1, 1)),
                                  (13, 11, (4, 5))])
def test_adaptive_pools_vs_torch(case, dtype):
    H, W, out = case
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, H, W)).round(1).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    yt = F.adaptive_avg_pool2d(xt, out)
    y = P.adaptive_avg_pool2d_forward(x, out)
    np.testing.assert_allclose(y, yt.detach().numpy(), **_tol(dtype))
    gy = rng.standard_normal(y.shape).astype(dtype)
    yt.backward(torch.tensor(gy))
    np.testing.assert_allclose(P.adaptive_avg_pool2d_backward(gy, (H, W)), xt.grad.numpy(), **_tol(dtype))

    xt = torch.tensor(x, requires_grad=True)
    ymt, it = F.adaptive_max_pool2d(xt, out, return_indices=True)
    ym, idx = P.adaptive_max_pool2d_forward(x, out)
    np.testing.assert_array_equal(ym, ymt.detach().numpy())
    np.testing.assert_array_equal(idx, it.numpy())
    ymt.backward(torch.tensor(gy))
    np.testing.assert_allclose(P.max_pool2d_backward(gy, idx, (H, W)), xt.grad.numpy(), **_tol(dtype))
