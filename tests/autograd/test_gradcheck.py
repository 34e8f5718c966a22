"""gradcheck/gradgradcheck must fail on a wrong backward (and say where), and
autograd.functional must match analytic answers."""
import numpy as np
import pytest

import autograd
from autograd.gradcheck import GradcheckError


class WrongSin(autograd.Function):
    """sin with a deliberately wrong derivative (sin instead of cos)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sin()


class TransposedGrad(autograd.Function):
    """x @ W with the backward's W transposed wrongly: hidden by all-ones upstream grads
    for symmetric cases, so the check must use the full Jacobian."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x @ w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g @ w, None   # should be g @ w.T


def _x(shape=(3,)):
    return autograd.tensor(np.linspace(0.3, 1.7, int(np.prod(shape))).reshape(shape),
                           dtype=autograd.float64, requires_grad=True)


def test_gradcheck_passes_on_correct_op():
    assert autograd.gradcheck(lambda x: x.sin() * x, (_x(),))


def test_gradcheck_fails_on_wrong_backward_and_reports_analytic_vs_numeric():
    with pytest.raises(GradcheckError) as info:
        autograd.gradcheck(WrongSin.apply, (_x(),))
    msg = str(info.value)
    assert "analytic" in msg and "numeric" in msg and "input 0" in msg
    x = _x().detach().numpy()
    assert f"{np.sin(x[0]):.6g}" in msg and f"{np.cos(x[0]):.6g}" in msg


def test_gradcheck_raise_exception_false_returns_false():
    assert autograd.gradcheck(WrongSin.apply, (_x(),), raise_exception=False) is False


def test_gradcheck_catches_transposition_bug():
    w = autograd.tensor(np.arange(9.0).reshape(3, 3) / 7, dtype=autograd.float64)
    with pytest.raises(GradcheckError):
        autograd.gradcheck(lambda x: TransposedGrad.apply(x, w), (_x((2, 3)),))


def test_gradgradcheck_fails_on_wrong_second_derivative():
    class WrongSquare(autograd.Function):
        # first derivative right (2x), but computed as a constant-times-x whose own
        # derivative is wrong: uses x.detach(), so the second derivative is lost
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x.detach()
    assert autograd.gradcheck(WrongSquare.apply, (_x(),))
    with pytest.raises(GradcheckError):
        autograd.gradgradcheck(WrongSquare.apply, (_x(),))


def test_gradcheck_requires_an_input_needing_grad():
    with pytest.raises(ValueError):
        autograd.gradcheck(lambda x: x * 2, (autograd.ones(2, dtype=autograd.float64),))


# --- autograd.functional ---------------------------------------------------------
F = autograd.functional


def test_jacobian_of_elementwise_and_linear_maps():
    x = _x()
    J = F.jacobian(lambda t: t ** 2, x)
    np.testing.assert_allclose(J.numpy(), np.diag(2 * x.detach().numpy()))
    A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    Jx, Jy = F.jacobian(lambda a, b: autograd.tensor(A) @ a + b.sum(), (x, _x()))
    np.testing.assert_allclose(Jx.numpy(), A)
    np.testing.assert_allclose(Jy.numpy(), np.ones((2, 3)))


def test_hessian_of_quadratic_plus_cubic():
    A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
    x = _x()
    H = F.hessian(lambda t: 0.5 * (t @ (autograd.tensor(A) @ t)) + (t ** 3).sum(), x)
    np.testing.assert_allclose(H.numpy(), A + np.diag(6 * x.detach().numpy()))


def test_vjp_and_jvp():
    x = _x()
    v = autograd.tensor([1.0, -2.0, 0.5], dtype=autograd.float64)
    out, g = F.vjp(lambda t: t.exp() * 2, x, v)
    np.testing.assert_allclose(out.numpy(), 2 * np.exp(x.detach().numpy()))
    np.testing.assert_allclose(g.numpy(), 2 * np.exp(x.detach().numpy()) * v.numpy())
    A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    _, jv = F.jvp(lambda t: autograd.tensor(A) @ t.sin(), x, v)
    np.testing.assert_allclose(jv.numpy(), A @ (np.cos(x.detach().numpy()) * v.numpy()))
    assert x.grad is None  # functional API leaves the caller's tensors alone


def test_hvp_matches_hessian_times_v():
    x = _x()
    v = autograd.tensor([0.3, 1.0, -1.0], dtype=autograd.float64)
    f = lambda t: (t.sin() * t).sum() + t.prod()  # noqa: E731
    _, hv = F.hvp(f, x, v)
    H = F.hessian(f, x)
    np.testing.assert_allclose(hv.numpy(), H.numpy() @ v.numpy(), rtol=1e-10)
