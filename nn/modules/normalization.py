"""``BatchNorm1d``/``BatchNorm2d``/``BatchNorm3d``, ``InstanceNorm1d``/``InstanceNorm2d``, ``LayerNorm``,
``GroupNorm``, ``RMSNorm``, ``LocalResponseNorm``."""
from __future__ import annotations

import numbers

import autograd
from autograd import _inplace

from .. import functional as F
from .. import init
from .._check import ShapeError, require_size, require_tensor
from ..parameter import Parameter
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "InstanceNorm1d",
           "InstanceNorm2d", "RMSNorm", "LocalResponseNorm"]


class _BatchNorm(Module):
    """Shared body of BatchNorm1d/2d (PyTorch's ``_BatchNorm``).

    Buffers ``running_mean`` (zeros), ``running_var`` (ones), ``num_batches_tracked``
    (int64 0-d) when ``track_running_stats``. ``momentum=None`` uses the cumulative
    average ``1 / num_batches_tracked`` as the update factor.
    """

    _expected_dims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__()
        num_features = require_size(type(self).__name__, "num_features", num_features)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(autograd.empty(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(autograd.empty(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", autograd.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", autograd.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", autograd.tensor(0, dtype=autograd.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, batch counter 0."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        """Reset running statistics; weight to 1 and bias to 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, input) -> None:
        require_tensor(type(self).__name__, input)
        if input.dim() not in self._expected_dims:
            raise ValueError(f"{type(self).__name__}: expected "
                             f"{' or '.join(f'{d}D' for d in self._expected_dims)} input "
                             f"(got {input.dim()}D input of shape {tuple(input.shape)})")
        # PyTorch compares the channel count with the running statistics or the affine
        # parameters (a RuntimeError); a layer with neither takes any channel count
        held = "running_mean" if self.running_mean is not None else \
            "weight" if self.weight is not None else None
        if held is not None and input.shape[1] != self.num_features:
            raise ShapeError(f"{type(self).__name__}: {held} should contain {input.shape[1]} "
                             f"elements not {self.num_features}: expected input with "
                             f"{self.num_features} channels in dim 1, got shape "
                             f"{tuple(input.shape)}")

    def forward(self, input):
        """Normalise ``input`` (N, C, *) per channel: with the batch statistics in training
        (counting the batch in ``num_batches_tracked`` and updating the running statistics
        in place), with the running statistics in eval mode."""
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with _inplace.writing(self.num_batches_tracked) as n:
                n[...] += 1
            if self.momentum is None:
                factor = 1.0 / float(_inplace.array(self.num_batches_tracked))
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L) inputs (statistics per channel C)."""

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, C, H, W) inputs (statistics per channel C)."""

    _expected_dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over (N, C, D, H, W) inputs (statistics per channel C)."""

    _expected_dims = (5,)


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` dims, then affine (weight 1, bias 0).

    Shapes: input (*, *normalized_shape) -> same; weight/bias ``normalized_shape``.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        if not isinstance(normalized_shape, (list, tuple)):
            raise TypeError(f"LayerNorm: normalized_shape must be an int or a sequence of "
                            f"ints, not {normalized_shape!r}")
        self.normalized_shape = tuple(require_size("LayerNorm", "normalized_shape", n)
                                      for n in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _register_affine(self, self.normalized_shape, elementwise_affine, bias, dtype)

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


def _register_affine(module, shape, affine, bias, dtype) -> None:
    """Register ``weight`` (ones) and ``bias`` (zeros) of ``shape``, or None for each, as
    LayerNorm and GroupNorm do (PyTorch's registration order: weight, then bias)."""
    weight = Parameter(autograd.ones(*shape, dtype=dtype)) if affine else None
    module.register_parameter("weight", weight)
    module.register_parameter(
        "bias", Parameter(autograd.zeros(*shape, dtype=dtype)) if affine and bias else None)


def _reset_affine(module) -> None:
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class GroupNorm(Module):
    """Normalise over groups of channels, then per-channel affine (weight 1, bias 0).

    Shapes: input (N, C, *) -> same; weight/bias (C,).
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        num_groups = require_size("GroupNorm", "num_groups", num_groups, positive=True)
        num_channels = require_size("GroupNorm", "num_channels", num_channels)
        if num_channels % num_groups != 0:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _register_affine(self, (num_channels,), affine, bias, dtype)

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")




class _InstanceNorm(_BatchNorm):
    """Shared body of InstanceNorm1d/2d: ``_BatchNorm``'s parameters and buffers
    (PyTorch's ``_NormBase``) with affine and running statistics off by default.

    Statistics are per (sample, channel). In training, or without running statistics,
    the instance statistics normalise (and update the running ones, if tracked, with the
    batch average); in eval with ``track_running_stats`` the running ones normalise.
    ``num_batches_tracked`` is kept but never incremented (as PyTorch).
    """

    _no_batch_dim = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype)

    def _check_input_dim(self, input) -> None:
        require_tensor(type(self).__name__, input)
        if input.dim() not in (self._no_batch_dim, self._no_batch_dim + 1):
            raise ValueError(f"expected {self._no_batch_dim}D or {self._no_batch_dim + 1}D "
                             f"input (got {input.dim()}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.dim() - self._no_batch_dim
        if input.shape[feature_dim] != self.num_features and self.affine:
            raise ValueError(f"expected input's size at dim={feature_dim} to match "
                             f"num_features ({self.num_features}), but got: "
                             f"{input.shape[feature_dim]}.")
        unbatched = input.dim() == self._no_batch_dim
        x = input.unsqueeze(0) if unbatched else input
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              self.momentum if self.momentum is not None else 0.0, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or unbatched (C, L) input."""

    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or unbatched (C, H, W) input."""

    _no_batch_dim = 3


class RMSNorm(Module):
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape`` dims;
    ``eps=None`` means the machine epsilon of the input's dtype. ``weight`` (ones) has
    shape ``normalized_shape`` when ``elementwise_affine``."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        if not isinstance(normalized_shape, (list, tuple)):
            raise TypeError(f"RMSNorm: normalized_shape must be an int or a sequence of "
                            f"ints, not {normalized_shape!r}")
        self.normalized_shape = tuple(require_size("RMSNorm", "normalized_shape", n)
                                      for n in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(autograd.ones(*self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        """Weight back to ones."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Normalise each channel by its ``size`` neighbouring channels:
    ``x / (k + alpha / size * sum x^2)^beta``. Shape: (N, C, *) -> same."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
