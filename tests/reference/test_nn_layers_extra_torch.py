"""The layers and functions of issue 12 (part 1) against torch.nn: parameter names /
state_dict keys / shapes, forward values, input and parameter gradients and buffers in
float64 (weights copied through state_dict and NumPy), plus ``repr``."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

TNN = torch.nn
TF = torch.nn.functional


def copy_weights(ours, theirs):
    sd = {k: torch.from_numpy(np.array(v.numpy())) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(sd)


def assert_same_structure(ours, theirs):
    assert list(ours.state_dict().keys()) == list(theirs.state_dict().keys())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    for (n, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), n


def compare(ours, theirs, *inputs, atol=1e-10, steps=1):
    """Forward + backward with a random upstream gradient; compare everything."""
    ours.double()
    theirs.double()
    assert_same_structure(ours, theirs)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        xo = [autograd.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
        xt = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
        yo, yt = ours(*xo), theirs(*xt)
        assert tuple(yo.shape) == tuple(yt.shape)
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), atol=atol, rtol=1e-7)
        g = rng.standard_normal(tuple(yt.shape))
        yo.backward(autograd.tensor(g))
        yt.backward(torch.tensor(g))
        for a, b in zip(xo, xt):
            if b.requires_grad:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=1e-7)
        tp = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), atol=atol,
                                       rtol=1e-7, err_msg=name)
            p.grad = None
            tp[name].grad = None
        tb = dict(theirs.named_buffers())
        for name, b in ours.named_buffers():
            np.testing.assert_allclose(b.numpy(), tb[name].numpy(), atol=atol, err_msg=name)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


LAYERS = [
    ("PReLU", lambda m: m.PReLU(), [(3, 4)]),
    ("PReLU-channels", lambda m: m.PReLU(3, 0.1), [(2, 3, 5)]),
    ("PReLU-1d", lambda m: m.PReLU(), [(7,)]),
    ("RReLU-eval", lambda m: m.RReLU(0.1, 0.4).eval(), [(3, 4)]),
    ("GLU", lambda m: m.GLU(), [(3, 4)]),
    ("GLU-dim1", lambda m: m.GLU(1), [(3, 6, 2)]),
    ("Hardswish", lambda m: m.Hardswish(), [(5, 8)]),
    ("Hardsigmoid", lambda m: m.Hardsigmoid(), [(5, 8)]),
    ("Mish", lambda m: m.Mish(), [(3, 4)]),
    ("Softmin", lambda m: m.Softmin(1), [(3, 4)]),
    ("Softmax2d", lambda m: m.Softmax2d(), [(2, 3, 4, 4)]),
    ("Softmax2d-3d", lambda m: m.Softmax2d(), [(3, 4, 4)]),
    ("LogSigmoid", lambda m: m.LogSigmoid(), [(3, 4)]),
    ("Softsign", lambda m: m.Softsign(), [(3, 4)]),
    ("Tanhshrink", lambda m: m.Tanhshrink(), [(3, 4)]),
    ("Softshrink", lambda m: m.Softshrink(0.3), [(5, 4)]),
    ("Hardshrink", lambda m: m.Hardshrink(0.3), [(5, 4)]),
    ("Threshold", lambda m: m.Threshold(0.1, -2.0), [(5, 4)]),
    ("CELU", lambda m: m.CELU(0.7), [(5, 4)]),
    ("SELU", lambda m: m.SELU(), [(5, 4)]),
    ("InstanceNorm1d", lambda m: m.InstanceNorm1d(3), [(2, 3, 6)]),
    ("InstanceNorm1d-unbatched", lambda m: m.InstanceNorm1d(3, affine=True), [(3, 6)]),
    ("InstanceNorm2d-affine-stats", lambda m: m.InstanceNorm2d(3, affine=True,
                                                                track_running_stats=True,
                                                                momentum=0.3),
     [(2, 3, 4, 5)]),
    ("InstanceNorm2d-eval", lambda m: m.InstanceNorm2d(3, track_running_stats=True).eval(),
     [(2, 3, 4, 5)]),
    ("RMSNorm", lambda m: m.RMSNorm(5), [(3, 5)]),
    ("RMSNorm-2d-eps", lambda m: m.RMSNorm([4, 5], eps=1e-3), [(2, 3, 4, 5)]),
    ("RMSNorm-noaffine", lambda m: m.RMSNorm(5, elementwise_affine=False), [(3, 5)]),
    ("LocalResponseNorm", lambda m: m.LocalResponseNorm(3, alpha=0.5, k=2.0), [(2, 5, 6)]),
    ("LocalResponseNorm-4d", lambda m: m.LocalResponseNorm(4, alpha=0.3, beta=0.6),
     [(2, 6, 3, 4)]),
    ("ZeroPad1d", lambda m: m.ZeroPad1d((1, 2)), [(2, 3, 5)]),
    ("ZeroPad2d", lambda m: m.ZeroPad2d((1, 2, 0, 3)), [(2, 3, 4, 5)]),
    ("ConstantPad1d", lambda m: m.ConstantPad1d(2, 3.5), [(2, 3, 5)]),
    ("ConstantPad2d", lambda m: m.ConstantPad2d((1, 0, 2, 1), -1.0), [(3, 4, 5)]),
    ("ReflectionPad1d", lambda m: m.ReflectionPad1d((3, 1)), [(2, 3, 5)]),
    ("ReflectionPad2d", lambda m: m.ReflectionPad2d((1, 2, 3, 0)), [(2, 3, 4, 5)]),
    ("ReflectionPad2d-unbatched", lambda m: m.ReflectionPad2d(2), [(3, 4, 5)]),
    ("ReplicationPad1d", lambda m: m.ReplicationPad1d((3, 6)), [(2, 3, 5)]),
    ("ReplicationPad2d", lambda m: m.ReplicationPad2d((1, 2, 3, 7)), [(2, 3, 4, 5)]),
    ("CircularPad1d", lambda m: m.CircularPad1d((2, 5)), [(2, 3, 5)]),
    ("CircularPad2d", lambda m: m.CircularPad2d((1, 2, 4, 0)), [(2, 3, 4, 5)]),
    ("Upsample-nearest", lambda m: m.Upsample(scale_factor=2), [(2, 3, 4, 5)]),
    ("Upsample-nearest-size", lambda m: m.Upsample(size=(7, 3)), [(2, 3, 4, 5)]),
    ("Upsample-bilinear", lambda m: m.Upsample(scale_factor=1.7, mode="bilinear"),
     [(2, 3, 4, 5)]),
    ("Upsample-bilinear-ac", lambda m: m.Upsample(size=(6, 9), mode="bilinear",
                                                  align_corners=True), [(2, 3, 4, 5)]),
    ("Upsample-bicubic", lambda m: m.Upsample(scale_factor=(2.5, 1.5), mode="bicubic"),
     [(1, 2, 4, 5)]),
    ("Upsample-linear", lambda m: m.Upsample(size=11, mode="linear"), [(2, 3, 5)]),
    ("UpsamplingNearest2d", lambda m: m.UpsamplingNearest2d(scale_factor=3), [(1, 2, 3, 4)]),
    ("UpsamplingBilinear2d", lambda m: m.UpsamplingBilinear2d(size=(5, 7)), [(1, 2, 3, 4)]),
    ("PixelShuffle", lambda m: m.PixelShuffle(2), [(2, 8, 3, 4)]),
    ("PixelShuffle-unbatched", lambda m: m.PixelShuffle(3), [(9, 2, 2)]),
    ("PixelUnshuffle", lambda m: m.PixelUnshuffle(2), [(2, 3, 4, 6)]),
    ("Unfold", lambda m: m.Unfold((2, 3), padding=1, stride=2), [(2, 3, 5, 6)]),
    ("Fold", lambda m: m.Fold((4, 5), 2), [(2, 12, 12)]),
    ("Conv1d-reflect", lambda m: m.Conv1d(3, 4, 3, padding=2, padding_mode="reflect"),
     [(2, 3, 7)]),
    ("Conv1d-circular-same", lambda m: m.Conv1d(2, 3, 4, padding="same", dilation=2,
                                                padding_mode="circular"), [(2, 2, 9)]),
    ("Conv2d-replicate", lambda m: m.Conv2d(3, 4, 3, stride=2, padding=(1, 2),
                                            padding_mode="replicate"), [(2, 3, 6, 7)]),
    ("Conv2d-reflect-same", lambda m: m.Conv2d(2, 4, (3, 4), padding="same",
                                               padding_mode="reflect"), [(2, 2, 6, 7)]),
    ("Conv2d-circular", lambda m: m.Conv2d(2, 2, 3, padding=1, groups=2,
                                           padding_mode="circular"), [(2, 6, 5)]),
    ("Identity", lambda m: m.Identity(), [(3, 4)]),
    ("Flatten", lambda m: m.Flatten(0, 1), [(2, 3, 4)]),
    ("Unflatten", lambda m: m.Unflatten(-1, (2, 2)), [(3, 4)]),
    ("DataParallel", lambda m: m.parallel.DataParallel(m.Linear(4, 3)), [(5, 4)]),
]


@pytest.mark.parametrize("name,make,shapes", LAYERS, ids=[l[0] for l in LAYERS])
def test_layer_matches_torch(name, make, shapes):
    inputs = [randn(*s) * (3 if "Hard" in name else 1) for s in shapes]
    ours, theirs = make(nn), make(TNN)
    compare(ours, theirs, *inputs, steps=2 if "stats" in name else 1)
    assert repr(ours) == repr(theirs)


REPRS = [
    lambda m: m.PReLU(3, 0.1), lambda m: m.RReLU(0.1, 0.3, inplace=True), lambda m: m.GLU(1),
    lambda m: m.Hardswish(), lambda m: m.Hardsigmoid(True), lambda m: m.Mish(True),
    lambda m: m.Softsign(), lambda m: m.Softshrink(), lambda m: m.Hardshrink(0.3),
    lambda m: m.Threshold(0.1, 20), lambda m: m.CELU(0.5, inplace=True), lambda m: m.SELU(True),
    lambda m: m.InstanceNorm1d(3), lambda m: m.InstanceNorm2d(3, affine=True),
    lambda m: m.RMSNorm(4), lambda m: m.RMSNorm([3, 4], eps=1e-3, elementwise_affine=False),
    lambda m: m.LocalResponseNorm(3), lambda m: m.ZeroPad2d((1, 2, 3, 4)),
    lambda m: m.ConstantPad1d(2, 3.5), lambda m: m.ReplicationPad2d(2),
    lambda m: m.CircularPad1d(1), lambda m: m.Upsample(scale_factor=2),
    lambda m: m.Upsample(size=(3, 4), mode="bilinear", align_corners=True),
    lambda m: m.UpsamplingNearest2d(scale_factor=2), lambda m: m.UpsamplingBilinear2d(size=5),
    lambda m: m.PixelUnshuffle(2), lambda m: m.Unfold(2), lambda m: m.Fold((4, 5), 2),
    lambda m: m.LazyLinear(3), lambda m: m.LazyConv1d(3, 2),
    lambda m: m.LazyConv2d(4, 3, padding=1),
    lambda m: m.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
]


@pytest.mark.parametrize("make", REPRS)
def test_repr_matches_torch(make):
    assert repr(make(nn)) == repr(make(TNN))


def test_new_names_exist_in_torch():
    for name in ["PReLU", "RReLU", "GLU", "Hardswish", "Hardsigmoid", "Mish", "Softmax2d",
                 "Softsign", "Tanhshrink", "Softshrink", "Hardshrink", "Threshold", "CELU",
                 "SELU", "InstanceNorm1d", "InstanceNorm2d", "RMSNorm", "LocalResponseNorm",
                 "Upsample", "PixelShuffle", "PixelUnshuffle", "Fold", "Unfold", "LazyLinear",
                 "LazyConv1d", "LazyConv2d", "UninitializedParameter"]:
        assert hasattr(TNN, name) and hasattr(nn, name), name
    for name in ["prelu", "rrelu", "glu", "hardswish", "hardsigmoid", "mish", "softsign",
                 "tanhshrink", "softshrink", "hardshrink", "threshold", "celu", "selu",
                 "instance_norm", "rms_norm", "local_response_norm", "normalize", "interpolate",
                 "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
                 "pixel_unshuffle", "pad"]:
        assert hasattr(TF, name) and hasattr(F, name), name


# ---------------------------------------------------------------- functional forms
def _both(fn_o, fn_t, *arrays, atol=1e-10, twice=False):
    """Compare fn(*arrays) and its gradients (and, with ``twice``, a second derivative)."""
    xo = [autograd.tensor(a, requires_grad=True) for a in arrays]
    xt = [torch.tensor(a, requires_grad=True) for a in arrays]
    yo, yt = fn_o(*xo), fn_t(*xt)
    assert tuple(yo.shape) == tuple(yt.shape)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), atol=atol, rtol=1e-7)
    g = randn(*yt.shape, seed=5)
    g_o = autograd.tensor(g, requires_grad=twice)
    g_t = torch.tensor(g, requires_grad=twice)
    go = autograd.grad(yo, xo, g_o, create_graph=twice)
    gt = torch.autograd.grad(yt, xt, g_t, create_graph=twice)
    for a, b in zip(go, gt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=atol, rtol=1e-7)
    if twice:  # double backward, with respect to the inputs and the upstream gradient
        so = autograd.grad(sum((a * a).sum() for a in go), xo + [g_o], allow_unused=True)
        st = torch.autograd.grad(sum((a * a).sum() for a in gt), xt + [g_t], allow_unused=True)
        for a, b in zip(so, st):
            if a is None or b is None:
                assert a is None or not np.any(a.numpy())
                assert b is None or not np.any(b.numpy())
                continue
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-9, rtol=1e-7)


ACTIVATIONS = [
    ("hardswish", {}), ("hardsigmoid", {}), ("mish", {}), ("softsign", {}),
    ("tanhshrink", {}), ("softshrink", {"lambd": 0.4}), ("hardshrink", {"lambd": 0.4}),
    ("celu", {"alpha": 1.3}), ("selu", {}), ("logsigmoid", {}),
]


@pytest.mark.parametrize("name,kw", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_functional_twice_differentiable(name, kw):
    x = randn(6, 7) * 3
    # torch's ELU-family backward under create_graph goes through the output (y + alpha),
    # losing ~1e-7 relative precision for very negative x: a looser tolerance there
    _both(lambda t: getattr(F, name)(t, **kw), lambda t: getattr(TF, name)(t, **kw), x,
          twice=name not in ("hardshrink", "hardsigmoid", "softshrink"),
          atol=1e-8 if name in ("celu", "selu") else 1e-10)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # -inf * 0 in a backward at -inf
@pytest.mark.parametrize("name", ["hardswish", "hardsigmoid", "softshrink", "hardshrink",
                                  "celu", "selu", "threshold", "prelu"])
def test_activation_gradients_at_kinks(name):
    x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0, -np.inf, np.inf, 100.0, -100.0])
    if name == "threshold":
        fo, ft = (lambda t: F.threshold(t, 0.5, 7.0)), (lambda t: TF.threshold(t, 0.5, 7.0))
    elif name == "prelu":
        fo = lambda t: F.prelu(t, autograd.tensor([0.25], dtype=autograd.float64))  # noqa: E731
        ft = lambda t: TF.prelu(t, torch.tensor([0.25], dtype=torch.float64))  # noqa: E731
    else:
        fo, ft = getattr(F, name), getattr(TF, name)
    xo = autograd.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = fo(xo), ft(xt)
    np.testing.assert_array_equal(yo.detach().numpy(), yt.detach().numpy())
    finite = np.isfinite(x)
    g = np.where(finite, 1.0, 0.0)
    yo.backward(autograd.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xo.grad.numpy()[finite], xt.grad.numpy()[finite])


def test_glu_prelu_functional():
    _both(lambda t: F.glu(t, 0), lambda t: TF.glu(t, 0), randn(4, 3), twice=True)
    _both(F.prelu, TF.prelu, randn(2, 3, 4), np.array([0.1, -0.2, 0.3]), twice=True)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", [((2, 5), (2, 3)), ((2, 3, 5), (4, 1)),
                                       ((2, 3, 4, 5), (1, 2, 3, 0)), ((3, 4, 5), (2, 2, 1, 3)),
                                       ((1, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2)),
                                       ((2, 3, 5), (-1, 2))])
def test_pad_modes(mode, shape, pad):
    _both(lambda t: F.pad(t, pad, mode), lambda t: TF.pad(t, pad, mode), randn(*shape),
          twice=True)


@pytest.mark.parametrize("mode,pad,shape", [("reflect", (5, 0), (1, 1, 5)),
                                            ("circular", (6, 0), (1, 1, 5)),
                                            ("reflect", (1, 1), (5,)),
                                            ("replicate", (1, 1), (1, 1, 1, 1, 1, 5))])
def test_pad_mode_errors_match_torch(mode, pad, shape):
    with pytest.raises(Exception) as theirs:
        TF.pad(torch.zeros(shape), pad, mode)
    with pytest.raises(theirs.type):
        F.pad(autograd.zeros(*shape), pad, mode)
    with pytest.raises(RuntimeError):
        F.pad(autograd.zeros(1, 1, 5), (1, 1), "reflect", 2.0)


INTERP = [
    ((2, 3, 5), dict(size=9, mode="nearest")),
    ((2, 3, 5), dict(scale_factor=1.6, mode="nearest")),
    ((2, 3, 7), dict(size=3, mode="nearest")),
    ((1, 2, 4, 5), dict(scale_factor=(2, 3), mode="nearest")),
    ((1, 2, 6, 5), dict(size=(4, 3), mode="nearest")),
    ((1, 2, 4, 5), dict(scale_factor=1.3, mode="nearest", recompute_scale_factor=True)),
    ((1, 2, 4, 5), dict(scale_factor=1.5, mode="nearest-exact")),
    ((1, 2, 3, 4, 5), dict(scale_factor=2, mode="nearest")),
    ((2, 3, 5), dict(size=8, mode="linear")),
    ((2, 3, 5), dict(size=8, mode="linear", align_corners=True)),
    ((2, 3, 5), dict(scale_factor=0.6, mode="linear")),
    ((1, 2, 4, 5), dict(scale_factor=2.3, mode="bilinear")),
    ((1, 2, 4, 5), dict(scale_factor=2.3, mode="bilinear", recompute_scale_factor=True)),
    ((1, 2, 4, 5), dict(size=(7, 3), mode="bilinear", align_corners=True)),
    ((1, 2, 6, 7), dict(size=(3, 2), mode="bilinear", align_corners=False)),
    ((1, 2, 4, 5), dict(size=(1, 1), mode="bilinear", align_corners=True)),
    ((1, 2, 4, 5), dict(size=(9, 7), mode="bicubic")),
    ((1, 2, 4, 5), dict(size=(9, 7), mode="bicubic", align_corners=True)),
    ((1, 2, 6, 7), dict(scale_factor=0.7, mode="bicubic")),
    ((1, 2, 3, 4, 5), dict(size=(4, 6, 3), mode="trilinear")),
    ((1, 2, 7), dict(size=3, mode="area")),
    ((1, 2, 6, 7), dict(scale_factor=0.5, mode="area")),
]


@pytest.mark.parametrize("shape,kw", INTERP, ids=[f"{k['mode']}-{i}" for i, (_, k) in
                                                  enumerate(INTERP)])
def test_interpolate(shape, kw):
    x = randn(*shape)
    _both(lambda t: F.interpolate(t, **kw), lambda t: TF.interpolate(t, **kw), x,
          twice=kw["mode"] != "area")


def test_interpolate_float32_and_upsample_aliases():
    x = randn(1, 2, 5, 6).astype(np.float32)
    for kw in (dict(scale_factor=1.7, mode="bilinear"), dict(size=(8, 9), mode="bicubic"),
               dict(scale_factor=1.3, mode="nearest")):
        yo = F.interpolate(autograd.tensor(x), **kw)
        yt = TF.interpolate(torch.tensor(x), **kw)
        assert yo.dtype == autograd.float32
        np.testing.assert_allclose(yo.numpy(), yt.numpy(), atol=1e-5)
    x = randn(1, 2, 3, 4)
    np.testing.assert_allclose(F.upsample_bilinear(autograd.tensor(x), scale_factor=2).numpy(),
                               TF.interpolate(torch.tensor(x), scale_factor=2, mode="bilinear",
                                              align_corners=True).numpy(), atol=1e-12)
    np.testing.assert_allclose(F.upsample_nearest(autograd.tensor(x), size=(5, 7)).numpy(),
                               TF.interpolate(torch.tensor(x), size=(5, 7)).numpy())


@pytest.mark.parametrize("call", [
    lambda f, t: f.interpolate(t, scale_factor=2, mode="bilinear"),  # 3-D input
    lambda f, t: f.interpolate(t, scale_factor=2, mode="nearest", align_corners=True),
    lambda f, t: f.interpolate(t, size=3, scale_factor=2),
    lambda f, t: f.interpolate(t),
    lambda f, t: f.interpolate(t, size=(3, 4)),
    lambda f, t: f.pixel_shuffle(t, 2),
    lambda f, t: f.glu(t, 1),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(TF, torch.zeros(1, 3, 5))
    with pytest.raises(theirs.type):
        call(F, autograd.zeros(1, 3, 5))


def test_pixel_shuffle_roundtrip_and_functional():
    x = randn(2, 3, 8, 4, 6)
    _both(lambda t: F.pixel_shuffle(t, 2), lambda t: TF.pixel_shuffle(t, 2), x)
    _both(lambda t: F.pixel_unshuffle(t, 2), lambda t: TF.pixel_unshuffle(t, 2), x)


def test_normalisation_functionals():
    x = randn(2, 3, 5)
    w, b = randn(3, seed=2), randn(3, seed=3)
    _both(lambda t, ww, bb: F.instance_norm(t, weight=ww, bias=bb),
          lambda t, ww, bb: TF.instance_norm(t, weight=ww, bias=bb), x, w, b, twice=True)
    _both(lambda t, ww: F.rms_norm(t, (5,), ww), lambda t, ww: TF.rms_norm(t, (5,), ww),
          x, randn(5, seed=4), twice=True)
    _both(lambda t: F.local_response_norm(t, 2), lambda t: TF.local_response_norm(t, 2), x,
          twice=True)
    _both(lambda t: F.normalize(t, dim=-1), lambda t: TF.normalize(t, dim=-1), x)
    x32 = randn(3, 4).astype(np.float32)
    np.testing.assert_allclose(F.rms_norm(autograd.tensor(x32), [4]).numpy(),
                               TF.rms_norm(torch.tensor(x32), [4]).numpy(), rtol=1e-6)


def test_instance_norm_running_stats_functional():
    x = randn(4, 3, 6)
    rm_o, rv_o = autograd.zeros(3, dtype=autograd.float64), autograd.ones(3, dtype=autograd.float64)
    rm_t, rv_t = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    yo = F.instance_norm(autograd.tensor(x), rm_o, rv_o, momentum=0.2)
    yt = TF.instance_norm(torch.tensor(x), rm_t, rv_t, momentum=0.2)
    np.testing.assert_allclose(yo.numpy(), yt.numpy(), atol=1e-12)
    np.testing.assert_allclose(rm_o.numpy(), rm_t.numpy(), atol=1e-12)
    np.testing.assert_allclose(rv_o.numpy(), rv_t.numpy(), atol=1e-12)
    yo = F.instance_norm(autograd.tensor(x), rm_o, rv_o, use_input_stats=False)
    yt = TF.instance_norm(torch.tensor(x), rm_t, rv_t, use_input_stats=False)
    np.testing.assert_allclose(yo.numpy(), yt.numpy(), atol=1e-12)


# ------------------------------------------------------------------ lazy layers
@pytest.mark.parametrize("make,shape", [
    (lambda m: m.LazyLinear(3), (4, 5)),
    (lambda m: m.LazyLinear(3, bias=False), (2, 4, 5)),
    (lambda m: m.LazyConv1d(4, 3, padding=1), (2, 3, 7)),
    (lambda m: m.LazyConv2d(4, 3, stride=2, groups=2), (2, 6, 7, 7)),
    (lambda m: m.LazyConv2d(2, 3, padding=1, padding_mode="reflect"), (3, 5, 5)),
])
def test_lazy_layers(make, shape):
    ours, theirs = make(nn), make(TNN)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert isinstance(ours.weight, nn.UninitializedParameter)
    x = randn(*shape).astype(np.float32)
    ours(autograd.tensor(x))
    theirs(torch.tensor(x))
    assert type(ours).__name__ == type(theirs).__name__
    assert repr(ours) == repr(theirs)
    assert not isinstance(ours.weight, nn.UninitializedParameter)
    assert isinstance(ours.weight, nn.Parameter)
    compare(ours, theirs, randn(*shape))


def test_lazy_load_state_dict():
    theirs = TNN.Linear(5, 3)
    ours = nn.LazyLinear(3)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert tuple(ours.weight.shape) == (3, 5)
    x = randn(2, 5).astype(np.float32)
    np.testing.assert_allclose(ours(autograd.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert type(ours) is nn.Linear


# --------------------------------------------------------------- weight norm
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("make,dim,shape", [
    (lambda m: m.Linear(4, 3), 0, (5, 4)),
    (lambda m: m.Linear(4, 3), 1, (5, 4)),
    (lambda m: m.Conv2d(2, 3, 3), 0, (2, 2, 5, 5)),
    (lambda m: m.Conv2d(2, 3, 3), None, (2, 2, 5, 5)),
    (lambda m: m.Conv1d(2, 3, 3), 2, (2, 2, 6)),
])
@pytest.mark.parametrize("kind", ["old", "parametrization"])
def test_weight_norm(make, dim, shape, kind):
    wn_o = nn.utils.weight_norm if kind == "old" else nn.utils.parametrizations.weight_norm
    wn_t = torch.nn.utils.weight_norm if kind == "old" else \
        torch.nn.utils.parametrizations.weight_norm
    base = make(nn)
    theirs = make(TNN)
    copy_weights(base, theirs)
    ours = wn_o(base, dim=dim)
    theirs = wn_t(theirs, dim=dim)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-6)
    compare(ours, theirs, randn(*shape), steps=2)
    assert type(ours).__name__ == type(theirs).__name__
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               atol=1e-12)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_remove_weight_norm_and_parametrizations():
    ours, theirs = nn.Linear(4, 3).double(), TNN.Linear(4, 3).double()
    copy_weights(ours, theirs)
    nn.utils.weight_norm(ours)
    torch.nn.utils.weight_norm(theirs)
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    with pytest.raises(ValueError):
        nn.utils.remove_weight_norm(ours)
    P = nn.utils.parametrize
    ours, theirs = nn.Linear(4, 3).double(), TNN.Linear(4, 3).double()
    copy_weights(ours, theirs)
    nn.utils.parametrizations.weight_norm(ours)
    torch.nn.utils.parametrizations.weight_norm(theirs)
    assert P.is_parametrized(ours) and P.is_parametrized(ours, "weight")
    assert P.type_before_parametrizations(ours) is nn.Linear
    P.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert type(ours) is nn.Linear
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               atol=1e-12)


# ---------------------------------------------------------------------- hooks
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_full_backward_hook_matches_torch():
    seen = {}

    def make_hook(key):
        def hook(module, grad_input, grad_output):
            seen[key] = ([None if g is None else np.array(g.numpy()) for g in grad_input],
                         [np.array(g.numpy()) for g in grad_output])
        return hook

    ours, theirs = nn.Linear(4, 3).double(), TNN.Linear(4, 3).double()
    copy_weights(ours, theirs)
    ours.register_full_backward_hook(make_hook("o"))
    theirs.register_full_backward_hook(make_hook("t"))
    x = randn(5, 4)
    for requires_grad in (True, False):
        ours(autograd.tensor(x, requires_grad=requires_grad)).sum().backward()
        theirs(torch.tensor(x, requires_grad=requires_grad)).sum().backward()
        (gi_o, go_o), (gi_t, go_t) = seen["o"], seen["t"]
        assert len(gi_o) == len(gi_t) and len(go_o) == len(go_t)
        for a, b in zip(gi_o + go_o, gi_t + go_t):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, atol=1e-12)


def test_backward_hook_can_replace_grad_input():
    ours = nn.Tanh()
    ours.register_full_backward_hook(lambda m, gi, go: (gi[0] * 2,))
    theirs = TNN.Tanh()
    theirs.register_full_backward_hook(lambda m, gi, go: (gi[0] * 2,))
    pre_o = ours.register_full_backward_pre_hook(lambda m, go: (go[0] + 1,))
    theirs.register_full_backward_pre_hook(lambda m, go: (go[0] + 1,))
    x = randn(3, 4)
    xo, xt = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours(xo).sum().backward()
    theirs(xt).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), atol=1e-12)
    pre_o.remove()


def test_forward_pre_hook_named_modules_get_submodule_to_empty():
    def build(m):
        lin = m.Linear(2, 2)
        return m.Sequential(lin, m.ReLU(), m.Sequential(lin))
    ours, theirs = build(nn), build(TNN)
    for rd in (True, False):
        assert [n for n, _ in ours.named_modules(remove_duplicate=rd)] == \
            [n for n, _ in theirs.named_modules(remove_duplicate=rd)]
    assert type(ours.get_submodule("2.0")).__name__ == "Linear"
    with pytest.raises(AttributeError):
        ours.get_submodule("3")
    calls = []
    h = ours.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    ours[0].register_forward_pre_hook(lambda m, args: calls.append(1))
    theirs.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    copy_weights(ours, theirs)
    x = randn(3, 2).astype(np.float32)
    np.testing.assert_allclose(ours(autograd.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert calls == [1, 1]
    h.remove()
    assert ours.to_empty(device="cpu") is ours
    assert [tuple(p.shape) for p in ours.parameters()] == [(2, 2), (2,)]
