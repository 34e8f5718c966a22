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

from ..dtypes import c_name, no_kernel, scalar_name
from ..grad_mode import _state
from ..kernels import _alloc
from ..kernels import conv as K
from ..kernels.reduce import GEMV_DTYPES, matrix_sums
from ..node import Op, ShapeError, _named
from ..tensor import Tensor, _wrap
from ._args import (
    ArgumentError,
    check_ndim,
    int_tuple,
    nonnegative_ints,
    positive_ints,
    require_number,
    require_tensor,
)

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]


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


def _dense(grad: Tensor) -> Tensor:
    """``grad`` with C-contiguous data. The output gradient of ``y.sum()`` or ``y.mean()``
    (or of anything behind an ``expand``) is a broadcast view: each of the two or three
    kernels of a conv's backward copied it on its own, and the bias sums read it through a
    copying reshape (W6's [32, 64, 32, 32]: 0.96 ms, 0.06 on the dense copy). Under
    ``create_graph`` the tensor is left as it is (it is part of the recorded graph)."""
    if _state.enabled or grad._data.flags.c_contiguous:
        return grad
    dense = _alloc.empty(grad.shape, grad._data.dtype)  # recycled: no page faults
    np.copyto(dense, grad._data)
    return _wrap(dense)


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

    grad_fn_name = "Convolution"  # PyTorch's

    @staticmethod
    def forward(ctx, x, w, *, stride, padding, dilation, groups, algorithm=None):
        alg = _select(ctx, algorithm, x.dtype, x.shape, w.shape, stride, padding, dilation, groups)
        return K.conv2d_forward(_c(x), _c(w), stride, padding, dilation, groups, algorithm=alg)

    @staticmethod
    def backward(ctx, grad):
        return _conv_input_weight_grads(ctx, _dense(grad))


class Conv2dBias(Op):
    """y = conv2d(x, w) + b[o], the bias added by the kernel while it writes y.
    x [N,C,H,W], w [O,C/groups,KH,KW], b [O] -> y [N,O,OH,OW]."""

    grad_fn_name = "Convolution"  # PyTorch's

    @staticmethod
    def forward(ctx, x, w, b, *, stride, padding, dilation, groups, algorithm=None):
        alg = _select(ctx, algorithm, x.dtype, x.shape, w.shape, stride, padding, dilation, groups)
        return K.conv2d_forward(_c(x), _c(w), stride, padding, dilation, groups, bias=_c(b),
                                algorithm=alg)

    @staticmethod
    def backward(ctx, grad):
        grad = _dense(grad)
        gx, gw = _conv_input_weight_grads(ctx, grad)
        gb = _channel_sums(grad) if ctx.needs_input_grad[2] else None
        return gx, gw, gb


def _channel_sums(grad: Tensor) -> Tensor:
    """The bias gradient ``grad.sum((0, 2, 3))`` of grad [N, O, H, W]: first-order, in two
    GEMV stages (per sample and channel, then over the batch); recorded ops under
    create_graph."""
    g = grad._data
    if _state.enabled or g.dtype not in GEMV_DTYPES:
        return grad.sum((0, 2, 3))
    n, o = g.shape[0], g.shape[1]
    per_sample = matrix_sums(g.reshape(n * o, g.shape[2] * g.shape[3]), 1)
    return _wrap(matrix_sums(per_sample.reshape(n, o), 0))


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
        grad = _dense(grad)
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
        grad = _dense(grad)
        n = ctx.needs_input_grad
        gx = Conv2dGradInput.apply(gy, grad, x_shape=tuple(x.shape), **_attrs(ctx)) if n[0] else None
        ggy = Conv2d.apply(x, grad, **_attrs(ctx)) if n[1] else None
        return gx, ggy


# ----------------------------------------------------------------- argument checking
# Every public function below validates its arguments here, once per call, before any
# kernel runs: hyper-parameters with the shared checkers of ``_args`` (TypeError for a
# wrong type, ArgumentError for a value outside its domain), shapes with ShapeError.

class _DtypeMismatch(TypeError, RuntimeError):
    """Input and weight dtypes differ: PyTorch raises RuntimeError; TypeError too, since
    it is a mistake about types (``except`` of either catches it)."""


class _DimError(ShapeError, IndexError):
    """A wrong input rank where PyTorch's Python layer fails with IndexError
    (``unfold`` of a 2-D input); also a ShapeError."""


_LAYOUT = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (C, H, W)"}


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _require_float(op, x, integers=False):
    """The kernels compute in float32/float64; other dtypes fail as PyTorch's
    unimplemented kernels do (NotImplementedError, a RuntimeError). ``integers``: integer
    dtypes are accepted too (the caller computes them exactly in float64)."""
    if x.dtype not in _FLOATS and not (integers and x.dtype.kind in "iu"):
        raise no_kernel(op, x.dtype, detail=" (only float32 and float64 inputs are supported)")


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def check_hyper_types(op, n, strings=(), none_ok=(), **params):
    """PyTorch's argument parsing, which runs before any other check: each of ``params``
    (stride, padding, kernel_size, ...) an int or a sequence of ints (a str where its name
    is in ``strings``, None where in ``none_ok``), else a TypeError. Lengths and values are
    checked later, by the op."""
    for name, v in params.items():
        if v is None and name in none_ok or isinstance(v, str) and name in strings or _is_int(v):
            continue
        if isinstance(v, (tuple, list)) and all(_is_int(e) for e in v):
            continue
        raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of {n} ints, "
                        f"not {v!r}")


def _groups(op, groups):
    if type(groups) is int and groups > 0:  # the common case, without the checkers' cost
        return groups
    return positive_ints(op, "groups", require_number(op, "groups", groups, integral=True), 1)[0]


def _check_tensors(op, input, weight, bias):
    require_tensor(op, input)
    require_tensor(op, weight, "weight", 2)
    if bias is not None:
        require_tensor(op, bias, "bias", 3)


def _check_weight(op, x, w, nd, groups, transposed):
    """``w``'s rank, kernel size and channels against the batched input ``x``."""
    if w.ndim != nd + 2:
        raise ShapeError(f"{op}: expected a {nd + 2}-D weight, got weight of shape "
                         f"{tuple(w.shape)}")
    if min(w.shape[2:]) <= 0:
        positive_ints(op, "kernel size (weight's spatial dims)", tuple(w.shape[2:]), nd)
    if x.dtype != w.dtype:
        raise _DtypeMismatch(f"{op}: input dtype {x.dtype} and weight dtype {w.dtype} differ "
                             f"(expected scalar type {scalar_name(x.dtype)} but found "
                             f"{scalar_name(w.dtype)})")
    _require_float(op, x, integers=not transposed)
    if transposed:
        if w.numel() == 0:
            raise ShapeError(f"{op}: expected a non-empty weight, got weight of shape "
                             f"{tuple(w.shape)}")
        if w.shape[0] % groups:
            raise ShapeError(f"{op}: groups={groups} must divide the weight's dimension 0, "
                             f"got weight of shape {tuple(w.shape)}")
        if x.shape[1] != w.shape[0]:
            raise ShapeError(f"{op}: expected input with {w.shape[0]} channels (weight "
                             f"{tuple(w.shape)}), got input of shape {tuple(x.shape)}")
        return
    if w.shape[0] < 1:
        raise ShapeError(f"{op}: expected a weight with at least 1 output channel, got weight "
                         f"of shape {tuple(w.shape)}")
    if w.shape[0] % groups:
        raise ShapeError(f"{op}: groups={groups} must divide out_channels={w.shape[0]} "
                         f"(weight of shape {tuple(w.shape)})")
    if w.shape[1] * groups != x.shape[1]:
        raise ShapeError(f"{op}: expected input with {w.shape[1] * groups} channels (weight "
                         f"{tuple(w.shape)}, groups={groups}), got input of shape "
                         f"{tuple(x.shape)}")


def _check_bias(op, bias, x, out_channels, w_shape):
    if bias is None:
        return
    if bias.dtype != x.dtype:
        raise RuntimeError(f"{op}: Input type ({c_name(x.dtype)}) and bias type "
                           f"({c_name(bias.dtype)}) should be the same")
    if tuple(bias.shape) != (out_channels,):
        raise ShapeError(f"{op}: expected bias to be 1-D with {out_channels} elements (weight "
                         f"{w_shape}), got bias of shape {tuple(bias.shape)}")


def _conv_padding(op, padding, kernel, dilation, stride, nd):
    """PyTorch's padding spellings -> (before, after) per spatial dim, flattened."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ArgumentError(f"{op}: padding='same' is not supported for strided "
                                    f"convolutions (stride={stride})")
            out = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                out += [total // 2, total - total // 2]
            return tuple(out)
        raise ArgumentError(f"{op}: Invalid padding string {padding!r}, should be one of "
                            f"'valid', 'same'")
    return tuple(v for p in nonnegative_ints(op, "padding", padding, nd) for v in (p, p))


def _batched(op, input, nd):
    """``(input as a batch, whether it was one)``, after the rank check."""
    check_ndim(op, input, (nd + 1, nd + 2), _LAYOUT[nd])
    return (input, True) if input.ndim == nd + 2 else (input.unsqueeze(0), False)


def check_conv_dtypes(op, input, weight, bias):
    """PyTorch does not promote in convolutions: input, weight and bias share one dtype
    (checked before the shapes). Non-tensors are left to the op, which names the argument."""
    if not all(isinstance(t, Tensor) for t in (input, weight)) or \
            (bias is not None and not isinstance(bias, Tensor)):
        return
    if input.dtype != weight.dtype or (bias is not None and bias.dtype != weight.dtype):
        if bias is not None and input.dtype != bias.dtype:
            raise RuntimeError(f"{op}: Input type ({c_name(input.dtype)}) and bias type "
                               f"({c_name(bias.dtype)}) should be the same")
        raise _DtypeMismatch(f"{op}: input dtype {input.dtype} and weight dtype {weight.dtype} "
                             f"differ (expected scalar type {scalar_name(input.dtype)} but "
                             f"found {scalar_name(weight.dtype)})")


def _conv(op, nd, input, weight, bias, stride, padding, dilation, groups):
    _check_tensors(op, input, weight, bias)
    check_hyper_types(op, nd, strings=("padding",), stride=stride, padding=padding,
                      dilation=dilation)
    require_number(op, "groups", groups, integral=True)
    check_conv_dtypes(op, input, weight, bias)
    x, batched = _batched(op, input, nd)
    s = positive_ints(op, "stride", stride, nd)
    d = positive_ints(op, "dilation", dilation, nd)
    g = _groups(op, groups)
    _check_weight(op, x, weight, nd, g, transposed=False)
    p = _conv_padding(op, padding, weight.shape[2:], d, s, nd)
    _check_bias(op, bias, x, weight.shape[0], tuple(weight.shape))
    for i, (size, k) in enumerate(zip(x.shape[2:], weight.shape[2:])):
        out = K.conv_output_size(size, k, s[i], p[2 * i], p[2 * i + 1], d[i])
        if out <= 0:
            raise ShapeError(f"{op}: input of shape {tuple(input.shape)} is too small for "
                             f"kernel {tuple(weight.shape[2:])} with padding {padding}, "
                             f"dilation {d} (output size would be {out})")
    if x.dtype.kind in "iu":  # PyTorch convolves integers exactly: in float64 here
        y = _conv(op, nd, input.to(np.float64), weight.to(np.float64),
                  None if bias is None else bias.to(np.float64), s, padding, d, g)
        return _wrap(y._data.astype(np.int64).astype(x.dtype))
    if nd == 1:  # a 1-D convolution is a 2-D one with a height of one
        x, w, s, d, p = x.unsqueeze(2), weight.unsqueeze(2), (1,) + s, (1,) + d, (0, 0) + p
        y = Conv2d.apply(x, w, stride=s, padding=p, dilation=d, groups=g).squeeze(2)
        if bias is not None:
            y = y + bias.reshape(1, -1, 1)
        y = _named(y, "Convolution")
    elif bias is not None:
        # bias added by the kernel while it writes y: saves a pass (forward), a temporary
        # (backward)
        y = Conv2dBias.apply(x, weight, bias, stride=s, padding=p, dilation=d, groups=g)
    else:
        y = Conv2d.apply(x, weight, stride=s, padding=p, dilation=d, groups=g)
    return y if batched else y.squeeze(0)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation), as ``torch.nn.functional.conv2d``.

    Shapes: input (N, C, H, W) or (C, H, W); weight (O, C/groups, KH, KW); bias (O,);
    output (N, O, OH, OW) with OH = (H + 2p - d(KH-1) - 1) // s + 1.
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution. Shapes: input (N, C, L) or (C, L); weight (O, C/groups, K);
    output (N, O, OL)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(op, nd, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    _check_tensors(op, input, weight, bias)
    x, batched = _batched(op, input, nd)
    s = positive_ints(op, "stride", stride, nd)
    p = nonnegative_ints(op, "padding", padding, nd)
    opad = nonnegative_ints(op, "output_padding", output_padding, nd)
    d = positive_ints(op, "dilation", dilation, nd)
    g = _groups(op, groups)
    if any(o >= max(si, di) for o, si, di in zip(opad, s, d)):
        raise ArgumentError(f"{op}: output padding must be smaller than either stride or "
                            f"dilation, but got output_padding={opad}, stride={s}, "
                            f"dilation={d}")
    _check_weight(op, x, weight, nd, g, transposed=True)
    c_out = weight.shape[1] * g
    _check_bias(op, bias, x, c_out, tuple(weight.shape))
    out = tuple((size - 1) * s[i] - 2 * p[i] + d[i] * (k - 1) + opad[i] + 1
                for i, (size, k) in enumerate(zip(x.shape[2:], weight.shape[2:])))
    if min(out) <= 0:
        raise ShapeError(f"{op}: output size {out} is not positive for input of shape "
                         f"{tuple(input.shape)}, weight {tuple(weight.shape)}, stride {s}, "
                         f"padding {p}, dilation {d}")
    w = weight
    if nd == 1:  # height one
        x, w, s, d, p, out = (x.unsqueeze(2), weight.unsqueeze(2), (1,) + s, (1,) + d,
                              (0,) + p, (1,) + out)
    y = Conv2dGradInput.apply(x, w, x_shape=(x.shape[0], c_out) + out, stride=s,
                              padding=(p[0], p[0], p[1], p[1]), dilation=d, groups=g)
    if nd == 1:
        y = y.squeeze(2)
    if bias is not None:
        y = y + bias.reshape((1, -1) + (1,) * nd)
    return y if batched else y.squeeze(0)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 2-D convolution, as ``torch.nn.functional.conv_transpose2d``.

    Shapes: input (N, C_in, H, W) or (C_in, H, W); weight (C_in, C_out/groups, KH, KW);
    output (N, C_out, (H-1)s - 2p + d(KH-1) + output_padding + 1, ...).
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 1-D convolution. Shapes: input (N, C_in, L) or (C_in, L); weight
    (C_in, C_out/groups, K)."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


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


def _block_params(op, kernel_size, dilation, padding, stride):
    return (positive_ints(op, "kernel_size", kernel_size, 2),
            positive_ints(op, "dilation", dilation, 2),
            nonnegative_ints(op, "padding", padding, 2),
            positive_ints(op, "stride", stride, 2))


def _blocks(op, what, size, k, d, p, s):
    """The number of sliding blocks along each of the two spatial dims (all positive)."""
    blocks = tuple(K.conv_output_size(size[i], k[i], s[i], p[i], p[i], d[i]) for i in range(2))
    if min(blocks) <= 0:
        raise ShapeError(f"{op}: given {what} {tuple(size)}, kernel_size={k}, "
                         f"dilation={d}, padding={p}, stride={s}, the array of sliding blocks "
                         f"would have shape {blocks}, which is too small (non-positive)")
    return blocks


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks (im2col). Shape: (N, C, H, W) -> (N, C*KH*KW, L);
    an unbatched (C, H, W) input gives (C*KH*KW, L)."""
    op = "unfold"
    require_tensor(op, input)
    try:
        x, batched = _batched(op, input, 2)
    except ShapeError as exc:  # PyTorch's Python layer: IndexError
        raise _DimError(str(exc)) from None
    k, d, p, s = _block_params(op, kernel_size, dilation, padding, stride)
    _require_float(op, x)
    _blocks(op, "input spatial size", x.shape[2:], k, d, p, s)
    y = Im2Col.apply(x, kernel_size=k, dilation=d, padding=p, stride=s)
    return y if batched else y.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding blocks into an image, summing overlaps (col2im).
    Shape: (N, C*KH*KW, L) -> (N, C, H, W); an unbatched (C*KH*KW, L) gives (C, H, W)."""
    op = "fold"
    require_tensor(op, input)
    check_ndim(op, input, (2, 3), "(N, C*KH*KW, L) or (C*KH*KW, L)")
    x, batched = (input, True) if input.ndim == 3 else (input.unsqueeze(0), False)
    osz = int_tuple(op, "output_size", output_size, 2)
    k, d, p, s = _block_params(op, kernel_size, dilation, padding, stride)
    _require_float(op, x)
    if x.shape[1] % (k[0] * k[1]):
        raise ShapeError(f"fold: expected size of input's dimension 1 ({x.shape[1]}) to be "
                         f"divisible by the product of kernel_size {k}")
    blocks = _blocks(op, "output_size", osz, k, d, p, s)
    if blocks[0] * blocks[1] != x.shape[2]:
        raise ShapeError(f"fold: expected input's dimension 2 to match the calculated number "
                         f"of sliding blocks {blocks[0]} * {blocks[1]} = "
                         f"{blocks[0] * blocks[1]} (output_size={osz}, kernel_size={k}, "
                         f"dilation={d}, padding={p}, stride={s}), but got input of shape "
                         f"{tuple(input.shape)}")
    y = Col2Im.apply(x, output_size=osz, kernel_size=k, dilation=d, padding=p, stride=s)
    return y if batched else y.squeeze(0)
