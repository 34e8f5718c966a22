"""Conv kernels (autograd/kernels/conv/) against slow, obviously correct NumPy loops.

Every case runs through every algorithm ("gemm", "direct", "winograd", forced by
patching ``rule.choose_algorithm``; a forced algorithm that cannot compute a geometry is
demoted to one that can), and through gemm's NumPy path (its fallback without NumPy's
OpenBLAS, "gemm-numpy"), in float32 and float64. The backward kernels are also checked as
exact adjoints of the forward (<conv(x), gy> == <x, gx> == <w, gw>).
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.kernels import _blas
from autograd.kernels import conv as K
from autograd.kernels.conv import gemm as GEMM
from autograd.kernels.conv import rule as R


# --------------------------------------------------------------------------- references
def _pad4(p):
    return (p[0], p[0], p[1], p[1]) if len(p) == 2 else tuple(p)


def _out(n, k, s, p0, p1, d):
    return (n + p0 + p1 - d * (k - 1) - 1) // s + 1


def ref_conv2d(x, w, stride, padding, dilation, groups):
    N, C, H, W = x.shape
    O, Cg, KH, KW = w.shape
    t, b, l, r = _pad4(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)))
    OH, OW = _out(H, KH, stride[0], t, b, dilation[0]), _out(W, KW, stride[1], l, r, dilation[1])
    Og = O // groups
    y = np.zeros((N, O, OH, OW), dtype=np.float64)
    for g in range(groups):
        os_, cs = slice(g * Og, (g + 1) * Og), slice(g * Cg, (g + 1) * Cg)
        for oh in range(OH):
            for ow in range(OW):
                for kh in range(KH):
                    for kw in range(KW):
                        ih, iw = oh * stride[0] + kh * dilation[0], ow * stride[1] + kw * dilation[1]
                        y[:, os_, oh, ow] += xp[:, cs, ih, iw] @ w[os_, :, kh, kw].T
    return y


def ref_conv2d_backward(x, w, gy, stride, padding, dilation, groups):
    """(gx, gw) by the chain rule applied to the loops of ref_conv2d."""
    N, C, H, W = x.shape
    O, Cg, KH, KW = w.shape
    t, b, l, r = _pad4(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (t, b), (l, r))).astype(np.float64)
    gxp = np.zeros_like(xp)
    gw = np.zeros(w.shape, dtype=np.float64)
    OH, OW = gy.shape[2:]
    Og = O // groups
    for g in range(groups):
        os_, cs = slice(g * Og, (g + 1) * Og), slice(g * Cg, (g + 1) * Cg)
        for oh in range(OH):
            for ow in range(OW):
                for kh in range(KH):
                    for kw in range(KW):
                        ih, iw = oh * stride[0] + kh * dilation[0], ow * stride[1] + kw * dilation[1]
                        gxp[:, cs, ih, iw] += gy[:, os_, oh, ow] @ w[os_, :, kh, kw]
                        gw[os_, :, kh, kw] += gy[:, os_, oh, ow].T @ xp[:, cs, ih, iw]
    return gxp[:, :, t:t + H, l:l + W], gw


def ref_im2col(x, ksize, dilation, padding, stride):
    N, C, H, W = x.shape
    KH, KW = ksize
    t, b, l, r = _pad4(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)))
    OH, OW = _out(H, KH, stride[0], t, b, dilation[0]), _out(W, KW, stride[1], l, r, dilation[1])
    cols = np.zeros((N, C * KH * KW, OH * OW), dtype=x.dtype)
    for c in range(C):
        for kh in range(KH):
            for kw in range(KW):
                for oh in range(OH):
                    for ow in range(OW):
                        cols[:, (c * KH + kh) * KW + kw, oh * OW + ow] = xp[
                            :, c, oh * stride[0] + kh * dilation[0], ow * stride[1] + kw * dilation[1]]
    return cols


def ref_col2im(cols, out_hw, ksize, dilation, padding, stride):
    N, CK, L = cols.shape
    KH, KW = ksize
    H, W = out_hw
    C = CK // (KH * KW)
    t, b, l, r = _pad4(padding)
    xp = np.zeros((N, C, H + t + b, W + l + r), dtype=np.float64)
    OH, OW = _out(H, KH, stride[0], t, b, dilation[0]), _out(W, KW, stride[1], l, r, dilation[1])
    for c in range(C):
        for kh in range(KH):
            for kw in range(KW):
                for oh in range(OH):
                    for ow in range(OW):
                        xp[:, c, oh * stride[0] + kh * dilation[0], ow * stride[1] + kw * dilation[1]] += \
                            cols[:, (c * KH + kh) * KW + kw, oh * OW + ow]
    return xp[:, :, t:t + H, l:l + W]


# --------------------------------------------------------------------------- cases
# (N, C, H, W, O, KH, KW, stride, padding, dilation, groups)
CASES = [
    (2, 3, 7, 9, 4, 3, 3, (1, 1), (1, 1), (1, 1), 1),        # 'same'-style 3x3, odd sizes
    (1, 4, 8, 5, 6, 2, 3, (2, 1), (0, 1), (1, 2), 2),        # stride, dilation, groups
    (3, 6, 6, 7, 6, 3, 3, (1, 2), (1, 1), (1, 1), 6),        # depthwise
    (2, 4, 5, 5, 8, 1, 1, (1, 1), (0, 0), (1, 1), 4),        # 1x1 grouped, channel multiplier 2
    (2, 3, 1, 11, 5, 1, 4, (1, 2), (0, 2), (1, 2), 1),       # 1-D conv as H == 1
    (1, 2, 6, 7, 3, 2, 4, (1, 1), (0, 1, 1, 2), (1, 1), 1),  # asymmetric 'same' padding
    (1, 2, 9, 10, 3, 2, 2, (3, 4), (0, 0), (1, 1), 1),       # stride > kernel: skipped pixels
    (2, 2, 3, 4, 2, 3, 3, (2, 2), (1, 1), (2, 2), 1),        # one output pixel, mostly padding
    (1, 16, 6, 5, 8, 3, 3, (1, 1), (2, 1), (1, 1), 2),       # wider channels -> real GEMM
    (2, 3, 8, 9, 5, 3, 2, (1, 1), (2, 1, 0, 2), (2, 3), 1),  # dilated, uneven padding
    (1, 2, 5, 5, 3, 3, 3, (1, 1), (3, 3), (1, 1), 1),        # padding > extent
    (2, 3, 5, 6, 4, 3, 3, (1, 1), (0, 2, 1, 0), (1, 1), 1),  # winograd: uneven pads, partial tiles
    (1, 5, 3, 3, 2, 3, 3, (1, 1), (2, 2), (1, 1), 1),        # winograd: pad 2, 5x5 output
]
IDS = [f"case{i}" for i in range(len(CASES))]


def _tol(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


class _NoBlas:
    """Stands in for ``gemm``'s ``_blas`` module: no CBLAS address, so the NumPy path runs."""

    @staticmethod
    def gemm_address(dtype):
        return None


@pytest.fixture(params=["gemm", "gemm-numpy", "direct", "winograd"])
def algorithm(request, monkeypatch):
    name = request.param
    if name == "gemm-numpy":
        monkeypatch.setattr(GEMM, "_blas", _NoBlas)
        name = "gemm"
    monkeypatch.setattr(R, "choose_algorithm", lambda *a, **k: name)
    return name


def _make(case, dtype, seed=0):
    N, C, H, W, O, KH, KW, stride, padding, dilation, groups = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((O, C // groups, KH, KW)).astype(dtype)
    return x, w, stride, padding, dilation, groups


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv_forward_and_backward_match_reference(case, dtype, algorithm):
    x, w, stride, padding, dilation, groups = _make(case, dtype)
    y = K.conv2d_forward(x, w, stride, padding, dilation, groups)
    y_ref = ref_conv2d(x.astype(np.float64), w.astype(np.float64), stride, padding, dilation, groups)
    assert y.dtype == dtype and y.shape == y_ref.shape and y.flags.c_contiguous
    np.testing.assert_allclose(y, y_ref, **_tol(dtype))

    gy = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    gx = K.conv2d_backward_input(gy, w, x.shape, stride, padding, dilation, groups)
    gw = K.conv2d_backward_weight(x, gy, w.shape, stride, padding, dilation, groups)
    gx_ref, gw_ref = ref_conv2d_backward(x, w.astype(np.float64), gy.astype(np.float64),
                                         stride, padding, dilation, groups)
    assert gx.dtype == dtype and gx.shape == x.shape and gx.flags.c_contiguous
    assert gw.dtype == dtype and gw.shape == w.shape and gw.flags.c_contiguous
    np.testing.assert_allclose(gx, gx_ref, **_tol(dtype))
    np.testing.assert_allclose(gw, gw_ref, **_tol(dtype))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv_backwards_are_exact_adjoints(case, algorithm):
    x, w, stride, padding, dilation, groups = _make(case, np.float64, seed=3)
    y = K.conv2d_forward(x, w, stride, padding, dilation, groups)
    gy = np.random.default_rng(4).standard_normal(y.shape)
    gx = K.conv2d_backward_input(gy, w, x.shape, stride, padding, dilation, groups)
    gw = K.conv2d_backward_weight(x, gy, w.shape, stride, padding, dilation, groups)
    # y is bilinear in (x, w): <y, gy> = <x, gx> = <w, gw>
    assert np.isclose(np.vdot(y, gy), np.vdot(x, gx), rtol=1e-12)
    assert np.isclose(np.vdot(y, gy), np.vdot(w, gw), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_im2col_col2im_match_reference(case, dtype):
    x, w, stride, padding, dilation, _ = _make(case, dtype)
    ksize = w.shape[2:]
    cols = K.im2col(x, ksize, dilation, padding, stride)
    np.testing.assert_array_equal(cols, ref_im2col(x, ksize, dilation, padding, stride))
    assert cols.flags.c_contiguous and cols.dtype == dtype
    c = np.random.default_rng(2).standard_normal(cols.shape).astype(dtype)
    folded = K.col2im(c, x.shape[2:], ksize, dilation, padding, stride)
    assert folded.shape == x.shape and folded.dtype == dtype
    np.testing.assert_allclose(folded, ref_col2im(c, x.shape[2:], ksize, dilation, padding, stride),
                               **_tol(dtype))


# (N, C, H, W, KH, KW, stride, padding, dilation): rows of 20-24 outputs, so with
# GATHER_MAX_ROW lowered the stride-1 cases take the NumPy row copies, and enough
# elements (>= CHUNKED_MIN_SIZE) that the gather and scatter kernels split over threads
LONG_ROWS = [
    (4, 8, 20, 22, 3, 3, (1, 1), (1, 1), (1, 1)),
    (3, 6, 24, 24, 4, 4, (2, 2), (1, 1), (1, 1)),           # DCGAN-style stride 2
    (3, 5, 21, 23, 3, 2, (1, 1), (2, 0, 1, 3), (2, 1)),     # dilated, uneven padding
    (4, 6, 23, 26, 3, 3, (3, 1), (1, 1), (1, 1)),           # stride 3 over rows only
]


@pytest.mark.parametrize("case", LONG_ROWS, ids=[f"long{i}" for i in range(len(LONG_ROWS))])
@pytest.mark.parametrize("threads", [1, 2])
def test_im2col_gather_and_row_copies_agree_at_any_thread_count(case, threads, monkeypatch):
    from autograd import runtime
    N, C, H, W, KH, KW, stride, padding, dilation = case
    rng = np.random.default_rng(11)
    x = rng.standard_normal((N, C, H, W), dtype=np.float32)
    ref = ref_im2col(x, (KH, KW), dilation, padding, stride)
    assert ref.size >= runtime.CHUNKED_MIN_SIZE
    c = rng.standard_normal(ref.shape, dtype=np.float32)
    folded_ref = ref_col2im(c.astype(np.float64), (H, W), (KH, KW), dilation, padding, stride)
    old = runtime.get_num_threads()
    try:
        runtime.set_num_threads(min(threads, old))
        for gather_from in (1, 10**9):  # NumPy row copies where stride 1, gather everywhere
            monkeypatch.setattr(GEMM, "GATHER_MAX_ROW", gather_from)
            np.testing.assert_array_equal(K.im2col(x, (KH, KW), dilation, padding, stride), ref)
        folded = K.col2im(c, (H, W), (KH, KW), dilation, padding, stride)
        runtime.set_num_threads(1)
        one_thread = K.col2im(c, (H, W), (KH, KW), dilation, padding, stride)
    finally:
        runtime.set_num_threads(old)
    np.testing.assert_allclose(folded, folded_ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(folded, one_thread)  # each plane summed by one thread


def test_gemm_path_uses_large_gemm_and_direct_path_agree_on_big_shape():
    # A W6-like (but small) shape through both paths: they must agree to float32 rounding.
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 32, 12, 12), dtype=np.float32)
    w = rng.standard_normal((24, 32, 3, 3), dtype=np.float32)
    gy = rng.standard_normal((4, 24, 12, 12), dtype=np.float32)
    args = ((1, 1), (1, 1), (1, 1), 1)
    out = {}
    for alg in ("gemm", "direct"):
        orig = R.choose_algorithm
        R.choose_algorithm = lambda *a, _alg=alg: _alg
        try:
            out[alg] = (K.conv2d_forward(x, w, *args),
                        K.conv2d_backward_input(gy, w, x.shape, *args),
                        K.conv2d_backward_weight(x, gy, w.shape, *args))
        finally:
            R.choose_algorithm = orig
    for a, b in zip(out["gemm"], out["direct"]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-3)


def test_choose_algorithm_rule():
    assert K.choose_algorithm(64, 64, 1, 3, 3, True) == "winograd"  # W6
    # W2 conv2 (11x11 output): below Winograd's volume threshold
    assert K.choose_algorithm(32, 64, 1, 3, 3, True, False, 121) == "gemm"
    assert K.choose_algorithm(8, 64, 1, 3, 3, True) == "gemm"       # < 16 channels
    assert K.choose_algorithm(64, 64, 1, 3, 3, False) == "gemm"     # W6 geometry, stride 2
    assert K.choose_algorithm(64, 64, 1, 1, 1, False, True) == "pointwise"
    assert K.choose_algorithm(64, 64, 64, 3, 3) == "direct"   # depthwise
    assert K.choose_algorithm(64, 64, 1, 3, 3) == "gemm"      # W6
    assert K.choose_algorithm(32, 64, 1, 3, 3) == "gemm"      # W2 conv2
    assert K.choose_algorithm(1, 32, 1, 3, 3) == "gemm"       # W2 conv1: one big K=9 GEMM
    assert K.choose_algorithm(64, 64, 16, 3, 3) == "gemm"     # Cg = Og = 4
    assert K.choose_algorithm(32, 64, 32, 3, 3) == "direct"   # depthwise, multiplier 2


@settings(max_examples=25, deadline=None)
@given(
    N=st.integers(1, 2), G=st.integers(1, 3), Cg=st.integers(1, 3), Og=st.integers(1, 3),
    H=st.integers(1, 7), W=st.integers(1, 7), KH=st.integers(1, 3), KW=st.integers(1, 3),
    sh=st.integers(1, 3), sw=st.integers(1, 3), dh=st.integers(1, 2), dw=st.integers(1, 2),
    pads=st.tuples(*[st.integers(0, 2)] * 4), alg=st.sampled_from(["gemm", "direct"]),
)
def test_conv_random_geometry(N, G, Cg, Og, H, W, KH, KW, sh, sw, dh, dw, pads, alg):
    t, b, l, r = pads
    if _out(H, KH, sh, t, b, dh) < 1 or _out(W, KW, sw, l, r, dw) < 1:
        return  # the op layer rejects empty outputs
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, G * Cg, H, W))
    w = rng.standard_normal((G * Og, Cg, KH, KW))
    geo = ((sh, sw), pads, (dh, dw), G)
    orig = R.choose_algorithm
    R.choose_algorithm = lambda *a: alg
    try:
        y = K.conv2d_forward(x, w, *geo)
        gy = rng.standard_normal(y.shape)
        gx = K.conv2d_backward_input(gy, w, x.shape, *geo)
        gw = K.conv2d_backward_weight(x, gy, w.shape, *geo)
    finally:
        R.choose_algorithm = orig
    np.testing.assert_allclose(y, ref_conv2d(x, w, *geo), rtol=1e-10, atol=1e-10)
    gx_ref, gw_ref = ref_conv2d_backward(x, w, gy, *geo)
    np.testing.assert_allclose(gx, gx_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gw, gw_ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("numpy_path", [False, True])
@pytest.mark.parametrize("budget", [1, 3000, 10**9])  # one sample per chunk, uneven chunks, one chunk
def test_gemm_path_batch_chunking(budget, numpy_path, monkeypatch):
    monkeypatch.setattr(GEMM, "COL_BUDGET_BYTES", budget)
    monkeypatch.setattr(GEMM, "CHUNK_COL_BYTES", budget)
    monkeypatch.setattr(GEMM, "CHUNK_MIN_COLUMNS", 1)
    if numpy_path:
        monkeypatch.setattr(GEMM, "_blas", _NoBlas)
    case = (5, 4, 6, 5, 6, 3, 2, (2, 1), (1, 0), (1, 2), 2)
    x, w, stride, padding, dilation, groups = _make(case, np.float64, seed=7)
    y = K.conv2d_forward(x, w, stride, padding, dilation, groups)
    np.testing.assert_allclose(y, ref_conv2d(x, w, stride, padding, dilation, groups), rtol=1e-10, atol=1e-10)
    gy = np.random.default_rng(8).standard_normal(y.shape)
    gx_ref, gw_ref = ref_conv2d_backward(x, w, gy, stride, padding, dilation, groups)
    np.testing.assert_allclose(K.conv2d_backward_input(gy, w, x.shape, stride, padding, dilation, groups),
                               gx_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(K.conv2d_backward_weight(x, gy, w.shape, stride, padding, dilation, groups),
                               gw_ref, rtol=1e-10, atol=1e-10)


@pytest.mark.skipif(_blas.gemm_fn(np.float32) is None, reason="the pipeline needs NumPy's OpenBLAS")
@pytest.mark.parametrize("groups", [1, 2])
def test_gemm_pipeline_agrees_with_the_numpy_path(groups, monkeypatch):
    # The chunked pipeline (gather, single-threaded GEMM, transpose or col2im per chunk)
    # against the whole-batch NumPy passes, on a shape with several chunks and groups.
    rng = np.random.default_rng(6)
    x = rng.standard_normal((7, 16, 10, 9), dtype=np.float32)
    w = rng.standard_normal((12, 16 // groups, 3, 3), dtype=np.float32)
    gy = rng.standard_normal((7, 12, 5, 5), dtype=np.float32)
    bias = rng.standard_normal(12, dtype=np.float32)
    args = ((2, 2), (1, 1), (1, 1), groups)
    monkeypatch.setattr(R, "choose_algorithm", lambda *a: "gemm")
    monkeypatch.setattr(GEMM, "CHUNK_COL_BYTES", 3 * 16 // groups * 9 * 25 * 4)  # 3 samples
    monkeypatch.setattr(GEMM, "CHUNK_MIN_COLUMNS", 1)
    assert GEMM._chunk_samples(7, 16 // groups * 9, 25, 4) == 3

    def run():
        return (K.conv2d_forward(x, w, *args, bias=bias),
                K.conv2d_backward_input(gy, w, x.shape, *args),
                K.conv2d_backward_weight(x, gy, w.shape, *args))
    pipeline = run()
    monkeypatch.setattr(GEMM, "_blas", _NoBlas)
    for a, b in zip(pipeline, run()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)


@pytest.mark.skipif(_blas.gemm_fn(np.float32) is None, reason="the pipeline needs NumPy's OpenBLAS")
def test_gemm_pipeline_bits_do_not_depend_on_the_thread_count():
    import autograd
    rng = np.random.default_rng(9)
    x = rng.standard_normal((32, 8, 12, 12), dtype=np.float32)
    w = rng.standard_normal((16, 8, 4, 4), dtype=np.float32)
    gy = rng.standard_normal((32, 16, 6, 6), dtype=np.float32)
    args = dict(stride=(2, 2), padding=(1, 1), dilation=(1, 1), groups=1, algorithm="gemm")
    results = []
    before = autograd.get_num_threads()
    try:
        for threads in (1, 2):
            autograd.set_num_threads(threads)
            results.append((K.conv2d_forward(x, w, **args),
                            K.conv2d_backward_input(gy, w, x.shape, **args),
                            K.conv2d_backward_weight(x, gy, w.shape, **args)))
    finally:
        autograd.set_num_threads(before)
    for a, b in zip(*results):
        assert np.array_equal(a, b)


def test_gemm_pipeline_scratch_is_per_thread_and_bounded(monkeypatch):
    import threading
    first = GEMM._scratch(8, 4, 2, 16, 36, np.float32)
    assert GEMM._scratch(8, 4, 2, 16, 36, np.float32)[0] is first[0]  # reused in this thread
    other = []
    t = threading.Thread(target=lambda: other.append(GEMM._scratch(8, 4, 2, 16, 36, np.float32)))
    t.start()
    t.join()
    assert other[0][0] is not first[0]                                 # another thread's own
    one_set = sum(a.nbytes for a in first)
    monkeypatch.setattr(GEMM, "SCRATCH_CACHE_BYTES", one_set)
    big = GEMM._scratch(64, 4, 2, 16, 36, np.float32)
    assert GEMM._scratch(64, 4, 2, 16, 36, np.float32)[0] is not big[0]  # too large to keep
    GEMM._scratch(4, 8, 2, 16, 36, np.float32)                           # evicts the first
    assert GEMM._scratch(8, 4, 2, 16, 36, np.float32)[0] is not first[0]
    assert sum(a.nbytes for e in GEMM._scratch_cache.entries.values() for a in e) <= one_set


def test_gemm_pipeline_from_two_user_threads_at_once(in_threads):
    rng = np.random.default_rng(3)
    args = dict(stride=(2, 2), padding=(1, 1), dilation=(1, 1), groups=1, algorithm="gemm")
    cases = [(rng.standard_normal((6, 5, 9, 9)), rng.standard_normal((7, 5, 3, 3))) for _ in range(2)]

    def run(x, w):
        y = K.conv2d_forward(x, w, **args)
        return (y, K.conv2d_backward_input(y, w, x.shape, **args),
                K.conv2d_backward_weight(x, y, w.shape, **args))
    expected = [run(x, w) for x, w in cases]
    errors = []

    def work(i):
        for _ in range(20):
            for a, b in zip(run(*cases[i]), expected[i]):
                if not np.array_equal(a, b):
                    errors.append(i)
    in_threads(work, [(0,), (1,)])
    assert not errors


def test_gemm_pipeline_chunk_rule():
    # bytes decide (128 KiB of columns), but a chunk is at least 128 columns and 1 sample
    assert GEMM._chunk_samples(32, 27, 1024, 4) == 1          # W9's stem: 108 KiB a sample
    assert GEMM._chunk_samples(32, 48, 256, 4) == 2           # W8's RGB layer
    assert GEMM._chunk_samples(32, 1024, 16, 4) == 8          # 4x4 maps: 8 samples = 128 columns
    assert GEMM._chunk_samples(3, 1024, 16, 4) == 3           # no more than the batch
    assert GEMM._chunk_samples(32, 10**6, 10**4, 4) == 1


def test_gemm_without_blas_runs_the_numpy_path(monkeypatch):
    # Without NumPy's OpenBLAS (another BLAS build) gemm runs whole-batch NumPy passes.
    monkeypatch.setattr(_blas, "gemm_fn", lambda dtype: None)
    monkeypatch.setattr(GEMM, "_blas", _NoBlas)
    x, w, stride, padding, dilation, groups = _make(CASES[0], np.float64)
    assert R.select_algorithm(x.dtype, 3, 4, groups, stride, padding, dilation, 3, 3,
                              *x.shape[2:]) == "gemm"
    y = K.conv2d_forward(x, w, stride, padding, dilation, groups)
    np.testing.assert_allclose(y, ref_conv2d(x, w, stride, padding, dilation, groups), rtol=1e-10)


def test_conv_op_selects_the_algorithm_once_per_convolution(monkeypatch):
    # The op layer selects in the forward and hands the pick to both backward kernels and
    # to the ops of double backward; no kernel selects again.
    import autograd
    from autograd.ops.conv import conv2d
    calls = []
    real = R.select_algorithm

    def counting(*args):
        calls.append(args)
        return real(*args)
    monkeypatch.setattr(R, "select_algorithm", counting)  # what a kernel would call
    monkeypatch.setattr(K, "select_algorithm", counting)  # what the op calls
    rng = np.random.default_rng(9)
    x = autograd.tensor(rng.standard_normal((2, 16, 6, 6)), requires_grad=True)
    w = autograd.tensor(rng.standard_normal((8, 16, 3, 3)), requires_grad=True)
    y = conv2d(x, w, padding=1)
    (gx,) = autograd.grad((y * y).sum(), x, create_graph=True)
    assert len(calls) == 1
    (gx * gx).sum().backward()
    assert len(calls) == 1
    assert x.grad is not None and w.grad is not None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_empty_batch_gives_a_zero_weight_gradient(dtype, algorithm):
    # Grad-weight's partial sums are written by their first chunk into recycled memory:
    # with no samples there is no chunk, and the gradient must still be exactly zero
    # (a batch of one first leaves a used block of the same size on the free list).
    rng = np.random.default_rng(4)
    w = rng.standard_normal((6, 5, 3, 3)).astype(dtype)
    args = ((1, 1), (1, 1), (1, 1), 1)
    for n in (1, 0):
        x = rng.standard_normal((n, 5, 8, 8)).astype(dtype)
        gy = rng.standard_normal((n, 6, 8, 8)).astype(dtype)
        gw = K.conv2d_backward_weight(x, gy, w.shape, *args)
    assert gw.shape == w.shape and gw.dtype == dtype
    assert not gw.any()
