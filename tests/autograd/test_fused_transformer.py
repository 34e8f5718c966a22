"""Fused transformer kernels and ops: GELU / SiLU / softmax / log-softmax kernels,
flash-style scaled-dot-product attention, the row scatter-add behind embedding's
backward. Each kernel against a NumPy reference; each op through float64 gradcheck and
gradgradcheck (the fused first-order backward and the composed double backward)."""
import math

import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd.gradcheck import gradcheck, gradgradcheck
from autograd.kernels import activation as K
from autograd.kernels import attention as A
from autograd.kernels import scatter as S
from autograd.runtime import CHUNKED_MIN_SIZE

RNG = np.random.default_rng(1234)
_erf = np.vectorize(math.erf)
_erfc = np.vectorize(math.erfc)

# values that reach every branch: both signs, the erfc tail, exp's clamps, 0, NaN, inf
EDGE = np.array([0.0, -0.0, 1e-6, -1e-6, 0.5, -0.5, 3.0, -3.0, 9.0, -9.0, 20.0, -20.0, 60.0,
                 -60.0, 100.0, -100.0, np.inf, -np.inf, np.nan])


def _inputs(dtype, shape=(5000,)):
    x = (RNG.standard_normal(shape) * 4).astype(dtype)
    return np.concatenate([x.reshape(-1), EDGE.astype(dtype)])


def _gelu_ref(x, tanh):
    x = x.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        if tanh:  # 0.5 x (1 + tanh(y)) = x sigmoid(2y), exact in float64 in the tails too
            return x / (1 + np.exp(-2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
        return 0.5 * x * _erfc(-x / math.sqrt(2))


def _gelu_grad_ref(x, tanh):
    x = x.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        if tanh:
            k = math.sqrt(2 / math.pi)
            s = 1 / (1 + np.exp(-2 * k * (x + 0.044715 * x ** 3)))  # (1 + tanh) / 2
            return s + 2 * x * s * (1 - s) * k * (1 + 3 * 0.044715 * x * x)
        return 0.5 * _erfc(-x / math.sqrt(2)) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _close(ours, ref, dtype, atol32=1e-30):
    # float32: relative, also in the far tails (erfc(z) ~ 1e-17 is off by the rounding
    # of z*z ~ 70 in float32 inside exp, a few 1e-6; PyTorch's 1 + erf(x) loses all
    # digits there); float64: libm's erfc and exp
    rtol, atol = (1e-5, atol32) if dtype == np.float32 else (1e-12, 1e-300)
    np.testing.assert_allclose(ours.astype(np.float64), ref, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("tanh", [False, True])
def test_gelu_kernels_match_numpy(dtype, tanh):
    x = _inputs(dtype)
    g = RNG.standard_normal(x.shape).astype(dtype)
    form = "tanh" if tanh else "none"
    y = K.gelu(x, form)
    assert y.dtype == dtype and y.shape == x.shape
    _close(y, _gelu_ref(x, tanh), dtype)
    gx = K.gelu_backward(g, x, form)
    with np.errstate(invalid="ignore"):
        ref = g.astype(np.float64) * _gelu_grad_ref(x, tanh)
    # gelu' crosses 0 near x = -0.75 (cdf + x pdf cancels): absolute there
    _close(gx, ref, dtype, atol32=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_silu_kernels_match_numpy(dtype):
    x = _inputs(dtype)
    g = RNG.standard_normal(x.shape).astype(dtype)
    xd = x.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        s = 1 / (1 + np.exp(-xd))
        _close(K.silu(x), xd * s, dtype)
        _close(K.silu_backward(g, x), g * s * (1 + xd * (1 - s)), dtype, atol32=1e-6)


def test_parallel_and_serial_paths_agree():
    # above the parallel threshold the chunks must cover every element exactly once
    x = RNG.standard_normal(CHUNKED_MIN_SIZE * 3 + 17).astype(np.float32)
    whole = K.gelu(x)
    parts = np.concatenate([K.gelu(c) for c in np.array_split(x, 8)])
    np.testing.assert_array_equal(whole, parts)


def test_float32_exp_is_within_two_ulp():
    xs = np.concatenate([np.linspace(-87, 88, 20001), [-1e-8, 1e-8]]).astype(np.float32)
    ours = np.array([K._expf(v) for v in xs], dtype=np.float32)
    ref = np.exp(xs.astype(np.float64))
    ulp = np.spacing(ref.astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(ours - ref) / ulp) <= 2.0
    special = [K._expf(np.float32(v)) for v in (np.inf, -np.inf, np.nan, 100.0, -100.0)]
    assert special[0] == np.inf and special[1] == 0.0 and np.isnan(special[2])
    assert special[3] == np.inf and special[4] == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (3, 5), (4, 3, 129), (300, 130)])
def test_softmax_kernels_match_numpy(dtype, shape):
    x = (RNG.standard_normal(shape) * 5).astype(dtype)
    g = RNG.standard_normal(shape).astype(dtype)
    xd = x.astype(np.float64)
    e = np.exp(xd - xd.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    # backward sums cancel: absolute tolerances at the scale of the sums
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    y = K.softmax_lastdim(x)
    np.testing.assert_allclose(y, p, **tol)
    np.testing.assert_allclose(K.softmax_lastdim(x, log=True), np.log(p), **tol)
    np.testing.assert_allclose(K.softmax_lastdim_backward(g, y), p * (g - (g * p).sum(-1, keepdims=True)),
                               **tol)
    ly = K.softmax_lastdim(x, log=True)
    np.testing.assert_allclose(K.softmax_lastdim_backward(g, ly, log=True),
                               g - p * g.sum(-1, keepdims=True), **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [0.35, 1.0, -0.8])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", [(2, 3, 16, 16), (5, 7, 9), (4, 130, 130)])
def test_scaled_softmax_in_place_matches_numpy(dtype, scale, causal, shape):
    """The attention op's pass: softmax(scale * x) over the last dim, causal rows masked,
    written over x. The exps go through a row buffer (x is also the output); a negative
    scale takes its shift from the row's minimum."""
    x = (RNG.standard_normal(shape) * 4).astype(dtype)
    xd = x.astype(np.float64) * scale
    if causal:
        n_q, n_k = shape[-2:]
        xd = np.where(np.tri(n_q, n_k, dtype=bool), xd, -np.inf)
    e = np.exp(xd - xd.max(-1, keepdims=True))
    ref = e / e.sum(-1, keepdims=True)
    buf = x.copy()
    out = K.scaled_softmax_lastdim(buf, scale, causal)
    assert out is buf
    tol = dict(rtol=2e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(out, ref, **tol)
    if causal:  # masked weights are exactly 0
        assert not out[..., ~np.tri(*shape[-2:], dtype=bool)].any()


def test_softmax_kernel_rows_with_infinities_follow_numpy():
    x = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0]])
    with np.errstate(invalid="ignore"):
        e = np.exp(x - x.max(-1, keepdims=True))
        ref = e / e.sum(-1, keepdims=True)
    np.testing.assert_allclose(K.softmax_lastdim(x), ref, rtol=1e-15)  # NaN where NumPy has NaN


def _sdpa_ref(q, k, v, scale, causal):
    s = q @ np.swapaxes(k, -1, -2) * scale
    if causal:
        s = np.where(np.tri(q.shape[-2], k.shape[-2], dtype=bool), s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return p @ v, p


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("L,S,E,Ev", [(5, 5, 4, 4), (3, 7, 4, 6), (7, 3, 2, 5), (1, 1, 1, 1)])
def test_sdpa_kernels_match_numpy(dtype, causal, L, S, E, Ev):
    q, k, v, g = (RNG.standard_normal(s).astype(dtype)
                  for s in [(3, L, E), (3, S, E), (3, S, Ev), (3, L, Ev)])
    out, lse = A.sdpa_forward(q, k, v, 0.7, causal)
    ref, p = _sdpa_ref(q.astype(np.float64), k, v, 0.7, causal)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    assert out.dtype == dtype and lse.shape == (3, L)
    np.testing.assert_allclose(out, ref, **tol)
    dq, dk, dv = A.sdpa_backward(q, k, v, out, lse, g, 0.7, causal)
    dp = g.astype(np.float64) @ np.swapaxes(v, -1, -2)
    ds = p * (dp - (dp * p).sum(-1, keepdims=True)) * 0.7
    np.testing.assert_allclose(dv, np.swapaxes(p, -1, -2) @ g, **tol)
    np.testing.assert_allclose(dq, ds @ k, **tol)
    np.testing.assert_allclose(dk, np.swapaxes(ds, -1, -2) @ q, **tol)


def _heads(dtype, B, H, L, S, E, Ev, layout):
    """q, k, v [B, H, *, *] as the layout says: "fused" splits them off one projection
    [B, T, 3*H*E] (strided 4-D views, as nanoGPT's attention), "contiguous" are plain
    arrays, "3d" drops the batch dim ([H, *, *])."""
    if layout == "fused":
        x = RNG.standard_normal((B, max(L, S), H * (2 * E + Ev))).astype(dtype)
        q = x[:, :L, :H * E].reshape(B, L, H, E).transpose(0, 2, 1, 3)
        k = x[:, :S, H * E:2 * H * E].reshape(B, S, H, E).transpose(0, 2, 1, 3)
        v = x[:, :S, 2 * H * E:].reshape(B, S, H, Ev).transpose(0, 2, 1, 3)
        return q, k, v
    shape = (H,) if layout == "3d" else (B, H)
    return tuple(RNG.standard_normal(shape + s).astype(dtype)
                 for s in [(L, E), (S, E), (S, Ev)])


def _compact_like(like, shape, dtype):
    """A compact array of ``shape`` with its dims in memory in ``like``'s stride order."""
    order = sorted(range(like.ndim), key=lambda i: -like.strides[i])
    a = np.empty([shape[i] for i in order], dtype)
    return a.transpose(np.argsort(order))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("layout", ["fused", "contiguous", "3d"])
@pytest.mark.parametrize("L,S,E,Ev", [(5, 5, 4, 4), (3, 7, 4, 6), (7, 3, 2, 5), (1, 1, 1, 1),
                                      (64, 64, 32, 32)])
def test_per_head_kernels_match_numpy(dtype, causal, layout, L, S, E, Ev):
    q, k, v = _heads(dtype, 2, 3, L, S, E, Ev, layout)
    assert A.heads_supported(q, k, v)
    out, p = A.heads_forward(q, k, v, 0.7, causal)
    ref, p_ref = _sdpa_ref(q.astype(np.float64), k, v, 0.7, causal)
    # float32: sums of up to 64 rounded products
    tol = dict(rtol=1e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    assert out.dtype == dtype and out.shape == ref.shape
    # laid out like q: [B, T, H, Ev] memory for heads split off a projection (as PyTorch)
    assert out.strides == _compact_like(q, out.shape, dtype).strides
    np.testing.assert_allclose(out, ref, **tol)
    np.testing.assert_allclose(p.reshape(p_ref.shape), p_ref, **tol)
    # a transposed (non-row-major) output gradient is copied once, then used the same way
    g = np.swapaxes(RNG.standard_normal(out.shape[:-2] + (Ev, L)).astype(dtype), -1, -2)
    dq, dk, dv = A.heads_backward(q, k, v, p, g, 0.7)
    dp = g.astype(np.float64) @ np.swapaxes(v, -1, -2)
    ds = p_ref * (dp - (dp * p_ref).sum(-1, keepdims=True)) * 0.7
    for got, want, like in ((dv, np.swapaxes(p_ref, -1, -2) @ g, v), (dq, ds @ k, q),
                            (dk, np.swapaxes(ds, -1, -2) @ q, k)):
        assert got.shape == like.shape and got.dtype == dtype
        assert got.strides == _compact_like(like, like.shape, dtype).strides
        np.testing.assert_allclose(got, want, **tol)


def test_per_head_kernels_give_the_same_bits_on_any_thread_count():
    # each head is computed by one thread, start to end: the split never shows
    q, k, v = _heads(np.float32, 4, 4, 64, 64, 32, 32, "fused")
    g = RNG.standard_normal((4, 4, 64, 32)).astype(np.float32)
    results = []
    for threads in (1, 2):
        with _threads(threads):
            out, p = A.heads_forward(q, k, v, 0.2, True)
            results.append((out, *A.heads_backward(q, k, v, p, g, 0.2)))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


class _threads:
    def __init__(self, n):
        self.n = n

    def __enter__(self):
        self.old = autograd.get_num_threads()
        autograd.set_num_threads(self.n)

    def __exit__(self, *exc):
        autograd.set_num_threads(self.old)


def test_per_head_path_declines_what_blas_cannot_read_in_place():
    q, k, v = _heads(np.float32, 2, 4, 6, 6, 4, 4, "contiguous")
    assert A.heads_supported(q, k, v)
    assert not A.heads_supported(q[..., ::-1, :], k, v)        # negative stride
    assert not A.heads_supported(q, k[..., ::2], v[..., ::2])   # rows not unit-stride
    assert not A.heads_supported(q.astype(np.float16), k.astype(np.float16),
                                 v.astype(np.float16))          # no BLAS GEMM
    with _threads(2):
        assert not A.heads_supported(q[:1, :1], k[:1, :1], v[:1, :1])  # one head, 2 threads


@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_per_head_path_gradcheck(monkeypatch, causal):
    # the op takes the per-head kernels for several heads with BLAS-readable rows
    taken = []
    real = A.heads_forward
    monkeypatch.setattr(A, "heads_forward", lambda *a: taken.append(1) or real(*a))
    x = _t(2, 5, 3 * 2 * 3)
    q, k, v = (x[:, :, i * 6:(i + 1) * 6].reshape(2, 5, 2, 3).transpose(1, 2)
               for i in range(3))

    def fn(a, b, c):
        return F.scaled_dot_product_attention(a, b, c, is_causal=causal, scale=0.6)

    with _threads(2):
        assert gradcheck(fn, (q, k, v))
        assert gradgradcheck(fn, (q, k, v))
    assert taken


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scatter_add_rows_matches_add_at(dtype):
    idx = np.array([3, 0, 3, -1, 2, 3, 0])
    g = RNG.standard_normal((7, 2, 3)).astype(dtype)
    ref = np.zeros((5, 2, 3), dtype=dtype)
    np.add.at(ref, idx, g)
    out = S.scatter_add_rows(g, idx, 5)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, ref, rtol=1e-6)
    assert S.scatter_add_rows(g[:0], idx[:0], 4).shape == (4, 2, 3)


# ------------------------------------------------------------------ ops: gradchecks
def _t(*shape, scale=1.0):
    return autograd.tensor(RNG.standard_normal(shape) * scale, requires_grad=True)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_gradcheck(approximate):
    x = _t(3, 4, scale=2)
    assert gradcheck(lambda a: F.gelu(a, approximate=approximate), (x,))
    assert gradgradcheck(lambda a: F.gelu(a, approximate=approximate), (x,))


def test_gelu_and_silu_of_0d_and_float32_keep_shape_and_dtype():
    for fn in (F.gelu, F.silu):
        z = fn(autograd.tensor(0.5))
        assert z.shape == () and z.dtype == autograd.float32
        y = fn(autograd.tensor(np.ones((2, 3), np.float32), requires_grad=True))
        y.sum().backward()


def test_silu_gradcheck():
    x = _t(3, 4, scale=2)
    assert gradcheck(F.silu, (x,))
    assert gradgradcheck(F.silu, (x,))


@pytest.mark.parametrize("dim", [-1, 0])
@pytest.mark.parametrize("log", [False, True])
def test_softmax_gradcheck(dim, log):
    x = _t(3, 4, 5)
    fn = (lambda a: a.log_softmax(dim)) if log else (lambda a: a.softmax(dim))
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shapes", [
    [(2, 4, 3), (2, 4, 3), (2, 4, 3)],
    [(2, 2, 3, 3), (2, 2, 5, 3), (2, 2, 5, 2)],
    [(1, 5, 2), (1, 3, 2), (1, 3, 4)],
])
def test_sdpa_fused_gradcheck(causal, shapes):
    q, k, v = (_t(*s) for s in shapes)
    out = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    # the fused node, not the composed path's last matmul
    assert out.grad_fn.name() in ("UnsafeViewBackward", "ScaledDotProductFlashAttentionForCpuBackward")

    def fn(a, b, c):
        return F.scaled_dot_product_attention(a, b, c, is_causal=causal, scale=0.6)

    assert gradcheck(fn, (q, k, v))
    assert gradgradcheck(fn, (q, k, v))


def test_sdpa_fused_gradient_of_some_inputs_only():
    q, k = _t(2, 3, 4), _t(2, 3, 4)
    v = autograd.tensor(RNG.standard_normal((2, 3, 4)))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    gq, gk = autograd.grad(out.sum(), (q, k))
    assert gq.shape == q.shape and gk.shape == k.shape


@pytest.mark.parametrize("repeat", [False, True])
def test_index_select_and_embedding_gradcheck(repeat):
    w = _t(5, 3)
    idx = autograd.tensor([4, 0, 4, 4, 2] if repeat else [1, 3, 0])
    assert gradcheck(lambda a: autograd.index_select(a, 0, idx), (w,))
    assert gradgradcheck(lambda a: autograd.index_select(a, 0, idx), (w,))
    ids = autograd.tensor([[4, 0], [4, 4]] if repeat else [[1, 2], [3, 0]])
    assert gradcheck(lambda a: F.embedding(ids, a), (w,))
    assert gradgradcheck(lambda a: F.embedding(ids, a), (w,))


def test_embedding_backward_accumulates_repeated_rows():
    w = autograd.tensor(np.zeros((4, 2), np.float32), requires_grad=True)
    out = F.embedding(autograd.tensor([[1, 1, 3], [1, 0, 3]]), w)
    out.backward(autograd.ones(2, 3, 2))
    np.testing.assert_array_equal(w.grad.numpy(), [[1, 1], [3, 3], [0, 0], [2, 2]])


@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_flash_path_gradcheck(monkeypatch, causal):
    # weights above the size limit go through the flash kernels: force that path
    from autograd.ops import attention as ops_attention

    monkeypatch.setattr(ops_attention, "_WEIGHTS_MAX_BYTES", 0)
    q, k, v = _t(2, 4, 3), _t(2, 5, 3), _t(2, 5, 2)

    def fn(a, b, c):
        return F.scaled_dot_product_attention(a, b, c, is_causal=causal)

    assert gradcheck(fn, (q, k, v))
    assert gradgradcheck(fn, (q, k, v))
    monkeypatch.setattr(ops_attention, "_WEIGHTS_MAX_BYTES", 1 << 40)
    np.testing.assert_allclose(fn(q, k, v).detach().numpy(), _sdpa_ref(
        q.detach().numpy(), k.detach().numpy(), v.detach().numpy(), 1 / math.sqrt(3), causal)[0],
        rtol=1e-12)


def test_float32_exp_of_nonpositive_is_within_three_ulp():
    # GELU's lighter exp (degree-6 polynomial, no overflow branch) on its domain a <= 0
    xs = np.concatenate([np.linspace(-87, 0, 20001), [-1e-8, -0.0]]).astype(np.float32)
    ours = np.array([K._expf_nonpositive(v) for v in xs], dtype=np.float32)
    ref = np.exp(xs.astype(np.float64))
    ulp = np.spacing(ref.astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(ours - ref) / ulp) <= 3.0
    assert K._expf_nonpositive(np.float32(-np.inf)) == 0.0
    assert K._expf_nonpositive(np.float32(-100.0)) == 0.0
