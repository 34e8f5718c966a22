"""``torch.cuda.amp``: the deprecated CUDA spellings of :mod:`autograd.amp`. Without CUDA
both disable themselves (with PyTorch's warning when asked to be enabled)."""
from __future__ import annotations

from typing import Any

from .. import amp as _amp
from ..amp import custom_bwd, custom_fwd

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]


class autocast(_amp.autocast):
    """``torch.cuda.amp.autocast(enabled=True, dtype=float16, cache_enabled=True)``, i.e.
    ``autocast('cuda', ...)``: disabled here (no CUDA)."""

    def __init__(self, enabled: bool = True, dtype: Any = None,
                 cache_enabled: bool = True) -> None:
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """``torch.cuda.amp.GradScaler(...)``, i.e. ``amp.GradScaler('cuda', ...)``: disabled."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)
