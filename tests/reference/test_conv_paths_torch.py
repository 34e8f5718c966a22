"""Issue 14's conv shapes (W8 DCGAN, W9 ResNet; batch cut to 4) through F.conv2d and
F.conv_transpose2d against torch: forward, grad-input, grad-weight, grad-bias, in float32
and float64, with the rule's own pick (pointwise where it applies)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn.functional as F  # noqa: E402

# (x shape, out channels, kernel, stride, padding, output_padding, transposed)
SHAPES = [
    ((4, 3, 32, 32), 32, 4, 2, 1, 0, False),
    ((4, 32, 16, 16), 64, 4, 2, 1, 0, False),
    ((4, 64, 8, 8), 128, 4, 2, 1, 0, False),
    ((4, 128, 4, 4), 1, 4, 1, 0, 0, False),
    ((4, 64, 1, 1), 128, 4, 1, 0, 0, True),
    ((4, 128, 4, 4), 64, 4, 2, 1, 0, True),
    ((4, 64, 8, 8), 32, 4, 2, 1, 0, True),
    ((4, 32, 16, 16), 3, 4, 2, 1, 0, True),
    ((4, 32, 32, 32), 64, 3, 2, 1, 0, False),
    ((4, 64, 16, 16), 128, 3, 2, 1, 0, False),
    ((4, 32, 32, 32), 64, 1, 2, 0, 0, False),
    ((4, 64, 16, 16), 128, 1, 2, 0, 0, False),
    ((3, 16, 7, 9), 8, 3, 3, 2, 2, True),     # stride 3, output_padding, odd sizes
    ((3, 8, 5, 6), 12, 1, 2, 0, 1, True),     # 1x1 transposed, stride 2
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs, cout, k, s, p, op, transposed", SHAPES)
def test_conv_paths_match_torch(xs, cout, k, s, p, op, transposed, dtype):
    rng = np.random.default_rng(sum(xs) + cout + k)
    x = rng.standard_normal(xs).astype(dtype)
    ws = (xs[1], cout, k, k) if transposed else (cout, xs[1], k, k)
    w = (rng.standard_normal(ws) / np.sqrt(xs[1] * k * k)).astype(dtype)
    b = rng.standard_normal(cout).astype(dtype)
    kw = dict(stride=s, padding=p, output_padding=op) if transposed else dict(stride=s, padding=p)

    xa, wa, ba = (autograd.tensor(a, requires_grad=True) for a in (x, w, b))
    ya = (F.conv_transpose2d if transposed else F.conv2d)(xa, wa, ba, **kw)
    gy = rng.standard_normal(tuple(ya.shape)).astype(dtype)
    ya.backward(autograd.tensor(gy))

    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tf = torch.nn.functional
    yt = (tf.conv_transpose2d if transposed else tf.conv2d)(xt, wt, bt, **kw)
    yt.backward(torch.tensor(gy))

    tol = dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    assert ya.dtype == dtype
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), **tol)
    for ours, theirs in ((xa, xt), (wa, wt), (ba, bt)):
        scale = max(1.0, float(np.abs(theirs.grad.numpy()).max()))
        np.testing.assert_allclose(ours.grad.numpy() / scale, theirs.grad.numpy() / scale, **tol)
