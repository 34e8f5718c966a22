"""``DataParallel`` without devices to spread over: the wrapped module runs as is."""
from __future__ import annotations

from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Wraps ``module`` (available as ``.module``, so ``state_dict`` keys get the
    ``module.`` prefix, as in PyTorch); ``forward`` calls it directly. Like PyTorch's
    DataParallel on a machine without GPUs, ``device_ids`` is ``[]`` and nothing is
    scattered or replicated."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids = []
        self.dim = dim
        self.output_device = None

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim: int = 0,
                  module_kwargs=None):
    """Evaluate ``module(*inputs, **module_kwargs)`` (no devices to parallelise over)."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
