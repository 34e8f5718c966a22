"""The generator and samplers without PyTorch: state round trips, generator isolation,
threads, and the MKL Bernoulli stream (checked against values recorded from MKL itself:
``viRngBernoulli(VSL_RNG_METHOD_BERNOULLI_ICDF)`` on a ``VSL_BRNG_MCG31`` stream, which is
what PyTorch's x86 wheels use for ``bernoulli_(p)`` on Intel CPUs).

Bit-for-bit agreement with PyTorch is tested in tests/reference/test_random_streams_torch.py.
"""
import threading

import numpy as np
import pytest

import autograd
from autograd import random as ag_random

# MKL 2025, MCG31 stream seeded with the first engine draw after manual_seed(0) / (7)
MKL_SEED0_P03 = "100100011010010001000001111000010000001000111010011110000000"
MKL_SEED7_P08 = "111111111111011011110111011111111011111001011100110011111101"
MKL_SEED7_P08_FROM_800 = "11111111111111111111"


def bits(t):
    return "".join(str(int(v)) for v in t.numpy().ravel())


def test_mkl_bernoulli_stream_matches_mkl(monkeypatch):
    monkeypatch.setattr(ag_random, "BERNOULLI_MKL_STREAM", True)
    autograd.manual_seed(0)
    assert bits(autograd.empty(60).bernoulli_(0.3)) == MKL_SEED0_P03
    autograd.manual_seed(7)
    assert bits(autograd.empty(60, dtype=autograd.float64).bernoulli_(0.8)) == MKL_SEED7_P08
    autograd.manual_seed(7)
    assert bits(autograd.empty(820).bernoulli_(0.8)[800:]) == MKL_SEED7_P08_FROM_800


def test_mkl_bernoulli_stream_uses_one_engine_draw(monkeypatch):
    monkeypatch.setattr(ag_random, "BERNOULLI_MKL_STREAM", True)
    autograd.manual_seed(3)
    autograd.empty(1000).bernoulli_(0.5)
    after = autograd.rand(4)
    autograd.manual_seed(3)
    autograd.empty((), dtype=autograd.int32).random_()       # one 32-bit draw
    np.testing.assert_array_equal(autograd.rand(4).numpy(), after.numpy())


def test_state_round_trip_includes_the_cached_normal():
    g = autograd.Generator().manual_seed(11)
    autograd.randn(3, generator=g)                 # odd count: one Box-Muller value cached
    state = g.get_state()
    assert state.dtype == autograd.uint8 and tuple(state.shape) == (5056,)
    a = autograd.randn(5, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(autograd.randn(5, generator=g).numpy(), a.numpy())


def test_generators_are_independent_of_the_global_stream():
    g = autograd.Generator().manual_seed(1)
    autograd.manual_seed(1)
    ref = autograd.rand(6).numpy()
    autograd.manual_seed(1)
    autograd.rand(100, generator=g)                 # does not move the global stream
    np.testing.assert_array_equal(autograd.rand(6).numpy(), ref)


def test_negative_and_huge_seeds_wrap_like_pytorch():
    assert autograd.Generator().manual_seed(-1).initial_seed() == 2**64 - 1
    assert autograd.manual_seed(1.9).initial_seed() == 1
    with pytest.raises(ValueError):
        autograd.manual_seed(2**64)


def test_samplers_reject_a_foreign_generator():
    with pytest.raises(TypeError, match="torch.Generator"):
        autograd.rand(3, generator=np.random.default_rng(0))


def test_two_threads_share_the_global_generator_without_losing_draws():
    autograd.manual_seed(5)
    reference = autograd.rand(4000).numpy()
    autograd.manual_seed(5)
    parts = []

    def draw():
        for _ in range(20):
            parts.append(autograd.rand(100).numpy())

    threads = [threading.Thread(target=draw) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # each 100-draw block is atomic: the blocks are the reference's blocks, in some order
    got = sorted(map(tuple, parts))
    want = sorted(map(tuple, reference.reshape(40, 100)))
    assert got == want


def test_dropout_keep_rate_and_scale():
    autograd.manual_seed(0)
    x = autograd.ones(200_000)
    y = autograd.nn.functional.dropout(x, 0.25).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.005          # binomial sd ~ 0.001
    np.testing.assert_allclose(y[kept], np.float32(1) / np.float32(0.75))
