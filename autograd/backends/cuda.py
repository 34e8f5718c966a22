"""``torch.backends.cuda``: not built; ``matmul.allow_tf32`` and friends are settable
flags with PyTorch's defaults that change nothing (there is no CUDA matmul here)."""
from __future__ import annotations

__all__ = ["is_built", "matmul", "flash_sdp_enabled", "enable_flash_sdp",
           "mem_efficient_sdp_enabled", "enable_mem_efficient_sdp", "math_sdp_enabled",
           "enable_math_sdp"]


class _Matmul:
    """``torch.backends.cuda.matmul``: cuBLAS flags (recorded, no effect here)."""

    def __init__(self) -> None:
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True

    # One switch with ``set_float32_matmul_precision``, as in PyTorch: True is 'high',
    # False 'highest' (and reading it says whether the precision is below 'highest').
    @property
    def allow_tf32(self) -> bool:
        """Whether the float32 matmul precision is below 'highest' (no effect here)."""
        from ..legacy import get_float32_matmul_precision
        return get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        from ..legacy import set_float32_matmul_precision
        set_float32_matmul_precision("high" if value else "highest")

    def __repr__(self) -> str:
        return f"<torch.backends.cuda.matmul allow_tf32={self.allow_tf32}>"


matmul = _Matmul()
_sdp = {"flash": True, "mem_efficient": True, "math": True}


def is_built() -> bool:
    """False: not built with CUDA."""
    return False


def flash_sdp_enabled() -> bool:
    """The flag set by :func:`enable_flash_sdp` (True at start, as PyTorch)."""
    return _sdp["flash"]


def enable_flash_sdp(enabled: bool) -> None:
    """Record the flag (attention runs in plain NumPy here either way)."""
    _sdp["flash"] = bool(enabled)


def mem_efficient_sdp_enabled() -> bool:
    """The flag set by :func:`enable_mem_efficient_sdp`."""
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Record the flag (no effect)."""
    _sdp["mem_efficient"] = bool(enabled)


def math_sdp_enabled() -> bool:
    """The flag set by :func:`enable_math_sdp`."""
    return _sdp["math"]


def enable_math_sdp(enabled: bool) -> None:
    """Record the flag (no effect)."""
    _sdp["math"] = bool(enabled)
