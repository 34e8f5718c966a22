"""Convolution ops: conv1d/conv2d, conv_transpose1d/2d, unfold/fold.

Three 2-D ops close a triangle (Chainer's GradData/GradWeight idea): ``Conv2d``, its
input gradient ``Conv2dGradInput`` (which *is* the transposed convolution) and its weight
gradient ``Conv2dGradWeight``. Each one's backward is written with the other two, so every
order of derivative works. 1-D convolution is 2-D with a height of one.

The algorithm (Winograd, kernel-tap GEMMs, im2col + GEMM or a direct loop; see
``autograd.kernels.conv.rule``) is selected ONCE, in the forward of whichever of the
three ops runs first, and stored on its ctx (``ctx.algorithm``). Every op of the
triangle computes the same convolution geometry, so the backward passes that choice on
to the ops it applies (and through them to their own backwards) instead of selecting
again.
"""
from __future__ import annotations

import numpy as np

from ..kernels import conv as K
from ..node import Op, ShapeError

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]


def _pair(v, name, op):
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"{op}: {name} must be an int or a pair, got {v!r}")
        return int(v[0]), int(v[1])
    return int(v), int(v)


def _c(a: np.ndarray) -> np.ndarray:
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def _select(ctx, algorithm, dtype, x_shape, w_shape, stride, padding, dilation, groups):
    """Store the geometry and the algorithm on ctx (selecting it unless given) and return
    the algorithm."""
    if algorithm is None:
        _, C, H, W = x_shape
        algorithm = K.select_algorithm(dtype, C, w_shape[0], groups, stride, padding,
                                       dilation, w_shape[2], w_shape[3], H, W)
    ctx.geom = (stride, padding, dilation, groups)
    ctx.algorithm = algorithm
    return algorithm


def _attrs(ctx):
    """The keyword attributes that apply another op of the triangle to ctx's convolution."""
    s, p, d, g = ctx.geom
    return dict(stride=s, padding=p, dilation=d, groups=g, algorithm=ctx.algorithm)


def _conv_input_weight_grads(ctx, grad):
    """(gx, gw) of Conv2d / Conv2dBias from their saved x, w and geometry; each None
    when not needed. Written with the GradInput/GradWeight ops, so twice differentiable."""
    x, w = ctx.inputs[0], ctx.inputs[1]
    n = ctx.needs_input_grad
    gx = Conv2dGradInput.apply(grad, w, x_shape=tuple(x.shape), **_attrs(ctx)) if n[0] else None
    gw = Conv2dGradWeight.apply(x, grad, w_shape=tuple(w.shape), **_attrs(ctx)) if n[1] else None
    return gx, gw


class Conv2d(Op):
    """y = conv2d(x, w) without bias. x [N,C,H,W], w [O,C/groups,KH,KW] -> y [N,O,OH,OW]."""

    @staticmethod
    def forward(ctx, x, w, *, stride, padding, dilation, groups, algorithm=None):
        alg = _select(ctx, algorithm, x.dtype, x.shape, w.shape, stride, padding, dilation, groups)
        return K.conv2d_forward(_c(x), _c(w), stride, padding, dilation, groups, algorithm=alg)

    @staticmethod
    def backward(ctx, grad):
        return _conv_input_weight_grads(ctx, grad)


class Conv2dBias(Op):
    """y = conv2d(x, w) + b[o], the bias added by the kernel while it writes y.
    x [N,C,H,W], w [O,C/groups,KH,KW], b [O] -> y [N,O,OH,OW]."""

    @staticmethod
    def forward(ctx, x, w, b, *, stride, padding, dilation, groups, algorithm=None):
        alg = _select(ctx, algorithm, x.dtype, x.shape, w.shape, stride, padding, dilation, groups)
        return K.conv2d_forward(_c(x), _c(w), stride, padding, dilation, groups, bias=_c(b),
                                algorithm=alg)

    @staticmethod
    def backward(ctx, grad):
        gx, gw = _conv_input_weight_grads(ctx, grad)
        gb = grad.sum((0, 2, 3)) if ctx.needs_input_grad[2] else None
        return gx, gw, gb


class Conv2dGradInput(Op):
    """gx = conv2d's input gradient (== conv_transpose2d(gy, w)), shape ``x_shape``."""

    @staticmethod
    def forward(ctx, gy, w, *, x_shape, stride, padding, dilation, groups, algorithm=None):
        alg = _select(ctx, algorithm, gy.dtype, x_shape, w.shape, stride, padding, dilation,
                      groups)
        return K.conv2d_backward_input(_c(gy), _c(w), x_shape, stride, padding, dilation, groups,
                                       algorithm=alg)

    @staticmethod
    def backward(ctx, grad):
        gy, w = ctx.inputs
        n = ctx.needs_input_grad
        ggy = Conv2d.apply(grad, w, **_attrs(ctx)) if n[0] else None
        gw = Conv2dGradWeight.apply(grad, gy, w_shape=tuple(w.shape), **_attrs(ctx)) if n[1] else None
        return ggy, gw


class Conv2dGradWeight(Op):
    """gw = conv2d's weight gradient for input x and output gradient gy, shape ``w_shape``."""

    @staticmethod
    def forward(ctx, x, gy, *, w_shape, stride, padding, dilation, groups, algorithm=None):
        alg = _select(ctx, algorithm, x.dtype, x.shape, w_shape, stride, padding, dilation,
                      groups)
        return K.conv2d_backward_weight(_c(x), _c(gy), w_shape, stride, padding, dilation, groups,
                                        algorithm=alg)

    @staticmethod
    def backward(ctx, grad):
        x, gy = ctx.inputs
        n = ctx.needs_input_grad
        gx = Conv2dGradInput.apply(gy, grad, x_shape=tuple(x.shape), **_attrs(ctx)) if n[0] else None
        ggy = Conv2d.apply(x, grad, **_attrs(ctx)) if n[1] else None
        return gx, ggy


def _check_conv(op, x, w, groups, nd):
    if x.ndim != nd + 2:
        raise ShapeError(f"{op}: expected a {nd + 2}-D input (batched) or {nd + 1}-D "
                         f"(unbatched), got shape {tuple(x.shape)}")
    if w.ndim != nd + 2:
        raise ShapeError(f"{op}: expected a {nd + 2}-D weight, got shape {tuple(w.shape)}")
    if x.dtype != w.dtype:
        raise TypeError(f"{op}: input dtype {x.dtype} and weight dtype {w.dtype} differ "
                        f"(expected the same floating dtype)")
    if groups < 1 or x.shape[1] % groups or w.shape[0] % groups:
        raise ShapeError(f"{op}: groups={groups} must divide in_channels={x.shape[1]} and "
                         f"out_channels={w.shape[0]}")


def _conv_padding(padding, kernel, dilation, stride, op):
    """PyTorch's padding spellings -> (top, bottom, left, right)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{op}: padding='same' is not supported for strided "
                                 f"convolutions (stride={stride})")
            out = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                out += [total // 2, total - total // 2]
            return tuple(out)
        raise ValueError(f"{op}: padding must be an int, a tuple, 'same' or 'valid'; got "
                         f"{padding!r}")
    ph, pw = _pair(padding, "padding", op)
    return (ph, ph, pw, pw)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation), as ``torch.nn.functional.conv2d``.

    Shapes: input (N, C, H, W) or (C, H, W); weight (O, C/groups, KH, KW); bias (O,);
    output (N, O, OH, OW) with OH = (H + 2p - d(KH-1) - 1) // s + 1.
    """
    if input.ndim == 3:
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation,
                      groups).squeeze(0)
    _check_conv("conv2d", input, weight, groups, 2)
    s = _pair(stride, "stride", "conv2d")
    d = _pair(dilation, "dilation", "conv2d")
    p = _conv_padding(padding, weight.shape[2:], d, s, "conv2d")
    cin = input.shape[1]
    if weight.shape[1] * groups != cin:
        raise ShapeError(f"conv2d: expected input with {weight.shape[1] * groups} channels "
                         f"(weight {tuple(weight.shape)}, groups={groups}), got input of shape "
                         f"{tuple(input.shape)}")
    for i, (size, k) in enumerate(zip(input.shape[2:], weight.shape[2:])):
        out = K.conv_output_size(size, k, s[i], p[2 * i], p[2 * i + 1], d[i])
        if out <= 0:
            raise ShapeError(f"conv2d: input of shape {tuple(input.shape)} is too small for "
                             f"kernel {tuple(weight.shape[2:])} with padding {padding}, "
                             f"dilation {d} (output size would be {out})")
    if (bias is not None and bias.dtype == input.dtype
            and tuple(bias.shape) == (weight.shape[0],)):
        # Fused: saves a pass over y (forward) and a temporary (backward); other bias
        # shapes/dtypes keep the broadcasting add below (same result and errors as torch).
        return Conv2dBias.apply(input, weight, bias, stride=s, padding=p, dilation=d,
                                groups=groups)
    y = Conv2d.apply(input, weight, stride=s, padding=p, dilation=d, groups=groups)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1)
    return y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution. Shapes: input (N, C, L) or (C, L); weight (O, C/groups, K);
    output (N, O, OL)."""
    if input.ndim == 2:
        return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation,
                      groups).squeeze(0)
    _check_conv("conv1d", input, weight, groups, 1)
    s = int(stride[0] if isinstance(stride, (tuple, list)) else stride)
    d = int(dilation[0] if isinstance(dilation, (tuple, list)) else dilation)
    if isinstance(padding, (tuple, list)):
        padding = int(padding[0])
    pad2 = padding if isinstance(padding, str) else (0, padding)
    try:
        y = conv2d(input.unsqueeze(2), weight.unsqueeze(2), None, (1, s), pad2, (1, d), groups)
    except (ShapeError, ValueError) as exc:
        raise type(exc)(str(exc).replace("conv2d", "conv1d")) from None
    y = y.squeeze(2)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1)
    return y


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 2-D convolution, as ``torch.nn.functional.conv_transpose2d``.

    Shapes: input (N, C_in, H, W); weight (C_in, C_out/groups, KH, KW); output
    (N, C_out, (H-1)s - 2p + d(KH-1) + output_padding + 1, ...).
    """
    if input.ndim == 3:
        return conv_transpose2d(input.unsqueeze(0), weight, bias, stride, padding,
                                output_padding, groups, dilation).squeeze(0)
    op = "conv_transpose2d"
    if input.ndim != 4 or weight.ndim != 4:
        raise ShapeError(f"{op}: expected 4-D input and weight, got {tuple(input.shape)} and "
                         f"{tuple(weight.shape)}")
    if input.dtype != weight.dtype:
        raise TypeError(f"{op}: input dtype {input.dtype} and weight dtype {weight.dtype} differ")
    if input.shape[1] != weight.shape[0] or weight.shape[0] % groups:
        raise ShapeError(f"{op}: input has {input.shape[1]} channels but weight "
                         f"{tuple(weight.shape)} expects {weight.shape[0]} (groups={groups})")
    s = _pair(stride, "stride", op)
    p = _pair(padding, "padding", op)
    op_ = _pair(output_padding, "output_padding", op)
    d = _pair(dilation, "dilation", op)
    for i in range(2):
        if op_[i] >= max(s[i], d[i]):
            raise ValueError(f"{op}: output_padding {op_} must be smaller than stride {s} or "
                             f"dilation {d}")
    N, _, H, W = input.shape
    KH, KW = weight.shape[2:]
    out_h = (H - 1) * s[0] - 2 * p[0] + d[0] * (KH - 1) + op_[0] + 1
    out_w = (W - 1) * s[1] - 2 * p[1] + d[1] * (KW - 1) + op_[1] + 1
    if out_h <= 0 or out_w <= 0:
        raise ShapeError(f"{op}: output size ({out_h}, {out_w}) is not positive for input "
                         f"{tuple(input.shape)}")
    c_out = weight.shape[1] * groups
    y = Conv2dGradInput.apply(input, weight, x_shape=(N, c_out, out_h, out_w), stride=s,
                              padding=(p[0], p[0], p[1], p[1]), dilation=d, groups=groups)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1)
    return y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 1-D convolution. Shapes: input (N, C_in, L); weight (C_in, C_out/groups, K)."""
    if input.ndim == 2:
        return conv_transpose1d(input.unsqueeze(0), weight, bias, stride, padding,
                                output_padding, groups, dilation).squeeze(0)
    one = lambda v: int(v[0] if isinstance(v, (tuple, list)) else v)  # noqa: E731
    y = conv_transpose2d(input.unsqueeze(2), weight.unsqueeze(2), None, (1, one(stride)),
                         (0, one(padding)), (0, one(output_padding)), groups, (1, one(dilation)))
    y = y.squeeze(2)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1)
    return y


class Im2Col(Op):
    """cols = unfold(x): [N, C, H, W] -> [N, C*KH*KW, L]."""

    @staticmethod
    def forward(ctx, x, *, kernel_size, dilation, padding, stride):
        ctx.geom = (kernel_size, dilation, padding, stride)
        return K.im2col(_c(x), kernel_size, dilation, padding, stride)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        k, d, p, s = ctx.geom
        return Col2Im.apply(grad, output_size=tuple(x.shape[2:]), kernel_size=k, dilation=d,
                            padding=p, stride=s)


class Col2Im(Op):
    """x = fold(cols): [N, C*KH*KW, L] -> [N, C, H, W], overlaps summed (unfold's adjoint)."""

    @staticmethod
    def forward(ctx, cols, *, output_size, kernel_size, dilation, padding, stride):
        ctx.geom = (kernel_size, dilation, padding, stride)
        return K.col2im(_c(cols), output_size, kernel_size, dilation, padding, stride)

    @staticmethod
    def backward(ctx, grad):
        k, d, p, s = ctx.geom
        return Im2Col.apply(grad, kernel_size=k, dilation=d, padding=p, stride=s)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks (im2col). Shape: (N, C, H, W) -> (N, C*KH*KW, L)."""
    if input.ndim != 4:
        raise ShapeError(f"unfold: expected a 4-D input (N, C, H, W), got shape "
                         f"{tuple(input.shape)}")
    k = _pair(kernel_size, "kernel_size", "unfold")
    return Im2Col.apply(input, kernel_size=k, dilation=_pair(dilation, "dilation", "unfold"),
                        padding=_pair(padding, "padding", "unfold"),
                        stride=_pair(stride, "stride", "unfold"))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding blocks into an image, summing overlaps (col2im).
    Shape: (N, C*KH*KW, L) -> (N, C, H, W)."""
    if input.ndim != 3:
        raise ShapeError(f"fold: expected a 3-D input (N, C*KH*KW, L), got shape "
                         f"{tuple(input.shape)}")
    k = _pair(kernel_size, "kernel_size", "fold")
    osz = _pair(output_size, "output_size", "fold")
    d, p, s = (_pair(dilation, "dilation", "fold"), _pair(padding, "padding", "fold"),
               _pair(stride, "stride", "fold"))
    if input.shape[1] % (k[0] * k[1]):
        raise ShapeError(f"fold: expected size of input's dimension 1 ({input.shape[1]}) to be "
                         f"divisible by the product of kernel_size {k}")
    blocks = 1
    for i in range(2):
        blocks *= K.conv_output_size(osz[i], k[i], s[i], p[i], p[i], d[i])
    if blocks != input.shape[2]:
        raise ShapeError(f"fold: expected input's dimension 2 to match the calculated number "
                         f"of sliding blocks {blocks}, but got input of shape "
                         f"{tuple(input.shape)}")
    return Col2Im.apply(input, output_size=osz, kernel_size=k, dilation=d, padding=p, stride=s)


