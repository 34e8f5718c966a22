"""``_blas.transpose_into``: OpenBLAS's out-of-place transpose (conv grad-weight's last
step), against NumPy's ``.T``, and the cases it declines."""
import numpy as np
import pytest

from autograd.kernels import _blas

pytestmark = pytest.mark.skipif(_blas.gemm_fn(np.float32) is None,
                                reason="needs NumPy's bundled OpenBLAS")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1024, 128), (7, 3), (1, 5), (5, 1), (0, 4)])
def test_transpose_into_matches_numpy(dtype, shape):
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    out = np.full(shape[::-1], np.nan, dtype=dtype)
    assert _blas.transpose_into(a, out)
    assert np.array_equal(out, a.T)


def test_transpose_into_declines_what_it_cannot_do():
    a = np.ones((4, 6), np.float32)
    assert not _blas.transpose_into(a, np.empty((6, 4), np.float64))       # another dtype
    assert not _blas.transpose_into(a, np.empty((4, 6), np.float32))       # wrong shape
    assert not _blas.transpose_into(a[:, ::2], np.empty((3, 4), np.float32))  # strided
    assert not _blas.transpose_into(a.astype(np.int64), np.empty((6, 4), np.int64))
    out = np.empty((6, 4), np.float32)
    assert not _blas.transpose_into(a, np.empty((4, 6), np.float32).T)     # out not C order
    assert _blas.transpose_into(a, out) and np.array_equal(out, a.T)
