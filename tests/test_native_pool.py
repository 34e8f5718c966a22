"""The native worker pool (autograd/kernels/_native_pool.py): OpenBLAS's partitions and
chunked kernels on the same native threads. Each test that needs the pool runs in a fresh
process when it changes process-wide state (fork, OpenBLAS's thread count)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from autograd import runtime
from autograd.kernels import _native_pool as native_pool

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.skipif(not native_pool.available(),
                                reason="the native pool needs Linux x86-64, NumPy's OpenBLAS "
                                       "and compiled kernels")


def _pool():
    pool = runtime._native_pool()
    assert pool is native_pool, "the pool should start on first use where available"
    return pool


def _run(code: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, **(env or {})})
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_gemm_through_the_callback_matches_a_float64_reference():
    _pool()
    rng = np.random.default_rng(0)
    for m, k, n in ((64, 64, 64), (300, 129, 257), (1024, 128, 512), (2, 4096, 3)):
        for dtype, tol in ((np.float32, 1e-3), (np.float64, 1e-10)):
            a = rng.standard_normal((m, k)).astype(dtype)
            b = rng.standard_normal((k, n)).astype(dtype)
            ref = a.astype(np.float64) @ b.astype(np.float64)
            np.testing.assert_allclose(a @ b, ref, rtol=tol, atol=tol * np.sqrt(k))


def test_chunked_kernel_parts_on_the_pool_equal_one_serial_call():
    pool = _pool()
    from autograd.kernels import activation
    x = np.random.default_rng(1).standard_normal(1 << 17).astype(np.float32)
    serial, pooled = np.empty_like(x), np.empty_like(x)
    activation._gelu_erf32(x[:10], serial[:10])          # load the kernels
    kernel = activation._gelu_erf32.__wrapped__
    kernel(x, serial, 0, 1)
    for parts in (2, 3, 5):
        pooled[:] = np.nan
        assert pool.run_chunked(kernel, (x, pooled), parts)
        assert np.array_equal(serial, pooled)


def test_scalars_bools_and_strided_arrays_reach_the_kernel_unchanged():
    pool = _pool()
    from autograd.kernels import elementwise
    elementwise.leaky_relu(np.ones(4, np.float32), 0.2)
    kernel = elementwise._leaky_relu_kernel.__wrapped__
    base = np.random.default_rng(2).standard_normal(1 << 15)
    for a in (base.astype(np.float32), base):
        for slope in (0.2, np.float32(0.01), -3.0):
            out, pos = np.empty_like(a), np.empty(a.size, np.bool_)
            want, want_pos = np.empty_like(a), np.empty(a.size, np.bool_)
            kernel(a, slope, want, want_pos, 0, 1)
            assert pool.run_chunked(kernel, (a, slope, out, pos), 2)
            assert np.array_equal(out, want) and np.array_equal(pos, a > 0)
            assert np.array_equal(pos, want_pos)
    # a non-contiguous input gets its own overload ('A' layout), same numbers
    a = base.astype(np.float32)[::2]
    out, pos = np.empty_like(a), np.empty(a.size, np.bool_)
    assert pool.run_chunked(kernel, (a, np.float32(0.5), out, pos), 2)
    assert np.array_equal(out, np.where(a > 0, a, a * np.float32(0.5)))


def test_unsupported_arguments_run_nothing_and_say_so():
    pool = _pool()
    from autograd.kernels import elementwise
    elementwise.leaky_relu(np.ones(4, np.float32), 0.2)
    kernel = elementwise._leaky_relu_kernel.__wrapped__
    a = np.ones(8, np.float32)
    out = np.zeros(8, np.float32)
    assert not pool.run_chunked(kernel, (a, "slope", out, np.empty(8, np.bool_)), 2)
    assert not out.any()


def test_four_user_threads_share_the_pool():
    _pool()
    import autograd
    import nn.functional as F
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 32, 64, 64)).astype(np.float32)
    a = rng.standard_normal((256, 256)).astype(np.float32)
    want_pool = F.max_pool2d(autograd.from_numpy(x), 2).numpy()
    want_mm = a @ a
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                assert np.array_equal(F.max_pool2d(autograd.from_numpy(x), 2).numpy(), want_pool)
                assert np.array_equal(a @ a, want_mm)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and not any(t.is_alive() for t in threads)


def test_forked_child_starts_its_own_workers():
    out = _run("""
        import os, numpy as np, autograd, nn.functional as F
        from autograd import runtime
        autograd.set_num_threads(2)
        x = autograd.randn(8, 32, 64, 64)
        want = F.max_pool2d(x, 2).numpy()
        a = np.random.default_rng(0).standard_normal((512, 512)).astype(np.float32)
        ab = a @ a
        assert runtime._native_pool() is not None
        pid = os.fork()
        if pid == 0:
            ok = np.array_equal(F.max_pool2d(x, 2).numpy(), want) and np.array_equal(a @ a, ab)
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status))
    """)
    assert "child 0" in out


def test_more_openblas_threads_than_engine_threads_start_more_workers():
    out = _run("""
        import numpy as np, autograd
        from autograd import runtime
        from autograd.kernels import _blas
        autograd.set_num_threads(2)
        assert runtime._native_pool() is not None
        _blas.library()["set_threads"](5)      # as a threadpoolctl call would
        a = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32)
        c = a @ a
        ref = a.astype(np.float64) @ a.astype(np.float64)
        print("ok", float(np.abs(c - ref).max()) < 1e-2)
    """)
    assert "ok True" in out


def test_switched_off_by_environment_variable():
    out = _run("""
        import autograd, nn.functional as F
        from autograd import runtime
        F.max_pool2d(autograd.randn(8, 32, 64, 64), 2)
        print("pool", runtime._native_pool())
    """, env={"NUMBAGRAD_NATIVE_POOL": "0"})
    assert "pool None" in out


def test_process_exits_cleanly_with_workers_running():
    out = _run("""
        import numpy as np, autograd, nn.functional as F
        autograd.set_num_threads(2)
        F.max_pool2d(autograd.randn(8, 32, 64, 64), 2)
        a = np.ones((512, 512), np.float32)
        a @ a
        print("done")
    """)
    assert out.strip().endswith("done")


def test_batch_norm_kernels_split_over_channels_give_the_serial_bits():
    pool = _pool()
    from autograd.kernels import norm
    rng = np.random.default_rng(4)
    x = rng.standard_normal((8, 24, 1024)).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    w, b = (rng.standard_normal(24).astype(np.float32) for _ in range(2))
    norm.batch_norm_train(x[:, :, :4].copy(), w, b, 1e-5)  # load the kernels
    serial = [np.empty_like(x)] + [np.empty(24) for _ in range(3)]
    norm._batch_norm_train_into.__wrapped__(x, w, b, True, True, 1e-5, *serial, 0, 1)
    mean, rstd = serial[1], serial[3]
    for parts in (2, 3):
        got = [np.full_like(x, np.nan)] + [np.full(24, np.nan) for _ in range(3)]
        assert pool.run_chunked(norm._batch_norm_train_into.__wrapped__,
                                (x, w, b, True, True, 1e-5, *got), parts)
        assert all(np.array_equal(s, t) for s, t in zip(serial, got))
    s1, p1 = np.empty(24), np.empty(24)
    norm._batch_norm_backward_reduce_into.__wrapped__(g, x, mean, s1, p1, 0, 1)
    s2, p2 = np.empty(24), np.empty(24)
    assert pool.run_chunked(norm._batch_norm_backward_reduce_into.__wrapped__,
                            (g, x, mean, s2, p2), 2)
    assert np.array_equal(s1, s2) and np.array_equal(p1, p2)
    d1, d2 = [np.empty_like(x), np.empty(24), np.empty(24)], [np.empty_like(x), np.empty(24),
                                                              np.empty(24)]
    norm._batch_norm_train_backward_into.__wrapped__(g, x, mean, rstd, w, True, *d1, 0, 1)
    assert pool.run_chunked(norm._batch_norm_train_backward_into.__wrapped__,
                            (g, x, mean, rstd, w, True, *d2), 2)
    assert all(np.array_equal(s, t) for s, t in zip(d1, d2))
    o1, o2 = np.empty_like(x), np.empty_like(x)
    norm._channel_affine_into.__wrapped__(x, w, b, o1, 0, 1)
    assert pool.run_chunked(norm._channel_affine_into.__wrapped__, (x, w, b, o2), 2)
    assert np.array_equal(o1, o2)
    # and through the public wrappers, above the threshold: the same as one thread
    big = rng.standard_normal((16, 8, 128 * 128)).astype(np.float32)
    want = [np.empty_like(big)] + [np.empty(8) for _ in range(3)]
    norm._batch_norm_train_into.__wrapped__(big, w[:8], b[:8], True, True, 1e-5, *want, 0, 1)
    got = norm.batch_norm_train(big, w[:8], b[:8], 1e-5)
    assert all(np.array_equal(s, t) for s, t in zip(want, got))


def test_a_byte_swapped_array_does_not_reuse_a_native_arrays_thunk():
    pool = _pool()
    from autograd.kernels import activation
    x = np.random.default_rng(7).standard_normal(1 << 15).astype(np.float32)
    out = np.empty_like(x)
    activation._gelu_erf32(x[:10], out[:10])
    kernel = activation._gelu_erf32.__wrapped__
    assert pool.run_chunked(kernel, (x, out), 2)
    swapped = x.astype(x.dtype.newbyteorder())
    try:
        ran = pool.run_chunked(kernel, (swapped, np.empty_like(x)), 2)
    except Exception:    # Numba refuses non-native byte order: also fine, nothing ran
        ran = False
    assert not ran


@pytest.mark.parametrize("factory", ["make_w2", "make_w6", "make_w7", "make_w8", "make_w9"])
def test_real_model_steps_run_every_chunked_kernel_on_the_pool(factory, monkeypatch):
    # A kernel argument the pool does not support (say a uint32 table) silently sends the
    # kernel to the Python pool, 0.15-0.3 ms a call: a W8 step ran 20% slower that way
    # and every result stayed right. With two threads, no chunked kernel of the benchmark
    # models may take that path.
    import types

    import autograd
    import nn
    import nn.functional as F
    import optim
    from benchmarks import workloads
    _pool()
    fallbacks: list[str] = []
    monkeypatch.setattr(runtime, "run_tasks", lambda *a, **k: fallbacks.append(repr(a)))
    before = autograd.get_num_threads()
    autograd.set_num_threads(2)
    try:
        step, _ = getattr(workloads, factory)(
            types.SimpleNamespace(torch=autograd, nn=nn, F=F, optim=optim))
        step()
    finally:
        autograd.set_num_threads(before)
    assert not fallbacks
