"""conv/pool ops: forward against plain NumPy references, float64 gradcheck and
gradgradcheck over strides, paddings, dilations, groups, ceil_mode; named errors."""
import numpy as np
import pytest

import autograd
from autograd.kernels.conv import im2col

D = autograd.float64
rng = np.random.default_rng(0)


def t(*shape):
    return autograd.tensor(rng.standard_normal(shape), dtype=D, requires_grad=True)


def ref_conv2d(x, w, stride, pad, dil, groups):
    N, C, H, W = x.shape
    Cout, Cg, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    OH = (H + 2 * pad[0] - dil[0] * (KH - 1) - 1) // stride[0] + 1
    OW = (W + 2 * pad[1] - dil[1] * (KW - 1) - 1) // stride[1] + 1
    y = np.zeros((N, Cout, OH, OW))
    og = Cout // groups
    for n in range(N):
        for o in range(Cout):
            g = o // og
            for i in range(OH):
                for j in range(OW):
                    patch = xp[n, g * Cg:(g + 1) * Cg,
                               i * stride[0]:i * stride[0] + dil[0] * (KH - 1) + 1:dil[0],
                               j * stride[1]:j * stride[1] + dil[1] * (KW - 1) + 1:dil[1]]
                    y[n, o, i, j] = (patch * w[o]).sum()
    return y


CONV_CASES = [  # x shape, w shape, stride, padding, dilation, groups
    ((2, 3, 6, 5), (4, 3, 3, 2), (1, 1), (0, 0), (1, 1), 1),
    ((1, 4, 7, 7), (4, 2, 3, 3), (2, 1), (1, 2), (1, 2), 2),
    ((2, 3, 5, 5), (3, 1, 3, 3), (1, 1), (1, 1), (1, 1), 3),   # depthwise
    ((1, 1, 4, 6), (2, 1, 1, 1), (2, 3), (0, 0), (1, 1), 1),   # 1x1, strided
]


@pytest.mark.parametrize("xs,ws,s,p,d,g", CONV_CASES)
def test_conv2d_forward_matches_reference(xs, ws, s, p, d, g):
    x, w = t(*xs), t(*ws)
    y = autograd.conv2d(x, w, None, s, p, d, g)
    np.testing.assert_allclose(y.detach().numpy(), ref_conv2d(x._data, w._data, s, p, d, g),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("xs,ws,s,p,d,g", CONV_CASES[:3])
def test_conv2d_gradcheck_and_gradgradcheck(xs, ws, s, p, d, g):
    x, w, b = t(1, *xs[1:]), t(*ws), t(ws[0])
    f = lambda x, w, b: autograd.conv2d(x, w, b, s, p, d, g)  # noqa: E731
    assert autograd.gradcheck(f, (x, w, b))
    assert autograd.gradgradcheck(f, (x, w, b))


@pytest.mark.parametrize("xs,ws,s,p,d,g", [((2, 8, 6, 6), (8, 8, 3, 3), (1, 1), (1, 1), (1, 1), 1),
                                            CONV_CASES[0], CONV_CASES[-1]])
def test_conv2d_fused_bias_matches_separate_add(xs, ws, s, p, d, g):
    # conv2d adds a [O] bias inside the kernel (taps, gemm, direct paths); it must equal
    # the unfused conv + broadcast add, values and gradients.
    x, w, b = t(*xs), t(*ws), t(ws[0])
    y = autograd.conv2d(x, w, b, s, p, d, g)
    y_ref = autograd.conv2d(x, w, None, s, p, d, g) + b.reshape(1, -1, 1, 1)
    np.testing.assert_allclose(y.detach().numpy(), y_ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    gy = autograd.tensor(rng.standard_normal(y.shape), dtype=D)
    g1 = autograd.grad(y, (x, w, b), gy)
    g2 = autograd.grad(y_ref, (x, w, b), gy)
    for a, r in zip(g1, g2):
        np.testing.assert_allclose(a.numpy(), r.numpy(), rtol=1e-12, atol=1e-12)


def test_conv1d_and_same_padding():
    x, w, b = t(2, 2, 7), t(3, 2, 4), t(3)
    y = autograd.conv1d(x, w, b, padding="same")
    assert y.shape == (2, 3, 7)
    ref = ref_conv2d(x._data[:, :, None], w._data[:, :, None], (1, 1), (0, 0), (1, 1), 1)
    full = autograd.conv1d(autograd.pad(x, (1, 2)), w, b)  # PyTorch pads total//2 before
    np.testing.assert_allclose(y.detach().numpy(), full.detach().numpy(), atol=1e-12)
    assert ref.shape == (2, 3, 1, 4)
    assert autograd.gradgradcheck(lambda x, w: autograd.conv1d(x, w, stride=2, dilation=2),
                                  (t(1, 2, 9), t(2, 2, 2)))


def test_conv_transpose_is_the_adjoint_of_conv():
    x, w = t(1, 3, 5, 4), t(3, 2, 3, 3)
    y = autograd.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    assert y.shape == (1, 2, 10, 8)
    z = t(*y.shape)
    lhs = (y * z).sum().item()
    rhs = (autograd.conv2d(z, w, stride=2, padding=1) * x).sum().item()
    assert abs(lhs - rhs) < 1e-9
    assert autograd.gradgradcheck(
        lambda x, w: autograd.conv_transpose2d(x, w, stride=2, groups=1), (t(1, 3, 2, 2), w))
    assert autograd.gradcheck(lambda x, w: autograd.conv_transpose1d(x, w, stride=3, padding=1),
                              (t(1, 2, 4), t(2, 3, 3)))


def test_unfold_fold_adjoint_and_reference():
    x = t(2, 3, 5, 4)
    cols = autograd.unfold(x, (2, 3), padding=1, stride=(2, 1))
    np.testing.assert_array_equal(cols._data, im2col(x._data, (2, 3), (1, 1), (1, 1), (2, 1)))
    # reference: explicit patch extraction
    xp = np.pad(x._data, ((0, 0), (0, 0), (1, 1), (1, 1)))
    patches = [xp[:, :, i:i + 2, j:j + 3].reshape(2, -1)
               for i in range(0, 6, 2) for j in range(0, 4)]
    np.testing.assert_allclose(cols._data, np.stack(patches, axis=2))
    y = autograd.fold(cols, (5, 4), (2, 3), padding=1, stride=(2, 1))
    assert y.shape == x.shape
    assert autograd.gradgradcheck(lambda x: autograd.unfold(x, 2, stride=2), (t(1, 1, 4, 4),))


def ref_max_pool(x, k, s):
    N, C, H, W = x.shape
    OH, OW = (H - k) // s + 1, (W - k) // s + 1
    return np.array([[[[x[n, c, i * s:i * s + k, j * s:j * s + k].max() for j in range(OW)]
                       for i in range(OH)] for c in range(C)] for n in range(N)])


def test_pools_forward_against_numpy():
    x = t(2, 3, 6, 7)
    np.testing.assert_allclose(autograd.max_pool2d(x, 2)._data, ref_max_pool(x._data, 2, 2))
    np.testing.assert_allclose(autograd.avg_pool2d(x, 3, 1)._data,
                               np.mean([x._data[:, :, i:i + 4, j:j + 5] for i in range(3)
                                        for j in range(3)], axis=0))
    np.testing.assert_allclose(autograd.adaptive_avg_pool2d(x, 1)._data,
                               x._data.mean(axis=(2, 3), keepdims=True))
    y, idx = autograd.max_pool2d(x, 3, 2, 1, return_indices=True)
    flat = x._data.reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx._data.reshape(2, 3, -1), 2),
                                  y._data.reshape(2, 3, -1))


@pytest.mark.parametrize("fn", [
    lambda x: autograd.max_pool2d(x, 2, 1, ceil_mode=True),
    lambda x: autograd.max_pool2d(x, 3, 2, 1, dilation=1),
    lambda x: autograd.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: autograd.adaptive_avg_pool2d(x, (2, 3)),
    lambda x: autograd.adaptive_max_pool2d(x, (2, 2)),
    lambda x: autograd.max_pool1d(x.flatten(2), 3, 2),
    lambda x: autograd.avg_pool1d(x.flatten(2), 2),
    lambda x: autograd.adaptive_avg_pool1d(x.flatten(2), 4),
])
def test_pool_gradcheck_and_gradgradcheck(fn):
    x = t(1, 2, 4, 5)
    assert autograd.gradcheck(fn, (x,))
    assert autograd.gradgradcheck(fn, (x,))


def test_conv_pool_errors_name_op_and_shapes():
    with pytest.raises(ValueError, match=r"conv2d: expected input with 4 channels.*\(1, 3, 5, 5\)"):
        autograd.conv2d(t(1, 3, 5, 5), t(2, 4, 3, 3))
    with pytest.raises(ValueError, match="conv2d: input of shape .* too small"):
        autograd.conv2d(t(1, 1, 2, 2), t(1, 1, 3, 3))
    with pytest.raises(TypeError, match="dtype"):
        autograd.conv2d(t(1, 1, 4, 4), autograd.randn(1, 1, 3, 3))
    with pytest.raises(ValueError, match="max_pool2d: pad should be at most half"):
        autograd.max_pool2d(t(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(ValueError, match="fold: expected input's dimension 2"):
        autograd.fold(t(1, 4, 3), (3, 3), 2)
