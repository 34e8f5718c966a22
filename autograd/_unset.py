"""``UNSET``: the default of an argument whose absence PyTorch treats differently from any
value it could be given, so ``None`` cannot stand for "not given" (``torch.sum(x,
keepdim=True)`` without a ``dim`` is a TypeError, ``torch.sum(x, None, True)`` is not;
``torch.max(x)`` reduces everything, ``torch.max(x, dim=None)`` is a TypeError).

A module of its own, importing nothing, so ``tensor`` (whose methods forward to the ops)
and the ops modules can both use it.
"""
from __future__ import annotations

from typing import Final

__all__ = ["UNSET", "Unset"]


class Unset:
    """The type of ``UNSET`` (one instance)."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unset>"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()
