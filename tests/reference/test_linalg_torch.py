"""torch.linalg and the classic aliases against PyTorch CPU: values, shapes, dtypes and
float64 gradients (random upstream gradient) for well-conditioned batched inputs, error
types and messages for singular / non-positive-definite / wrongly shaped / integer input.
Decompositions whose factors carry a sign gauge (eigh, svd, qr signs) are compared through
gauge-invariant functions, as PyTorch's own tests do."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (pip install -e '.[ref]')")

import autograd  # noqa: E402

RNG = np.random.default_rng(13)
SQ = RNG.standard_normal((2, 3, 4, 4)) + 4 * np.eye(4)            # well-conditioned
SPD = (lambda x: x @ x.swapaxes(-1, -2) + 4 * np.eye(4))(RNG.standard_normal((2, 4, 4)))
TALL = RNG.standard_normal((2, 5, 3))
WIDE = RNG.standard_normal((2, 3, 5))
RHS = RNG.standard_normal((2, 3, 4, 2))
LOW = np.tril(RNG.standard_normal((2, 4, 4))) + 3 * np.eye(4)


def _both(f, *arrays, grad=True, rtol=1e-10, atol=1e-12):
    """f(lib, *tensors) for torch and autograd: every output's value, shape and dtype;
    with ``grad``, the gradients of a random linear functional of the float outputs with
    respect to every float64 input."""
    res = []
    for lib in (torch, autograd):
        xs = [lib.tensor(a.copy(), requires_grad=grad and a.dtype == np.float64) for a in arrays]
        out = f(lib, *xs)
        outs = tuple(out) if isinstance(out, tuple) else (out,)
        res.append((xs, outs))
    (txs, touts), (oxs, oouts) = res
    assert len(touts) == len(oouts)
    for t, o in zip(touts, oouts):
        tn, on = t.detach().numpy(), o.detach().numpy()
        assert tn.shape == on.shape, (tn.shape, on.shape)
        assert tn.dtype == on.dtype, (tn.dtype, on.dtype)
        np.testing.assert_allclose(on, tn, rtol=rtol, atol=atol, equal_nan=True)
    if not grad:
        return
    pairs = [(t, o) for t, o in zip(touts, oouts) if t.requires_grad]
    rs = [RNG.standard_normal(tuple(t.shape)) for t, _ in pairs]
    tl = sum((t * torch.from_numpy(r)).sum() for (t, _), r in zip(pairs, rs))
    ol = sum((o * autograd.tensor(r)).sum() for (_, o), r in zip(pairs, rs))
    tin = [x for x in txs if x.requires_grad]
    oin = [x for x in oxs if x.requires_grad]
    tg = torch.autograd.grad(tl, tin)
    og = autograd.grad(ol, oin)
    for a, b in zip(og, tg):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-10)


def _err(f, *arrays):
    """The same exception type (and message) from both libraries."""
    msgs = []
    for lib in (torch, autograd):
        with pytest.raises(Exception) as info:
            f(lib, *[lib.tensor(a.copy()) for a in arrays])
        msgs.append(info)
    t, o = msgs
    assert isinstance(o.value, RuntimeError) == isinstance(t.value, RuntimeError), (t, o)
    assert isinstance(o.value, NotImplementedError) == isinstance(t.value, NotImplementedError)
    assert str(o.value) == str(t.value)
    return o.value


# ---------------------------------------------------------------- the MultivariateNormal set
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(upper):
    _both(lambda L, a: L.linalg.cholesky(a, upper=upper), SPD)
    _both(lambda L, a: L.linalg.cholesky(a.to(L.float32), upper=upper), SPD, grad=False,
          rtol=1e-5, atol=1e-5)
    with pytest.warns(UserWarning, match="deprecated"):
        _both(lambda L, a: L.cholesky(a, upper), SPD[0])
    _both(lambda L, a: L.linalg.cholesky(a.tril()), SPD)  # the upper triangle is not read


def test_cholesky_ex_and_errors():
    _both(lambda L, a: L.linalg.cholesky_ex(a), SPD, grad=False)
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    e = _err(lambda L, a: L.linalg.cholesky(a), bad)
    assert isinstance(e, autograd.linalg.LinAlgError)
    assert "leading minor of order 2" in str(e)
    _err(lambda L, a: L.linalg.cholesky(a), np.stack([np.eye(2), bad]))  # (Batch element 1)
    _err(lambda L, a: L.linalg.cholesky(a), np.diag([1.0, 2.0, -1.0, 3.0]))
    _err(lambda L, a: L.linalg.cholesky(a), np.ones((2, 3)))
    _err(lambda L, a: L.linalg.cholesky(a), np.ones((2, 2), dtype=np.int64))
    info = autograd.linalg.cholesky_ex(autograd.tensor(np.stack([np.eye(2), bad]))).info
    assert info.dtype == autograd.int32 and info.tolist() == [0, 2]
    with pytest.raises(autograd.linalg.LinAlgError):
        autograd.linalg.cholesky_ex(autograd.tensor(bad), check_errors=True)


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(upper, left, unit):
    tri = LOW.swapaxes(-1, -2) if upper else LOW
    b = RNG.standard_normal((3, 2, 4, 2) if left else (3, 2, 2, 4))  # batch broadcasts
    _both(lambda L, a, y: L.linalg.solve_triangular(a, y, upper=upper, left=left,
                                                     unitriangular=unit), tri, b)
    full = tri + RNG.standard_normal(tri.shape)  # the other triangle is ignored
    _both(lambda L, a, y: L.linalg.solve_triangular(a, y, upper=upper, left=left,
                                                     unitriangular=unit), full, b, grad=False)


def test_solve_triangular_errors_and_singular():
    _err(lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True), np.eye(2), np.ones(2))
    _err(lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True), np.eye(2), np.ones((3, 2)))
    _err(lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True, left=False), np.eye(2),
         np.ones((1, 3)))
    _both(lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True), LOW[0].T,
          np.ones((4, 1), dtype=np.float32), grad=False)  # computed in A's dtype
    _err(lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True),
         np.eye(2, dtype=np.int64), np.ones((2, 1), dtype=np.int64))
    # a zero on the diagonal: inf / nan, no error
    _both(lambda L, a, b: L.linalg.solve_triangular(a, b, upper=False),
          np.array([[0.0, 0], [1, 1]]), np.ones((2, 1)), grad=False)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(upper):
    fac = LOW.swapaxes(-1, -2) if upper else LOW
    b = RNG.standard_normal((2, 4, 3))
    _both(lambda L, f, y: L.cholesky_solve(y, f, upper), fac, b)
    _both(lambda L, f: L.cholesky_inverse(f, upper), fac)
    _both(lambda L, a, y: L.cholesky_solve(y, L.linalg.cholesky(a)), SPD, b)
    _err(lambda L, f, y: L.cholesky_solve(y, f), fac[0], b[0, :, 0])


def test_slogdet_logdet_det():
    a = np.concatenate([SQ[0], -SQ[1][:, ::-1]])  # some negative determinants
    _both(lambda L, x: L.linalg.slogdet(x), a)
    _both(lambda L, x: L.slogdet(x), a)
    _both(lambda L, x: L.logdet(x), SPD)
    _both(lambda L, x: L.logdet(x), a, grad=False)   # NaN where det < 0
    _both(lambda L, x: L.linalg.det(x), a)
    _both(lambda L, x: L.det(x), a[0])
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    _both(lambda L, x: L.linalg.slogdet(x), sing, grad=False)
    _both(lambda L, x: L.linalg.det(x), np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0],
                                                  [0.5, 1.0, 2.0]]), atol=1e-9, grad=False)
    _err(lambda L, x: L.linalg.slogdet(x), np.ones((2, 3)))
    _err(lambda L, x: L.linalg.det(x), np.ones((2, 2), dtype=np.int64))


def test_inv():
    _both(lambda L, x: L.linalg.inv(x), SQ)
    _both(lambda L, x: L.inverse(x), SQ[0, 0])
    _both(lambda L, x: L.linalg.inv(x.to(L.float32)), SQ, grad=False, rtol=1e-4, atol=1e-5)
    _both(lambda L, x: L.linalg.inv_ex(x), SQ, grad=False)
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    e = _err(lambda L, x: L.linalg.inv(x), sing)
    assert isinstance(e, autograd.linalg.LinAlgError) and isinstance(e, RuntimeError)
    _err(lambda L, x: L.inverse(x), np.stack([np.eye(2), sing]))
    _err(lambda L, x: L.linalg.inv(x), np.ones((2, 3)))
    _err(lambda L, x: L.linalg.inv(x), np.ones(3))
    _err(lambda L, x: L.linalg.inv(x), np.ones((2, 2), dtype=np.int64))
    _err(lambda L, x: L.linalg.inv_ex(x, check_errors=True), sing)
    assert autograd.linalg.inv_ex(autograd.tensor(sing)).info.item() == 2


# ---------------------------------------------------------------- solves, decompositions
def test_solve():
    _both(lambda L, a, b: L.linalg.solve(a, b), SQ, RHS[:, :1])            # broadcast batch
    _both(lambda L, a, b: L.linalg.solve(a, b), SQ[0, 0], RHS[0, 0, :, 0])  # vector
    _both(lambda L, a, b: L.linalg.solve(a, b), SQ, RHS[..., 0])            # batch of vectors
    _both(lambda L, a, b: L.linalg.solve(a, b, left=False), SQ, RHS.swapaxes(-1, -2))
    sing = np.array([[[1.0, 2.0], [2.0, 4.0]]] * 2)
    _err(lambda L, a, b: L.linalg.solve(a, b), sing, np.ones((2, 2, 1)))
    _err(lambda L, a, b: L.linalg.solve(a, b), np.eye(2), np.ones(3))
    _err(lambda L, a, b: L.linalg.solve(a, b), np.ones((2, 3)), np.ones(2))
    _err(lambda L, a, b: L.linalg.solve(a, b), np.eye(2), np.ones(2, dtype=np.float32))


def test_qr():
    for a in (TALL, WIDE, SQ[0]):
        _both(lambda L, x: L.linalg.qr(x), a)  # LAPACK's Householder signs on both sides
        _both(lambda L, x: L.linalg.qr(x, mode="complete")[1], a, grad=False)
        _both(lambda L, x: L.linalg.qr(x, mode="r")[1], a, grad=False)
    with pytest.warns(UserWarning, match="deprecated"):
        _both(lambda L, x: L.qr(x), TALL[0])
    _both(lambda L, x: L.linalg.qr(x, mode="complete"), SQ[0])
    _err(lambda L, x: L.linalg.qr(x, mode="x"), TALL)
    _err(lambda L, x: L.linalg.qr(x), np.ones(3))
    _err(lambda L, x: L.linalg.qr(x), np.ones((3, 2), dtype=np.int64))


def _sym(x):
    return x + x.swapaxes(-1, -2)


def test_eigh_gauge_invariant():
    a = _sym(RNG.standard_normal((2, 4, 4)))
    _both(lambda L, x: L.linalg.eigvalsh(x), a)
    _both(lambda L, x: L.linalg.eigh(x)[0], a)
    _both(lambda L, x: L.linalg.eigh(x, UPLO="U")[0], a)
    # V diag(f(w)) V^T does not depend on the eigenvectors' signs
    _both(lambda L, x: (lambda w, v: v @ L.diag_embed(w.exp()) @ v.mT)(*L.linalg.eigh(x)), a)
    _both(lambda L, x: L.linalg.eigh(x)[1].abs(), a, grad=False)
    _err(lambda L, x: L.linalg.eigh(x), np.ones((2, 2), dtype=np.int64))
    _err(lambda L, x: L.linalg.eigh(x, UPLO="X"), np.eye(2))
    _err(lambda L, x: L.linalg.eigvalsh(x), np.ones((2, 3)))


@pytest.mark.parametrize("which", ["tall", "wide", "square"])
def test_svd_gauge_invariant(which):
    a = {"tall": TALL, "wide": WIDE, "square": SQ[0]}[which]
    _both(lambda L, x: L.linalg.svdvals(x), a)
    _both(lambda L, x: L.linalg.svd(x)[1], a)
    _both(lambda L, x: (lambda u, s, vh: u @ vh)(*L.linalg.svd(x, full_matrices=False)), a)
    _both(lambda L, x: (lambda u, s, vh: (u * s.unsqueeze(-2)) @ u.mT)(
        *L.linalg.svd(x, full_matrices=False)), a)
    _both(lambda L, x: (lambda u, s, v: (u @ u.mT, s, v @ v.mT))(*L.svd(x)), a)
    _both(lambda L, x: [t.abs() for t in L.linalg.svd(x)][0], a, grad=False)
    _both(lambda L, x: L.svd(x, compute_uv=False), a, grad=False)
    _err(lambda L, x: L.linalg.svd(x), np.ones(3))
    _err(lambda L, x: L.linalg.svd(x), np.ones((2, 2), dtype=np.int64))


def test_pinv_lstsq_rank():
    _both(lambda L, x: L.linalg.pinv(x), TALL)
    _both(lambda L, x: L.linalg.pinv(x), WIDE)
    _both(lambda L, x: L.pinverse(x), TALL[0])
    low_rank = TALL @ RNG.standard_normal((2, 3, 2)) @ RNG.standard_normal((2, 2, 3))
    _both(lambda L, x: L.linalg.pinv(x), low_rank, rtol=1e-8, atol=1e-10)
    _both(lambda L, x: L.linalg.matrix_rank(x), low_rank, grad=False)
    _both(lambda L, x: L.linalg.matrix_rank(x), TALL, grad=False)
    _both(lambda L, x: L.linalg.matrix_rank(x, atol=1.0, rtol=0.0), TALL, grad=False)
    _both(lambda L, x: L.linalg.matrix_rank(x, hermitian=True), SPD, grad=False)
    b = RNG.standard_normal((2, 5, 2))
    _both(lambda L, a, y: L.linalg.lstsq(a, y), TALL, b)
    _both(lambda L, a, y: L.linalg.lstsq(a, y, driver="gelsd"), TALL, b)
    _both(lambda L, a, y: L.linalg.lstsq(a, y).solution, TALL[0], b[0, :, 0])
    _err(lambda L, x: L.linalg.pinv(x), np.ones(3))


def test_matrix_functions():
    for n in (0, 1, 2, 3, 6, -1, -3):
        _both(lambda L, x: L.linalg.matrix_power(x, n), SQ * 0.3, rtol=1e-9)
    _both(lambda L, x: L.matrix_power(x, 2), SQ[0, 0])
    _both(lambda L, x: L.linalg.matrix_exp(x), SQ * 0.5, rtol=1e-9)
    _both(lambda L, x: L.matrix_exp(x), RNG.standard_normal((3, 3)) * 3, rtol=1e-9)
    _both(lambda L, x: L.linalg.matrix_exp(x), np.zeros((2, 0, 0)), grad=False)
    _err(lambda L, x: L.linalg.matrix_power(x, 2), np.ones((2, 3)))
    _err(lambda L, x: L.linalg.matrix_exp(x), np.ones((2, 3)))
    _err(lambda L, x: L.linalg.matrix_exp(x), np.ones((2, 2), dtype=np.int64))
    with pytest.raises(TypeError):
        autograd.linalg.matrix_power(autograd.eye(2), 2.0)


def test_products():
    a, b, c = (RNG.standard_normal(s) for s in ((4,), (4, 3), (3, 5)))
    _both(lambda L, x, y, z: L.linalg.multi_dot([x, y, z]), a, b, c)
    _both(lambda L, y, z: L.linalg.multi_dot([y, z, z.mT]), b, c)
    _err(lambda L, x: L.linalg.multi_dot([x]), b)
    u, v = RNG.standard_normal((2, 4, 3)), RNG.standard_normal((4, 3))
    _both(lambda L, x, y: L.linalg.cross(x, y), u, v[None])
    _both(lambda L, x, y: L.cross(x, y, dim=2), u, v[None])
    with pytest.warns(UserWarning, match="deprecated"):
        _both(lambda L, x, y: L.cross(x, y), u.swapaxes(0, 2), v.T[:, :, None])
    _both(lambda L, x, y: L.linalg.cross(x.mT, y.mT, dim=-2), u, v[None])
    _err(lambda L, x, y: L.linalg.cross(x, y), np.ones((2, 2)), np.ones((2, 2)))
    _err(lambda L, x, y: L.linalg.cross(x, y), np.ones(3), np.ones((4, 3)))
    _both(lambda L, x, y: L.linalg.vecdot(x, y), u, v)
    _both(lambda L, x, y: L.linalg.vecdot(x, y, dim=1), u, v)
    _err(lambda L, x, y: L.linalg.vecdot(x, y), np.ones(3), np.ones(3, dtype=np.float32))


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
def test_matrix_norm(ord):
    _both(lambda L, x: L.linalg.matrix_norm(x, ord), TALL)
    _both(lambda L, x: L.linalg.matrix_norm(x, ord, dim=(0, 2), keepdim=True), TALL)
    _both(lambda L, x: L.linalg.norm(x, ord), TALL[0])
    _both(lambda L, x: L.linalg.norm(x, ord, dim=(-1, -2)), TALL)


@pytest.mark.parametrize("ord", [None, 0, 1, 2, 3.5, math.inf, -math.inf])
def test_vector_norm_and_torch_norm(ord):
    x = RNG.standard_normal((3, 4))
    o = 2 if ord is None else ord
    _both(lambda L, t: L.linalg.vector_norm(t, o), x, grad=ord != 0)
    _both(lambda L, t: L.linalg.vector_norm(t, o, dim=1, keepdim=True), x, grad=ord != 0)
    _both(lambda L, t: L.linalg.norm(t, ord, dim=0), x, grad=ord != 0)
    _both(lambda L, t: L.linalg.norm(t[0], ord), x, grad=ord != 0)
    _both(lambda L, t: L.norm(t, o), x, grad=ord != 0)


def test_norm_specials():
    x = RNG.standard_normal((2, 3, 4))
    _both(lambda L, t: L.linalg.norm(t), x)
    _both(lambda L, t: L.norm(t, "nuc"), x[0])
    _both(lambda L, t: L.norm(t, "nuc", dim=(1, 2)), x)
    _both(lambda L, t: t.norm(p="nuc"), x[0])
    _both(lambda L, t: L.norm(t, "fro", dim=(1, 2)), x)
    _both(lambda L, t: L.norm(t, 2, dim=(1, 2)), x)   # a vector norm over both dims
    _err(lambda L, t: L.linalg.norm(t, 2), x)
    _err(lambda L, t: L.linalg.matrix_norm(t, 3), x)
    _err(lambda L, t: L.linalg.matrix_norm(t), x[0, 0])
    with pytest.raises(TypeError):
        autograd.linalg.vector_norm(autograd.ones(2), "fro")


@pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental")
def test_eig_complex_results_and_gradients():
    a = RNG.standard_normal((2, 4, 4))
    _both(lambda L, x: L.linalg.eigvals(x), a, grad=False)
    _both(lambda L, x: L.linalg.eig(x)[1].abs(), a, grad=False)  # phases may differ (LAPACKs)
    _both(lambda L, x: L.linalg.eig(x.to(L.float32))[0], a, grad=False, rtol=1e-4, atol=1e-5)
    _both(lambda L, x: L.linalg.eigvals(x).abs(), a)
    _both(lambda L, x: L.linalg.eigvals(x).real, a)
    # eigenvector terms invariant to the vectors' phases
    _both(lambda L, x: (lambda w, v: (v.abs() ** 2 * w.imag.unsqueeze(-2)).sum(-1))(
        *L.linalg.eig(x)), a)
    _err(lambda L, x: L.linalg.eig(x), np.ones((2, 3)))
    _err(lambda L, x: L.linalg.eigvals(x), np.ones((2, 2), dtype=np.int64))
    _err(lambda L, x: L.linalg.eig(x), np.ones((2, 2), dtype=np.float16))


def test_triangular_solve_classic():
    b = RNG.standard_normal((2, 4, 3))
    up = LOW.swapaxes(-1, -2)
    with pytest.warns(UserWarning):
        _both(lambda L, y, a: L.triangular_solve(y, a), b, up)
    with pytest.warns(UserWarning):
        _both(lambda L, y, a: L.triangular_solve(y, a, upper=False, transpose=True), b, LOW)
