"""Lazy layers: ``LazyLinear``, ``LazyConv1d``, ``LazyConv2d``, whose input size
(``in_features`` / ``in_channels``) is inferred from the first input.

Until then their parameters are ``UninitializedParameter`` placeholders (empty, shape
``(0,)``; do not hand them to an optimizer). The first call materialises them with the
inferred shape, runs ``reset_parameters`` (PyTorch's default initialisation) and turns
the module into its ordinary class (``LazyLinear`` becomes ``Linear``), as PyTorch
does. ``load_state_dict`` into a lazy module materialises the placeholders from the
checkpoint's shapes (and also sets ``in_features`` / ``in_channels`` from them).
"""
from __future__ import annotations

import numpy as np

import autograd
from autograd import _inplace

from ..parameter import Parameter
from .conv import Conv1d, Conv2d
from .linear import Linear

__all__ = ["UninitializedParameter", "LazyModuleMixin", "LazyLinear", "LazyConv1d",
           "LazyConv2d"]


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet: an empty placeholder that
    ``materialize(shape)`` turns, in place, into an ordinary ``Parameter`` (same object,
    so references to it stay valid)."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        super().__init__(autograd.empty(0, dtype=dtype), requires_grad)

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the parameter ``shape`` (uninitialised values) and make it a Parameter."""
        dtype = _inplace.array(self).dtype if dtype is None else np.dtype(dtype)
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        _inplace.set_storage(self, np.empty(shape, dtype=dtype))
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return "<UninitializedParameter>"


def _is_lazy(p) -> bool:
    return isinstance(p, UninitializedParameter)


class LazyModuleMixin:
    """Mixin (first base) for a layer whose parameters are created on the first call:
    subclasses implement ``initialize_parameters(*args)`` and set ``cls_to_become``."""

    cls_to_become = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self) -> bool:
        """Whether any parameter is still a placeholder."""
        return any(_is_lazy(p) for p in self._parameters.values())

    def initialize_parameters(self, *args, **kwargs) -> None:
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{type(self).__name__}")

    def _load_from_state_dict(self, state_dict, prefix, missing, errors) -> None:
        for name, p in self._parameters.items():
            key = prefix + name
            if _is_lazy(p) and key in state_dict and not _is_lazy(state_dict[key]):
                p.materialize(tuple(np.shape(_inplace.array(state_dict[key])
                                             if isinstance(state_dict[key], autograd.Tensor)
                                             else state_dict[key])))
        super()._load_from_state_dict(state_dict, prefix, missing, errors)
        if not self.has_uninitialized_params():
            self._infer_from_weight()
            self._finish()

    def _infer_from_weight(self) -> None:
        """Set the inferred size attribute from the materialised weight."""

    def _finish(self) -> None:
        handle = self.__dict__.pop("_initialize_hook", None)
        if handle is not None:
            handle.remove()
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become


def _infer_parameters(module, args) -> None:
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._finish()


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` with ``in_features`` inferred from the last dim of the first input."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        if self.has_uninitialized_params():
            with autograd.no_grad():
                self.in_features = int(input.shape[-1])
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()

    def _infer_from_weight(self) -> None:
        self.in_features = int(self.weight.shape[1])


class _LazyConvMixin(LazyModuleMixin):
    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        if self.has_uninitialized_params():
            batched = input.dim() == self._n + 2
            self.in_channels = int(input.shape[1] if batched else input.shape[0])
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            self.weight.materialize((self.out_channels, self.in_channels // self.groups,
                                     *self.kernel_size))
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()

    def _infer_from_weight(self) -> None:
        self.in_channels = int(self.weight.shape[1]) * self.groups


class LazyConv1d(_LazyConvMixin, Conv1d):
    """``Conv1d`` with ``in_channels`` inferred from the first input."""

    cls_to_become = Conv1d

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None,
                 dtype=None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode)
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)


class LazyConv2d(_LazyConvMixin, Conv2d):
    """``Conv2d`` with ``in_channels`` inferred from the first input."""

    cls_to_become = Conv2d

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None,
                 dtype=None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode)
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)
