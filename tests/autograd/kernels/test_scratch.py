"""Scratch buffers (autograd.kernels._scratch): per thread, per slot, kept between calls."""
import threading

import numpy as np
import pytest

from autograd.kernels import _scratch


def test_a_slot_hands_back_the_same_memory_on_the_same_thread():
    _scratch.release()
    a = _scratch.scratch("test.a", (4, 5), np.float32)
    assert a.shape == (4, 5) and a.dtype == np.float32 and a.flags.c_contiguous
    a[...] = 7
    b = _scratch.scratch("test.a", (3, 2), np.float64)  # smaller: the same buffer, reused
    assert b.shape == (3, 2) and b.dtype == np.float64
    assert np.shares_memory(a, b)
    c = _scratch.scratch("test.b", (4, 5), np.float32)  # another slot: other memory
    assert not np.shares_memory(a, c)


def test_a_slot_grows_when_asked_for_more():
    _scratch.release()
    small = _scratch.scratch("test.grow", (10,), np.float32)
    big = _scratch.scratch("test.grow", (1000, 3), np.float32)
    assert big.shape == (1000, 3) and not np.shares_memory(small, big)
    again = _scratch.scratch("test.grow", (500, 2), np.float32)
    assert np.shares_memory(big, again)


def test_threads_get_their_own_buffers():
    _scratch.release()
    mine = _scratch.scratch("test.thread", (64,), np.float64)
    theirs = []
    t = threading.Thread(target=lambda: theirs.append(_scratch.scratch("test.thread", (64,), np.float64)))
    t.start()
    t.join()
    assert not np.shares_memory(mine, theirs[0])


def test_empty_and_oversized_requests(monkeypatch):
    _scratch.release()
    empty = _scratch.scratch("test.empty", (0, 3), np.float32)
    assert empty.shape == (0, 3)
    monkeypatch.setattr(_scratch, "MAX_KEPT_BYTES", 1024)
    a = _scratch.scratch("test.huge", (512,), np.float32)  # 2 KiB: not kept
    b = _scratch.scratch("test.huge", (512,), np.float32)
    assert not np.shares_memory(a, b)


def test_release_drops_the_buffers():
    a = _scratch.scratch("test.release", (16,), np.float32)
    _scratch.release()
    b = _scratch.scratch("test.release", (16,), np.float32)
    assert not np.shares_memory(a, b)


@pytest.mark.parametrize("algorithm", ["taps", "polyphase"])
def test_conv_results_do_not_depend_on_what_the_scratch_held(algorithm):
    """The paths that use scratch zero what must be zero: a conv after a larger one, with
    the buffers full of garbage, gives the same bits as on fresh buffers."""
    from autograd.kernels import conv as K
    rng = np.random.default_rng(0)
    stride = (1, 1) if algorithm == "taps" else (2, 2)
    x = rng.standard_normal((2, 16, 9, 9)).astype(np.float32)
    w = rng.standard_normal((12, 16, 3, 3)).astype(np.float32)
    args = dict(stride=stride, padding=(1, 1), dilation=(1, 1), groups=1, algorithm=algorithm)

    def run():
        y = K.conv2d_forward(x, w, **args)
        gy = np.ones_like(y)
        return (y, K.conv2d_backward_input(gy, w, x.shape, **args),
                K.conv2d_backward_weight(x, gy, w.shape, **args))

    _scratch.release()
    fresh = run()
    big = rng.standard_normal((4, 16, 20, 20)).astype(np.float32)
    K.conv2d_forward(big, w, **args)
    for slot in list(getattr(_scratch._local, "slots", {})):
        _scratch._local.slots[slot][:] = 0xAB  # garbage in every kept buffer
    for a, b in zip(fresh, run()):
        assert np.array_equal(a, b)
