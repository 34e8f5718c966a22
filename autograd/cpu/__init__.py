"""``torch.cpu``: the one device there is. ``torch.cpu.amp`` holds the deprecated CPU
spellings of :mod:`autograd.amp`."""
from __future__ import annotations

from typing import Any

from . import amp

__all__ = ["amp", "is_available", "device_count", "current_device", "set_device",
           "synchronize"]


def is_available() -> bool:
    """True."""
    return True


def device_count() -> int:
    """1."""
    return 1


def current_device() -> str:
    """``'cpu'``."""
    return "cpu"


def set_device(device: Any) -> None:
    """No-op (PyTorch ignores it too)."""


def synchronize(device: Any = None) -> None:
    """No-op: CPU work is synchronous."""
