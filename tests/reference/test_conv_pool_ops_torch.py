"""conv/pool ops against torch.nn.functional: forward and every input gradient."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")
TF = torch.nn.functional
rng = np.random.default_rng(1)


def _compare(ours, theirs, *arrays, rtol=1e-7, atol=1e-9):
    xs = [autograd.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    yo, yt = ours(*xs), theirs(*ts)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    g = rng.standard_normal(tuple(yt.shape))
    yo.backward(autograd.tensor(g))
    yt.backward(torch.tensor(g))
    for x, tt in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), tt.grad.numpy(), rtol=rtol, atol=atol)


X = rng.standard_normal((2, 4, 9, 8))


@pytest.mark.parametrize("kw", [
    dict(stride=1, padding=0, dilation=1, groups=1),
    dict(stride=2, padding=1, dilation=2, groups=2),
    dict(stride=(2, 1), padding=(0, 2), dilation=1, groups=4),
    dict(stride=1, padding="same", dilation=(1, 2), groups=1),
    dict(stride=1, padding="valid", dilation=1, groups=2),
])
def test_conv2d(kw):
    w = rng.standard_normal((8, 4 // kw["groups"], 3, 2))
    b = rng.standard_normal(8)
    _compare(lambda x, w, b: autograd.conv2d(x, w, b, **kw),
             lambda x, w, b: TF.conv2d(x, w, b, **kw), X, w, b)


@pytest.mark.parametrize("kw", [dict(stride=1), dict(stride=2, padding=2, dilation=2, groups=2),
                                dict(padding="same")])
def test_conv1d(kw):
    x, w = rng.standard_normal((3, 4, 13)), rng.standard_normal((6, 4 // kw.get("groups", 1), 5))
    _compare(lambda x, w: autograd.conv1d(x, w, **kw), lambda x, w: TF.conv1d(x, w, **kw), x, w)


@pytest.mark.parametrize("kw", [dict(stride=2, padding=1, output_padding=1),
                                dict(stride=3, groups=2, dilation=2), dict()])
def test_conv_transpose2d(kw):
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(3 * kw.get("groups", 1))
    _compare(lambda x, w, b: autograd.conv_transpose2d(x, w, b, **kw),
             lambda x, w, b: TF.conv_transpose2d(x, w, b, **kw), X[:, :, :4, :5], w, b)


def test_conv_transpose1d():
    x, w = rng.standard_normal((2, 4, 6)), rng.standard_normal((4, 2, 3))
    _compare(lambda x, w: autograd.conv_transpose1d(x, w, stride=2, padding=1, output_padding=1),
             lambda x, w: TF.conv_transpose1d(x, w, stride=2, padding=1, output_padding=1), x, w)


@pytest.mark.parametrize("ours,theirs", [
    (lambda x: autograd.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2)),
    (lambda x: autograd.max_pool2d(x, 3, 2, 1, 2, ceil_mode=True),
     lambda x: TF.max_pool2d(x, 3, 2, 1, 2, ceil_mode=True)),
    (lambda x: autograd.avg_pool2d(x, 3, 2, 1), lambda x: TF.avg_pool2d(x, 3, 2, 1)),
    (lambda x: autograd.avg_pool2d(x, 3, 2, 1, True, False),
     lambda x: TF.avg_pool2d(x, 3, 2, 1, True, False)),
    (lambda x: autograd.avg_pool2d(x, 2, divisor_override=3),
     lambda x: TF.avg_pool2d(x, 2, divisor_override=3)),
    (lambda x: autograd.adaptive_avg_pool2d(x, (4, 3)), lambda x: TF.adaptive_avg_pool2d(x, (4, 3))),
    (lambda x: autograd.adaptive_max_pool2d(x, (4, 3)), lambda x: TF.adaptive_max_pool2d(x, (4, 3))),
    (lambda x: autograd.max_pool1d(x.flatten(2), 4, 3, 1), lambda x: TF.max_pool1d(x.flatten(2), 4, 3, 1)),
    (lambda x: autograd.avg_pool1d(x.flatten(2), 4, 3, 1), lambda x: TF.avg_pool1d(x.flatten(2), 4, 3, 1)),
    (lambda x: autograd.adaptive_avg_pool1d(x.flatten(2), 5),
     lambda x: TF.adaptive_avg_pool1d(x.flatten(2), 5)),
    (lambda x: autograd.unfold(x, (2, 3), 2, 1, 2), lambda x: TF.unfold(x, (2, 3), 2, 1, 2)),
])
def test_pooling_and_unfold(ours, theirs):
    _compare(ours, theirs, X)


def test_max_pool_indices_and_fold():
    y, idx = autograd.max_pool2d(autograd.tensor(X), 3, 2, 1, return_indices=True)
    yt, it = TF.max_pool2d(torch.tensor(X), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), it.numpy())
    cols = rng.standard_normal((2, 4 * 6, 8))
    _compare(lambda c: autograd.fold(c, (5, 6), (2, 3), stride=(2, 1)),
             lambda c: TF.fold(c, (5, 6), (2, 3), stride=(2, 1)), cols)
