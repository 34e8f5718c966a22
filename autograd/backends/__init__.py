"""``torch.backends``: the switches scripts set at start-up (``cudnn.benchmark``,
``cudnn.deterministic``, ``cuda.matmul.allow_tf32``) exist and are settable; they change
nothing on this CPU-only engine. ``mps.is_available()`` is False."""
from __future__ import annotations

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
