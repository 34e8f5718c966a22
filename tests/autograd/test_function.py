"""User-defined autograd.Function (PyTorch's API) and once_differentiable."""
import numpy as np
import pytest

import autograd


class Exp(autograd.Function):
    """PyTorch's documentation example: saves its output."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * y


def _x():
    return autograd.tensor([0.5, -1.0, 2.0], dtype=autograd.float64, requires_grad=True)


def test_exp_function_forward_backward_and_gradcheck():
    x = _x()
    y = Exp.apply(x)
    assert y.grad_fn is not None and "Exp" in y.grad_fn.name()
    np.testing.assert_allclose(y.detach().numpy(), np.exp(x.detach().numpy()))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp(x.detach().numpy()))
    assert autograd.gradcheck(Exp.apply, (_x(),))
    assert autograd.gradgradcheck(Exp.apply, (_x(),))  # backward uses Tensor ops


def test_forward_receives_tensors_and_runs_without_recording():
    seen = {}

    class Probe(autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            seen["type"] = type(x)
            seen["grad_enabled"] = autograd.is_grad_enabled()
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None
    y = Probe.apply(_x(), 3.0)
    assert seen == {"type": autograd.Tensor, "grad_enabled": False}
    assert y.requires_grad


def test_needs_input_grad_and_none_gradients():
    flags = {}

    class MulConst(autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            flags["needs"] = ctx.needs_input_grad
            a, b = ctx.saved_tensors
            return (g * b if ctx.needs_input_grad[0] else None,
                    g * a if ctx.needs_input_grad[1] else None)
    a = _x()
    b = autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64)
    MulConst.apply(a, b).sum().backward()
    assert flags["needs"] == (True, False)
    np.testing.assert_allclose(a.grad.numpy(), b.numpy())


def test_no_node_when_no_input_requires_grad():
    y = Exp.apply(autograd.tensor([1.0, 2.0]))
    assert y.grad_fn is None and not y.requires_grad


def test_saved_tensor_modified_in_place_is_detected():
    x = _x()
    h = x * 1

    class Square(autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2 * a * g
    y = Square.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="version"):
        y.sum().backward()


def test_multiple_outputs():
    class SplitTwo(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3
    x = _x()
    a, b = SplitTwo.apply(x)
    (a.sum() + b.sum() * 2).backward()
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 8.0, 8.0])
    x.grad = None
    a, b = SplitTwo.apply(x)
    a.sum().backward()   # unused output: its gradient is materialised as zeros
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_once_differentiable_first_order_works_double_backward_raises():
    class Cube(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @autograd.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return autograd.tensor(3 * x.detach().numpy() ** 2 * g.detach().numpy())
    x = _x()
    (g,) = autograd.grad(Cube.apply(x).sum(), [x])
    np.testing.assert_allclose(g.numpy(), 3 * x.detach().numpy() ** 2)
    # as in PyTorch, the result is connected to the upstream gradient v, and
    # differentiating through it raises
    v = autograd.ones(3, dtype=autograd.float64, requires_grad=True)
    (g,) = autograd.grad(Cube.apply(x), [x], grad_outputs=v, create_graph=True)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="once_differentiable") as info:
        autograd.grad(g.sum(), [v])
    assert "Cube" in str(info.value)


def test_wrong_number_of_gradients_is_a_clear_error():
    class Bad(autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return (g,)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(_x(), _x()).sum().backward()
