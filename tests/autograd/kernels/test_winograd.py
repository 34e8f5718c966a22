"""Winograd F(2x2, 3x3) and F(4x4, 3x3) kernels (autograd/kernels/conv/winograd.py) and
their thread runner.

The three public functions are checked against the NumPy loop references of
test_conv_kernels over pads 0..2 (uneven too), odd sizes that leave partial tiles, one-
pixel outputs and empty batches; then the chunking, the threads and the BLAS thread count
they borrow.
"""
import numpy as np
import pytest
from test_conv_kernels import ref_conv2d, ref_conv2d_backward

from autograd import runtime as _threads
from autograd.kernels import _blas
from autograd.kernels.conv import rule as R
from autograd.kernels.conv import winograd as WG
from autograd.kernels.conv.geometry import geometry

pytestmark = pytest.mark.skipif(_blas.gemm_fn(np.float64) is None,
                                reason="the Winograd path needs NumPy's bundled OpenBLAS")

# (N, C, H, W, O, pads (top, bottom, left, right))
CASES = [
    (2, 3, 7, 9, 4, (1, 1, 1, 1)),    # 'same', odd sizes: partial last tiles
    (2, 3, 6, 8, 5, (0, 0, 0, 0)),    # 'valid', even output
    (1, 4, 5, 5, 2, (2, 2, 2, 2)),    # pad 2: grad-input runs with pad 0
    (3, 2, 4, 7, 3, (0, 2, 1, 0)),    # uneven pads
    (1, 1, 3, 3, 1, (0, 0, 0, 0)),    # one output pixel (one partial tile)
    (2, 5, 1, 6, 3, (1, 1, 2, 0)),    # H == 1 padded to a 3-row window
    (4, 17, 6, 10, 9, (1, 1, 1, 1)),  # more channels than tiles per row
    (1, 2, 5, 262, 3, (1, 1, 1, 1)),  # 66 4x4 tiles a row: longer than one transform run
]
IDS = [f"case{i}" for i in range(len(CASES))]


def _tol(dtype, ref, tile=2):
    # float32 sums of a few hundred products: absolute error relative to the result's scale;
    # F(4x4, 3x3)'s transforms multiply by up to 8 and 1/24, and lose about 10x more
    scale = max(1.0, float(np.abs(ref).max()))
    if dtype == np.float32:
        return dict(rtol=1e-5, atol=(2e-6 if tile == 2 else 2e-5) * scale)
    return dict(rtol=1e-11, atol=(1e-12 if tile == 2 else 1e-11) * scale)


@pytest.fixture(params=[2, 4])
def tile(request, monkeypatch):
    """Force the output tile size: F(2x2, 3x3) or F(4x4, 3x3) whatever the shape."""
    if request.param == 4:
        monkeypatch.setattr(WG, "F4_MIN_CHANNELS", 1)
        monkeypatch.setattr(WG, "F4_MIN_TILES", 1)
    else:
        monkeypatch.setattr(WG, "F4_MIN_CHANNELS", 10**9)
    return request.param


def _make(case, dtype, seed=0):
    N, C, H, W, O, pads = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((O, C, 3, 3)).astype(dtype)
    OH, OW = H + pads[0] + pads[1] - 2, W + pads[2] + pads[3] - 2
    gy = rng.standard_normal((N, O, OH, OW)).astype(dtype)
    b = rng.standard_normal(O).astype(dtype)
    return x, w, gy, b, pads


def _all(x, w, gy, pads, b=None):
    g = geometry(x.shape[2:], (3, 3), (1, 1), pads, (1, 1))
    return (WG.forward(x, w, g, 1, b),
            WG.backward_input(gy, w, x.shape, g, 1),
            WG.backward_weight(x, gy, w.shape, g, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_winograd_matches_direct_reference(case, dtype, tile):
    x, w, gy, b, pads = _make(case, dtype)
    geo = ((1, 1), pads, (1, 1), 1)
    y, gx, gw = _all(x, w, gy, pads, b)
    x64, w64, gy64 = x.astype(np.float64), w.astype(np.float64), gy.astype(np.float64)
    y_ref = ref_conv2d(x64, w64, *geo) + b.astype(np.float64).reshape(-1, 1, 1)
    gx_ref, gw_ref = ref_conv2d_backward(x64, w64, gy64, *geo)
    for got, ref in ((y, y_ref), (gx, gx_ref), (gw, gw_ref)):
        assert got.dtype == dtype and got.shape == ref.shape and got.flags.c_contiguous
        np.testing.assert_allclose(got, ref, **_tol(dtype, ref, tile))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_winograd_backwards_are_exact_adjoints(case, tile):
    x, w, gy, _, pads = _make(case, np.float64, seed=1)
    y, gx, gw = _all(x, w, gy, pads)
    assert np.isclose(np.vdot(y, gy), np.vdot(x, gx), rtol=1e-12)
    assert np.isclose(np.vdot(y, gy), np.vdot(w, gw), rtol=1e-12)


def test_tile_size_rule_for_issue_14_shapes_on_avx2(monkeypatch):
    monkeypatch.setattr(WG, "_avx512", lambda: False)
    assert WG.f4_thresholds() == WG.f4_thresholds(weight_grad=True) == (32, 512)
    assert WG.tile_size(32, 32, 32, 32, 32) == 4     # W9's first block: 2048 tiles
    assert WG.tile_size(32, 64, 64, 16, 16) == 4     # 512 tiles
    assert WG.tile_size(32, 64, 64, 32, 32) == 4     # W6
    assert WG.tile_size(32, 128, 128, 8, 8) == 2     # 128 tiles: small maps stay on 2x2
    assert WG.tile_size(8, 64, 64, 16, 16) == 2      # few samples
    assert WG.tile_size(32, 16, 64, 32, 32) == 2     # 16 channels
    assert WG.tile_size(64, 32, 64, 11, 11) == 4     # 9 tiles per sample, 576 in all


def test_tile_size_rule_for_issue_14_shapes_on_avx512(monkeypatch):
    monkeypatch.setattr(WG, "_avx512", lambda: True)
    assert WG.f4_thresholds() == WG.f4_thresholds(weight_grad=True) == (8, 64)
    assert WG.tile_size(32, 64, 64, 32, 32) == 4     # W6: 2048 tiles
    assert WG.tile_size(32, 32, 32, 32, 32) == 4     # W9's blocks
    assert WG.tile_size(32, 64, 64, 16, 16) == 4
    assert WG.tile_size(32, 128, 128, 8, 8) == 4     # 128 tiles
    assert WG.tile_size(1, 64, 64, 32, 32) == 4      # 64 tiles
    assert WG.tile_size(32, 256, 256, 4, 4) == 2     # 32 tiles: few tiles stay on 2x2
    assert WG.tile_size(2, 128, 128, 8, 8) == 2
    assert WG.tile_size(32, 4, 4, 32, 32) == 2       # 4 channels


def test_passes_on_different_tile_sizes_agree_with_the_reference(monkeypatch):
    # With thresholds per pass (the seventh session's AVX-512 ones) a 16-channel conv over
    # 512 tiles runs its forward and grad-input on 2x2 tiles and its grad-weight on 4x4:
    # each pass stands on its own.
    monkeypatch.setattr(WG, "f4_thresholds",
                        lambda weight_grad=False: (16, 512) if weight_grad else (64, 2048))
    N, C, H, W, O = 32, 16, 16, 16, 16
    assert WG.tile_size(N, C, O, H, W) == 2
    assert WG.tile_size(N, C, O, H, W, weight_grad=True) == 4
    x, w, gy, _, pads = _make((N, C, H, W, O, (1, 1, 1, 1)), np.float64, seed=5)
    y, gx, gw = _all(x, w, gy, pads)
    geo = ((1, 1), pads, (1, 1), 1)
    gx_ref, gw_ref = ref_conv2d_backward(x, w, gy, *geo)
    np.testing.assert_allclose(y, ref_conv2d(x, w, *geo), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gx, gx_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gw, gw_ref, rtol=1e-10, atol=1e-9)


def test_tile_size_thresholds_can_be_set(monkeypatch):
    monkeypatch.setattr(WG, "F4_MIN_CHANNELS", 1)
    monkeypatch.setattr(WG, "F4_MIN_TILES", 1)
    assert WG.tile_size(1, 2, 3, 4, 4) == 4
    monkeypatch.setattr(WG, "F4_MIN_CHANNELS", 10**9)
    assert WG.tile_size(32, 64, 64, 32, 32) == 2


def test_f4_on_a_w9_shape_in_float32_is_close_to_float64():
    # kaiming-scaled weights, 64 channels: the realistic float32 error of the 4x4 tiles
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 64, 16, 16))
    w = rng.standard_normal((64, 64, 3, 3)) * np.sqrt(2 / (9 * 64))
    gy = rng.standard_normal((2, 64, 16, 16))
    pads = (1, 1, 1, 1)
    f64 = _all(x, w, gy, pads)
    old = WG.F4_MIN_CHANNELS, WG.F4_MIN_TILES
    WG.F4_MIN_CHANNELS, WG.F4_MIN_TILES = 1, 1
    try:
        assert WG.tile_size(2, 64, 64, 16, 16) == 4
        f32 = _all(x.astype(np.float32), w.astype(np.float32), gy.astype(np.float32), pads)
    finally:
        WG.F4_MIN_CHANNELS, WG.F4_MIN_TILES = old
    for got, ref in zip(f32, f64):
        scale = float(np.abs(ref).max())
        assert np.abs(got - ref).max() <= 1e-5 * scale


def test_winograd_empty_batch(tile):
    x, w, gy, b, pads = _make((0, 3, 5, 5, 4, (1, 1, 1, 1)), np.float32)
    y, gx, gw = _all(x, w, gy, pads, b)
    assert y.shape == (0, 4, 5, 5) and gx.shape == x.shape
    np.testing.assert_array_equal(gw, np.zeros((4, 3, 3, 3), np.float32))


@pytest.mark.parametrize("chunk_bytes, min_tiles", [(1, 1), (3000, 2), (1 << 30, 32)])
def test_winograd_chunking_changes_nothing(chunk_bytes, min_tiles, tile, monkeypatch):
    # One tile row per chunk, a few rows per chunk (uneven last chunk), one chunk for all.
    case = (3, 6, 9, 7, 5, (1, 2, 0, 1))
    x, w, gy, b, pads = _make(case, np.float64, seed=2)
    expected = _all(x, w, gy, pads, b)
    monkeypatch.setattr(WG, "_CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(WG, "_MIN_CHUNK_TILES", min_tiles)
    for got, ref in zip(_all(x, w, gy, pads, b), expected):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("threads", [1, 2])
def test_winograd_is_bit_reproducible_at_any_thread_count(threads, tile, monkeypatch):
    monkeypatch.setattr(WG, "_CHUNK_BYTES", 1)  # many chunks, split among the threads
    # x of at least CHUNKED_MIN_SIZE elements: the chunked kernels run on every thread
    x, w, gy, _, pads = _make((4, 16, 24, 24, 16, (1, 1, 1, 1)), np.float32, seed=3)
    assert min(x.size, gy.size) >= _threads.CHUNKED_MIN_SIZE
    old = _threads.get_num_threads()
    try:
        _threads.set_num_threads(1)
        first = _all(x, w, gy, pads)
        _threads.set_num_threads(min(threads, old))
        for got, ref in zip(_all(x, w, gy, pads), first):  # grad-weight: fixed sum groups
            np.testing.assert_array_equal(got, ref)
    finally:
        _threads.set_num_threads(old)


def test_winograd_restores_blas_thread_count():
    lib = _blas.library()
    before = lib["get_threads"]()
    x, w, gy, _, pads = _make(CASES[0], np.float32)
    _all(x, w, gy, pads)
    assert lib["get_threads"]() == before
    with _threads.blas_single_threaded():
        with _threads.blas_single_threaded():  # nested (or concurrent) users: the last one restores
            assert lib["get_threads"]() == 1
        assert lib["get_threads"]() == 1
    assert lib["get_threads"]() == before


def test_winograd_from_concurrent_threads():
    # Two user threads convolving at once share the worker pool and the BLAS setting.
    from concurrent.futures import ThreadPoolExecutor
    before = _blas.library()["get_threads"]()
    cases = [_make((3, 6, 9, 7, 5, (1, 1, 1, 1)), np.float64, seed=s) for s in range(4)]
    expected = [_all(x, w, gy, p) for x, w, gy, _, p in cases]
    with ThreadPoolExecutor(2) as ex:
        results = list(ex.map(lambda c: _all(c[0], c[1], c[2], c[4]), cases))
    for got, ref in zip(results, expected):
        for a, b in zip(got, ref):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert _blas.library()["get_threads"]() == before


def test_run_tasks_returns_results_in_index_order_and_reraises(monkeypatch):
    monkeypatch.setattr(_threads, "num_threads", lambda: 3)
    states = []

    def make_state():
        states.append(object())
        return states[-1]
    assert _threads.run_tasks(make_state, lambda st, i: (i, st in states), 7) == \
        [(i, True) for i in range(7)]
    assert len(states) == 3  # one state per thread, not per task
    states.clear()
    assert _threads.run_tasks(make_state, lambda st, i: i * i, 2) == [0, 1]
    assert len(states) == 2  # never more threads than tasks

    def task(state, i):
        if i == 4:
            raise ValueError("task 4 failed")
        return i
    with pytest.raises(ValueError, match="task 4 failed"):
        _threads.run_tasks(lambda: None, task, 9)


def test_rule_picks_winograd_for_w6_like_shapes_and_demotes_otherwise():
    f32 = np.dtype(np.float32)
    assert R.select_algorithm(f32, 64, 64, 1, (1, 1), (1, 1), (1, 1), 3, 3, 32, 32) == "winograd"
    assert R.select_algorithm(f32, 64, 64, 1, (2, 2), (1, 1), (1, 1), 3, 3, 32, 32) == "gemm"  # stride
    assert R.select_algorithm(f32, 64, 64, 1, (1, 1), (3, 3), (1, 1), 3, 3, 32, 32) == "gemm"  # pad 3
    assert R.select_algorithm(f32, 64, 64, 1, (1, 1), (2, 2), (2, 2), 3, 3, 32, 32) == "gemm"  # dilated
    assert R.select_algorithm(f32, 64, 64, 1, (1, 1), (1, 1), (1, 1), 5, 5, 32, 32) == "gemm"  # 5x5


def test_winograd_off_without_blas(monkeypatch):
    monkeypatch.setattr(_blas, "gemm_fn", lambda dtype: None)
    f32 = np.dtype(np.float32)
    assert R.select_algorithm(f32, 64, 64, 1, (1, 1), (1, 1), (1, 1), 3, 3, 32, 32) == "gemm"
