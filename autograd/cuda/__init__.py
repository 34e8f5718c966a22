"""``torch.cuda`` on a CPU-only engine: the queries answer "no CUDA" (``is_available()``
False, ``device_count()`` 0, memory statistics 0), the seeding and cache calls are no-ops
(as PyTorch's CPU build), and what needs a device (``current_device``,
``get_device_name``, ``synchronize``, ``set_device``, ...) raises
:class:`autograd.dtypes.DeviceUnavailableError`, a RuntimeError and an AssertionError
(PyTorch's CPU build raises AssertionError "Torch not compiled with CUDA enabled").
``torch.cuda.amp`` holds the deprecated ``autocast``/``GradScaler`` spellings.
"""
from __future__ import annotations

from typing import Any, NoReturn

from .. import dtypes as _dt
from ..legacy import _cuda_legacy
from . import amp

__all__ = [
    "amp", "is_available", "device_count", "is_initialized", "init", "is_bf16_supported",
    "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed", "get_rng_state",
    "set_rng_state", "get_rng_state_all", "set_rng_state_all", "current_device", "set_device",
    "device", "get_device_name", "get_device_properties", "get_device_capability",
    "synchronize", "empty_cache", "memory_allocated", "max_memory_allocated",
    "memory_reserved", "max_memory_reserved", "reset_peak_memory_stats",
    "reset_max_memory_allocated", "mem_get_info", "FloatTensor", "DoubleTensor",
    "HalfTensor", "ByteTensor", "CharTensor", "ShortTensor", "IntTensor", "LongTensor",
    "BoolTensor",
]


def _no_cuda() -> NoReturn:
    _dt.no_accelerator("CUDA")


def is_available() -> bool:
    """False: there is no CUDA here."""
    return False


def device_count() -> int:
    """0."""
    return 0


def is_initialized() -> bool:
    """False."""
    return False


def init() -> NoReturn:
    """Raises: CUDA cannot be initialised."""
    _no_cuda()


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False."""
    return False


def manual_seed(seed: int) -> None:
    """No-op (there is no CUDA generator), as PyTorch without CUDA. Seed the CPU with
    ``autograd.manual_seed``."""
    int(seed)


def manual_seed_all(seed: int) -> None:
    """No-op, as :func:`manual_seed`."""
    int(seed)


def seed() -> None:
    """No-op."""


def seed_all() -> None:
    """No-op."""


def initial_seed() -> NoReturn:
    """Raises (no CUDA generator), as PyTorch's CPU build."""
    _no_cuda()


def get_rng_state(device: Any = "cuda") -> NoReturn:
    """Raises (no CUDA generator)."""
    _no_cuda()


def set_rng_state(new_state: Any, device: Any = "cuda") -> NoReturn:
    """Raises (no CUDA generator)."""
    _no_cuda()


def get_rng_state_all() -> list[Any]:
    """``[]``: one state per CUDA device, and there are none."""
    return []


def set_rng_state_all(new_states: Any) -> None:
    """No-op: there are no CUDA devices."""


def current_device() -> NoReturn:
    """Raises, as PyTorch's CPU build."""
    _no_cuda()


def set_device(device: Any) -> NoReturn:
    """Raises: there is no CUDA device to select."""
    _no_cuda()


class device:
    """``with torch.cuda.device(i):`` raises: there is no CUDA device."""

    def __init__(self, device: Any) -> None:
        _no_cuda()


def get_device_name(device: Any = None) -> NoReturn:
    """Raises, as PyTorch's CPU build."""
    _no_cuda()


def get_device_properties(device: Any = None) -> NoReturn:
    """Raises, as PyTorch's CPU build."""
    _no_cuda()


def get_device_capability(device: Any = None) -> NoReturn:
    """Raises, as PyTorch's CPU build."""
    _no_cuda()


def synchronize(device: Any = None) -> NoReturn:
    """Raises, as PyTorch's CPU build (guard it with ``is_available()``)."""
    _no_cuda()


def mem_get_info(device: Any = None) -> NoReturn:
    """Raises, as PyTorch's CPU build."""
    _no_cuda()


def empty_cache() -> None:
    """No-op."""


def memory_allocated(device: Any = None) -> int:
    """0."""
    return 0


def max_memory_allocated(device: Any = None) -> int:
    """0."""
    return 0


def memory_reserved(device: Any = None) -> int:
    """0."""
    return 0


def max_memory_reserved(device: Any = None) -> int:
    """0."""
    return 0


def reset_peak_memory_stats(device: Any = None) -> None:
    """No-op (PyTorch's CPU build fails here with an internal AttributeError)."""


def reset_max_memory_allocated(device: Any = None) -> None:
    """No-op."""


FloatTensor = _cuda_legacy("FloatTensor")
DoubleTensor = _cuda_legacy("DoubleTensor")
HalfTensor = _cuda_legacy("HalfTensor")
ByteTensor = _cuda_legacy("ByteTensor")
CharTensor = _cuda_legacy("CharTensor")
ShortTensor = _cuda_legacy("ShortTensor")
IntTensor = _cuda_legacy("IntTensor")
LongTensor = _cuda_legacy("LongTensor")
BoolTensor = _cuda_legacy("BoolTensor")
