"""``SyncBatchNorm``: batch normalisation with statistics over the whole distributed batch."""
from __future__ import annotations

from typing import Any

import autograd
import autograd.distributed as dist
from autograd import _inplace
from autograd.distributed.nn.functional import all_reduce

from .module import Module
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation whose training statistics (per-channel mean and biased
    variance) are computed over the batches of all processes of ``process_group``.

    Args:
        num_features: channels C.
        eps, momentum, affine, track_running_stats, bias: as ``BatchNorm2d``.
        process_group: the group to synchronise over (default: all processes).

    Shapes: input (N, C, *) -> same.

    Without an initialised process group, in eval mode, or with one process it is plain
    batch normalisation. The statistics take two differentiable all-reduces (the sums,
    then the squared deviations from the global mean), so the variance is as accurate as
    one process's and gradients flow to every rank's input through them.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 process_group: Any = None, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")
        super()._check_input_dim(input)

    def _check_non_zero_input_channels(self, input) -> None:
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    _expected_dims = tuple(range(2, 33))

    def forward(self, input):
        """Normalise ``input`` (N, C, *) per channel with the global batch statistics in
        training (updating the running statistics with them), else as ``BatchNorm``."""
        self._check_input_dim(input)
        self._check_non_zero_input_channels(input)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        need_sync = (use_batch and self.training and dist.is_available()
                     and dist.is_initialized()
                     and dist.get_world_size(self.process_group) > 1)
        if not need_sync:
            return super().forward(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            with _inplace.writing(self.num_batches_tracked) as n:
                n[...] += 1
            if self.momentum is None:
                factor = 1.0 / float(_inplace.array(self.num_batches_tracked))
        return self._sync_forward(input, factor)

    def _sync_forward(self, input, factor: float):
        dims = [0] + list(range(2, input.dim()))
        shape = [1, input.shape[1]] + [1] * (input.dim() - 2)
        local = autograd.tensor(float(input.numel() // input.shape[1]), dtype=input.dtype)
        total = all_reduce(local.reshape(1), group=self.process_group)
        count = float(total.item())
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {tuple(input.shape)} (summed over all processes)")
        mean = all_reduce(input.sum(dim=dims), group=self.process_group) / count
        centred = input - mean.reshape(shape)
        var = all_reduce((centred * centred).sum(dim=dims), group=self.process_group) / count
        out = centred / (var.reshape(shape) + self.eps).sqrt()
        if self.weight is not None:
            out = out * self.weight.reshape(shape)
        if self.bias is not None:
            out = out + self.bias.reshape(shape)
        if self.track_running_stats and self.running_mean is not None:
            with autograd.no_grad():
                unbiased = var.detach() * (count / (count - 1))
                self.running_mean.mul_(1 - factor).add_(mean.detach() * factor)
                self.running_var.mul_(1 - factor).add_(unbiased * factor)
        return out

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """Replace every ``BatchNorm*d`` in ``module`` by a ``SyncBatchNorm`` with the same
        parameters, buffers and settings; returns the converted module (``module`` itself
        when it is not a BatchNorm)."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group, bias=module.bias is not None)
            if module.affine:
                with autograd.no_grad():
                    out.weight = module.weight
                    if module.bias is not None:
                        out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out

