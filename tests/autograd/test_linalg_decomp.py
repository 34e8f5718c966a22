"""torch.linalg decompositions, norms and products without torch: forward against NumPy,
float64 gradcheck and gradgradcheck (through gauge-invariant functions for eigenvectors and
singular vectors, as PyTorch's own tests), LinAlgError wording, return types, the module
paths (``torch.linalg``, ``from autograd.linalg import ...``) and Tensor methods."""
import math

import numpy as np
import pytest

import autograd as torch
from autograd import gradcheck, gradgradcheck

LA = torch.linalg
RNG = np.random.default_rng(11)


def leaf(a):
    return torch.tensor(np.array(a, dtype=np.float64), requires_grad=True)


def both_checks(f, *xs, **tol):
    assert gradcheck(f, xs, **tol)
    assert gradgradcheck(f, xs, **tol)


def spd(x):
    """A symmetric positive-definite function of a free matrix (gradcheck wrapper)."""
    return x @ x.mT + 3 * torch.eye(x.shape[-1], dtype=x.dtype)


def sym(x):
    return x + x.mT


X = RNG.standard_normal((2, 3, 3))


def test_module_paths_and_error_class():
    from autograd.linalg import LinAlgError, cholesky, solve_triangular
    assert torch.linalg.cholesky is cholesky and solve_triangular is LA.solve_triangular
    assert issubclass(LinAlgError, RuntimeError) and LinAlgError is torch.linalg.LinAlgError
    import autograd.linalg
    assert autograd.linalg is torch.linalg


# ---------------------------------------------------------------- Cholesky
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(upper):
    a = spd(torch.tensor(X)).numpy()
    lo = np.linalg.cholesky(a)
    out = LA.cholesky(torch.tensor(a), upper=upper).numpy()
    np.testing.assert_allclose(out, lo.swapaxes(-1, -2) if upper else lo, rtol=1e-12)
    np.testing.assert_allclose(LA.cholesky(torch.tensor(np.tril(a))).numpy(), lo)  # lower only
    both_checks(lambda x: LA.cholesky(spd(x), upper=upper), leaf(X))
    assert LA.cholesky(torch.tensor(a.astype(np.float32))).dtype == torch.float32


def test_cholesky_errors_and_ex():
    bad = np.diag([1.0, 2.0, -1.0])
    msg = ("linalg.cholesky: The factorization could not be completed because the input is "
           "not positive-definite (the leading minor of order 3 is not positive-definite).")
    with pytest.raises(LA.LinAlgError) as e:
        LA.cholesky(torch.tensor(bad))
    assert str(e.value) == msg
    with pytest.raises(RuntimeError, match=r"^linalg.cholesky: \(Batch element 1\): The "):
        LA.cholesky(torch.tensor(np.stack([np.eye(3), bad, bad])))
    res = LA.cholesky_ex(torch.tensor(np.stack([np.eye(3), bad])))
    assert res.info.tolist() == [0, 3] and res.L.shape == (2, 3, 3)
    np.testing.assert_allclose(res.L[0].numpy(), np.eye(3))
    L_, info = LA.cholesky_ex(torch.eye(2))
    assert info.item() == 0 and info.dtype == torch.int32
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as "
                                           "input. Got Long"):
        LA.cholesky(torch.ones(2, 2, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="must be batches of square matrices"):
        LA.cholesky(torch.ones(2, 3))


def test_gp_style_hessian_vector_product_through_cholesky():
    # d/dtheta of a Cholesky-based log-likelihood, then its gradient again
    x = torch.tensor(np.linspace(0, 1, 5)[:, None])
    y = torch.tensor(np.sin(np.linspace(0, 3, 5)))
    ls = leaf(0.3)

    def nll(ls):
        k = (-(x - x.mT) ** 2 / (2 * ls ** 2)).exp() + 0.1 * torch.eye(5, dtype=torch.float64)
        lo = LA.cholesky(k)
        alpha = LA.solve_triangular(lo, y[:, None], upper=False)
        return 0.5 * (alpha ** 2).sum() + LA.diagonal(lo).log().sum()

    both_checks(nll, ls)


# ---------------------------------------------------------------- QR
@pytest.mark.parametrize("shape", [(2, 4, 3), (3, 3), (2, 3, 5)])
def test_qr(shape):
    a = RNG.standard_normal(shape)
    q, r = LA.qr(torch.tensor(a))
    rq, rr = np.linalg.qr(a)
    np.testing.assert_allclose(q.numpy(), rq, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.numpy(), rr, rtol=1e-10, atol=1e-12)
    both_checks(lambda x: LA.qr(x)[0], leaf(a))
    both_checks(lambda x: LA.qr(x)[1], leaf(a))
    both_checks(lambda x: (lambda q, r: (q * 2, r.sum(-1)))(*LA.qr(x)), leaf(a))
    qc, rc = LA.qr(torch.tensor(a), mode="complete")
    assert qc.shape[-1] == qc.shape[-2] == shape[-2]
    np.testing.assert_allclose((qc @ rc).numpy(), a, atol=1e-12)
    q0, r0 = LA.qr(torch.tensor(a), mode="r")
    assert q0.shape == (0,) and r0.shape == rr.shape


def test_qr_not_differentiable_cases():
    x = leaf(RNG.standard_normal((4, 3)))
    with pytest.raises(RuntimeError, match="mode='r'"):
        LA.qr(x, mode="r")[1].sum().backward()
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        LA.qr(x, mode="complete")[0].sum().backward()
    with pytest.raises(RuntimeError, match="unrecognized mode 'x'"):
        LA.qr(x, mode="x")


# ---------------------------------------------------------------- eigh
def test_eigh():
    a = sym(torch.tensor(X)).numpy()
    w, v = LA.eigh(torch.tensor(a))
    rw, rv = np.linalg.eigh(a)
    np.testing.assert_allclose(w.numpy(), rw, rtol=1e-12)
    np.testing.assert_allclose(np.abs(v.numpy()), np.abs(rv), rtol=1e-10)
    assert LA.eigh(torch.tensor(a)).eigenvalues is not None
    np.testing.assert_allclose(LA.eigvalsh(torch.tensor(np.triu(a)), UPLO="U").numpy(), rw)
    both_checks(lambda x: LA.eigvalsh(sym(x)), leaf(X))
    # V f(L) V^T and |V| are invariant to the eigenvectors' signs
    both_checks(lambda x: (lambda w, v: v @ torch.diag_embed(w.sin()) @ v.mT)(*LA.eigh(sym(x))),
                leaf(X))
    both_checks(lambda x: LA.eigh(sym(x))[1].abs(), leaf(X))
    with pytest.raises(NotImplementedError, match='"linalg_eigh_cpu" not implemented'):
        LA.eigh(torch.ones(2, 2, dtype=torch.int32))
    with pytest.raises(RuntimeError, match="Expected UPLO argument to be 'L' or 'U'"):
        LA.eigh(torch.eye(2), UPLO="X")


def test_eigvalsh_only_needs_distinct_nothing():
    # eigenvalues alone are differentiable at repeated eigenvalues (no gap division)
    a = leaf(np.eye(3))
    LA.eigvalsh(a).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.eye(3))


# ---------------------------------------------------------------- SVD
@pytest.mark.parametrize("shape", [(2, 4, 3), (3, 3), (3, 5)])
def test_svd(shape):
    a = RNG.standard_normal(shape)
    u, s, vh = LA.svd(torch.tensor(a), full_matrices=False)
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-12)
    np.testing.assert_allclose(((u * s.unsqueeze(-2)) @ vh).numpy(), a, atol=1e-12)
    uf, sf, vhf = LA.svd(torch.tensor(a))
    m, n = shape[-2:]
    assert uf.shape[-2:] == (m, m) and vhf.shape[-2:] == (n, n)
    both_checks(LA.svdvals, leaf(a))
    both_checks(lambda x: (lambda u, s, vh: u @ vh)(*LA.svd(x, full_matrices=False)), leaf(a))
    both_checks(lambda x: (lambda u, s, vh: (u * s.unsqueeze(-2)) @ u.mT)(
        *LA.svd(x, full_matrices=False)), leaf(a))
    both_checks(lambda x: (lambda u, s, vh: vh.mT @ vh)(*LA.svd(x, full_matrices=False)),
                leaf(a))
    # the full factors' extra columns get no gradient; the rest matches the reduced SVD
    assert gradcheck(lambda x: (lambda u, s, vh: u[..., :min(m, n)] @ vh[..., :min(m, n), :])(
        *LA.svd(x)), (leaf(a),))


def test_torch_svd_returns_v():
    a = RNG.standard_normal((4, 3))
    u, s, v = torch.svd(torch.tensor(a))
    assert v.shape == (3, 3) and u.shape == (4, 3)
    np.testing.assert_allclose((u * s) @ v.mT, a, atol=1e-12)
    u2, s2, v2 = torch.svd(torch.tensor(a), compute_uv=False)
    assert u2.shape == (4, 4) and float(u2.abs().sum()) == 0 and v2.shape == (3, 3)
    u3, _, v3 = torch.tensor(a).svd(some=False)
    assert u3.shape == (4, 4) and v3.shape == (3, 3)


# ---------------------------------------------------------------- lstsq, rank
def test_lstsq_and_rank():
    a, b = RNG.standard_normal((2, 5, 3)), RNG.standard_normal((2, 5, 2))
    res = LA.lstsq(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(res.solution.numpy(),
                               np.stack([np.linalg.lstsq(x, y, rcond=None)[0]
                                         for x, y in zip(a, b)]), rtol=1e-10)
    assert res.rank.tolist() == [3, 3] and res.residuals.shape == (0,)
    gd = LA.lstsq(torch.tensor(a), torch.tensor(b), driver="gelsd")
    assert gd.residuals.shape == (2, 2) and gd.singular_values.shape == (2, 3)
    both_checks(lambda x, y: LA.lstsq(x, y).solution, leaf(a), leaf(b))
    low = a[0] @ np.diag([1.0, 1.0, 0.0])
    assert LA.matrix_rank(torch.tensor(low)).item() == 2
    assert LA.matrix_rank(torch.tensor(low), hermitian=False, atol=10.0).item() == 0
    assert LA.matrix_rank(torch.tensor(a)).dtype == torch.int64


# ---------------------------------------------------------------- norms
@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
def test_matrix_norm(ord):
    a = RNG.standard_normal((2, 4, 3))
    ref = np.linalg.norm(a, ord=ord, axis=(-2, -1))
    np.testing.assert_allclose(LA.matrix_norm(torch.tensor(a), ord).numpy(), ref, rtol=1e-12)
    np.testing.assert_allclose(LA.norm(torch.tensor(a[0]), ord).numpy(), ref[0], rtol=1e-12)
    kept = LA.matrix_norm(torch.tensor(a), ord, dim=(0, 2), keepdim=True)
    np.testing.assert_allclose(kept.numpy(), np.linalg.norm(a, ord=ord, axis=(0, 2),
                                                           keepdims=True), rtol=1e-12)
    both_checks(lambda x: LA.matrix_norm(x, ord), leaf(a))


def test_vector_and_classic_norms():
    a = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(LA.vector_norm(torch.tensor(a), 3, dim=1).numpy(),
                               np.linalg.norm(a, 3, axis=1), rtol=1e-12)
    np.testing.assert_allclose(LA.norm(torch.tensor(a)).numpy(), np.linalg.norm(a))
    np.testing.assert_allclose(torch.norm(torch.tensor(a), "nuc").numpy(),
                               np.linalg.norm(a, "nuc"), rtol=1e-12)
    np.testing.assert_allclose(torch.tensor(a).norm(p="nuc").numpy(), np.linalg.norm(a, "nuc"))
    np.testing.assert_allclose(torch.norm(torch.tensor(a), 2, dim=1).numpy(),
                               np.linalg.norm(a, axis=1))
    both_checks(lambda x: LA.norm(x, 2, dim=(0, 1)), leaf(a))
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        LA.matrix_norm(torch.tensor(a), 3)
    with pytest.raises(RuntimeError, match="input must be 1D or 2D. Got 3D"):
        LA.norm(torch.ones(2, 2, 2), 2)
    with pytest.raises(TypeError, match="argument 'ord' must be Number"):
        LA.vector_norm(torch.ones(2), "fro")
    assert LA.cond(torch.tensor(np.diag([1.0, 4.0]))).item() == pytest.approx(4.0)


# ---------------------------------------------------------------- products
def test_multi_dot_cross_vecdot():
    a, b, c = RNG.standard_normal(3), RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))
    out = LA.multi_dot([torch.tensor(a), torch.tensor(b), torch.tensor(c)])
    np.testing.assert_allclose(out.numpy(), np.linalg.multi_dot([a, b, c]), rtol=1e-12)
    assert out.shape == (2,)
    both_checks(lambda x, y, z: LA.multi_dot([x, y, z]), leaf(b.T), leaf(b), leaf(c))
    with pytest.raises(RuntimeError, match="expected at least 2 tensors"):
        LA.multi_dot([torch.tensor(b)])
    u, v = RNG.standard_normal((4, 3)), RNG.standard_normal((1, 3))
    np.testing.assert_allclose(LA.cross(torch.tensor(u), torch.tensor(v)).numpy(),
                               np.cross(u, v), rtol=1e-12)
    np.testing.assert_allclose(torch.tensor(u).cross(torch.tensor(v), dim=1).numpy(),
                               np.cross(u, v))
    both_checks(lambda x, y: LA.cross(x, y), leaf(u), leaf(v))
    with pytest.raises(RuntimeError, match="must have length 3"):
        LA.cross(torch.ones(2, 2), torch.ones(2, 2))
    np.testing.assert_allclose(LA.vecdot(torch.tensor(u), torch.tensor(v)).numpy(),
                               (u * v).sum(-1))
    both_checks(lambda x, y: LA.vecdot(x, y, dim=0), leaf(u), leaf(u))


def test_eig():
    a = RNG.standard_normal((2, 3, 3))
    w, v = LA.eig(torch.tensor(a))
    assert w.dtype == torch.complex128 and v.dtype == torch.complex128
    np.testing.assert_allclose((torch.tensor(a).to(torch.complex128) @ v).numpy(),
                               (v * w.unsqueeze(-2)).numpy(), atol=1e-12)
    np.testing.assert_allclose(np.sort_complex(LA.eigvals(torch.tensor(a)).numpy().ravel()),
                               np.sort_complex(np.linalg.eigvals(a).ravel()), atol=1e-12)
    assert LA.eigvals(torch.tensor(a.astype(np.float32))).dtype == torch.complex64
    both_checks(lambda x: LA.eigvals(x).abs(), leaf(a))
    both_checks(lambda x: (lambda w, v: (v.abs() ** 2 * w.real.unsqueeze(-2)).sum(-1))(
        *LA.eig(x)), leaf(a))
    with pytest.raises(RuntimeError, match="Unknown Complex ScalarType for Long"):
        LA.eig(torch.ones(2, 2, dtype=torch.int64))


def test_tensor_methods():
    a = torch.tensor(spd(torch.tensor(X)).numpy()[0])
    np.testing.assert_allclose(a.det().item(), np.linalg.det(a.numpy()))
    np.testing.assert_allclose(a.logdet().item(), np.log(np.linalg.det(a.numpy())))
    np.testing.assert_allclose(a.slogdet().logabsdet.item(), np.log(np.linalg.det(a.numpy())))
    np.testing.assert_allclose(a.inverse().numpy(), np.linalg.inv(a.numpy()), rtol=1e-12)
    np.testing.assert_allclose(a.pinverse().numpy(), np.linalg.inv(a.numpy()), rtol=1e-10)
    np.testing.assert_allclose(a.matrix_power(3).numpy(),
                               np.linalg.matrix_power(a.numpy(), 3), rtol=1e-12)
    lo = torch.linalg.cholesky(a)
    with pytest.warns(UserWarning, match="deprecated"):
        np.testing.assert_allclose(a.cholesky().numpy(), lo.numpy())
    b = torch.ones(3, 2, dtype=torch.float64)
    np.testing.assert_allclose(b.cholesky_solve(lo).numpy(), np.linalg.solve(a.numpy(), b.numpy()),
                               rtol=1e-10)
    np.testing.assert_allclose(lo.cholesky_inverse().numpy(), np.linalg.inv(a.numpy()), rtol=1e-10)
    with pytest.warns(UserWarning, match="deprecated"):
        x, copy = b.triangular_solve(lo, upper=False)
    np.testing.assert_allclose((lo @ x).numpy(), b.numpy(), atol=1e-12)
    with pytest.warns(UserWarning, match="deprecated"):
        q, r = a.qr()
    np.testing.assert_allclose((q @ r).numpy(), a.numpy(), atol=1e-12)
    assert a.matrix_exp().shape == (3, 3)


def test_float32_in_float32_out():
    a = torch.tensor(spd(torch.tensor(X)).numpy().astype(np.float32))
    outs = [LA.cholesky(a), *LA.qr(a), *LA.svd(a), *LA.eigh(a), LA.det(a), LA.inv(a),
            LA.slogdet(a).logabsdet, LA.pinv(a), LA.matrix_exp(a * 0.1), LA.matrix_norm(a, "nuc"),
            LA.solve(a, a), LA.solve_triangular(a, a, upper=True), torch.logdet(a),
            LA.lstsq(a, a).solution, torch.cholesky_solve(a, LA.cholesky(a))]
    assert all(o.dtype == torch.float32 for o in outs), [o.dtype for o in outs]
    np.testing.assert_allclose(LA.inv(a).numpy(), np.linalg.inv(a.numpy().astype(np.float64)),
                               rtol=1e-4, atol=1e-6)
