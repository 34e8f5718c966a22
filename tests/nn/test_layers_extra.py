"""Torch-free checks of the layers of issue 12 (part 1): shapes, known values,
gradients (gradcheck), lazy materialisation, weight norm, hooks, DataParallel."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F


def t64(*shape, seed=0, requires_grad=True):
    a = np.random.default_rng(seed).standard_normal(shape)
    return autograd.tensor(a, requires_grad=requires_grad)


@pytest.mark.parametrize("fn", [
    lambda x: F.hardswish(x * 3), lambda x: F.mish(x), lambda x: F.softsign(x),
    lambda x: F.tanhshrink(x), lambda x: F.celu(x, 0.7), lambda x: F.selu(x),
    lambda x: F.glu(x, 0), lambda x: F.local_response_norm(x.reshape(1, 4, 3), 3),
    lambda x: F.rms_norm(x, (3,)), lambda x: F.instance_norm(x.reshape(1, 2, 6)),
    lambda x: F.pad(x.reshape(1, 4, 3), (2, 1), "reflect"),
    lambda x: F.pad(x.reshape(1, 4, 3), (1, 1, 2, 0), "circular"),
    lambda x: F.interpolate(x.reshape(1, 1, 4, 3), scale_factor=1.5, mode="bilinear"),
    lambda x: F.interpolate(x.reshape(1, 1, 4, 3), size=(5, 5), mode="bicubic",
                            align_corners=True),
    lambda x: F.pixel_shuffle(x.reshape(1, 4, 3, 1), 2),
])
def test_gradcheck_and_gradgradcheck(fn):
    x = t64(4, 3)
    assert autograd.gradcheck(fn, (x,))
    assert autograd.gradgradcheck(fn, (x,))


def test_known_values():
    x = autograd.tensor([[-4.0, -3.0, -1.0, 0.0, 2.0, 3.0, 5.0]])
    np.testing.assert_allclose(F.hardsigmoid(x).numpy(), [[0, 0, 1 / 3, 0.5, 5 / 6, 1, 1]],
                               rtol=1e-6)
    np.testing.assert_allclose(F.hardshrink(x, 2.0).numpy(), [[-4, -3, 0, 0, 0, 3, 5]])
    np.testing.assert_allclose(F.softshrink(x, 2.0).numpy(), [[-2, -1, 0, 0, 0, 1, 3]])
    np.testing.assert_allclose(F.threshold(x, 0.0, 9.0).numpy(), [[9, 9, 9, 9, 2, 3, 5]])
    r = autograd.arange(4.0).reshape(1, 1, 4)
    np.testing.assert_array_equal(F.pad(r, (2, 1), "reflect").numpy()[0, 0],
                                  [2, 1, 0, 1, 2, 3, 2])
    np.testing.assert_array_equal(F.pad(r, (2, 1), "replicate").numpy()[0, 0],
                                  [0, 0, 0, 1, 2, 3, 3])
    np.testing.assert_array_equal(F.pad(r, (2, 1), "circular").numpy()[0, 0],
                                  [2, 3, 0, 1, 2, 3, 0])
    np.testing.assert_array_equal(F.interpolate(r, scale_factor=2).numpy()[0, 0],
                                  [0, 0, 1, 1, 2, 2, 3, 3])
    np.testing.assert_allclose(F.interpolate(r, size=7, mode="linear",
                                             align_corners=True).numpy()[0, 0],
                               np.linspace(0, 3, 7), rtol=1e-6)


def test_pixel_shuffle_inverse():
    x = t64(2, 8, 3, 5, requires_grad=False)
    y = F.pixel_shuffle(x, 2)
    assert tuple(y.shape) == (2, 2, 6, 10)
    np.testing.assert_array_equal(F.pixel_unshuffle(y, 2).numpy(), x.numpy())


def test_rrelu_train_and_eval():
    autograd.manual_seed(0)
    m = nn.RReLU(0.1, 0.3)
    x = autograd.tensor(-np.ones(1000), requires_grad=True)
    y = m(x)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.01
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)
    m.eval()
    np.testing.assert_allclose(m(x).detach().numpy(), -0.2 * np.ones(1000))
    assert np.all(m(-x).detach().numpy() == 1)


def test_prelu_parameters_and_modules_shapes():
    m = nn.PReLU(3)
    assert tuple(m.weight.shape) == (3,) and np.allclose(m.weight.detach().numpy(), 0.25)
    assert tuple(m(t64(2, 3, 4)).shape) == (2, 3, 4)
    assert tuple(nn.GLU(1)(t64(2, 6)).shape) == (2, 3)
    assert tuple(nn.Softmax2d()(t64(2, 3, 4, 4)).sum(1).shape) == (2, 4, 4)
    assert list(nn.InstanceNorm2d(3, affine=True, track_running_stats=True).state_dict()) == \
        ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert list(nn.RMSNorm([2, 3]).state_dict()) == ["weight"]
    assert tuple(nn.Upsample(scale_factor=2, mode="nearest")(t64(1, 2, 3, 4)).shape) == \
        (1, 2, 6, 8)
    assert tuple(nn.ReflectionPad2d((1, 2, 3, 4))(t64(1, 2, 5, 5)).shape) == (1, 2, 12, 8)
    x = t64(1, 2, 4, 4)
    fold, unfold = nn.Fold((4, 4), 2, stride=2), nn.Unfold(2, stride=2)
    np.testing.assert_allclose(fold(unfold(x)).detach().numpy(), x.detach().numpy())


def test_instance_norm_running_stats_and_eval():
    m = nn.InstanceNorm1d(2, track_running_stats=True).double()
    x = t64(3, 2, 5, requires_grad=False)
    m(x)
    means = x.numpy().mean(2).mean(0)
    np.testing.assert_allclose(m.running_mean.numpy(), 0.1 * means, rtol=1e-5)
    assert int(m.num_batches_tracked.item()) == 0
    m.eval()
    y = m(x).numpy()
    rm, rv = m.running_mean.numpy()[None, :, None], m.running_var.numpy()[None, :, None]
    np.testing.assert_allclose(y, (x.numpy() - rm) / np.sqrt(rv + 1e-5), rtol=1e-5)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv_padding_modes(mode):
    conv = nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode).double()
    x = t64(1, 2, 5, 6)
    ref = F.conv2d(F.pad(x, (1, 1, 1, 1), mode), conv.weight, conv.bias)
    np.testing.assert_allclose(conv(x).detach().numpy(), ref.detach().numpy())
    assert f"padding_mode={mode}" in repr(conv)
    with pytest.raises(ValueError):
        nn.ConvTranspose2d(2, 3, 3, padding_mode=mode)


def test_lazy_linear_and_conv():
    m = nn.LazyLinear(4)
    assert isinstance(m.weight, nn.UninitializedParameter)
    assert m.in_features == 0
    w = m.weight
    y = m(autograd.randn(2, 7))
    assert type(m) is nn.Linear and m.in_features == 7
    assert m.weight is w and type(w) is nn.Parameter and tuple(w.shape) == (4, 7)
    assert tuple(y.shape) == (2, 4)
    bound = 1 / np.sqrt(7)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    c = nn.LazyConv2d(5, 3, padding=1)
    assert tuple(c(autograd.randn(1, 3, 6, 6)).shape) == (1, 5, 6, 6)
    assert type(c) is nn.Conv2d and c.in_channels == 3 and tuple(c.weight.shape) == (5, 3, 3, 3)
    c1 = nn.LazyConv1d(2, 2).double()
    c1(autograd.randn(4, 5, dtype=autograd.float64))  # unbatched
    assert c1.in_channels == 4 and c1.weight.dtype == autograd.float64


def test_data_parallel_is_transparent():
    inner = nn.Linear(3, 2)
    dp = nn.parallel.DataParallel(inner)
    assert dp.module is inner
    assert list(dp.state_dict()) == ["module.weight", "module.bias"]
    x = autograd.randn(4, 3)
    np.testing.assert_array_equal(dp(x).detach().numpy(), inner(x).detach().numpy())


def test_weight_norm_old_and_parametrization():
    m = nn.utils.weight_norm(nn.Linear(3, 4))
    assert list(m.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert tuple(m.weight_g.shape) == (4, 1)
    before = m(autograd.ones(1, 3)).detach().numpy()
    with pytest.raises(RuntimeError):
        nn.utils.weight_norm(m)
    nn.utils.remove_weight_norm(m)
    assert list(m.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(m(autograd.ones(1, 3)).detach().numpy(), before, rtol=1e-6)
    p = nn.utils.parametrizations.weight_norm(nn.Linear(3, 4), dim=None)
    assert type(p).__name__ == "ParametrizedLinear"
    assert list(p.state_dict()) == ["bias", "parametrizations.weight.original0",
                                    "parametrizations.weight.original1"]
    assert tuple(p.parametrizations.weight.original0.shape) == ()
    p(autograd.ones(2, 3)).sum().backward()
    assert p.parametrizations.weight.original0.grad is not None
    with nn.utils.parametrize.cached():
        assert p.weight is p.weight


def test_backward_hooks_and_pre_hooks():
    m = nn.Linear(3, 2)
    seen = []
    h = m.register_full_backward_hook(
        lambda mod, gi, go: seen.append((mod, [tuple(g.shape) for g in gi],
                                         [tuple(g.shape) for g in go])))
    x = autograd.randn(4, 3, requires_grad=True)
    m(x).sum().backward()
    assert seen == [(m, [(4, 3)], [(4, 2)])]
    h.remove()
    m(x).sum().backward()
    assert len(seen) == 1
    m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    assert np.allclose(m(x).detach().numpy(), m.bias.detach().numpy())


def test_to_empty_and_named_modules():
    m = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    shapes = [tuple(p.shape) for p in m.parameters()]
    assert m.to_empty() is m
    assert [tuple(p.shape) for p in m.parameters()] == shapes
    shared = nn.Linear(1, 1)
    s = nn.Sequential(shared, shared)
    assert len(list(s.named_modules())) == 2
    assert len(list(s.named_modules(remove_duplicate=False))) == 3
    assert s.get_submodule("1") is shared
