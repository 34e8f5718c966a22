"""3-D convolution / pooling layers, BatchNorm3d and spectral normalisation without
torch: gradcheck and gradgradcheck in float64, shapes, state_dict keys, a NumPy
reference for conv3d, and the spectral norm's defining property."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

RNG = np.random.default_rng(0)


def t64(*shape, grad=True):
    return autograd.tensor(RNG.standard_normal(shape), requires_grad=grad)


def _conv3d_reference(x, w, stride, padding, dilation):
    """Direct loops over the output positions (no groups)."""
    x = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    n, _, D, H, W = x.shape
    o, _, kd, kh, kw = w.shape
    out = [(size - dl * (k - 1) - 1) // s + 1
           for size, k, s, dl in zip((D, H, W), (kd, kh, kw), stride, dilation)]
    y = np.zeros((n, o, *out))
    for i in range(out[0]):
        for j in range(out[1]):
            for k in range(out[2]):
                patch = x[:, :, i * stride[0]:i * stride[0] + dilation[0] * (kd - 1) + 1:dilation[0],
                          j * stride[1]:j * stride[1] + dilation[1] * (kh - 1) + 1:dilation[1],
                          k * stride[2]:k * stride[2] + dilation[2] * (kw - 1) + 1:dilation[2]]
                y[:, :, i, j, k] = np.einsum("ncdhw,ocdhw->no", patch, w)
    return y


@pytest.mark.parametrize("stride,padding,dilation", [
    ((1, 1, 1), (0, 0, 0), (1, 1, 1)), ((2, 1, 3), (1, 2, 0), (1, 1, 1)),
    ((1, 2, 1), (1, 0, 1), (2, 1, 2))])
def test_conv3d_against_loops(stride, padding, dilation):
    x, w = RNG.standard_normal((2, 3, 6, 5, 7)), RNG.standard_normal((4, 3, 2, 3, 2))
    y = F.conv3d(autograd.tensor(x), autograd.tensor(w), None, stride, padding, dilation)
    ref = _conv3d_reference(x, w, stride, padding, dilation)
    np.testing.assert_allclose(y.numpy(), ref, atol=1e-12)


def test_conv_transpose3d_is_conv3d_input_gradient():
    s, p, d = (2, 1, 2), (1, 0, 1), (1, 2, 1)
    x, w = t64(1, 3, 4, 5, 5), t64(2, 3, 2, 3, 2, grad=False)
    y = F.conv3d(x, w, stride=s, padding=p, dilation=d)
    g = t64(*y.shape, grad=False)
    (gx,) = autograd.grad(y, [x], g)
    opad = tuple(x.shape[2 + i] - ((g.shape[2 + i] - 1) * s[i] - 2 * p[i] +
                                   d[i] * (w.shape[2 + i] - 1) + 1) for i in range(3))
    out = F.conv_transpose3d(g, w, stride=s, padding=p, dilation=d, output_padding=opad)
    np.testing.assert_allclose(out.numpy(), gx.numpy(), atol=1e-12)


FUNCS = [
    ("conv3d", lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1),
     [(1, 2, 3, 4, 3), (2, 2, 2, 2, 2), (2,)]),
    ("conv3d-groups", lambda x, w: F.conv3d(x, w, groups=2, dilation=(2, 1, 1)),
     [(1, 4, 4, 3, 3), (2, 2, 2, 2, 1)]),
    ("conv_transpose3d", lambda x, w, b: F.conv_transpose3d(x, w, b, stride=2, padding=1,
                                                            output_padding=1),
     [(1, 2, 2, 3, 2), (2, 1, 2, 2, 2), (1,)]),
    ("max_pool3d", lambda x: F.max_pool3d(x, 2, stride=1, padding=1, ceil_mode=True),
     [(1, 2, 3, 3, 3)]),
    ("avg_pool3d", lambda x: F.avg_pool3d(x, 2, stride=2, padding=1, ceil_mode=True,
                                         count_include_pad=False), [(1, 2, 3, 4, 3)]),
    ("adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, (2, 3, None)), [(2, 3, 5, 4, 3)]),
]


@pytest.mark.parametrize("name,fn,shapes", FUNCS, ids=[f[0] for f in FUNCS])
def test_gradcheck_and_gradgradcheck(name, fn, shapes):
    args = tuple(t64(*s) for s in shapes)
    assert autograd.gradcheck(fn, args, eps=1e-6, atol=1e-5)
    assert autograd.gradgradcheck(fn, args, eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("make,shape,out", [
    (lambda: nn.Conv3d(2, 4, 3, padding=1), (2, 2, 4, 5, 6), (2, 4, 4, 5, 6)),
    (lambda: nn.Conv3d(2, 4, (1, 2, 3), stride=2), (2, 5, 6, 7), (4, 3, 3, 3)),
    (lambda: nn.ConvTranspose3d(2, 4, 2, stride=2), (1, 2, 3, 3, 3), (1, 4, 6, 6, 6)),
    (lambda: nn.MaxPool3d(2), (1, 2, 4, 5, 6), (1, 2, 2, 2, 3)),
    (lambda: nn.AvgPool3d(2, ceil_mode=True), (2, 5, 5, 5), (2, 3, 3, 3)),
    (lambda: nn.AdaptiveAvgPool3d(1), (2, 3, 4, 5, 6), (2, 3, 1, 1, 1)),
    (lambda: nn.BatchNorm3d(2), (3, 2, 2, 2, 2), (3, 2, 2, 2, 2)),
])
def test_layer_shapes(make, shape, out):
    assert tuple(make()(autograd.randn(*shape)).shape) == out


def test_state_dict_keys_and_shapes():
    assert {k: tuple(v.shape) for k, v in nn.Conv3d(2, 4, (1, 2, 3)).state_dict().items()} == \
        {"weight": (4, 2, 1, 2, 3), "bias": (4,)}
    assert {k: tuple(v.shape) for k, v in
            nn.ConvTranspose3d(4, 6, 2, groups=2, bias=False).state_dict().items()} == \
        {"weight": (4, 3, 2, 2, 2)}
    assert list(nn.BatchNorm3d(3).state_dict()) == ["weight", "bias", "running_mean",
                                                    "running_var", "num_batches_tracked"]


def test_max_pool3d_gradient_goes_to_one_maximum():
    x = autograd.zeros(1, 1, 2, 2, 2, dtype=autograd.float64, requires_grad=True)
    y, idx = F.max_pool3d(x, 2, return_indices=True)
    y.sum().backward()
    assert x.grad.numpy().sum() == 1.0 and x.grad.numpy().reshape(-1)[0] == 1.0
    assert idx.item() == 0


def test_spectral_norm_normalises_largest_singular_value():
    m = nn.utils.spectral_norm(nn.Linear(6, 4).double(), n_power_iterations=50)
    m(autograd.randn(1, 6, dtype=autograd.float64))
    assert abs(np.linalg.svd(m.weight.detach().numpy(), compute_uv=False)[0] - 1) < 1e-8
    assert list(m.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    p = nn.utils.parametrizations.spectral_norm(nn.Conv2d(3, 4, 2).double())
    for _ in range(300):
        w = p.weight
    mat = w.detach().numpy().reshape(4, -1)
    assert abs(np.linalg.svd(mat, compute_uv=False)[0] - 1) < 1e-8
    assert list(p.state_dict()) == ["bias", "parametrizations.weight.original",
                                    "parametrizations.weight.0._u",
                                    "parametrizations.weight.0._v"]
    nn.utils.parametrize.remove_parametrizations(p, "weight")
    assert type(p) is nn.Conv2d
