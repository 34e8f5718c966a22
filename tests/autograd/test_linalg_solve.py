"""torch.linalg solves, inverses, determinants and matrix functions without torch:
forward against NumPy/SciPy, float64 gradcheck and gradgradcheck (batched, broadcast),
LinAlgError wording, dtype rules, and the triangular-solve kernel against a NumPy
reference."""
import numpy as np
import pytest
import scipy.linalg as sl

import autograd as torch
from autograd import gradcheck, gradgradcheck
from autograd.kernels import linalg as K

LA = torch.linalg
RNG = np.random.default_rng(7)


def leaf(a):
    return torch.tensor(np.array(a, dtype=np.float64), requires_grad=True)


def both_checks(f, *xs, **tol):
    assert gradcheck(f, xs, **tol)
    assert gradgradcheck(f, xs, **tol)


SQ = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
LOW = np.tril(RNG.standard_normal((2, 3, 3))) + 2 * np.eye(3)


# ---------------------------------------------------------------- kernel
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("unit", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_matches_numpy_reference(upper, unit, dtype):
    a = RNG.standard_normal((4, 1, 6, 6)).astype(dtype)     # batch broadcasts against b's
    b = RNG.standard_normal((3, 6, 5)).astype(dtype)
    tri = np.triu(a) if upper else np.tril(a)
    if unit:
        tri = tri - np.eye(6) * np.diagonal(tri, 0, -2, -1)[..., None, :] + np.eye(6)
    else:
        tri = tri + 4 * np.eye(6, dtype=dtype)
    tri = tri.astype(dtype)
    ref = np.linalg.solve(tri.astype(np.float64), np.broadcast_to(b, (4, 3, 6, 5)))
    got = K.solve_triangular(tri + (np.tril(a, -1) if upper else np.triu(a, 1)), b, upper, unit)
    assert got.shape == (4, 3, 6, 5) and got.dtype == dtype
    np.testing.assert_allclose(got, ref, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-5)


def test_kernel_zero_pivot_gives_inf_and_info_helpers():
    x = K.solve_triangular(np.array([[0.0, 0.0], [1.0, 1.0]]), np.ones((2, 1)), False, False)
    assert np.isinf(x[0, 0]) and np.isinf(x[1, 0])
    assert K.cholesky_info(np.diag([1.0, 2.0, -1.0, 3.0])) == 3
    assert K.cholesky_info(np.eye(3)) == 0
    assert K.lu_info(np.array([[1.0, 2.0], [2.0, 4.0]])) == 2
    assert K.lu_info(np.array([[0.0, 0.0], [0.0, 1.0]])) == 1
    assert K.lu_info(np.eye(3)) == 0


# ---------------------------------------------------------------- triangular / Cholesky solves
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(upper, left, unit):
    tri = LOW.swapaxes(-1, -2) if upper else LOW
    b = RNG.standard_normal((2, 3, 2) if left else (2, 2, 3))
    f = lambda a, y: LA.solve_triangular(a, y, upper=upper, left=left, unitriangular=unit)
    out = f(torch.tensor(tri), torch.tensor(b)).numpy()
    used = tri.copy()
    if unit:
        used[..., range(3), range(3)] = 1.0
    ref = np.linalg.solve(used, b) if left else np.linalg.solve(used.swapaxes(-1, -2),
                                                                 b.swapaxes(-1, -2)).swapaxes(-1, -2)
    np.testing.assert_allclose(out, ref, rtol=1e-10)
    both_checks(f, leaf(tri), leaf(b))
    a = leaf(tri)
    f(a, torch.tensor(b)).sum().backward()
    other = np.tril(a.grad.numpy(), -1) if upper else np.triu(a.grad.numpy(), 1)
    assert np.all(other == 0)                      # only the triangle read gets a gradient
    if unit:
        assert np.all(np.diagonal(a.grad.numpy(), 0, -2, -1) == 0)


def test_solve_triangular_batch_broadcast_gradient_shapes():
    a, b = leaf(LOW[:1]), leaf(RNG.standard_normal((4, 1, 3, 2)))
    out = LA.solve_triangular(a, b, upper=False)
    assert out.shape == (4, 1, 3, 2)
    out.sum().backward()
    assert a.grad.shape == (1, 3, 3) and b.grad.shape == (4, 1, 3, 2)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(upper):
    fac = LOW.swapaxes(-1, -2) if upper else LOW
    a = fac.swapaxes(-1, -2) @ fac if upper else fac @ fac.swapaxes(-1, -2)
    b = RNG.standard_normal((2, 3, 2))
    np.testing.assert_allclose(torch.cholesky_solve(torch.tensor(b), torch.tensor(fac), upper)
                               .numpy(), np.linalg.solve(a, b), rtol=1e-10)
    np.testing.assert_allclose(torch.cholesky_inverse(torch.tensor(fac), upper).numpy(),
                               np.linalg.inv(a), rtol=1e-10)
    # PyTorch's gradient treats the factor as a full matrix: check through a triangle
    tri = (lambda x: x.triu()) if upper else (lambda x: x.tril())
    both_checks(lambda y, f: torch.cholesky_solve(y, tri(f), upper), leaf(b), leaf(fac))
    both_checks(lambda f: torch.cholesky_inverse(tri(f), upper), leaf(fac))


# ---------------------------------------------------------------- general solve, inverse
def test_solve_shapes_and_gradients():
    a = leaf(SQ)
    b = RNG.standard_normal((2, 3, 4))
    np.testing.assert_allclose(LA.solve(a, torch.tensor(b)).detach().numpy(),
                               np.linalg.solve(SQ, b), rtol=1e-10)
    assert LA.solve(a, torch.tensor(b[:, :, 0])).shape == (2, 3)     # batch of vectors
    assert LA.solve(a[0], torch.tensor(b[0, :, 0])).shape == (3,)    # one vector
    assert LA.solve(a, torch.tensor(b[:1])).shape == (2, 3, 4)       # broadcast
    assert LA.solve(a, torch.tensor(b.swapaxes(-1, -2)), left=False).shape == (2, 4, 3)
    both_checks(lambda x, y: LA.solve(x, y), a, leaf(b))
    both_checks(lambda x, y: LA.solve(x, y), a, leaf(b[0, :, 0]))
    both_checks(lambda x, y: LA.solve(x, y, left=False), a, leaf(b.swapaxes(-1, -2)))


def test_inv_det_slogdet_logdet():
    a = leaf(SQ)
    np.testing.assert_allclose(LA.inv(a).detach().numpy(), np.linalg.inv(SQ), rtol=1e-10)
    np.testing.assert_allclose(LA.det(a).detach().numpy(), np.linalg.det(SQ), rtol=1e-10)
    sign, logabs = LA.slogdet(a)
    rs, rl = np.linalg.slogdet(SQ)
    np.testing.assert_allclose(sign.numpy(), rs)
    np.testing.assert_allclose(logabs.detach().numpy(), rl, rtol=1e-10)
    assert not sign.requires_grad and logabs.requires_grad
    assert torch.inverse(a).shape == (2, 3, 3) and torch.det(a).shape == (2,)
    for f in (LA.inv, LA.det, lambda x: LA.slogdet(x)[1], torch.logdet, torch.inverse):
        both_checks(f, leaf(SQ))
    neg = torch.tensor(np.diag([-1.0, 2.0]))
    assert np.isnan(torch.logdet(neg).item())
    assert torch.logdet(torch.zeros(2, 2, dtype=torch.float64)).item() == -np.inf


def test_det_gradient_at_singular_matrices():
    sing = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, 2.0]])  # rank 2, det 0
    a = leaf(sing)
    LA.det(a).backward()
    cof = np.array([[np.linalg.det(np.delete(np.delete(sing, i, 0), j, 1)) * (-1) ** (i + j)
                     for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(a.grad.numpy(), cof, atol=1e-10)  # the cofactor matrix
    assert gradcheck(LA.det, (leaf(sing),))


def test_float32_and_dtype_rules():
    a32 = torch.tensor(SQ.astype(np.float32))
    assert LA.inv(a32).dtype == torch.float32 and LA.det(a32).dtype == torch.float32
    assert LA.solve(a32, torch.ones(2, 3, 1)).dtype == torch.float32
    assert LA.solve_triangular(torch.tensor(LOW), torch.ones(2, 3, 1), upper=False).dtype == \
        torch.float64  # computed in A's dtype, as PyTorch
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as "
                                           "input. Got Long"):
        LA.inv(torch.ones(2, 2, dtype=torch.int64))
    with pytest.raises(NotImplementedError, match="triangular_solve_cpu"):
        LA.solve_triangular(torch.ones(2, 2, dtype=torch.int64), torch.ones(2, 1), upper=True)
    with pytest.raises(RuntimeError, match="same dtype"):
        LA.solve(a32, torch.ones(2, 3, 1, dtype=torch.float64))


def test_singular_errors_name_the_pivot_and_batch_element():
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(LA.LinAlgError, match=r"^linalg.inv: The diagonal element 2 is zero"):
        LA.inv(torch.tensor(sing))
    with pytest.raises(RuntimeError, match=r"^linalg.inv: \(Batch element 1\): The diagonal"):
        LA.inv(torch.tensor(np.stack([np.eye(2), sing])))
    with pytest.raises(LA.LinAlgError, match="The solver failed because the input matrix is "
                                             "singular"):
        LA.solve(torch.tensor(sing), torch.ones(2, dtype=torch.float64))
    out = LA.inv_ex(torch.tensor(np.stack([np.eye(2), sing])))
    assert out.info.tolist() == [0, 2] and out.info.dtype == torch.int32
    np.testing.assert_allclose(out.inverse[0].numpy(), np.eye(2))
    assert np.isnan(out.inverse[1].numpy()).all()
    assert issubclass(LA.LinAlgError, RuntimeError)


# ---------------------------------------------------------------- matrix functions
def test_matrix_exp_against_scipy_and_gradients():
    for scale in (0.1, 1.0, 6.0):
        x = RNG.standard_normal((2, 4, 4)) * scale
        got = LA.matrix_exp(torch.tensor(x)).numpy()
        ref = np.stack([sl.expm(m) for m in x])
        np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-12 * np.abs(ref).max())
    x32 = RNG.standard_normal((3, 3)).astype(np.float32)
    np.testing.assert_allclose(torch.matrix_exp(torch.tensor(x32)).numpy(), sl.expm(x32),
                               rtol=1e-5)
    assert LA.matrix_exp(torch.zeros(0, 0)).shape == (0, 0)
    both_checks(LA.matrix_exp, leaf(RNG.standard_normal((2, 3, 3)) * 0.7))


def test_matrix_power():
    a = SQ * 0.4
    for n in (0, 1, 2, 5, -1, -2):
        np.testing.assert_allclose(LA.matrix_power(torch.tensor(a), n).numpy(),
                                   np.linalg.matrix_power(a, n), rtol=1e-10)
    for n in (0, 3, -2):
        both_checks(lambda x, n=n: LA.matrix_power(x, n), leaf(a))
    with pytest.raises(TypeError, match="must be int"):
        LA.matrix_power(torch.tensor(a), 1.5)


def test_pinv_gradients():
    for shape in ((4, 2), (2, 4), (2, 3, 3)):
        a = RNG.standard_normal(shape)
        np.testing.assert_allclose(LA.pinv(torch.tensor(a)).numpy(), np.linalg.pinv(a),
                                   rtol=1e-9, atol=1e-12)
        both_checks(LA.pinv, leaf(a))
    low = RNG.standard_normal((4, 2)) @ RNG.standard_normal((2, 3))   # rank 2: constant rank
    np.testing.assert_allclose(torch.pinverse(torch.tensor(low)).numpy(), np.linalg.pinv(low),
                               rtol=1e-8, atol=1e-10)
    # a rank-2 product: an explicit tolerance keeps the zero singular value below it
    c = torch.tensor(RNG.standard_normal((2, 3)))
    assert gradcheck(lambda x: LA.pinv(x @ c, rtol=1e-8),
                     (leaf(RNG.standard_normal((4, 2))),))


def test_complex_inv_and_solve():
    a = SQ[0] + 1j * RNG.standard_normal((3, 3))
    b = RNG.standard_normal((3, 2)) + 1j * RNG.standard_normal((3, 2))
    np.testing.assert_allclose(LA.inv(torch.tensor(a)).numpy(), np.linalg.inv(a), rtol=1e-12)
    np.testing.assert_allclose(LA.solve(torch.tensor(a), torch.tensor(b)).numpy(),
                               np.linalg.solve(a, b), rtol=1e-12)
    ca = torch.tensor(a, requires_grad=True)
    cb = torch.tensor(b, requires_grad=True)
    assert gradcheck(lambda x, y: LA.solve(x, y).abs(), (ca, cb))
    assert gradcheck(lambda x: LA.inv(x).abs(), (ca,))
    with pytest.raises(NotImplementedError, match="complex"):
        LA.det(torch.tensor(a))


def test_out_argument_is_refused_not_ignored():
    with pytest.raises(NotImplementedError, match="out= argument"):
        LA.inv(torch.eye(2), out=torch.empty(2, 2))
