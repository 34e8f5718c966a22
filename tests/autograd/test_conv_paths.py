"""The "pointwise" (1x1 / single-output conv as one GEMM) path, the "gemm" path on
strided convs (the im2col gather) and the "winograd_s2" path (4x4 stride 2 as F(2x2, 2x2)
on the stride phases): their three kernels against an einsum reference over strides,
paddings, kernel sizes and odd sizes; the rule's picks for issue 14's shapes; float64
gradcheck and gradgradcheck through F.conv2d / F.conv_transpose2d on those paths."""
import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd.kernels import _blas
from autograd.kernels import conv as K
from autograd.kernels.conv import pointwise, winograd_s2
from autograd.kernels.conv import rule as R
from autograd.kernels.conv.geometry import geometry

HAVE_BLAS = _blas.gemm_fn(np.float32) is not None


# --------------------------------------------------------------------------- reference
def _ref(x, w, gy, stride, pads, dilation):
    """(y, gx, gw) of a groups-1 conv by one einsum per kernel tap on the padded input."""
    N, C, H, W = x.shape
    O, _, KH, KW = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    t, b, left, r = pads
    xp = np.zeros((N, C, H + t + b, W + left + r))
    xp[:, :, t:t + H, left:left + W] = x
    OH = (H + t + b - dh * (KH - 1) - 1) // sh + 1
    OW = (W + left + r - dw * (KW - 1) - 1) // sw + 1
    y = np.zeros((N, O, OH, OW))
    gxp = np.zeros_like(xp)
    gw = np.zeros(w.shape)
    for kh in range(KH):
        for kw in range(KW):
            rows = slice(kh * dh, kh * dh + sh * (OH - 1) + 1, sh)
            cols = slice(kw * dw, kw * dw + sw * (OW - 1) + 1, sw)
            y += np.einsum("nchw,oc->nohw", xp[:, :, rows, cols], w[:, :, kh, kw])
            gxp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", gy, w[:, :, kh, kw])
            gw[:, :, kh, kw] = np.einsum("nohw,nchw->oc", gy, xp[:, :, rows, cols])
    return y, gxp[:, :, t:t + H, left:left + W], gw


def _check_path(alg, N, C, H, W, O, KH, KW, stride, pads, dtype, dilation=(1, 1)):
    g = geometry((H, W), (KH, KW), stride, pads, dilation)
    assert alg == "gemm" or {"pointwise": pointwise, "winograd_s2": winograd_s2}[alg].supports(
        g, 1, KH, KW)
    rng = np.random.default_rng(N * 1000 + H * 10 + KH)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((O, C, KH, KW))
    b = rng.standard_normal(O)
    gy = rng.standard_normal((N, O, g.OH, g.OW))
    y_ref, gx_ref, gw_ref = _ref(x, w, gy, stride, pads, dilation)
    xd, wd, bd, gyd = (a.astype(dtype) for a in (x, w, b, gy))
    args = (stride, pads, dilation, 1)
    y = K.conv2d_forward(xd, wd, *args, algorithm=alg)
    yb = K.conv2d_forward(xd, wd, *args, bias=bd, algorithm=alg)
    gx = K.conv2d_backward_input(gyd, wd, x.shape, *args, algorithm=alg)
    gw = K.conv2d_backward_weight(xd, gyd, w.shape, *args, algorithm=alg)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-11)
    for got, want in ((y, y_ref), (yb, y_ref + b.reshape(-1, 1, 1)), (gx, gx_ref), (gw, gw_ref)):
        assert got.dtype == dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, **tol)


# (N, C, H, W, O, KH, KW, stride, (top, bottom, left, right))
STRIDED_CASES = [
    (2, 3, 8, 8, 5, 4, 4, (2, 2), (1, 1, 1, 1)),    # DCGAN's 4x4 stride 2 pad 1
    (2, 3, 9, 7, 4, 3, 3, (2, 2), (1, 1, 1, 1)),    # ResNet's 3x3 stride 2, odd sizes
    (1, 2, 10, 11, 3, 3, 3, (3, 3), (0, 0, 0, 0)),  # stride 3
    (2, 2, 11, 10, 3, 4, 4, (3, 3), (2, 2, 2, 2)),  # stride 3, 4x4
    (2, 3, 7, 7, 2, 4, 4, (2, 2), (0, 0, 0, 0)),    # rows at the end never read
    (1, 2, 5, 5, 3, 3, 3, (2, 2), (2, 2, 2, 2)),    # padding = kernel - 1
    (2, 2, 9, 10, 3, 3, 4, (2, 3), (1, 0, 2, 1)),   # unequal strides, asymmetric pads
    (2, 3, 8, 9, 2, 1, 3, (2, 1), (0, 0, 1, 1)),    # stride 1 in one dim, 1-row kernel
    (1, 2, 6, 6, 2, 5, 5, (2, 2), (1, 1, 1, 1)),    # K = 5
    (1, 2, 6, 8, 3, 2, 2, (4, 4), (3, 3, 3, 3)),    # stride > kernel: pixels never read
    (3, 4, 4, 4, 6, 4, 4, (2, 2), (1, 1, 1, 1)),    # W8's 4x4 -> 2x2
    # rows of >= 8 outputs: kernel columns share shifted planes (gemm._plane_bases)
    (2, 3, 16, 16, 4, 4, 4, (2, 2), (1, 1, 1, 1)),  # W8's 4x4 stride 2 at 16x16
    (3, 2, 17, 19, 3, 3, 3, (2, 2), (1, 1, 1, 1)),  # ResNet's 3x3 stride 2, odd sizes
    (2, 2, 16, 16, 3, 3, 3, (1, 1), (1, 1, 1, 1)),  # stride 1: one plane for three columns
    (2, 2, 16, 18, 3, 5, 5, (1, 1), (2, 2, 2, 2)),  # shifts of 2
    (2, 2, 16, 16, 3, 3, 3, (1, 1), (2, 2, 2, 2)),  # padding 2: 18-output rows
]
POINT_CASES = [
    (2, 3, 8, 8, 4, 1, 1, (1, 1), (0, 0, 0, 0)),    # 1x1
    (2, 3, 9, 7, 4, 1, 1, (2, 2), (0, 0, 0, 0)),    # 1x1 stride 2, odd sizes (ResNet)
    (1, 2, 10, 11, 3, 1, 1, (3, 2), (0, 0, 0, 0)),  # 1x1 stride 3 / 2
    (3, 4, 4, 4, 1, 4, 4, (1, 1), (0, 0, 0, 0)),    # W8 D's last conv: the whole image
    (2, 3, 5, 6, 2, 4, 4, (2, 3), (0, 0, 0, 0)),    # one output pixel, image larger
    (2, 3, 5, 6, 1, 4, 4, (2, 3), (0, 0, 0, 0)),    # ... one output channel (an outer product)
    (19, 5, 6, 5, 7, 1, 1, (2, 2), (0, 0, 0, 0)),   # 1x1: more samples than partial sums
    (17, 6, 3, 4, 5, 1, 1, (1, 1), (0, 0, 0, 0)),
]


S2_CASES = [  # 4x4 kernels, stride 2
    (2, 3, 8, 8, 5, 4, 4, (2, 2), (1, 1, 1, 1)),    # DCGAN's pad 1: 2x2 tiles of 4x4
    (3, 4, 9, 7, 2, 4, 4, (2, 2), (1, 1, 1, 1)),    # odd sizes: cropped tiles
    (2, 2, 6, 10, 3, 4, 4, (2, 2), (0, 0, 0, 0)),   # no padding
    (1, 3, 5, 5, 2, 4, 4, (2, 2), (2, 2, 2, 2)),    # padding 2: whole tiles of padding
    (2, 2, 11, 12, 3, 4, 4, (2, 2), (1, 0, 2, 1)),  # asymmetric pads, odd output
    (2, 3, 7, 7, 2, 4, 4, (2, 2), (0, 0, 0, 0)),    # rows at the end never read
    (3, 4, 4, 4, 6, 4, 4, (2, 2), (1, 1, 1, 1)),    # W8's 4x4 -> 2x2: one tile a sample
    (5, 3, 3, 3, 2, 4, 4, (2, 2), (3, 3, 3, 3)),    # padding 3: most of each window padding
    (37, 2, 8, 6, 3, 4, 4, (2, 2), (1, 1, 1, 1)),   # several chunks and both partial sums
]


@pytest.mark.skipif(not HAVE_BLAS, reason="the winograd_s2 kernels need NumPy's OpenBLAS")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", S2_CASES, ids=[f"s2_{i}" for i in range(len(S2_CASES))])
def test_winograd_s2_matches_reference(case, dtype):
    _check_path("winograd_s2", *case, dtype)


def _assert_same_bits_at_one_and_all_threads(run):
    """``run()`` (a tuple of arrays) at one thread and at the configured count: equal bits."""
    saved = autograd.get_num_threads()
    try:
        results = []
        for n in (1, saved):
            autograd.set_num_threads(n)
            results.append(run())
    finally:
        autograd.set_num_threads(saved)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


@pytest.mark.skipif(not HAVE_BLAS, reason="the winograd_s2 kernels need NumPy's OpenBLAS")
def test_winograd_s2_weight_grad_same_bits_at_any_thread_count():
    # fixed partial sums (not one per thread), added in order
    rng = np.random.default_rng(3)
    x = rng.standard_normal((21, 16, 12, 10)).astype(np.float32)
    gy = rng.standard_normal((21, 8, 6, 5)).astype(np.float32)
    args = ((2, 2), (1, 1, 1, 1), (1, 1), 1)
    _assert_same_bits_at_one_and_all_threads(lambda: (
        K.conv2d_forward(x, np.ones((8, 16, 4, 4), np.float32), *args, algorithm="winograd_s2"),
        K.conv2d_backward_weight(x, gy, (8, 16, 4, 4), *args, algorithm="winograd_s2")))


def test_winograd_s2_chunks_are_even():
    # W8's 64 -> 128 at 8x8 (4 tiles a sample): 4 chunks of 8 samples, not 9, 9, 9, 5
    chunks = winograd_s2._chunks
    assert chunks(32, 4, 4, 256, 128, np.float32, 512 << 10, 2) == (8, 4)
    assert chunks(3, 4, 4, 256, 128, np.float32, 512 << 10, 2) == (2, 2)
    assert chunks(1, 4, 4, 256, 128, np.float32, 512 << 10, 2) == (1, 1)
    assert chunks(5, 4, 4, 256, 128, np.float32, 512 << 10, 2) == (3, 2)  # one chunk would do
    assert chunks(32, 4, 4, 256, 128, np.float32, 512 << 10, 1) == (8, 4)  # even sizes anyway


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", STRIDED_CASES, ids=[f"strided{i}" for i in range(len(STRIDED_CASES))])
def test_gemm_path_on_strided_convs_matches_reference(case, dtype):
    _check_path("gemm", *case, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", POINT_CASES, ids=[f"point{i}" for i in range(len(POINT_CASES))])
def test_pointwise_matches_reference(case, dtype):
    _check_path("pointwise", *case, dtype)


@pytest.mark.parametrize("case", POINT_CASES[:3] + POINT_CASES[-2:])
def test_pointwise_numpy_fallback_matches_reference(case, monkeypatch):
    # without NumPy's OpenBLAS the 1x1 convs run as NumPy GEMMs instead of the kernel
    monkeypatch.setattr(pointwise._blas, "gemm_address", lambda dtype: None)
    _check_path("pointwise", *case, np.float64)


@pytest.mark.skipif(not HAVE_BLAS, reason="the pointwise kernel needs NumPy's OpenBLAS")
def test_pointwise_weight_grad_same_bits_at_any_thread_count():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((21, 16, 9, 9)).astype(np.float32)
    gy = rng.standard_normal((21, 8, 5, 5)).astype(np.float32)
    args = ((2, 2), (0, 0, 0, 0), (1, 1), 1)
    _assert_same_bits_at_one_and_all_threads(lambda: (
        K.conv2d_backward_weight(x, gy, (8, 16, 1, 1), *args, algorithm="pointwise"),))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_path_on_a_dilated_conv_with_shared_planes(dtype):
    # dilation 2: columns 0, 1, 2 read inputs 2 apart, one plane shifted by 0 and +-2
    _check_path("gemm", 2, 2, 16, 16, 3, 3, 3, (1, 1), (2, 2, 2, 2), dtype, dilation=(2, 2))


def test_gemm_shares_shifted_planes_where_the_fixups_read_padding():
    from autograd.kernels.conv import gemm
    # W8's 4x4 stride-2 conv at 16x16: columns 0 and 2 (odd inputs) share a plane, as do 1
    # and 3; each pixel then has one reader, and the shifted taps have fix-ups
    g = geometry((16, 16), (4, 4), (2, 2), (1, 1, 1, 1), (1, 1))
    bases, of = gemm._plane_bases(16, 4, g)
    assert len(bases) == 2 and sorted(m for _, m in of.values()) == [-1, 0, 0, 1]
    index, readers, taps, fixups = gemm._shifted_planes(16, 16, 4, 4, g)
    assert readers.size == 16 * 16 and fixups.shape == (8 * 8, 2)
    # W2's conv2 (no padding): a shifted column would need pixels no plane holds
    g = geometry((13, 13), (3, 3), (1, 1), (0, 0, 0, 0), (1, 1))
    assert gemm._plane_bases(13, 3, g)[0] == [0, 1, 2]
    assert gemm._shifted_planes(13, 13, 3, 3, g)[3].shape == (0, 2)
    # 4x4 output rows: fix-ups would cost more than they save
    g = geometry((8, 8), (4, 4), (2, 2), (1, 1, 1, 1), (1, 1))
    assert len(gemm._plane_bases(8, 4, g)[0]) == 4


def test_paths_refuse_geometries_they_cannot_compute():
    g = geometry((3, 5), (3, 3), (1, 1), (0, 0), (1, 1))     # OW == 3: not a single pixel
    assert not pointwise.supports(g, 1, 3, 3)
    assert not pointwise.supports(geometry((8, 8), (1, 1), (1, 1), (1, 1), (1, 1)), 1, 1, 1)  # pad
    assert not pointwise.supports(geometry((8, 8), (1, 1), (1, 1), (0, 0), (1, 1)), 2, 1, 1)  # groups
    s2 = geometry((8, 8), (4, 4), (2, 2), (1, 1), (1, 1))
    assert winograd_s2.supports(s2, 1, 4, 4)
    assert not winograd_s2.supports(s2, 2, 4, 4)                                       # groups
    assert not winograd_s2.supports(geometry((8, 8), (3, 3), (2, 2), (1, 1), (1, 1)), 1, 3, 3)
    assert not winograd_s2.supports(geometry((8, 8), (4, 4), (1, 1), (1, 1), (1, 1)), 1, 4, 4)
    assert not winograd_s2.supports(geometry((9, 9), (4, 4), (2, 2), (1, 1), (2, 2)), 1, 4, 4)


def _pick(C, O, k, s, p, H, groups=1, d=1, dtype=np.float32):  # noqa: E741
    return R.select_algorithm(np.dtype(dtype), C, O, groups, (s, s), (p, p), (d, d), k, k, H, H)


@pytest.mark.skipif(not HAVE_BLAS, reason="the rule's BLAS paths need NumPy's OpenBLAS")
def test_rule_picks_for_issue_14_shapes():
    # W8 discriminator / generator (transposed: the conv of the same geometry)
    assert _pick(3, 32, 4, 2, 1, 32) == "gemm"
    assert _pick(32, 64, 4, 2, 1, 16) == "winograd_s2"
    assert _pick(64, 128, 4, 2, 1, 8) == "winograd_s2"
    assert _pick(128, 1, 4, 1, 0, 4) == "pointwise"
    assert _pick(128, 64, 4, 1, 0, 4) == "pointwise"  # ConvTranspose2d(64, 128, 4) on 1x1
    # W9: 1x1 downsample, 3x3 stride 2; the stride-1 convs keep their paths
    assert _pick(32, 64, 1, 2, 0, 32) == "pointwise"
    assert _pick(32, 64, 3, 2, 1, 32) == "gemm"
    assert _pick(64, 128, 3, 2, 1, 16) == "gemm"
    assert _pick(64, 64, 3, 1, 1, 32) == "winograd"    # W6
    assert _pick(32, 64, 3, 1, 0, 13) == "gemm"        # W2 conv2
    assert _pick(1, 32, 3, 1, 0, 28) == "gemm"         # W2 conv1
    assert _pick(64, 64, 3, 2, 1, 16, d=2) == "gemm"
    assert _pick(64, 64, 3, 2, 1, 16, groups=64) == "direct"


@pytest.mark.skipif(not HAVE_BLAS, reason="the rule's BLAS paths need NumPy's OpenBLAS")
def test_rule_winograd_s2_thresholds():
    assert _pick(16, 16, 4, 2, 1, 32) == "winograd_s2"
    assert _pick(8, 16, 4, 2, 1, 32) == "gemm"            # 8 channels
    assert _pick(256, 512, 4, 2, 1, 16) == "winograd_s2"  # C * O = the threshold
    assert _pick(512, 512, 4, 2, 1, 8) == "gemm"          # 9 * 4C * O partial sums too large
    assert _pick(64, 128, 4, 2, 1, 16, d=2) == "gemm"     # dilation
    assert _pick(64, 128, 4, 1, 1, 16) == "gemm"          # stride 1


def test_rule_without_blas_demotes_winograd_but_keeps_pointwise(monkeypatch):
    monkeypatch.setattr(_blas, "gemm_fn", lambda dtype: None)
    assert _pick(64, 64, 3, 1, 1, 32) == "gemm"
    assert _pick(32, 64, 4, 2, 1, 16) == "gemm"
    assert _pick(32, 64, 1, 2, 0, 16) == "pointwise"  # plain np.matmul, no ctypes BLAS


# ----------------------------------------------------------------- through the ops (float64)
def _t(rng, *shape):
    return autograd.tensor(rng.standard_normal(shape), requires_grad=True)


OP_CASES = [  # (x shape, w shape, stride, padding, path the rule picks)
    ((1, 2, 8, 8), (3, 2, 4, 4), 2, 1, "gemm"),    # DCGAN's 4x4 stride 2
    ((1, 2, 9, 7), (3, 2, 3, 3), 2, 1, "gemm"),
    ((2, 3, 5, 5), (4, 3, 1, 1), 2, 0, "pointwise"),
    ((2, 3, 4, 4), (2, 3, 4, 4), 1, 0, "pointwise"),
]


@pytest.mark.parametrize("xs, ws, s, p, alg", OP_CASES)
def test_conv2d_gradcheck_and_gradgradcheck_on_new_paths(xs, ws, s, p, alg):
    assert R.select_algorithm(np.dtype(np.float64), xs[1], ws[0], 1, (s, s), (p, p), (1, 1),
                              ws[2], ws[3], xs[2], xs[3]) == alg
    rng = np.random.default_rng(3)
    x, w, b = _t(rng, *xs), _t(rng, *ws), _t(rng, ws[0])

    def f(x, w, b):
        return F.conv2d(x, w, b, stride=s, padding=p)
    assert autograd.gradcheck(f, (x, w, b))
    assert autograd.gradgradcheck(f, (x, w, b))


CT_CASES = [  # (x shape, w shape [C_in, C_out, k, k], stride, padding, output_padding, path)
    ((1, 3, 4, 4), (3, 2, 4, 4), 2, 1, 0, "gemm"),
    ((1, 3, 3, 3), (3, 2, 3, 3), 3, 0, 2, "gemm"),        # output_padding: last rows unread
    ((2, 4, 1, 1), (4, 3, 4, 4), 1, 0, 0, "pointwise"),   # DCGAN's first generator layer
    ((2, 4, 3, 3), (4, 3, 1, 1), 2, 0, 1, "pointwise"),   # 1x1 stride 2: a scatter
]


@pytest.mark.parametrize("xs, ws, s, p, op, alg", CT_CASES)
def test_conv_transpose2d_gradcheck_and_gradgradcheck_on_new_paths(xs, ws, s, p, op, alg):
    H = (xs[2] - 1) * s - 2 * p + ws[2] + op
    W = (xs[3] - 1) * s - 2 * p + ws[3] + op
    assert R.select_algorithm(np.dtype(np.float64), ws[1], ws[0], 1, (s, s), (p, p), (1, 1),
                              ws[2], ws[3], H, W) == alg
    rng = np.random.default_rng(4)
    x, w, b = _t(rng, *xs), _t(rng, *ws), _t(rng, ws[1])

    def f(x, w, b):
        return F.conv_transpose2d(x, w, b, stride=s, padding=p, output_padding=op)
    y = f(x, w, b)
    assert tuple(y.shape) == (xs[0], ws[1], H, W)
    assert autograd.gradcheck(f, (x, w, b))
    assert autograd.gradgradcheck(f, (x, w, b))


def test_conv_transpose2d_forward_is_the_adjoint_of_conv2d_on_new_paths():
    # <conv2d(x, w), z> == <x, conv_transpose2d(z, w)> for the W8 geometries, float64
    rng = np.random.default_rng(5)
    for xs, ws, s, p in [((2, 8, 8, 8), (12, 8, 4, 4), 2, 1), ((2, 6, 4, 4), (5, 6, 4, 4), 1, 0),
                         ((2, 6, 9, 9), (5, 6, 1, 1), 2, 0)]:
        x = autograd.tensor(rng.standard_normal(xs))
        w = autograd.tensor(rng.standard_normal(ws))
        y = F.conv2d(x, w, stride=s, padding=p)
        z = autograd.tensor(rng.standard_normal(tuple(y.shape)))
        xt = F.conv_transpose2d(z, w, stride=s, padding=p)
        assert tuple(xt.shape) == xs
        np.testing.assert_allclose(float((y * z).sum().item()), float((x * xt).sum().item()),
                                   rtol=1e-10)


@pytest.mark.parametrize("ws, s, p", [((8, 3, 4, 4), 2, 1), ((8, 3, 1, 1), 2, 0), ((8, 3, 8, 8), 1, 0)])
def test_empty_batch_on_new_paths(ws, s, p):
    # N == 0: empty outputs and input grads, zero weight grads (as PyTorch)
    x = autograd.tensor(np.zeros((0, 3, 8, 8)), requires_grad=True)
    w = autograd.tensor(np.ones(ws), requires_grad=True)
    y = F.conv2d(x, w, stride=s, padding=p)
    y.sum().backward()
    OH = (8 + 2 * p - ws[2]) // s + 1
    assert tuple(y.shape) == (0, 8, OH, OH) and tuple(x.grad.shape) == (0, 3, 8, 8)
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(ws))
    z = autograd.tensor(np.zeros((0, 8, OH, OH)), requires_grad=True)
    xt = F.conv_transpose2d(z, w, stride=s, padding=p)
    xt.sum().backward()
    assert tuple(xt.shape)[:2] == (0, 3) and tuple(z.grad.shape) == (0, 8, OH, OH)


@pytest.mark.skipif(not HAVE_BLAS, reason="the rule's BLAS paths need NumPy's OpenBLAS")
def test_rule_winograd_volume_threshold():
    # W9's stride-1 convs (32 channels 32x32, 64 16x16, 128 8x8) and W6 run on Winograd;
    # below min(C, O) * OH * OW = 4096, and below 16 channels, gemm (rule.WINOGRAD_MIN_*)
    assert _pick(32, 32, 3, 1, 1, 32) == "winograd"
    assert _pick(64, 64, 3, 1, 1, 16) == "winograd"
    assert _pick(128, 128, 3, 1, 1, 8) == "winograd"
    assert _pick(64, 64, 3, 1, 1, 32) == "winograd"     # W6
    assert _pick(256, 256, 3, 1, 1, 4) == "winograd"    # 256 * 16 = the threshold
    assert _pick(16, 64, 3, 1, 1, 32) == "winograd"     # 16 channels
    assert _pick(8, 16, 3, 1, 1, 28) == "gemm"          # 8 channels
    assert _pick(256, 256, 3, 1, 0, 5) == "gemm"        # 256 * 9 < 4096
    assert _pick(32, 64, 3, 1, 0, 13) == "gemm"         # W2 conv2: 32 * 11 * 11 < 4096
    assert K.choose_algorithm(64, 64, 1, 3, 3, True) == "winograd"  # size not given
    assert K.choose_algorithm(64, 64, 1, 3, 3, True, False, 63) == "gemm"
    assert K.choose_algorithm(64, 64, 1, 3, 3, True, False, 64) == "winograd"


@pytest.mark.skipif(not HAVE_BLAS, reason="the Winograd path needs NumPy's OpenBLAS")
@pytest.mark.parametrize("tile", [2, 4])
@pytest.mark.parametrize("padding", [0, 1, 2])
def test_conv2d_gradcheck_and_gradgradcheck_on_winograd_tiles(tile, padding, monkeypatch):
    from autograd.kernels.conv import winograd as WG
    monkeypatch.setattr(R, "choose_algorithm", lambda *a, **k: "winograd")
    monkeypatch.setattr(WG, "F4_MIN_CHANNELS", 1 if tile == 4 else 10**9)
    monkeypatch.setattr(WG, "F4_MIN_TILES", 1)
    assert WG.tile_size(1, 2, 3, 6, 7) == tile
    tiles_run = []
    real_conv = WG._conv

    def counting_conv(x, w, *args, adjoint=False):
        O = w.shape[1] if adjoint else w.shape[0]
        tiles_run.append(WG.tile_size(x.shape[0], x.shape[1], O, args[2], args[3]))
        return real_conv(x, w, *args, adjoint=adjoint)
    monkeypatch.setattr(WG, "_conv", counting_conv)
    rng = np.random.default_rng(6)
    x, w, b = _t(rng, 1, 2, 6, 7), _t(rng, 3, 2, 3, 3), _t(rng, 3)

    def f(x, w, b):
        return F.conv2d(x, w, b, padding=padding)
    assert autograd.gradcheck(f, (x, w, b))
    assert autograd.gradgradcheck(f, (x, w, b))
    assert tiles_run and set(tiles_run) == {tile}


@pytest.mark.skipif(not HAVE_BLAS, reason="the winograd_s2 kernels need NumPy's OpenBLAS")
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("transposed", [False, True])
def test_gradcheck_and_gradgradcheck_on_winograd_s2(padding, transposed, monkeypatch):
    monkeypatch.setattr(R, "choose_algorithm", lambda *a, **k: "winograd_s2")
    ran = []
    for name in ("_forward_chunks", "_input_grad_chunks", "_weight_grad_groups"):
        def counting(*args, real=getattr(winograd_s2, name), name=name):
            ran.append(name)
            return real(*args)
        monkeypatch.setattr(winograd_s2, name, counting)
    rng = np.random.default_rng(7)
    if transposed:  # conv_transpose2d: grad-input's kernel forward, the forward's backward
        x, w, b = _t(rng, 1, 3, 3, 4), _t(rng, 3, 2, 4, 4), _t(rng, 2)

        def f(x, w, b):
            return F.conv_transpose2d(x, w, b, stride=2, padding=padding)
    else:
        x, w, b = _t(rng, 1, 2, 7, 8), _t(rng, 3, 2, 4, 4), _t(rng, 3)

        def f(x, w, b):
            return F.conv2d(x, w, b, stride=2, padding=padding)
    assert autograd.gradcheck(f, (x, w, b))
    assert autograd.gradgradcheck(f, (x, w, b))
    assert set(ran) == {"_forward_chunks", "_input_grad_chunks", "_weight_grad_groups"}


@pytest.mark.parametrize("op", ["conv2d", "conv2d_bias", "conv_transpose2d"])
def test_conv_backward_of_a_broadcast_gradient_matches_the_dense_one(op):
    # y.sum().backward() hands the conv a broadcast view as its output gradient; the ops
    # make it dense once (the kernels need it dense) and must give the same gradients
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    shape = (3, 4, 3, 3) if op == "conv_transpose2d" else (4, 3, 3, 3)
    w0 = rng.standard_normal(shape).astype(np.float32)
    grads = []
    for dense in (False, True):
        x = autograd.tensor(x0, requires_grad=True)
        w = autograd.tensor(w0, requires_grad=True)
        b = autograd.zeros(4, requires_grad=True)
        if op == "conv_transpose2d":
            y = F.conv_transpose2d(x, w, stride=2, padding=1)
        else:
            y = F.conv2d(x, w, b if op == "conv2d_bias" else None, padding=1)
        if dense:
            y.backward(autograd.ones(y.shape) * 0.5)
        else:
            (y.sum() * 0.5).backward()
        grads.append([t.grad.numpy() for t in (x, w, b) if t.grad is not None])
    for a, b_ in zip(*grads):
        np.testing.assert_array_equal(a, b_)
    assert len(grads[0]) == (3 if op == "conv2d_bias" else 2)
