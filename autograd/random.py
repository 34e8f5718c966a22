"""``torch.random``: PyTorch's CPU generator (mt19937) and its sampling algorithms.

Every sampler of the engine (``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, the
in-place ``uniform_``/``normal_``/``random_``/``bernoulli_``/``exponential_``/``geometric_``/
``cauchy_``/``log_normal_``, ``bernoulli``, ``multinomial``, dropout, ``nn.init``, the data
samplers) draws from a :class:`Generator` through the ``fill_*`` functions below, which run
the kernels of :mod:`autograd.kernels.random`. After the same ``manual_seed`` they give
PyTorch's numbers bit for bit (README: "Random numbers").

Values go into a tensor in its memory order, as PyTorch's serial kernels write them: a
transposed view is filled along memory, not along its logical rows.
"""
from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Generator as _PyGenerator
from collections.abc import Iterable
from typing import Any

import numpy as np

from .kernels import random as _k

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator", "Generator", "fork_rng"]

_DEFAULT_SEED = 67280421310721          # torch.Generator()'s seed before manual_seed
_STATE_BYTES = 5056                     # sizeof(CPUGeneratorImplState)
_MT_WORDS = 624
_U64_MAX = 0xFFFF_FFFF_FFFF_FFFF


def _seed_value(seed: Any) -> int:
    s = int(seed)
    if not -0x8000_0000_0000_0000 <= s <= _U64_MAX:
        raise ValueError("Overflow when unpacking long long")
    return s + _U64_MAX + 1 if s < 0 else s


class Generator:
    """A random-number generator (``torch.Generator``): PyTorch's mt19937 engine with its
    state layout, plus the cached second value of the last Box-Muller pair.

    Pass one as ``generator=`` to any sampler to draw from its own stream; the global one is
    :data:`default_generator`. A fresh generator has PyTorch's fixed default seed.
    """

    def __init__(self, device: Any = "cpu") -> None:
        if str(device) not in ("cpu", "cpu:0"):
            raise RuntimeError(f"Generator: only 'cpu' generators exist here, got device "
                               f"'{device}'")
        self._lock = threading.Lock()
        self._state = np.zeros(_MT_WORDS + 2, np.uint32)
        self._normal_cache = np.zeros(2, np.float64)      # [valid, value]
        self._seed = 0
        self.manual_seed(_DEFAULT_SEED)

    @property
    def device(self) -> Any:
        """Always the CPU device."""
        from .device import device
        return device("cpu")

    def manual_seed(self, seed: int) -> Generator:
        """Reset the stream from ``seed`` (an int in [-2**63, 2**64); negative seeds wrap
        to ``2**64 + seed``); returns self."""
        s = _seed_value(seed)
        with self._lock:
            self._seed = s
            _k.seed_state(self._state, np.uint64(s))
            self._normal_cache[:] = 0.0
        return self

    def seed(self) -> int:
        """Re-seed from OS entropy; returns the new seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed last given to :meth:`manual_seed` (or drawn by :meth:`seed`)."""
        return self._seed

    def get_state(self) -> Any:
        """The state as a uint8 Tensor of 5056 bytes in PyTorch's ``CPUGeneratorImplState``
        layout (so it round-trips through ``set_state`` and checkpoints)."""
        from .tensor import Tensor
        buf = np.zeros(_STATE_BYTES, np.uint8)
        with self._lock:
            buf[0:8] = np.frombuffer(np.uint64(self._seed).tobytes(), np.uint8)
            buf[8:12] = np.frombuffer(np.int32(self._state[_MT_WORDS]).tobytes(), np.uint8)
            buf[12:16] = np.frombuffer(np.int32(1).tobytes(), np.uint8)        # seeded
            buf[16:24] = np.frombuffer(np.uint64(self._state[_MT_WORDS + 1]).tobytes(),
                                       np.uint8)
            buf[24:24 + 8 * _MT_WORDS] = np.frombuffer(
                self._state[:_MT_WORDS].astype(np.uint64).tobytes(), np.uint8)
            if self._normal_cache[0]:
                off = 24 + 8 * _MT_WORDS
                buf[off + 8:off + 16] = np.frombuffer(np.float64(self._normal_cache[1]).tobytes(),
                                                      np.uint8)               # normal_y
                buf[off + 24:off + 28] = np.frombuffer(np.int32(1).tobytes(), np.uint8)
        return Tensor(buf)

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from :meth:`get_state` (a uint8 Tensor of 5056 bytes)."""
        from .tensor import Tensor
        if not isinstance(new_state, Tensor) or new_state.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        buf = np.ascontiguousarray(new_state.numpy()).reshape(-1)
        if buf.size != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but "
                               f"found the input RNG state size to be {buf.size}")
        seed = int(buf[0:8].view(np.uint64)[0])
        left, seeded = int(buf[8:12].view(np.int32)[0]), int(buf[12:16].view(np.int32)[0])
        nxt = int(buf[16:24].view(np.uint64)[0])
        if not (seeded and 0 < left <= _MT_WORDS and nxt <= _MT_WORDS):
            raise RuntimeError("Invalid mt19937 state")
        words = buf[24:24 + 8 * _MT_WORDS].view(np.uint64).astype(np.uint32)
        off = 24 + 8 * _MT_WORDS
        normal_y = float(buf[off + 8:off + 16].view(np.float64)[0])
        normal_valid = int(buf[off + 24:off + 28].view(np.int32)[0])
        with self._lock:
            self._seed = seed
            self._state[:_MT_WORDS] = words
            self._state[_MT_WORDS] = left
            self._state[_MT_WORDS + 1] = nxt
            self._normal_cache[:] = (1.0, normal_y) if normal_valid else (0.0, 0.0)
        return self

    def clone_state(self) -> Generator:
        """A new generator in this one's state."""
        g = Generator()
        g.set_state(self.get_state())
        return g

    def __repr__(self) -> str:
        return f"<autograd.Generator seed={self._seed}>"


default_generator = Generator()
"""The global generator; like PyTorch's, seeded from OS entropy at start-up."""
default_generator.seed()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator; returns it (as ``torch.manual_seed``)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global generator from OS entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The global generator's seed."""
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    """The global generator's state: a uint8 Tensor (5056 bytes, PyTorch's layout)."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Restore the global generator's state from :func:`get_rng_state`."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices: Iterable[Any] | None = None, enabled: bool = True,
             _caller: str = "fork_rng", _devices_kw: str = "devices",
             device_type: str = "cpu") -> _PyGenerator[None, None, None]:
    """Run the block, then restore the global generator to its state before it."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


# ------------------------------------------------------------------ filling arrays
def _gen(generator: Generator | None) -> Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a torch.Generator, not "
                        f"{type(generator).__name__}")
    return generator


def _real_view(arr: np.ndarray) -> np.ndarray:
    """The (..., 2) float view of a complex array (``torch.view_as_real``)."""
    real = np.dtype(np.float32 if arr.dtype == np.complex64 else np.float64)
    if arr.flags.c_contiguous:
        return arr.view(real).reshape(arr.shape + (2,))
    out = np.lib.stride_tricks.as_strided(arr.real, arr.shape + (2,),
                                          arr.strides + (real.itemsize,), writeable=True)
    return out


def _memory_order(arr: np.ndarray) -> np.ndarray:
    """``arr`` with its axes ordered by decreasing stride (the order PyTorch's serial
    kernels write a strided tensor in)."""
    if arr.ndim < 2 or arr.flags.c_contiguous:
        return arr
    axes = sorted(range(arr.ndim), key=lambda a: -abs(arr.strides[a]))
    return arr.transpose(axes)


def _fill(arr: np.ndarray, work_dtype: Any, kernel: Any, *args: Any,
          generator: Generator | None) -> np.ndarray:
    """Run ``kernel(state, flat, *args)`` into a flat buffer of ``work_dtype`` in memory
    order, then store it into ``arr`` (cast to ``arr``'s dtype as a C cast would)."""
    g = _gen(generator)
    view = _memory_order(arr)
    if view.flags.c_contiguous and view.dtype == work_dtype:
        with g._lock:                                    # straight into the tensor's memory
            kernel(g._state, view.reshape(-1), *args)
        return arr
    flat = np.empty(view.size, work_dtype)
    with g._lock:
        kernel(g._state, flat, *args)
    view[...] = flat.reshape(view.shape)
    return arr


def fill_uniform(arr: np.ndarray, low: float, high: float,
                 generator: Generator | None = None) -> np.ndarray:
    """``uniform_(low, high)`` into the float array ``arr`` (complex: both parts, as
    PyTorch fills ``view_as_real``)."""
    if arr.dtype.kind == "c":
        fill_uniform(_real_view(arr), low, high, generator)
        return arr
    if arr.dtype == np.float64:
        return _fill(arr, np.float64, _k.uniform_f64, float(low), float(high),
                     generator=generator)
    return _fill(arr, np.float32, _k.uniform_f32, float(low), float(high), generator=generator)


def fill_normal(arr: np.ndarray, mean: float, std: float,
                generator: Generator | None = None) -> np.ndarray:
    """``normal_(mean, std)`` into the float array ``arr``: PyTorch's blockwise Box-Muller
    for 16 or more contiguous elements, its cached element-by-element one otherwise.
    Complex: both parts with standard deviation ``std / sqrt(2)``, as PyTorch."""
    g = _gen(generator)
    if arr.dtype.kind == "c":
        fill_normal(_real_view(arr), mean, std / np.sqrt(2.0), g)
        return arr
    if arr.size >= 16 and arr.flags.c_contiguous:
        if arr.dtype == np.float32:
            return _fill(arr, np.float32, _k.normal_fill_f32, float(mean), float(std),
                         generator=g)
        if arr.dtype == np.float64:
            return _fill(arr, np.float64, _k.normal_fill_f64, float(mean), float(std),
                         generator=g)
    return _fill_cached(arr, _k.normal_serial, float(mean), float(std), generator=g)


def _fill_cached(arr: np.ndarray, kernel: Any, *args: Any, generator: Generator) -> np.ndarray:
    view = _memory_order(arr)
    flat = np.empty(view.size, np.float64)
    with generator._lock:
        kernel(generator._state, generator._normal_cache, flat, *args)
    view[...] = flat.reshape(view.shape)
    return arr


def fill_log_normal(arr: np.ndarray, mean: float, std: float,
                    generator: Generator | None = None) -> np.ndarray:
    """``log_normal_(mean, std)``: ``exp`` of the cached float64 normal draws."""
    return _fill_cached(arr, _k.log_normal, float(mean), float(std), generator=_gen(generator))


def _digits(dtype: np.dtype) -> int:
    return int(np.finfo(dtype).nmant) + 1


def fill_random_from_to(arr: np.ndarray, low: int, high: int,
                        generator: Generator | None = None) -> np.ndarray:
    """``random_(low, high)``: ``draw % (high - low) + low``, with 64-bit draws for ranges
    of 2**28 or more and 32-bit draws below, whatever the dtype."""
    span = int(high) - int(low)
    wide = span >= 1 << 28        # PyTorch's public builds: 64-bit draws from 2**28 on
    return _fill(arr, np.int64, _k.random_from_to, np.uint64(span), np.int64(low), wide,
                 generator=generator)


def fill_random_full(arr: np.ndarray, generator: Generator | None = None) -> np.ndarray:
    """``random_(-2**63, None)`` on int64: every 64-bit value."""
    return _fill(arr, np.int64, _k.random_bits, np.uint64(0), True, generator=generator)


def fill_random(arr: np.ndarray, generator: Generator | None = None) -> np.ndarray:
    """``random_()``: ``[0, 2**mantissa]`` for floats, ``[0, max]`` for integers."""
    dt = arr.dtype
    if dt.kind == "f":
        modulus = (1 << _digits(dt)) + 1
        wide = dt == np.float64
    elif dt.kind == "b":
        modulus, wide = 2, False
    else:
        modulus = int(np.iinfo(dt).max) + 1
        wide = dt == np.int64
    return _fill(arr, np.int64, _k.random_bits, np.uint64(modulus), wide, generator=generator)


def random_upper(dtype: np.dtype) -> int:
    """The inclusive upper bound of ``random_(from)`` for ``dtype``."""
    if dtype.kind == "f":
        return 1 << _digits(dtype)
    if dtype.kind == "b":
        return 1
    return int(np.iinfo(dtype).max)


def _intel_cpu() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            return "GenuineIntel" in f.read(4096)
    except OSError:
        import platform
        return "Intel" in platform.processor()


BERNOULLI_MKL_STREAM = _intel_cpu()
"""Whether ``bernoulli_(p)`` (and so dropout) follows PyTorch's MKL path: its x86 wheels
draw these from MKL's MCG31 stream on Intel CPUs, and from the engine directly elsewhere
(AMD, ARM). Decided from this machine's CPU, as PyTorch decides; settable for tests."""


def fill_bernoulli(arr: np.ndarray, p: float, generator: Generator | None = None) -> np.ndarray:
    """``bernoulli_(p)`` for a number ``p``: ``U < p`` with float64 U from the engine, or
    from the MCG31 stream it seeds when :data:`BERNOULLI_MKL_STREAM`."""
    kernel = _k.bernoulli_scalar_mcg31 if BERNOULLI_MKL_STREAM else _k.bernoulli_scalar
    return _fill(arr, np.float64, kernel, float(p), generator=generator)


def bernoulli_probs(probs: np.ndarray, generator: Generator | None = None) -> np.ndarray:
    """One Bernoulli draw per element of ``probs`` (float32 probabilities are compared
    with 24-bit float32 uniforms, float64 ones with 53-bit uniforms, as PyTorch does);
    returns 0/1 in ``probs``' dtype and shape (C order)."""
    g = _gen(generator)
    flat = np.ascontiguousarray(probs).reshape(-1)
    out = np.empty(flat.size, np.float64)
    with g._lock:
        if flat.dtype == np.float64:
            _k.bernoulli_f64(g._state, flat, out)
        else:
            _k.bernoulli_f32(g._state, flat.astype(np.float32, copy=False), out)
    return out.reshape(probs.shape)


def fill_exponential(arr: np.ndarray, lambd: float,
                     generator: Generator | None = None) -> np.ndarray:
    """``exponential_(lambd)``: ``-log(1 - U) / lambd`` in float64."""
    return _fill(arr, np.float64, _k.exponential, float(lambd), generator=generator)


def fill_geometric(arr: np.ndarray, p: float, generator: Generator | None = None) -> np.ndarray:
    """``geometric_(p)``: ``ceil(log(U) / log(1 - p))``."""
    return _fill(arr, np.float64, _k.geometric, float(p), generator=generator)


def fill_cauchy(arr: np.ndarray, median: float, sigma: float,
                generator: Generator | None = None) -> np.ndarray:
    """``cauchy_(median, sigma)``: ``median + sigma * tan(pi * (U - 0.5))``."""
    return _fill(arr, np.float64, _k.cauchy, float(median), float(sigma), generator=generator)


def permutation(n: int, generator: Generator | None = None) -> np.ndarray:
    """PyTorch's ``randperm(n)`` as an int64 array."""
    g = _gen(generator)
    with g._lock:
        return _k.randperm(g._state, int(n))


def multinomial_replacement(probs: np.ndarray, num_samples: int,
                            generator: Generator | None = None) -> tuple[np.ndarray, int]:
    """``num_samples`` draws with replacement from each row of the 2-D ``probs``; returns
    (indices int64 of shape (rows, num_samples), first row with a non-positive sum or -1)."""
    g = _gen(generator)
    out = np.empty((probs.shape[0], num_samples), np.int64)
    with g._lock:
        bad = _k.multinomial_replacement(g._state, np.ascontiguousarray(probs), num_samples,
                                         out)
    return out, int(bad)


def random_seed_value(generator: Generator | None = None) -> int:
    """``int(torch.empty((), dtype=torch.int64).random_(generator=g))``: the seed draws
    that ``RandomSampler`` and ``DataLoader`` take from the stream."""
    out = np.empty(1, np.int64)
    fill_random(out, generator)
    return int(out[0])
