"""``torch.backends.cudnn``: settable flags with PyTorch's defaults (``enabled`` True,
``benchmark`` False, ``deterministic`` False, ``allow_tf32`` True). There is no cuDNN
here, so they are recorded and change nothing."""
from __future__ import annotations

__all__ = ["enabled", "benchmark", "deterministic", "allow_tf32", "is_available", "version"]

enabled: bool = True
benchmark: bool = False
deterministic: bool = False
allow_tf32: bool = True
benchmark_limit: int = 10


def is_available() -> bool:
    """False: no cuDNN."""
    return False


def version() -> None:
    """None: no cuDNN."""
    return None
