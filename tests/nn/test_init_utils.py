"""nn.init (fans, gains, distributions, in place without a graph) and nn.utils."""
import math

import numpy as np
import pytest

import autograd
import nn
from nn import init
from nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def test_fans_and_gains():
    w = autograd.empty(8, 4, 3, 5)
    assert init._calculate_fan_in_and_fan_out(w) == (60, 120)
    assert init._calculate_fan_in_and_fan_out(autograd.empty(3, 7)) == (7, 3)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(autograd.empty(3))
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("conv2d") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01 ** 2))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("fn,kw,check", [
    (init.uniform_, dict(a=-2, b=3), lambda a: a.min() >= -2 and a.max() <= 3 and abs(a.mean() - 0.5) < 0.05),
    (init.normal_, dict(mean=1, std=2), lambda a: abs(a.mean() - 1) < 0.05 and abs(a.std() - 2) < 0.05),
    (init.trunc_normal_, dict(std=1, a=-1, b=1.5), lambda a: a.min() >= -1 and a.max() <= 1.5),
    (init.constant_, dict(val=0.3), lambda a: np.all(a == np.float32(0.3))),
    (init.ones_, {}, lambda a: np.all(a == 1)),
    (init.zeros_, {}, lambda a: np.all(a == 0)),
    (init.xavier_uniform_, dict(gain=2), lambda a: np.abs(a).max() <= 2 * math.sqrt(6 / 500) + 1e-6
     and abs(a.std() - 2 * math.sqrt(2 / 500)) < 0.003),
    (init.xavier_normal_, {}, lambda a: abs(a.std() - math.sqrt(2 / 500)) < 0.002),
    (init.kaiming_uniform_, dict(nonlinearity="relu"),
     lambda a: np.abs(a).max() <= math.sqrt(6 / 200) + 1e-6),
    (init.kaiming_normal_, dict(mode="fan_out", nonlinearity="relu"),
     lambda a: abs(a.std() - math.sqrt(2 / 300)) < 0.003),
])
def test_init_distributions_in_place_without_graph(fn, kw, check):
    p = nn.Parameter(autograd.empty(300, 200))
    v = p._version
    out = fn(p, **kw)
    assert out is p and p.grad_fn is None and p.requires_grad and p._version > v
    assert check(p.detach().numpy())


def test_eye_orthogonal_and_seeding():
    w = autograd.empty(3, 5)
    init.eye_(w)
    np.testing.assert_array_equal(w.numpy(), np.eye(3, 5))
    for shape in [(4, 6), (6, 4), (3, 2, 2)]:
        q = init.orthogonal_(autograd.empty(*shape), gain=2).numpy().reshape(shape[0], -1)
        small = q @ q.T if shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4 * np.eye(len(small)), atol=1e-5)
    autograd.manual_seed(3)
    a = init.normal_(autograd.empty(5)).numpy().copy()
    autograd.manual_seed(3)
    np.testing.assert_array_equal(init.normal_(autograd.empty(5)).numpy(), a)
    g = autograd.Generator().manual_seed(3)
    np.testing.assert_array_equal(init.normal_(autograd.empty(5), generator=g).numpy(), a)


def test_layers_initialise_reproducibly():
    autograd.manual_seed(1)
    a = nn.Linear(4, 3).weight.detach().numpy().copy()
    autograd.manual_seed(1)
    np.testing.assert_array_equal(nn.Linear(4, 3).weight.detach().numpy(), a)


def _params_with_grads():
    ps = [nn.Parameter(autograd.zeros(3)), nn.Parameter(autograd.zeros(2, 2))]
    ps[0].grad = autograd.tensor([3.0, 0.0, 4.0])
    ps[1].grad = autograd.tensor([[0.0, 12.0], [0.0, 0.0]])
    return ps


def test_clip_grad_norm():
    ps = _params_with_grads()
    total = clip_grad_norm_(ps, max_norm=6.5)
    assert total.item() == pytest.approx(13.0)
    new = math.sqrt(sum((p.grad.numpy() ** 2).sum() for p in ps))
    assert new == pytest.approx(6.5, rel=1e-5)
    ps = _params_with_grads()
    assert clip_grad_norm_(ps, 100.0).item() == pytest.approx(13.0)
    np.testing.assert_array_equal(ps[0].grad.numpy(), [3, 0, 4])  # untouched
    ps = _params_with_grads()
    assert clip_grad_norm_(ps, 6.0, norm_type=float("inf")).item() == 12.0
    assert ps[1].grad.numpy().max() == pytest.approx(6.0, rel=1e-5)
    ps = _params_with_grads()
    assert clip_grad_norm_(ps, 1.0, norm_type=1).item() == pytest.approx(19.0)
    ps[0].grad = autograd.tensor([float("nan"), 0.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    assert clip_grad_norm_([nn.Parameter(autograd.zeros(1))], 1.0).item() == 0.0


def test_clip_grad_value_and_vector_conversion():
    ps = _params_with_grads()
    clip_grad_value_(ps, 3.5)
    np.testing.assert_array_equal(ps[0].grad.numpy(), [3, 0, 3.5])
    np.testing.assert_array_equal(ps[1].grad.numpy(), [[0, 3.5], [0, 0]])
    m = nn.Linear(3, 2)
    v = parameters_to_vector(m.parameters())
    assert v.shape == (8,)
    vector_to_parameters(v * 0 + autograd.arange(8.0), m.parameters())
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(m.bias.detach().numpy(), [6, 7])
    with pytest.raises(ValueError, match="needs 8|need 8"):
        vector_to_parameters(autograd.zeros(5), m.parameters())
    v = parameters_to_vector(m.parameters())
    v.sum().backward()
    assert np.all(m.weight.grad.numpy() == 1)
