"""grad_fn names are PyTorch's grad_fn class names without the trailing digit: the public
op a user wrote (``x.mean()`` -> ``MeanBackward``), also for ops composed of others."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402
import nn.functional as F  # noqa: E402

CASES = {
    "mean": lambda t, F, x: x.mean(),
    "mean_dim": lambda t, F, x: x.mean(1, keepdim=True),
    "var": lambda t, F, x: x.var(0),
    "std": lambda t, F, x: x.std(),
    "sum": lambda t, F, x: x.sum(),
    "square": lambda t, F, x: x.square(),
    "mm": lambda t, F, x: x @ x.t(),
    "dot": lambda t, F, x: x[0].dot(x[1]),
    "mv": lambda t, F, x: t.mv(x, x[0]),
    "bmm": lambda t, F, x: t.bmm(x.unsqueeze(0), x.t().unsqueeze(0)),
    "addmm": lambda t, F, x: t.addmm(x[:, :1], x, x.t()),
    "linear": lambda t, F, x: F.linear(x, x, x[0]),
    "linear_nobias": lambda t, F, x: F.linear(x, x),
    "relu": lambda t, F, x: x.relu(),
    "gelu": lambda t, F, x: F.gelu(x),
    "silu": lambda t, F, x: F.silu(x),
    "leaky_relu": lambda t, F, x: F.leaky_relu(x),
    "elu": lambda t, F, x: F.elu(x),
    "log1p": lambda t, F, x: x.abs().log1p(),
    "t": lambda t, F, x: x.t(),
    "transpose": lambda t, F, x: x.transpose(0, 1),
    "view": lambda t, F, x: x.view(-1),
    "flatten": lambda t, F, x: x.flatten(),
    "unsqueeze": lambda t, F, x: x.unsqueeze(0),
    "squeeze": lambda t, F, x: x.unsqueeze(0).squeeze(0),
    "expand": lambda t, F, x: x[:1].expand(3, 3),
    "stack": lambda t, F, x: t.stack([x, x]),
    "max": lambda t, F, x: x.max(),
    "min": lambda t, F, x: x.min(),
    "norm": lambda t, F, x: x.norm(),
    "logsumexp": lambda t, F, x: x.logsumexp(1),
    "cross_entropy": lambda t, F, x: F.cross_entropy(x, t.tensor([0, 1, 2])),
    "conv1d": lambda t, F, x: F.conv1d(x.unsqueeze(0), x.unsqueeze(-1)),
    "conv2d": lambda t, F, x: F.conv2d(x.view(1, 1, 3, 3), x.view(1, 1, 3, 3)[:, :, :2, :2]),
    "max_pool2d": lambda t, F, x: F.max_pool2d(x.view(1, 1, 3, 3), 2),
    "avg_pool2d": lambda t, F, x: F.avg_pool2d(x.view(1, 1, 3, 3), 2),
    "mul": lambda t, F, x: x * 2,
    "exp": lambda t, F, x: x.exp(),
}


def _name(fn, ours):
    return fn.name() if ours else type(fn).__name__.rstrip("0123456789")


@pytest.mark.parametrize("case", sorted(CASES))
def test_grad_fn_name_matches_torch(case):
    data = np.random.default_rng(0).standard_normal((3, 3))
    theirs = CASES[case](torch, torch.nn.functional, torch.tensor(data, requires_grad=True))
    ours = CASES[case](autograd, F, autograd.tensor(data, requires_grad=True))
    assert _name(ours.grad_fn, True) == _name(theirs.grad_fn, False)


def test_unchanged_input_keeps_its_own_name():
    # a no-op squeeze/view returns its input: the input's node must not be renamed
    x = autograd.randn(3, 3, requires_grad=True)
    y = x.exp()
    assert y.squeeze(0) is y and y.view(3, 3) is y
    assert y.grad_fn.name() == "ExpBackward"
    assert x.t().t().grad_fn.name() == "TBackward"


def test_name_survives_backward():
    x = autograd.randn(3, requires_grad=True)
    y = x.mean()
    y.backward()
    assert y.grad_fn.name() == "MeanBackward" and repr(y.grad_fn) == "<MeanBackward object>"
