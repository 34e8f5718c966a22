"""``torch.accelerator``: there is no accelerator here (the CPU is not one, as in
PyTorch)."""
from __future__ import annotations

from typing import Any, NoReturn

from . import dtypes as _dt

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "synchronize"]


def is_available() -> bool:
    """False."""
    return False


def current_accelerator(check_available: bool = False) -> None:
    """None: no accelerator."""
    return None


def device_count() -> int:
    """0."""
    return 0


def current_device_index() -> NoReturn:
    """Raises: no accelerator."""
    _dt.no_accelerator("an accelerator")


def set_device_index(device: Any) -> NoReturn:
    """Raises: no accelerator."""
    _dt.no_accelerator("an accelerator")


def synchronize(device: Any = None) -> NoReturn:
    """Raises: no accelerator."""
    _dt.no_accelerator("an accelerator")
