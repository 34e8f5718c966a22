"""``torch.cpu.amp``: the deprecated CPU spellings of :mod:`autograd.amp`."""
from __future__ import annotations

from typing import Any

from .. import amp as _amp

__all__ = ["autocast", "GradScaler"]


class autocast(_amp.autocast):
    """``torch.cpu.amp.autocast(enabled=True, dtype=bfloat16, cache_enabled=True)``, i.e.
    ``autocast('cpu', ...)``: no dtype changes (see :mod:`autograd.amp`)."""

    def __init__(self, enabled: bool = True, dtype: Any = None,
                 cache_enabled: bool = True) -> None:
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """``torch.cpu.amp.GradScaler(...)``, i.e. ``amp.GradScaler('cpu', ...)`` (disabled
    semantics, see :mod:`autograd.amp`)."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)
