"""3-D convolution / pooling / batch norm layers and spectral normalisation against
torch: parameter names and shapes, forward values, gradients (twice, for the functional
forms) in float64, unbatched inputs, and the exception classes of bad arguments."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
from tests.reference.test_nn_layers_torch import compare, copy_weights  # noqa: E402

TNN = torch.nn
TF = torch.nn.functional


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _both(fn_o, fn_t, *arrays, twice=True, atol=1e-10):
    """fn(*arrays), its gradients and (with ``twice``) a second derivative, compared."""
    xo = [autograd.tensor(a, requires_grad=True) for a in arrays]
    xt = [torch.tensor(a, requires_grad=True) for a in arrays]
    yo, yt = fn_o(*xo), fn_t(*xt)
    if isinstance(yt, tuple):  # (values, indices)
        np.testing.assert_array_equal(yo[1].numpy(), yt[1].numpy())
        assert yo[1].dtype == autograd.int64
        yo, yt = yo[0], yt[0]
    assert tuple(yo.shape) == tuple(yt.shape)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), atol=atol, rtol=1e-7)
    g = randn(*yt.shape, seed=5)
    g_o, g_t = autograd.tensor(g, requires_grad=twice), torch.tensor(g, requires_grad=twice)
    go = autograd.grad(yo, xo, g_o, create_graph=twice)
    gt = torch.autograd.grad(yt, xt, g_t, create_graph=twice)
    for a, b in zip(go, gt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=atol, rtol=1e-7)
    if twice:
        so = autograd.grad(sum((a * a).sum() for a in go), xo + [g_o], allow_unused=True)
        st = torch.autograd.grad(sum((a * a).sum() for a in gt), xt + [g_t], allow_unused=True)
        for a, b in zip(so, st):
            if a is None or b is None:
                assert a is None or not np.any(a.numpy())
                assert b is None or not np.any(b.numpy())
                continue
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-9, rtol=1e-7)


# ------------------------------------------------------------------- functional
CONV = [dict(), dict(stride=2, padding=1), dict(stride=(1, 2, 3), padding=(2, 0, 1),
                                                 dilation=(2, 1, 2)),
        dict(padding="same", dilation=(1, 2, 1)), dict(padding="valid"), dict(groups=2)]


@pytest.mark.parametrize("kw", CONV, ids=[str(k) for k in CONV])
@pytest.mark.parametrize("batched", [True, False])
def test_conv3d(kw, batched):
    w = randn(4, 2 if kw.get("groups") else 4, 3, 2, 3, seed=1)
    x = randn(2, 4, 6, 7, 8) if batched else randn(4, 6, 7, 8)
    _both(lambda x, w, b: F.conv3d(x, w, b, **kw), lambda x, w, b: TF.conv3d(x, w, b, **kw),
          x, w, randn(4, seed=2))


CONVT = [dict(), dict(stride=2, padding=1, output_padding=1),
         dict(stride=(1, 2, 3), padding=(2, 0, 1), dilation=(2, 1, 2), output_padding=(1, 0, 2)),
         dict(groups=2, stride=2), dict(padding=2)]


@pytest.mark.parametrize("kw", CONVT, ids=[str(k) for k in CONVT])
@pytest.mark.parametrize("batched", [True, False])
def test_conv_transpose3d(kw, batched):
    w = randn(4, 3, 3, 2, 3, seed=1)
    x = randn(2, 4, 4, 5, 3) if batched else randn(4, 4, 5, 3)
    _both(lambda x, w, b: F.conv_transpose3d(x, w, b, **kw),
          lambda x, w, b: TF.conv_transpose3d(x, w, b, **kw),
          x, w, randn(6 if kw.get("groups") else 3, seed=2))


def test_conv3d_integers_and_empty_batch():
    x = np.arange(2 * 3 * 4 * 4 * 4).reshape(2, 3, 4, 4, 4) % 7 - 3
    w = np.arange(2 * 3 * 2 * 2 * 2).reshape(2, 3, 2, 2, 2) % 5 - 2
    yo = F.conv3d(autograd.tensor(x), autograd.tensor(w), stride=2)
    yt = TF.conv3d(torch.tensor(x), torch.tensor(w), stride=2)
    assert yo.dtype == autograd.int64
    np.testing.assert_array_equal(yo.numpy(), yt.numpy())
    yo = F.conv_transpose3d(autograd.tensor(x), autograd.tensor(w.transpose(1, 0, 2, 3, 4)))
    yt = TF.conv_transpose3d(torch.tensor(x), torch.tensor(w.transpose(1, 0, 2, 3, 4).copy()))
    np.testing.assert_array_equal(yo.numpy(), yt.numpy())
    e = F.conv3d(autograd.zeros(0, 3, 4, 4, 4), autograd.zeros(2, 3, 2, 2, 2))
    assert tuple(e.shape) == (0, 2, 3, 3, 3)


MAXPOOL = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
           dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), dilation=(2, 1, 2), padding=(1, 1, 0),
                return_indices=True),
           dict(kernel_size=3, stride=2, ceil_mode=True, return_indices=True),
           dict(kernel_size=(1, 2, 3), stride=[])]


@pytest.mark.parametrize("kw", MAXPOOL, ids=[str(k) for k in MAXPOOL])
@pytest.mark.parametrize("batched", [True, False])
def test_max_pool3d(kw, batched):
    x = randn(2, 3, 6, 7, 8) if batched else randn(3, 6, 7, 8)
    _both(lambda x: F.max_pool3d(x, **kw), lambda x: TF.max_pool3d(x, **kw), x)


def test_max_pool3d_ties_nan_inf_and_integers():
    x = np.zeros((1, 2, 4, 4, 4))  # ties everywhere: the gradient goes to the first maximum
    x[0, 1, 1, 2, 3] = np.nan
    x[0, 1, 1, 2, 1] = np.nan
    x[0, 0, :2] = -np.inf
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
               dict(kernel_size=2, stride=1, dilation=2)):
        _both(lambda t: F.max_pool3d(t, return_indices=True, **kw),
              lambda t: TF.max_pool3d(t, return_indices=True, **kw), x, twice=False)
    xi = np.arange(64).reshape(1, 1, 4, 4, 4) % 11 - 20
    yo, io = F.max_pool3d(autograd.tensor(xi), 3, 1, 1, return_indices=True)
    yt, it = TF.max_pool3d(torch.tensor(xi), 3, 1, 1, return_indices=True)
    np.testing.assert_array_equal(yo.numpy(), yt.numpy())
    np.testing.assert_array_equal(io.numpy(), it.numpy())


AVGPOOL = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
           dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
           dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), padding=(1, 1, 0), divisor_override=5),
           dict(kernel_size=(3, 2, 2), stride=(2, 3, 1), padding=(1, 1, 0), ceil_mode=True,
                count_include_pad=False)]


@pytest.mark.parametrize("kw", AVGPOOL, ids=[str(k) for k in AVGPOOL])
@pytest.mark.parametrize("batched", [True, False])
def test_avg_pool3d(kw, batched):
    x = randn(2, 3, 6, 7, 8) if batched else randn(3, 6, 7, 8)
    _both(lambda x: F.avg_pool3d(x, **kw), lambda x: TF.avg_pool3d(x, **kw), x)


def test_avg_pool3d_integers():
    x = np.arange(2 * 5 * 5 * 5).reshape(1, 2, 5, 5, 5) % 13 - 6
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
               dict(kernel_size=3, padding=1, divisor_override=4, count_include_pad=False)):
        yo, yt = F.avg_pool3d(autograd.tensor(x), **kw), TF.avg_pool3d(torch.tensor(x), **kw)
        assert yo.dtype == autograd.int64
        np.testing.assert_array_equal(yo.numpy(), yt.numpy())


@pytest.mark.parametrize("size", [2, (3, None, 4), (1, 7, 5), (6, 7, 8), (4, 5, 3)])
@pytest.mark.parametrize("batched", [True, False])
def test_adaptive_avg_pool3d(size, batched):
    x = randn(2, 3, 6, 7, 8) if batched else randn(3, 6, 7, 8)
    _both(lambda x: F.adaptive_avg_pool3d(x, size), lambda x: TF.adaptive_avg_pool3d(x, size), x)


def test_adaptive_avg_pool3d_empty_output():
    x = randn(2, 3, 4, 4, 4)
    y = F.adaptive_avg_pool3d(autograd.tensor(x), (0, 2, 2))
    assert tuple(y.shape) == tuple(TF.adaptive_avg_pool3d(torch.tensor(x), (0, 2, 2)).shape)


# ---------------------------------------------------------------------- errors
X5 = (2, 3, 5, 6, 7)
ERRORS = [
    ("conv3d-3d-input", lambda f, x: f.conv3d(x[0, 0], x.new_zeros((4, 3, 2, 3, 3)))),
    ("conv3d-channels", lambda f, x: f.conv3d(x, x.new_zeros((4, 2, 2, 2, 2)))),
    ("conv3d-stride0", lambda f, x: f.conv3d(x, x.new_zeros((4, 3, 2, 2, 2)), stride=0)),
    ("conv3d-pad-neg", lambda f, x: f.conv3d(x, x.new_zeros((4, 3, 2, 2, 2)), padding=-1)),
    ("conv3d-stride-len", lambda f, x: f.conv3d(x, x.new_zeros((4, 3, 2, 2, 2)), stride=(1, 2))),
    ("conv3d-stride-float", lambda f, x: f.conv3d(x, x.new_zeros((4, 3, 2, 2, 2)), stride=1.5)),
    ("conv3d-too-small", lambda f, x: f.conv3d(x, x.new_zeros((4, 3, 6, 2, 2)))),
    ("conv3d-same-strided", lambda f, x: f.conv3d(x, x.new_zeros((4, 3, 2, 2, 2)),
                                                  padding="same", stride=2)),
    ("conv3d-bad-padding", lambda f, x: f.conv3d(x, x.new_zeros((4, 3, 2, 2, 2)), padding="x")),
    ("conv3d-dtype", lambda f, x: f.conv3d(x.float(), x.new_zeros((4, 3, 2, 2, 2)))),
    ("conv3d-bias", lambda f, x: f.conv3d(x, x.new_zeros((4, 3, 2, 2, 2)), x.new_zeros(3))),
    ("conv3d-weight-4d", lambda f, x: f.conv3d(x, x.new_zeros((4, 3, 2, 2)))),
    ("conv3d-groups0", lambda f, x: f.conv3d(x, x.new_zeros((4, 3, 2, 2, 2)), groups=0)),
    ("conv3d-groups-out", lambda f, x: f.conv3d(x[:, :2], x.new_zeros((3, 1, 2, 2, 2)),
                                                groups=2)),
    ("conv3d-input-list", lambda f, x: f.conv3d([1.0], x.new_zeros((4, 3, 2, 2, 2)))),
    ("convT-output-padding", lambda f, x: f.conv_transpose3d(x, x.new_zeros((3, 2, 2, 2, 2)),
                                                             stride=2, output_padding=2)),
    ("convT-channels", lambda f, x: f.conv_transpose3d(x, x.new_zeros((4, 2, 2, 2, 2)))),
    ("convT-3d-input", lambda f, x: f.conv_transpose3d(x[0, 0], x.new_zeros((3, 2, 2, 2, 2)))),
    ("convT-bias", lambda f, x: f.conv_transpose3d(x, x.new_zeros((3, 2, 2, 2, 2)),
                                                   x.new_zeros(3))),
    ("convT-padding-str", lambda f, x: f.conv_transpose3d(x, x.new_zeros((3, 2, 2, 2, 2)),
                                                          padding="same")),
    ("max-3d-input", lambda f, x: f.max_pool3d(x[0, 0], 2)),
    ("max-pad", lambda f, x: f.max_pool3d(x, 2, padding=2)),
    ("max-k0", lambda f, x: f.max_pool3d(x, 0)),
    ("max-s0", lambda f, x: f.max_pool3d(x, 2, stride=0)),
    ("max-small", lambda f, x: f.max_pool3d(x[:, :, :1], 2)),
    ("max-empty-channels", lambda f, x: f.max_pool3d(x[:, :0], 2)),
    ("max-k-len2", lambda f, x: f.max_pool3d(x, (2, 2))),
    ("max-k-float", lambda f, x: f.max_pool3d(x, 2.0)),
    ("max-dilation0", lambda f, x: f.max_pool3d(x, 2, dilation=0)),
    ("max-pad-neg", lambda f, x: f.max_pool3d(x, 2, padding=-1)),
    ("max-pad-dilated", lambda f, x: f.max_pool3d(x, 3, padding=2, dilation=2)),
    ("avg-pad", lambda f, x: f.avg_pool3d(x, 2, padding=2)),
    ("avg-3d-input", lambda f, x: f.avg_pool3d(x[0, 0], 2)),
    ("avg-divisor0", lambda f, x: f.avg_pool3d(x, 2, divisor_override=0)),
    ("avg-empty", lambda f, x: f.avg_pool3d(x[:, :0], 2)),
    ("avg-stride-len", lambda f, x: f.avg_pool3d(x, 2, stride=(1, 2))),
    ("avg-k-float", lambda f, x: f.avg_pool3d(x, 2.5)),
    ("avg-small", lambda f, x: f.avg_pool3d(x[:, :, :1], 2)),
    ("avg-kernel-over-input", lambda f, x: f.avg_pool3d(x[:, :, :2, :2, :2], 3, 1, 1)),
    ("adaptive-3d-input", lambda f, x: f.adaptive_avg_pool3d(x[0, 0], 2)),
    ("adaptive-negative", lambda f, x: f.adaptive_avg_pool3d(x, -1)),
    ("adaptive-len2", lambda f, x: f.adaptive_avg_pool3d(x, (2, 2))),
    ("adaptive-int", lambda f, x: f.adaptive_avg_pool3d(x.long(), 2)),
    ("adaptive-empty", lambda f, x: f.adaptive_avg_pool3d(x[:, :, :0], 2)),
    ("adaptive-none", lambda f, x: f.adaptive_avg_pool3d(x, None)),
]


@pytest.mark.parametrize("name,call", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, call):
    with pytest.raises(Exception) as theirs:
        call(TF, torch.zeros(X5, dtype=torch.float64))
    with pytest.raises(theirs.type):
        call(F, autograd.zeros(*X5, dtype=autograd.float64))


# ----------------------------------------------------------------------- layers
LAYERS = [
    ("Conv3d", lambda m: m.Conv3d(3, 4, 3, padding=1), (2, 3, 5, 6, 4)),
    ("Conv3d-groups", lambda m: m.Conv3d(4, 6, (3, 2, 2), stride=(2, 1, 2), groups=2,
                                         dilation=(1, 2, 1)), (2, 4, 7, 6, 7)),
    ("Conv3d-unbatched", lambda m: m.Conv3d(3, 2, 2, bias=False), (3, 4, 5, 4)),
    ("Conv3d-same", lambda m: m.Conv3d(2, 2, (4, 3, 2), padding="same"), (1, 2, 6, 5, 4)),
    ("Conv3d-reflect", lambda m: m.Conv3d(2, 3, 3, padding=1, padding_mode="reflect"),
     (2, 2, 4, 5, 4)),
    ("Conv3d-circular", lambda m: m.Conv3d(2, 3, 3, padding=(1, 2, 0), padding_mode="circular"),
     (2, 2, 4, 5, 4)),
    ("Conv3d-replicate", lambda m: m.Conv3d(2, 3, 2, padding=1, padding_mode="replicate"),
     (2, 4, 5, 4)),
    ("ConvTranspose3d", lambda m: m.ConvTranspose3d(3, 2, 3, stride=2, padding=1,
                                                    output_padding=1), (2, 3, 3, 4, 3)),
    ("ConvTranspose3d-groups", lambda m: m.ConvTranspose3d(4, 6, (2, 3, 2), groups=2,
                                                           dilation=(2, 1, 1)), (4, 3, 4, 3)),
    ("MaxPool3d", lambda m: m.MaxPool3d(2), (2, 3, 6, 6, 6)),
    ("MaxPool3d-ceil", lambda m: m.MaxPool3d(3, stride=2, padding=1, dilation=(1, 2, 1),
                                             ceil_mode=True), (3, 7, 8, 7)),
    ("AvgPool3d", lambda m: m.AvgPool3d(3, stride=2, padding=1, count_include_pad=False),
     (2, 3, 7, 6, 5)),
    ("AvgPool3d-divisor", lambda m: m.AvgPool3d((2, 3, 2), ceil_mode=True, divisor_override=3),
     (3, 5, 7, 5)),
    ("AdaptiveAvgPool3d", lambda m: m.AdaptiveAvgPool3d((2, None, 3)), (2, 3, 5, 6, 7)),
    ("BatchNorm3d", lambda m: m.BatchNorm3d(3), (2, 3, 4, 3, 2)),
    ("BatchNorm3d-cumulative", lambda m: m.BatchNorm3d(3, momentum=None, affine=False),
     (2, 3, 2, 3, 2)),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name,make,shape", LAYERS, ids=[l[0] for l in LAYERS])
def test_layer_matches_torch(name, make, shape):
    ours, theirs = make(nn), make(TNN)
    assert repr(ours) == repr(theirs)
    compare(ours, theirs, randn(*shape), steps=2 if "BatchNorm" in name else 1)


def test_batchnorm3d_eval_and_errors():
    ours, theirs = nn.BatchNorm3d(3), TNN.BatchNorm3d(3)
    compare(ours, theirs, randn(2, 3, 3, 2, 2) * 2 + 1, steps=2)
    ours.eval()
    theirs.eval()
    compare(ours, theirs, randn(2, 3, 3, 2, 2, seed=3))
    with pytest.raises(ValueError):
        nn.BatchNorm3d(3)(autograd.zeros(2, 3, 4, 4))
    with pytest.raises(RuntimeError):
        nn.BatchNorm3d(3)(autograd.zeros(2, 4, 4, 4, 4))


def test_conv_transpose3d_output_size_and_init():
    ours, theirs = nn.ConvTranspose3d(3, 2, 3, stride=2), TNN.ConvTranspose3d(3, 2, 3, stride=2)
    ours.double()
    theirs.double()
    copy_weights(ours, theirs)
    x = randn(2, 3, 5, 6, 7)
    yo = ours(autograd.tensor(x), output_size=(12, 14, 16))
    yt = theirs(torch.tensor(x), output_size=(12, 14, 16))
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    with pytest.raises(ValueError):
        ours(autograd.tensor(x), output_size=(20, 14, 16))
    with pytest.raises(ValueError):
        nn.ConvTranspose3d(3, 2, 3, padding_mode="reflect")
    # default init: kaiming_uniform(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias
    conv = nn.Conv3d(4, 8, (2, 3, 3))
    bound = 1 / np.sqrt(4 * 18)
    assert np.abs(conv.weight.detach().numpy()).max() <= bound
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    assert tuple(nn.ConvTranspose3d(4, 6, 2, groups=2).weight.shape) == (4, 3, 2, 2, 2)


def test_max_pool3d_module_return_indices():
    x = randn(2, 3, 4, 5, 6)
    yo, io = nn.MaxPool3d(2, return_indices=True)(autograd.tensor(x))
    yt, it = TNN.MaxPool3d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_allclose(yo.numpy(), yt.numpy())
    np.testing.assert_array_equal(io.numpy(), it.numpy())


# -------------------------------------------------------------- spectral norm
SN_CASES = [
    (lambda m: m.Linear(4, 3), (5, 4), None),
    (lambda m: m.Conv2d(2, 3, 3), (2, 2, 5, 5), None),
    (lambda m: m.ConvTranspose2d(2, 3, 3), (2, 2, 4, 4), None),
    (lambda m: m.Conv1d(2, 3, 3), (2, 2, 6), 2),
    (lambda m: m.Conv3d(2, 3, 2), (1, 2, 3, 3, 3), 1),
]


@pytest.mark.parametrize("make,shape,dim", SN_CASES)
@pytest.mark.parametrize("kind", ["old", "parametrization"])
def test_spectral_norm_matches_torch(make, shape, dim, kind):
    sn_o = nn.utils.spectral_norm if kind == "old" else nn.utils.parametrizations.spectral_norm
    sn_t = torch.nn.utils.spectral_norm if kind == "old" else \
        torch.nn.utils.parametrizations.spectral_norm
    ours, theirs = make(nn).double(), make(TNN).double()
    copy_weights(ours, theirs)
    sn_o(ours, n_power_iterations=2, dim=dim)
    sn_t(theirs, n_power_iterations=2, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert type(ours).__name__ == type(theirs).__name__
    # u, v are random: take torch's
    ours.load_state_dict({k: autograd.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    compare(ours, theirs, randn(*shape), steps=3)  # power iterations in training mode
    ours.eval()
    theirs.eval()
    before = {k: v.numpy().copy() for k, v in ours.named_buffers()}
    compare(ours, theirs, randn(*shape, seed=4), steps=2)
    for k, v in ours.named_buffers():  # no update in eval mode
        np.testing.assert_array_equal(v.numpy(), before[k])
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               atol=1e-12)


def test_remove_spectral_norm():
    ours, theirs = nn.Linear(4, 3).double(), TNN.Linear(4, 3).double()
    copy_weights(ours, theirs)
    nn.utils.spectral_norm(ours)
    torch.nn.utils.spectral_norm(theirs)
    ours.load_state_dict({k: autograd.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    compare(ours, theirs, randn(2, 4))
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == \
        [n for n, _ in theirs.named_parameters()]
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               atol=1e-12)
    with pytest.raises(ValueError):
        nn.utils.remove_spectral_norm(ours)


def test_spectral_norm_argument_errors():
    for sn in (nn.utils.spectral_norm, nn.utils.parametrizations.spectral_norm):
        with pytest.raises(ValueError):
            sn(nn.Linear(3, 2), n_power_iterations=0)
    with pytest.raises(RuntimeError):
        nn.utils.spectral_norm(nn.utils.spectral_norm(nn.Linear(3, 2)))
    with pytest.raises(IndexError):
        nn.utils.parametrizations.spectral_norm(nn.Linear(3, 2), dim=2)
    with pytest.raises(ValueError):
        nn.utils.parametrizations.spectral_norm(nn.Linear(3, 2), name="nothing")
    # a 1-D weight is just normalised
    m = nn.utils.parametrizations.spectral_norm(nn.BatchNorm1d(3).double())
    np.testing.assert_allclose(np.linalg.norm(m.weight.detach().numpy()), 1.0)
