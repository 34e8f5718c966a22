"""Pool kernels (autograd/kernels/pool.py) against slow, obviously correct NumPy loops.

The references build each window explicitly from a padded copy of the input and count
divisors with masks, so they share no index arithmetic with the kernels.
"""
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.kernels import pool as P


# --------------------------------------------------------------------------- references
def ref_out(n, k, s, p, d, ceil_mode):
    """PyTorch's documented formula, in exact arithmetic."""
    f = Fraction(n + 2 * p - d * (k - 1) - 1, s)
    out = (math.ceil(f) if ceil_mode else math.floor(f)) + 1
    if ceil_mode and (out - 1) * s >= n + p:  # last window must start inside input/left pad
        out -= 1
    return out


def _windows(x, k, s, p, d, ceil_mode, fill):
    """Yield (oh, ow, values[N, C, KH, KW], rows, cols) with padding/overhang set to fill."""
    N, C, H, W = x.shape
    OH = ref_out(H, k[0], s[0], p[0], d[0], ceil_mode)
    OW = ref_out(W, k[1], s[1], p[1], d[1], ceil_mode)
    big = 2 * max(k) * max(d) + 2 * max(s)  # room for any ceil_mode overhang
    xp = np.full((N, C, H + p[0] + big, W + p[1] + big), fill, dtype=np.float64)
    xp[:, :, p[0]:p[0] + H, p[1]:p[1] + W] = x
    for oh in range(OH):
        for ow in range(OW):
            rows = oh * s[0] + d[0] * np.arange(k[0])  # in padded coordinates
            cols = ow * s[1] + d[1] * np.arange(k[1])
            yield oh, ow, xp[:, :, rows][:, :, :, cols], rows - p[0], cols - p[1]
    return OH, OW


def ref_max_pool(x, k, s, p, d, ceil_mode):
    N, C, H, W = x.shape
    OH = ref_out(H, k[0], s[0], p[0], d[0], ceil_mode)
    OW = ref_out(W, k[1], s[1], p[1], d[1], ceil_mode)
    y = np.empty((N, C, OH, OW))
    idx = np.empty((N, C, OH, OW), dtype=np.int64)
    for oh, ow, v, rows, cols in _windows(x, k, s, p, d, ceil_mode, -np.inf):
        flat_pos = (rows[:, None] * W + cols[None, :]).ravel()
        inside = ((rows[:, None] >= 0) & (rows[:, None] < H)
                  & (cols[None, :] >= 0) & (cols[None, :] < W)).ravel()
        for n in range(N):
            for c in range(C):
                vals = v[n, c].ravel()
                if inside.any():  # padding never wins, not even a tie with an all -inf window
                    vals = np.where(inside, vals, -np.inf)
                    first = int(np.argmax(inside))
                    vals = np.concatenate([vals[first:], vals[:first]])
                    pos = np.concatenate([flat_pos[first:], flat_pos[:first]])
                else:
                    pos = flat_pos
                nan = np.flatnonzero(np.isnan(vals))
                # first maximum wins; a NaN wins over everything (PyTorch keeps the last NaN)
                j = nan[-1] if len(nan) else int(np.argmax(vals))
                y[n, c, oh, ow] = vals[j]
                idx[n, c, oh, ow] = pos[j]
    return y, idx


def ref_avg_pool(x, k, s, p, ceil_mode, count_include_pad, divisor_override):
    N, C, H, W = x.shape
    ones = np.ones((1, 1, H, W))
    in_pad_domain = np.ones((1, 1, H + 2 * p[0], W + 2 * p[1]))
    outs = {}
    for (oh, ow, v, _, _), (_, _, m_img, _, _) in zip(
            _windows(x, k, s, p, (1, 1), ceil_mode, 0.0),
            _windows(ones, k, s, p, (1, 1), ceil_mode, 0.0)):
        outs[oh, ow] = (v.sum(axis=(2, 3)), m_img.sum())
    # divisor with count_include_pad: window cells inside the padded domain (not overhang)
    pd = {}
    big = 2 * max(k) + 2 * max(s)
    dom = np.zeros((H + 2 * p[0] + big, W + 2 * p[1] + big))
    dom[:H + 2 * p[0], :W + 2 * p[1]] = in_pad_domain[0, 0]
    for (oh, ow) in outs:
        pd[oh, ow] = dom[oh * s[0]:oh * s[0] + k[0], ow * s[1]:ow * s[1] + k[1]].sum()
    OH = ref_out(H, k[0], s[0], p[0], 1, ceil_mode)
    OW = ref_out(W, k[1], s[1], p[1], 1, ceil_mode)
    y = np.empty((N, C, OH, OW))
    for (oh, ow), (ssum, n_img) in outs.items():
        if n_img == 0:
            y[:, :, oh, ow] = 0.0
            continue
        div = divisor_override or (pd[oh, ow] if count_include_pad else n_img)
        y[:, :, oh, ow] = ssum / div
    return y


def _adaptive_bounds(i, n_in, n_out):
    return math.floor(Fraction(i * n_in, n_out)), math.ceil(Fraction((i + 1) * n_in, n_out))


def ref_adaptive(x, out_hw, kind):
    N, C, H, W = x.shape
    OH, OW = out_hw
    y = np.empty((N, C, OH, OW))
    idx = np.empty((N, C, OH, OW), dtype=np.int64)
    for oh in range(OH):
        h0, h1 = _adaptive_bounds(oh, H, OH)
        for ow in range(OW):
            w0, w1 = _adaptive_bounds(ow, W, OW)
            win = x[:, :, h0:h1, w0:w1].reshape(N, C, -1)
            if kind == "avg":
                y[:, :, oh, ow] = win.mean(axis=2)
            else:
                j = np.argmax(win, axis=2)
                y[:, :, oh, ow] = win.max(axis=2)
                idx[:, :, oh, ow] = (h0 + j // (w1 - w0)) * W + w0 + j % (w1 - w0)
    return y, idx


def ref_scatter(gy, idx, hw):
    N, C = gy.shape[:2]
    gx = np.zeros((N, C, hw[0] * hw[1]))
    for n in range(N):
        for c in range(C):
            np.add.at(gx[n, c], idx[n, c].ravel(), gy[n, c].ravel())
    return gx.reshape(N, C, *hw)


# --------------------------------------------------------------------------- cases
# (H, W, kernel, stride, padding, dilation, ceil_mode)
MAX_CASES = [
    (7, 9, (3, 3), (2, 2), (1, 1), (1, 1), True),
    (7, 9, (3, 3), (2, 2), (1, 1), (1, 1), False),
    (8, 5, (2, 3), (2, 1), (1, 1), (2, 1), False),
    (6, 6, (2, 2), (2, 2), (0, 0), (1, 1), True),     # even: ceil adds nothing
    (11, 4, (3, 2), (3, 3), (1, 1), (1, 1), True),    # ceil overhang, dropped-window rule
    (5, 5, (3, 3), (1, 1), (1, 1), (2, 2), True),     # dilation with padding
    (1, 13, (1, 4), (1, 3), (0, 2), (1, 1), True),    # 1-D pooling as H == 1
    (4, 4, (4, 4), (4, 4), (2, 2), (1, 1), True),     # windows mostly padding
]
# (H, W, kernel, stride, padding, ceil_mode)
AVG_CASES = [
    (7, 9, (3, 3), (2, 2), (1, 1), True),
    (7, 9, (3, 3), (2, 2), (1, 1), False),
    (8, 5, (2, 3), (2, 1), (1, 1), False),
    (11, 4, (3, 2), (3, 3), (1, 1), True),
    (5, 6, (5, 4), (2, 3), (2, 2), True),
    (1, 13, (1, 4), (1, 3), (0, 2), True),
]
ADAPTIVE_CASES = [(7, 9, (3, 4)), (5, 5, (5, 5)), (4, 6, (7, 3)), (10, 3, (1, 1)), (1, 11, (1, 4))]


def _x(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", MAX_CASES)
def test_max_pool_forward_backward(case, dtype):
    H, W, k, s, p, d, cm = case
    x = _x((2, 3, H, W), dtype)
    y, idx = P.max_pool2d_forward(x, k, s, p, d, cm)
    y_ref, idx_ref = ref_max_pool(x.astype(np.float64), k, s, p, d, cm)
    assert y.dtype == dtype and idx.dtype == np.int64 and y.shape == y_ref.shape
    np.testing.assert_array_equal(y, y_ref.astype(dtype))
    np.testing.assert_array_equal(idx, idx_ref)
    gy = _x(y.shape, dtype, seed=1)
    gx = P.max_pool2d_backward(gy, idx, (H, W))
    assert gx.dtype == dtype and gx.shape == x.shape
    np.testing.assert_allclose(gx, ref_scatter(gy.astype(np.float64), idx_ref, (H, W)), **_tol(dtype))


def test_max_pool_ties_and_nan():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = 5.0  # tie inside the first 2x2 window: first in row-major wins
    x[0, 0, 2, 2] = np.nan
    x[0, 0, 3, 3] = np.nan               # two NaNs in one window: the last wins, as in PyTorch
    x[0, 0, 0, 3] = -np.inf
    x[0, 0, 0, 2] = -np.inf
    x[0, 0, 1, 2] = x[0, 0, 1, 3] = -np.inf  # all -inf window keeps its first element's index
    y, idx = P.max_pool2d_forward(x, (2, 2), (2, 2))
    np.testing.assert_array_equal(idx[0, 0], [[1, 2], [8, 15]])
    assert y[0, 0, 0, 0] == 5.0 and y[0, 0, 0, 1] == -np.inf and np.isnan(y[0, 0, 1, 1])
    y_ref, idx_ref = ref_max_pool(x, (2, 2), (2, 2), (0, 0), (1, 1), False)
    np.testing.assert_array_equal(idx, idx_ref)
    np.testing.assert_array_equal(y, y_ref)


SPECIAL_VALUES = np.array([-np.inf, -1.0, -0.0, 0.0, 1.0, np.inf, np.nan])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, s, p, d", [
    ((2, 2), (2, 2), (0, 0), (1, 1)),   # the unrolled 2x2 path
    ((3, 3), (2, 2), (0, 0), (1, 1)),   # the plain path, overlapping windows
    ((3, 3), (2, 2), (1, 1), (1, 1)),   # the general path (ResNet's stem pool)
    ((2, 3), (1, 2), (1, 1), (2, 1)),   # general, dilated
])
def test_max_pool_special_values(k, s, p, d, dtype):
    # The kernels pick max and argmax by arithmetic (no branch on the data): every tie,
    # signed zero, infinity and NaN pattern must still give the reference's first maximum
    # (the value read from that position, so -0.0 before 0.0 stays -0.0) or last NaN.
    rng = np.random.default_rng(7)
    for trial in range(20):
        x = rng.choice(SPECIAL_VALUES[:6 if trial % 2 else 7], size=(2, 3, 7, 8)).astype(dtype)
        y, idx = P.max_pool2d_forward(x, k, s, p, d)
        y_ref, idx_ref = ref_max_pool(x.astype(np.float64), k, s, p, d, False)
        np.testing.assert_array_equal(idx, idx_ref)
        np.testing.assert_array_equal(y, y_ref.astype(dtype))
        np.testing.assert_array_equal(np.signbit(y), np.signbit(y_ref))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("H, W, k", [(6, 7, (2, 2)), (7, 9, (3, 2)), (4, 4, (2, 2)), (5, 3, (1, 3))])
def test_max_pool_tiled_backward_matches_scatter(H, W, k, dtype):
    # stride == kernel: the forward's unrolled 2x2 / plain paths and the backward's
    # store-only path (tiles=k), including rows and columns past the last window.
    x = _x((2, 3, H, W), dtype)
    x[0, 0, 0, 0] = x[0, 0, 0, 1] = 9.0   # tie: the first wins
    x[1, 2, 1, 0] = np.nan                # NaN propagates
    y, idx = P.max_pool2d_forward(x, k, k)
    y_ref, idx_ref = ref_max_pool(x.astype(np.float64), k, k, (0, 0), (1, 1), False)
    np.testing.assert_array_equal(y, y_ref.astype(dtype))
    np.testing.assert_array_equal(idx, idx_ref)
    gy = _x(y.shape, dtype, seed=1)
    gx = P.max_pool2d_backward(gy, idx, (H, W), tiles=k)
    assert gx.dtype == dtype and gx.shape == x.shape
    np.testing.assert_array_equal(gx, P.max_pool2d_backward(gy, idx, (H, W)))
    np.testing.assert_allclose(gx, ref_scatter(gy.astype(np.float64), idx_ref, (H, W)), **_tol(dtype))


def test_max_pool_window_in_padding_only():
    # Dilation can put a whole window in the padding. PyTorch then returns -inf and the
    # index of the first row past the padding (here 1, outside the 1-pixel plane); the
    # backward must ignore such an index instead of writing out of bounds.
    x = np.array([[[[3.0]]]])
    y, idx = P.max_pool2d_forward(x, (2, 1), (1, 1), (1, 0), (2, 1), False)
    assert y.shape == (1, 1, 1, 1) and y[0, 0, 0, 0] == -np.inf and idx[0, 0, 0, 0] == 1
    gx = P.max_pool2d_backward(np.ones_like(y), idx, (1, 1))
    np.testing.assert_array_equal(gx, np.zeros_like(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("divisor_override", [None, 3])
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("case", AVG_CASES)
def test_avg_pool_forward_and_adjoint(case, count_include_pad, divisor_override, dtype):
    H, W, k, s, p, cm = case
    x = _x((2, 3, H, W), dtype)
    args = (k, s, p, cm, count_include_pad, divisor_override)
    y = P.avg_pool2d_forward(x, *args)
    y_ref = ref_avg_pool(x.astype(np.float64), k, s, p, cm, count_include_pad, divisor_override)
    assert y.dtype == dtype and y.shape == y_ref.shape
    np.testing.assert_allclose(y, y_ref, **_tol(dtype))
    # avg pooling is linear, so its backward must be the exact transpose: <Ax, g> == <x, A^T g>
    gy = _x(y.shape, dtype, seed=1)
    gx = P.avg_pool2d_backward(gy, (H, W), *args)
    assert gx.dtype == dtype and gx.shape == x.shape
    x64, gy64 = x.astype(np.float64), gy.astype(np.float64)
    lhs = np.vdot(ref_avg_pool(x64, k, s, p, cm, count_include_pad, divisor_override), gy64)
    assert np.isclose(lhs, np.vdot(x64, gx), rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", ADAPTIVE_CASES)
def test_adaptive_pools(case, dtype):
    H, W, out = case
    x = _x((2, 3, H, W), dtype)
    y = P.adaptive_avg_pool2d_forward(x, out)
    y_ref, _ = ref_adaptive(x.astype(np.float64), out, "avg")
    np.testing.assert_allclose(y, y_ref, **_tol(dtype))
    gy = _x(y.shape, dtype, seed=1)
    gx = P.adaptive_avg_pool2d_backward(gy, (H, W))
    assert np.isclose(np.vdot(y_ref, gy.astype(np.float64)), np.vdot(x.astype(np.float64), gx),
                      rtol=1e-5 if dtype == np.float32 else 1e-12)
    ym, idx = P.adaptive_max_pool2d_forward(x, out)
    ym_ref, idx_ref = ref_adaptive(x.astype(np.float64), out, "max")
    np.testing.assert_array_equal(ym, ym_ref.astype(dtype))
    np.testing.assert_array_equal(idx, idx_ref)
    assert ym.dtype == dtype and idx.dtype == np.int64


def test_pool_output_size_matches_reference_formula():
    for n in range(1, 12):
        for k in range(1, 5):
            for s in range(1, 4):
                for p in range(0, k // 2 + 1):
                    for d in (1, 2):
                        for cm in (False, True):
                            if n + 2 * p - d * (k - 1) - 1 < 0:
                                continue
                            assert P.pool_output_size(n, k, s, p, d, cm) == ref_out(n, k, s, p, d, cm)


@settings(max_examples=30, deadline=None)
@given(H=st.integers(1, 8), W=st.integers(1, 8), kh=st.integers(1, 4), kw=st.integers(1, 4),
       sh=st.integers(1, 3), sw=st.integers(1, 3), dh=st.integers(1, 2), dw=st.integers(1, 2),
       cm=st.booleans(), data=st.data())
def test_pools_random_geometry(H, W, kh, kw, sh, sw, dh, dw, cm, data):
    ph = data.draw(st.integers(0, kh // 2))
    pw = data.draw(st.integers(0, kw // 2))
    if H + 2 * ph < dh * (kh - 1) + 1 or W + 2 * pw < dw * (kw - 1) + 1:
        return  # the op layer rejects these
    if any(not (set(range(o * s - p, o * s - p + d * (k - 1) + 1, d)) & set(range(n)))
           for n, k, s, p, d in ((H, kh, sh, ph, dh), (W, kw, sw, pw, dw))
           for o in range(ref_out(n, k, s, p, d, cm))):
        return  # a window wholly in the padding: see test_max_pool_window_in_padding_only
    x = np.random.default_rng(H * 31 + W).standard_normal((1, 2, H, W)).round(1)  # ties likely
    y, idx = P.max_pool2d_forward(x, (kh, kw), (sh, sw), (ph, pw), (dh, dw), cm)
    y_ref, idx_ref = ref_max_pool(x, (kh, kw), (sh, sw), (ph, pw), (dh, dw), cm)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(idx, idx_ref)
    cip = data.draw(st.booleans())
    ya = P.avg_pool2d_forward(x, (kh, kw), (sh, sw), (ph, pw), cm, cip)
    np.testing.assert_allclose(ya, ref_avg_pool(x, (kh, kw), (sh, sw), (ph, pw), cm, cip, None),
                               rtol=1e-12, atol=1e-12)


def test_max_pool_2x2_threads_and_one_thread_agree():
    # above the threshold the 2x2 forward and the tiled backward run on every thread;
    # the planes must be covered exactly once
    from autograd.runtime import CHUNKED_MIN_SIZE
    planes = 4 * CHUNKED_MIN_SIZE // 64 + 3
    x = np.random.default_rng(3).standard_normal((1, planes, 8, 8)).astype(np.float32)
    y, idx = P.max_pool2d_forward(x, (2, 2), (2, 2))
    parts = [P.max_pool2d_forward(np.ascontiguousarray(c), (2, 2), (2, 2))
             for c in np.array_split(x, 7, axis=1)]
    np.testing.assert_array_equal(y, np.concatenate([p[0] for p in parts], axis=1))
    np.testing.assert_array_equal(idx, np.concatenate([p[1] for p in parts], axis=1))
    gy = np.ones_like(y)
    gx = P.max_pool2d_backward(gy, idx, (8, 8), tiles=(2, 2))
    assert gx.sum() == y.size and gx.shape == x.shape
