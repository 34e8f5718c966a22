"""``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d``, ``ConvTranspose2d``,
``ConvTranspose3d`` (PyTorch parameter shapes, defaults and initialisation). The 1-D and
2-D arithmetic is in ``autograd.ops.conv``; the 3-D ops are built in ``nn.functional``."""
from __future__ import annotations

import math

import autograd

from .. import functional as F
from .. import init
from .._check import ArgumentError, ShapeError, require_number, require_size, require_tensor
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]


_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(x, n: int):
    """PyTorch's ``_ntuple``: a sequence as a tuple, anything else repeated ``n`` times.
    Values are checked where PyTorch checks them: when the layer runs (``F.conv2d``)."""
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return x if isinstance(x, str) else (x,) * n


def _sizes(name: str, arg: str, value, n: int, signed: bool = False) -> tuple:
    """``value`` (an int or a sequence of ints, of any length) as a tuple of ints:
    TypeError for other types, ArgumentError for a negative entry unless ``signed``
    (those are left to the functional op, which reports them as PyTorch does)."""
    value = _ntuple(value, n)
    if isinstance(value, str):
        raise TypeError(f"{name}(): argument '{arg}' must be an int or a tuple of ints, not "
                        f"{value!r}")
    if signed:
        return tuple(require_number(name, arg, v, integral=True) for v in value)
    return tuple(require_size(name, arg, v) for v in value)


class _ConvNd(Module):
    """Shared body: weight (out, in/groups, *k) for convolutions, (in, out/groups, *k)
    for transposed ones; kaiming_uniform_(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias.

    The constructor raises what PyTorch's raises when it is built (non-integer or
    negative sizes, bad groups, padding strings, padding modes); stride, padding,
    dilation, output_padding and a zero kernel size are checked by the functional op
    when the layer runs, as in PyTorch."""

    _n = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 output_padding, groups, bias, padding_mode, dtype) -> None:
        super().__init__()
        n, name = self._n, type(self).__name__
        in_channels = require_number(name, "in_channels", in_channels, integral=True)
        out_channels = require_number(name, "out_channels", out_channels, integral=True)
        groups = require_number(name, "groups", groups)
        if groups <= 0:
            raise ArgumentError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups != 0:
            raise ArgumentError(f"{name}: in_channels must be divisible by groups, got "
                                f"in_channels={in_channels}, groups={groups}")
        if out_channels % groups != 0:
            raise ArgumentError(f"{name}: out_channels must be divisible by groups, got "
                                f"out_channels={out_channels}, groups={groups}")
        groups = require_number(name, "groups", groups, integral=True)
        require_size(name, "in_channels", in_channels)
        require_size(name, "out_channels", out_channels)
        kernel_size = _sizes(name, "kernel_size", kernel_size, n)
        if padding_mode not in _PADDING_MODES:
            raise ArgumentError(f"{name}: padding_mode must be one of {_PADDING_MODES}, but "
                                f"got padding_mode={padding_mode!r}")
        if padding_mode != "zeros":
            if self._transposed:
                raise ArgumentError(f'{name}: only "zeros" padding mode is supported, got '
                                    f"padding_mode={padding_mode!r}")
        if isinstance(padding, str) and not self._transposed:
            if padding not in ("same", "valid"):
                raise ArgumentError(f"{name}: Invalid padding string {padding!r}, should be "
                                    f"one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in _ntuple(stride, n)):
                raise ArgumentError(f"{name}: padding='same' is not supported for strided "
                                    f"convolutions (stride={stride})")
        self.padding = _ntuple(padding, n)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = _ntuple(stride, n)
        self.dilation = _ntuple(dilation, n)
        self.transposed = self._transposed
        self.output_padding = _ntuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        # (last_before, last_after, ...) for F.pad when padding_mode is not 'zeros'
        if isinstance(padding, str):
            rev = [0] * (2 * n)
            if padding == "same":
                for d, k, i in zip(self.dilation, kernel_size, range(n - 1, -1, -1)):
                    total = d * (k - 1)
                    rev[2 * i], rev[2 * i + 1] = total // 2, total - total // 2
            self._reversed_padding_repeated_twice = tuple(rev)
        else:
            self._reversed_padding_repeated_twice = tuple(
                p for p in reversed(self.padding) for _ in range(2))
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(autograd.empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(autograd.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the weights with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        n = self._n
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _padded(self, input):
        """``input`` padded by ``padding_mode`` (then convolved with padding 0), or None
        for zero padding (done by the convolution itself)."""
        if self.padding_mode == "zeros":
            return None
        return F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)

    def _check_input(self, input) -> None:
        name, n = type(self).__name__, self._n
        require_tensor(name, input)
        if input.dim() not in (n + 1, n + 2):
            raise ShapeError(f"{name}: expected a {n + 1}-D (unbatched) or {n + 2}-D (batched) "
                             f"input, got shape {tuple(input.shape)}")
        c = input.shape[-n - 1]
        if c != self.in_channels:
            raise ShapeError(f"{name}: expected input with {self.in_channels} channels, got "
                             f"shape {tuple(input.shape)} ({c} channels)")


class Conv1d(_ConvNd):
    """1-D convolution. Shapes: input (N, C_in, L) or (C_in, L) -> (N, C_out, L_out);
    weight (C_out, C_in/groups, k), bias (C_out,)."""

    _n = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0,
                         groups, bias, padding_mode, dtype)

    def forward(self, input):
        self._check_input(input)
        padded = self._padded(input)
        if padded is not None:
            return F.conv1d(padded, self.weight, self.bias, self.stride, 0, self.dilation,
                            self.groups)
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class Conv2d(_ConvNd):
    """2-D convolution. Shapes: input (N, C_in, H, W) or (C_in, H, W) ->
    (N, C_out, H_out, W_out); weight (C_out, C_in/groups, kH, kW), bias (C_out,)."""

    _n = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0,
                         groups, bias, padding_mode, dtype)

    def forward(self, input):
        self._check_input(input)
        padded = self._padded(input)
        if padded is not None:
            return F.conv2d(padded, self.weight, self.bias, self.stride, 0, self.dilation,
                            self.groups)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class Conv3d(_ConvNd):
    """3-D convolution. Shapes: input (N, C_in, D, H, W) or (C_in, D, H, W) ->
    (N, C_out, D_out, H_out, W_out); weight (C_out, C_in/groups, kD, kH, kW), bias (C_out,)."""

    _n = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0,
                         groups, bias, padding_mode, dtype)

    def forward(self, input):
        padded = self._padded(input)
        if padded is not None:
            return F.conv3d(padded, self.weight, self.bias, self.stride, 0, self.dilation,
                            self.groups)
        return F.conv3d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def _output_padding(self, input, output_size) -> tuple:
        """The output_padding that makes the output ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        name, n = type(self).__name__, self._n
        if not isinstance(output_size, (tuple, list)) or len(output_size) not in (n, input.ndim):
            raise ArgumentError(f"{name}: for {input.ndim}-D input, output_size must have {n} "
                                f"or {input.ndim} elements, got {output_size!r}")
        output_size = _sizes(name, "output_size", tuple(output_size)[-n:], n)
        stride, padding, dilation = (_sizes(name, a, getattr(self, a), n, signed=True)
                                     for a in ("stride", "padding", "dilation"))
        pads = []
        for d in range(n):
            size_in = input.shape[d - n]
            min_size = ((size_in - 1) * stride[d] - 2 * padding[d] +
                        dilation[d] * (self.kernel_size[d] - 1) + 1)
            max_size = min_size + stride[d] - 1
            if not min_size <= output_size[d] <= max_size:
                raise ArgumentError(f"{name}: requested an output size of {output_size}, but "
                                    f"valid sizes range from {min_size} to {max_size} (for an "
                                    f"input of {tuple(input.shape[-n:])})")
            pads.append(output_size[d] - min_size)
        return tuple(pads)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution. Shapes: input (N, C_in, L) -> (N, C_out, L_out);
    weight (C_in, C_out/groups, k), bias (C_out,)."""

    _n = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         output_padding, groups, bias, padding_mode, dtype)

    def forward(self, input, output_size=None):
        self._check_input(input)
        op = self._output_padding(input, output_size)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding, op,
                                  self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution. Shapes: input (N, C_in, H, W) -> (N, C_out, H_out, W_out);
    weight (C_in, C_out/groups, kH, kW), bias (C_out,)."""

    _n = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         output_padding, groups, bias, padding_mode, dtype)

    def forward(self, input, output_size=None):
        self._check_input(input)
        op = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, op,
                                  self.groups, self.dilation)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution. Shapes: input (N, C_in, D, H, W) or (C_in, D, H, W) ->
    (N, C_out, D_out, H_out, W_out); weight (C_in, C_out/groups, kD, kH, kW), bias (C_out,)."""

    _n = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         output_padding, groups, bias, padding_mode, dtype)

    def forward(self, input, output_size=None):
        if isinstance(input, autograd.Tensor) and input.dim() in (4, 5):
            op = self._output_padding(input, output_size)
        else:
            op = self.output_padding
        return F.conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding, op,
                                  self.groups, self.dilation)
