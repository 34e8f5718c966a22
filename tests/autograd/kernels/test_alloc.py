"""Recycled output memory (autograd.kernels._alloc)."""
import gc

import numpy as np
import pytest

from autograd.kernels import _alloc

BIG = (64, 32, 26, 26)  # 5.5 MB of float32: recycled


@pytest.fixture(autouse=True)
def _empty_free_lists():
    _alloc.release()
    yield
    _alloc.release()


def test_large_arrays_are_plain_c_contiguous_arrays_of_the_asked_shape():
    a = _alloc.empty(BIG, np.float32)
    assert type(a) is np.ndarray and a.shape == BIG and a.dtype == np.float32
    assert a.flags.c_contiguous and a.flags.writeable and a.flags.aligned
    b = _alloc.empty_like(a)
    assert type(b) is np.ndarray and b.shape == BIG and not np.shares_memory(a, b)
    c = _alloc.empty(7, np.int64)  # small: plain np.empty
    assert c.shape == (7,) and c.base is None


def test_memory_comes_back_only_when_the_last_view_dies():
    a = _alloc.empty(BIG, np.float32)
    p = a.ctypes.data
    views = [a.reshape(-1)[::3], a[1:].T, a.view(np.int32)]
    del a
    gc.collect()
    assert _alloc._free_bytes[0] == 0  # the views still use it
    fresh = _alloc.empty(BIG, np.float32)
    assert not np.shares_memory(fresh, views[0])
    views.clear()
    gc.collect()
    assert _alloc._free_bytes[0] > 0
    again = _alloc.empty(BIG, np.float32)
    assert again.ctypes.data == p  # the freed block, handed out again
    assert _alloc._free_bytes[0] == 0
    del fresh, again


def test_a_recycled_block_serves_the_same_byte_size_with_another_dtype_and_shape():
    a = _alloc.empty((1024, 256), np.float32)
    p = a.ctypes.data
    del a
    b = _alloc.empty((512, 256), np.float64)
    assert b.ctypes.data == p and b.shape == (512, 256) and b.dtype == np.float64


def test_views_of_recycled_arrays_keep_numpy_view_bases():
    """The engine recognises views by ``out.base is input``; a view of a recycled array
    must still name that array as its base."""
    a = _alloc.empty(BIG, np.float32)
    v = a.reshape(64, -1)
    w = v[3:]
    assert v.base is a and w.base is a


def test_free_lists_are_bounded(monkeypatch):
    monkeypatch.setattr(_alloc, "MAX_FREE_BYTES", 8 << 20)
    arrays = [_alloc.empty(BIG, np.float32) for _ in range(3)]
    del arrays
    gc.collect()
    assert _alloc._free_bytes[0] <= 8 << 20


def test_matmul_into_recycled_memory_matches_numpy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 2, 300, 80)).astype(np.float32)
    b = rng.standard_normal((2, 80, 400)).astype(np.float32)
    np.testing.assert_array_equal(_alloc.matmul(a, b), np.matmul(a, b))
    v = rng.standard_normal(80)
    np.testing.assert_array_equal(_alloc.matmul(a, v), np.matmul(a, v))


def test_threads_allocating_and_freeing_at_once_never_share_live_memory(in_threads):
    errors = []

    def work(seed):
        for i in range(200):
            a = _alloc.empty((256, 1024), np.float32)
            a.fill(seed)
            if not (a == seed).all():
                errors.append((seed, i))

    in_threads(work, [(s,) for s in range(4)])
    assert not errors


@pytest.mark.parametrize("algorithm", ["winograd", "winograd_s2", "gemm"])
def test_conv_results_do_not_depend_on_what_recycled_blocks_held(algorithm):
    """The conv paths take their outputs and scratch from recycled memory and write or
    zero all of it: after a larger conv, with every waiting block full of garbage, they
    give the same bits as on fresh memory."""
    from autograd.kernels import conv as K
    rng = np.random.default_rng(0)
    stride = (1, 1) if algorithm == "winograd" else (2, 2)
    x = rng.standard_normal((8, 32, 24, 24)).astype(np.float32)
    k = 4 if algorithm == "winograd_s2" else 3  # the stride-2 Winograd path: 4x4 kernels
    w = rng.standard_normal((24, 32, k, k)).astype(np.float32)
    args = dict(stride=stride, padding=(1, 1), dilation=(1, 1), groups=1, algorithm=algorithm)

    def run():
        y = K.conv2d_forward(x, w, **args)
        gy = np.ones_like(y)
        return (y, K.conv2d_backward_input(gy, w, x.shape, **args),
                K.conv2d_backward_weight(x, gy, w.shape, **args))

    fresh = run()
    big = rng.standard_normal((16, 32, 40, 40)).astype(np.float32)
    K.conv2d_forward(big, w, **args)
    run()  # the same sizes again: their blocks wait on the free lists now
    for blocks in _alloc._free.values():
        for block in blocks:
            block[:] = b"\xab" * len(block)  # garbage in every waiting block
    assert _alloc._free_bytes[0] > 0
    for a, b in zip(fresh, run()):
        assert np.array_equal(a, b)


def test_owns_memory_tells_results_from_views():
    a = _alloc.empty(BIG, np.float32)
    assert _alloc.owns_memory(a) and _alloc.owns_memory(np.empty(3))
    assert not _alloc.owns_memory(a.reshape(-1)) and not _alloc.owns_memory(np.empty(4)[1:])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["contiguous", "strided x", "transposed w", "small"])
def test_addmm_t_matches_matmul_plus_bias(dtype, layout):
    # large outputs take the one-GEMM path (bias as C, beta = 1); the others fall back
    rng = np.random.default_rng(3)
    m, k, n = (4, 3, 5) if layout == "small" else (700, 48, 130)
    x = rng.standard_normal((m, 2 * k) if layout == "strided x" else (m, k)).astype(dtype)
    x = x[:, ::2] if layout == "strided x" else x
    w = rng.standard_normal((k, n) if layout == "transposed w" else (n, k)).astype(dtype)
    w = w.T if layout == "transposed w" else w
    b = rng.standard_normal(n).astype(dtype)
    # a recycled block full of NaN first: every output element must be written
    _alloc.release()
    junk = _alloc.empty((m, n), dtype)
    junk.fill(np.nan)
    del junk
    got = _alloc.addmm_t(x, w, b)
    ref = x.astype(np.float64) @ w.T.astype(np.float64) + b
    assert got.shape == (m, n) and got.dtype == dtype and got.flags.c_contiguous
    np.testing.assert_allclose(got, ref, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-4)
    # one rounding for the product, one for the add: the bits of matmul, then + b
    np.testing.assert_array_equal(got, np.matmul(x, w.T) + b)
