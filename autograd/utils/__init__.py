"""Utilities, spelled as ``torch.utils``: ``autograd.utils.data`` holds the data pipeline.

``data`` is imported lazily on first access so ``import autograd`` stays light.
"""
from __future__ import annotations

from types import ModuleType


def __getattr__(name: str) -> ModuleType:
    import importlib
    if name in ("data", "transforms"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'autograd.utils' has no attribute {name!r}")
