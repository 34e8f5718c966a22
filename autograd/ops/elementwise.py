"""Elementwise ops with NumPy broadcasting. Each class: forward on arrays, backward on
Tensors (differentiable again), functional wrapper right below.

Gradients are returned in the output's shape; the engine reduces them to each
input's shape (``sum_to``). Python scalars stay Python scalars (NumPy 2 treats them
as weak, so ``float32_tensor * 2.0`` stays float32, as in PyTorch).
"""
from __future__ import annotations

import math
import warnings
from typing import overload

import numpy as np

from ..dtypes import c_name, get_default_dtype, no_kernel
from ..grad_mode import _state, no_grad
from ..kernels import _alloc
from ..kernels import activation as _act_kernels
from ..kernels import elementwise as _kernels
from ..node import Op, ShapeError, _named
from ..tensor import Tensor, _wrap
from ._args import ArgumentError, require_number
from ._util import (
    INT64_RANGE,
    INT_RANGE,
    DTypeLike,
    Scalar,
    TensorLike,
    check_int_fits,
    float_result_type,
    result_type,
    wrapped_int,
)
from .compare import gt, lt
from .complex import conj_if_complex as _conj
from .complex import real as _real
from .complex import sgn as _sgn

__all__ = [
    "add", "sub", "mul", "div", "true_divide", "neg", "pow", "exp", "log", "log1p", "log2",
    "log10", "sqrt", "rsqrt", "abs", "sign", "sin", "cos", "tanh", "sigmoid", "relu", "relu6",
    "leaky_relu", "elu", "gelu", "silu", "softplus", "clamp", "clip", "maximum", "minimum",
    "where", "reciprocal", "square", "erf", "cast", "clone", "contiguous", "floor_divide",
    "remainder", "floor", "ceil", "round", "trunc", "hardtanh", "expm1", "lerp", "addcmul",
    "addcdiv",
    # issue 12
    "sinh", "cosh", "tan", "asin", "acos", "atan", "asinh", "acosh", "atanh", "arcsin",
    "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "logaddexp", "logaddexp2", "hypot",
    "atan2", "arctan2", "fmod", "nan_to_num", "xlogy", "copysign", "frac", "deg2rad",
    "rad2deg", "float_power", "logit",
]


def _scalar(x):
    # NumPy scalars are "strong" in NumPy 2 (float32 * np.float64(2) -> float64);
    # PyTorch treats every non-Tensor number as weak, so turn them into Python numbers.
    return x.item() if isinstance(x, np.generic) else x


_F32 = np.dtype(np.float32)


def _fast(a, b) -> bool:
    """True when NumPy already computes ``a op b`` in PyTorch's result dtype: two tensors
    of one dtype, or a float tensor with a Python float/int, or an integer/float tensor
    with a Python int (NumPy 2 treats Python numbers as weak, as PyTorch)."""
    if isinstance(b, Tensor):
        if isinstance(a, Tensor):
            return a._data.dtype == b._data.dtype
        dt, num = b._data.dtype, a
    elif isinstance(a, Tensor):
        dt, num = a._data.dtype, b
    else:
        return False
    t = type(num)
    if t is float:
        return dt.kind == "f"
    if t is not int or dt.kind == "b":
        return False
    # An int outside a small integer dtype's range takes the slow path, which wraps it.
    lo, hi = INT_RANGE.get(dt, INT64_RANGE)
    return lo <= num <= hi


def _cast_to(x, rt):
    """``x`` in dtype ``rt``: Tensors through ``Cast`` (differentiable, so a float64 0-d
    tensor that requires grad gets a float64 gradient), arrays cast, Python numbers kept
    (weak in NumPy 2) and NumPy scalars turned into Python numbers."""
    if isinstance(x, Tensor):
        return x if x._data.dtype == rt else Cast.apply(x, rt)
    if isinstance(x, np.ndarray):
        return x if x.dtype == rt else x.astype(rt)
    if type(x) is int and rt.kind in "iu":
        return wrapped_int(x, rt)
    return x.item() if isinstance(x, np.generic) else x


def _promote(*args):
    """The operands cast to PyTorch's result dtype (``result_type``)."""
    rt = result_type(*args)
    return tuple(_cast_to(x, rt) for x in args)


def _to_float(input):
    """A float op's input: integer/bool tensors become the default float dtype (as
    PyTorch: ``exp(int_tensor)`` is float32; NumPy would give float16 for int8/bool)."""
    if isinstance(input, Tensor) and input._data.dtype.kind not in "fc":
        return _wrap(input._data.astype(get_default_dtype()))
    return input


def _no_kernel_for(kinds: str, kernel: str, *operands) -> None:
    """PyTorch has no ``kernel`` for the operands' result dtype when its kind is in
    ``kinds`` (``"b"``: bool, ``"iu"``: integers): NotImplementedError, as there."""
    rt = result_type(*operands)
    if rt.kind in kinds:
        raise no_kernel(kernel, rt)


def _is_bool(x) -> bool:
    return isinstance(x, bool) or isinstance(x, Tensor) and x._data.dtype.kind == "b"


def _float_only(input, kernel: str) -> None:
    """PyTorch has no integer/bool kernel for ``kernel``: NotImplementedError, as there."""
    if isinstance(input, Tensor):
        _no_kernel_for("biu", kernel, input)



def _binary(ufunc, a, b):
    """``ufunc(a, b)``; a large result of two float arrays of one dtype, or of a float array
    and a Python float, goes into recycled memory (``autograd.kernels._alloc``: no page
    faults). Other operands keep NumPy's own allocation (and result dtype)."""
    if type(a) is np.ndarray and (a.nbytes >= _BIG or type(b) is np.ndarray and b.nbytes >= _BIG):
        if a.dtype.kind in "fc":
            if type(b) is np.ndarray and a.dtype is b.dtype:
                try:
                    shape = a.shape if a.shape == b.shape else np.broadcast_shapes(a.shape, b.shape)
                except ValueError:  # let the ufunc raise its own message, as without recycling
                    return ufunc(a, b)
                return ufunc(a, b, out=_alloc.empty(shape, a.dtype))
            if type(b) is float:
                return ufunc(a, b, out=_alloc.empty(a.shape, a.dtype))
    return ufunc(a, b)


_BIG = _alloc.MIN_BYTES

class Add(Op):
    """out = a + b."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, b):
        return _binary(np.add, a, b)

    @staticmethod
    def backward(ctx, grad):
        n = ctx.needs_input_grad
        return grad if n[0] else None, grad if n[1] else None


def _operands(input, other):
    """``(input, other)`` in PyTorch's result dtype. The common cases return at once (hot
    path of add/sub/mul): a float tensor with a Python float, two tensors of one dtype."""
    if type(other) is float:
        if isinstance(input, Tensor) and ((dt := input._data.dtype) is _F32 or dt.kind == "f"):
            return input, other
    elif (isinstance(other, Tensor) and isinstance(input, Tensor)
          and input._data.dtype is other._data.dtype) or _fast(input, other):
        return input, other
    return _promote(input, other)


def add(input: Tensor | Scalar, other: Tensor | Scalar, *, alpha: float = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting. Shapes: any broadcastable pair."""
    if alpha != 1 or type(alpha) is bool:
        other = _scaled(input, other, alpha)
    input, other = _operands(input, other)
    return Add.apply(input, other)


def _scaled(input, other, alpha):
    """``alpha * other`` for add/sub, in the dtype PyTorch computes ``input + alpha * other``
    in (``alpha`` never promotes: ``int8 + 3 * 2`` stays int8)."""
    rt = result_type(input, other)
    if isinstance(alpha, bool) and rt.kind != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, float) and rt.kind in "biu":
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if rt.kind == "b":
        return other if alpha else False
    if not isinstance(other, Tensor):
        return _scalar(other) * alpha  # stays a Python number: weak in promotion
    return mul(_cast_to(other, rt), alpha)


class Sub(Op):
    """out = a - b."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, b):
        return _binary(np.subtract, a, b)

    @staticmethod
    def backward(ctx, grad):
        n = ctx.needs_input_grad
        return grad if n[0] else None, -grad if n[1] else None


def sub(input: Tensor | Scalar, other: Tensor | Scalar, *, alpha: float = 1) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    if _is_bool(input) or _is_bool(other):
        both = "two bool tensors" if _is_bool(input) and _is_bool(other) else "a bool tensor"
        raise RuntimeError(f"sub: Subtraction, the `-` operator, with {both} is not supported. "
                           f"If you are trying to invert a mask, use the `~` or "
                           f"`logical_not()` operator instead.")
    if alpha != 1 or type(alpha) is bool:
        other = _scaled(input, other, alpha)
    input, other = _operands(input, other)
    return Sub.apply(input, other)


class Mul(Op):
    """out = a * b."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, b):
        return _binary(np.multiply, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        n = ctx.needs_input_grad
        if grad._data.dtype.kind == "c":  # Wirtinger: grad * conj(d out / d input)
            a, b = _conj(a), _conj(b)
        return grad * b if n[0] else None, grad * a if n[1] else None


def mul(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input * other`` with broadcasting."""
    input, other = _operands(input, other)
    return Mul.apply(input, other)


class Div(Op):
    """out = a / b."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, b):
        return _binary(np.true_divide, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        n = ctx.needs_input_grad
        if grad._data.dtype.kind == "c":  # Wirtinger: grad * conj(d out / d input)
            b = _conj(b)
            ga = grad / b if n[0] else None
            gb = -grad * _conj(ctx.output) / b if n[1] else None
            return ga, gb
        ga = grad / b if n[0] else None
        gb = -grad * ctx.output / b if n[1] else None
        return ga, gb


def div(input: Tensor | Scalar, other: Tensor | Scalar, *, rounding_mode: str | None = None) -> Tensor:
    """``input / other`` (true division; ``rounding_mode='floor'|'trunc'`` rounds, with a
    zero gradient)."""
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or "
                               f"'floor' but found {rounding_mode!r}")
        _no_kernel_for("b", f"div_{rounding_mode}_cpu", input, other)
        _check_integer_divisor("div", input, other)
        rt = result_type(input, other)
        if rt.kind not in "fc":  # integer division stays integer (as PyTorch)
            with no_grad():
                a, b = _cast_to(_scalar(input), rt), _cast_to(_scalar(other), rt)
            # a Python bool divides as 0/1
            a = a._data if isinstance(a, Tensor) else int(a)
            b = b._data if isinstance(b, Tensor) else int(b)
            try:
                if rounding_mode == "floor":
                    return _wrap(np.asarray(np.floor_divide(a, b)))
                q = np.floor_divide(np.abs(a), np.abs(b))
                return _wrap(np.asarray(np.where(np.sign(a) * np.sign(b) < 0, -q, q)).astype(rt))
            except ValueError as exc:
                raise ShapeError(f"div: shapes {np.shape(a)} and {np.shape(b)} are not "
                                 f"broadcastable: {exc}") from None
        if rt.kind == "f":
            rt = float_result_type(input, other)
        input, other = _cast_to(_scalar(input), rt), _cast_to(_scalar(other), rt)
        return PiecewiseConstant.apply(input, other, fn=_ROUNDED_DIVISION[rounding_mode])
    tensor = input if isinstance(input, Tensor) else other
    if not _fast(input, other) or not isinstance(tensor, Tensor) or tensor._data.dtype.kind != "f":
        # true division: integer/bool operands divide in the default float dtype
        rt = float_result_type(input, other)
        input, other = _cast_to(input, rt), _cast_to(other, rt)
    return Div.apply(input, other)


true_divide = div


class Neg(Op):
    """out = -a."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, grad):
        return -grad


def neg(input: Tensor) -> Tensor:
    """``-input``."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("neg: Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return Neg.apply(input)


class Pow(Op):
    """out = a ** b (tensor or scalar base and exponent).

    PyTorch's conventions at the edge points: the base gradient is 0 where the exponent
    is 0 (so ``0 ** 0`` has gradient 0, not ``0 * inf``); the exponent gradient
    ``a ** b * log(a)`` is 0 where ``a == 0`` and ``b >= 0`` (and ``-inf`` where
    ``a == 0`` and ``b < 0``). Integer tensors to negative integer tensor powers follow
    C's integer rule (1 and -1 keep their magnitude, anything else gives 0). Complex
    operands get ``grad * conj(b a**(b-1))`` and ``grad * conj(a**b log a)`` (no special
    values at 0).
    """

    complex_ok = True

    @staticmethod
    def forward(ctx, a, b):
        if _is_int(a) and _is_int(b) and np.any(np.less(b, 0)):
            return _int_pow_negative(a, b)
        return np.power(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        n = ctx.needs_input_grad
        ga = gb = None
        if grad._data.dtype.kind == "c":
            return _complex_pow_backward(ctx, grad, a, b)
        if n[0]:
            if isinstance(b, Tensor):
                # where both are 0, b * a ** (b - 1) would be 0 * inf: use base 1 (gives 0)
                both_zero = (a._data == 0) & (b._data == 0)
                base = where(_wrap(both_zero), 1.0, a) if both_zero.any() else a
                ga = grad * b * base ** (b - 1)
            elif b == 0:
                ga = grad * 0.0
            else:
                ga = grad * b * a ** (b - 1)
        if n[1]:
            if isinstance(a, Tensor):
                # d/db a**b = a**b log a; PyTorch defines it as 0 where a == 0 and b >= 0.
                zero_base = (a._data == 0) & (b._data >= 0)
                safe = where(_wrap(zero_base), 1.0, a) if zero_base.any() else a
                with np.errstate(divide="ignore"):  # log(0) = -inf where b < 0, as PyTorch
                    gb = grad * ctx.output * log(safe)
            elif a == 0:
                factor = np.where(b._data >= 0, 0.0, -np.inf).astype(grad.dtype)
                gb = grad * ctx.output * _wrap(factor)
            else:
                gb = grad * ctx.output * (math.log(a) if a > 0 else float("nan"))
        return ga, gb


def _complex_pow_backward(ctx, grad, a, b):
    n = ctx.needs_input_grad
    ga = gb = None
    if n[0]:
        zero_power = not isinstance(b, Tensor) and b == 0
        ga = grad * 0.0 if zero_power else grad * _conj(b * a ** (b - 1))
    if n[1]:
        ln = log(a) if isinstance(a, Tensor) else _wrap(np.log(np.asarray(a, grad._data.dtype)))
        gb = grad * _conj(ctx.output * ln)
    return ga, gb


def _is_int(x) -> bool:
    return np.asarray(x).dtype.kind in "biu"


def _int_pow_negative(a, b):
    """Integer ``a ** b`` with some ``b < 0`` (PyTorch's result, where NumPy raises)."""
    res = np.power(a, np.maximum(b, 0))
    av = np.asarray(a)
    odd = np.remainder(b, 2) != 0
    neg = np.where(av == 1, 1, np.where(av == -1, np.where(odd, -1, 1), 0))
    return np.asarray(np.where(np.less(b, 0), neg, res)).astype(res.dtype, copy=False)


def pow(input: Tensor | Scalar, exponent: Tensor | Scalar) -> Tensor:
    """``input ** exponent``; either may be a Python number. An integer (or bool) tensor
    to a negative integer number is an error, as in PyTorch."""
    exponent = _scalar(exponent)
    if result_type(input, exponent).kind == "b":
        if isinstance(input, Tensor) and isinstance(exponent, Tensor):
            raise no_kernel("pow", np.bool_, "pow")
        base = input._data if isinstance(input, Tensor) else input
        power = exponent._data if isinstance(exponent, Tensor) else exponent
        return _wrap(np.asarray(np.power(base, power)).astype(bool))
    if isinstance(exponent, bool) and isinstance(input, Tensor):
        exponent = int(exponent)  # x ** False is x ** 0 (a bool is weak, as an int)
    if isinstance(exponent, int) and not isinstance(exponent, bool) and isinstance(input, Tensor):
        if input.dtype.kind == "f":
            exponent = float(exponent)  # integer powers of float tensors: no int->float surprises
        elif input.dtype.kind in "biu" and exponent < 0:
            raise RuntimeError(f"pow: Integers to negative integer powers are not allowed. "
                               f"(a {input.dtype} tensor to the power {exponent})")
        else:
            check_int_fits("pow", exponent, input._data.dtype)
    input = _scalar(input)
    if not _fast(input, exponent):
        input, exponent = _promote(input, exponent)
    return Pow.apply(input, exponent)


def square(input: Tensor) -> Tensor:
    """``input * input`` (a bool tensor squares to int64, as ``pow(input, 2)``)."""
    if input._data.dtype.kind == "b":
        input = _cast_to(input, np.dtype(np.int64))
    return _named(Mul.apply(input, input), "Pow")  # PyTorch's square is pow(x, 2)


class Exp(Op):
    """out = exp(a)."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        return np.exp(a)

    @staticmethod
    def backward(ctx, grad):
        return grad * _conj(ctx.output)


def exp(input: Tensor) -> Tensor:
    """Elementwise e**x."""
    return Exp.apply(_to_float(input))


class Expm1(Op):
    """out = exp(a) - 1, accurate for small a."""

    @staticmethod
    def forward(ctx, a):
        return np.expm1(a)

    @staticmethod
    def backward(ctx, grad):
        return grad * (ctx.output + 1.0)


def expm1(input: Tensor) -> Tensor:
    """Elementwise exp(x) - 1."""
    return Expm1.apply(_to_float(input))


class Log(Op):
    """out = log(a)."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad / _conj(a)


def log(input: Tensor) -> Tensor:
    """Natural logarithm."""
    return Log.apply(_to_float(input))


def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm."""
    return log(input) * (1.0 / math.log(2.0))


def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm."""
    return log(input) * (1.0 / math.log(10.0))


class Log1p(Op):
    """out = log(1 + a), accurate for small a."""

    grad_fn_name = "Log1P"

    @staticmethod
    def forward(ctx, a):
        return np.log1p(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad / (a + 1.0)


def log1p(input: Tensor) -> Tensor:
    """log(1 + x)."""
    return Log1p.apply(_to_float(input))


class Sqrt(Op):
    """out = sqrt(a)."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        return np.sqrt(a)

    @staticmethod
    def backward(ctx, grad):
        return grad / (_conj(ctx.output) * 2.0)


def sqrt(input: Tensor) -> Tensor:
    """Square root."""
    return Sqrt.apply(_to_float(input))


class Rsqrt(Op):
    """out = 1 / sqrt(a)."""

    @staticmethod
    def forward(ctx, a):
        return 1.0 / np.sqrt(a)

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output
        return grad * (out * out * out) * -0.5


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(x)."""
    return Rsqrt.apply(_to_float(input))


class Abs(Op):
    """out = |a|; gradient sign(a), 0 at 0 (PyTorch's convention); for complex ``a``
    ``grad * sgn(a)`` (``a / |a|``, 0 at 0)."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        if a._data.dtype.kind == "c":
            return grad * _sgn(a)
        return grad * sign(a)


def abs(input: Tensor) -> Tensor:
    """Absolute value."""
    _no_kernel_for("b", "abs_cpu", input)
    return Abs.apply(input)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 (gradient zero everywhere, so it is a constant); a bool tensor is its
    own sign (as PyTorch)."""
    if input._data.dtype == np.bool_:
        return _wrap(input._data.copy())
    return _sign(input)


class Sin(Op):
    """out = sin(a)."""

    @staticmethod
    def forward(ctx, a):
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * cos(a)


def sin(input: Tensor) -> Tensor:
    """Sine."""
    return Sin.apply(_to_float(input))


class Cos(Op):
    """out = cos(a)."""

    @staticmethod
    def forward(ctx, a):
        return np.cos(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return -grad * sin(a)


def cos(input: Tensor) -> Tensor:
    """Cosine."""
    return Cos.apply(_to_float(input))


class Tanh(Op):
    """out = tanh(a)."""

    @staticmethod
    def forward(ctx, a):
        return np.tanh(a)

    @staticmethod
    def backward(ctx, grad):
        return TanhGrad.apply(grad, ctx.output)


class TanhGrad(Op):
    """out = g * (1 - y^2): tanh's backward as one node (one engine step, not three)."""

    @staticmethod
    def forward(ctx, g, y):
        # An explicit out= buffer: for 0-d y, `y * y` is a NumPy scalar, which the
        # in-place ufuncs below cannot write into (TypeError on 0-d tanh backward).
        out = np.multiply(y, y, out=np.empty_like(y))
        np.subtract(1.0, out, out=out)
        out *= g
        return out

    @staticmethod
    def backward(ctx, grad):
        g, y = ctx.inputs
        n = ctx.needs_input_grad
        return (TanhGrad.apply(grad, y) if n[0] else None,
                grad * g * y * -2.0 if n[1] else None)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return Tanh.apply(_to_float(input))


class Sigmoid(Op):
    """out = 1 / (1 + exp(-a)), computed without overflow."""

    @staticmethod
    def forward(ctx, a):
        # 0.5 * (1 + tanh(a / 2)) is exact and never overflows for large |a|.
        out = np.tanh(a * 0.5)
        out += 1.0
        out *= 0.5
        return out

    @staticmethod
    def backward(ctx, grad):
        return SigmoidGrad.apply(grad, ctx.output)


class SigmoidGrad(Op):
    """out = g * y * (1 - y): sigmoid's backward as one node."""

    @staticmethod
    def forward(ctx, g, y):
        out = 1.0 - y
        out *= y
        out *= g
        return out

    @staticmethod
    def backward(ctx, grad):
        g, y = ctx.inputs
        n = ctx.needs_input_grad
        return (SigmoidGrad.apply(grad, y) if n[0] else None,
                grad * g * (1.0 - y * 2.0) if n[1] else None)


def sigmoid(input: Tensor) -> Tensor:
    """Logistic sigmoid."""
    return Sigmoid.apply(_to_float(input))


class ReLU(Op):
    """out = max(a, 0); gradient 0 at 0 (PyTorch's convention)."""

    grad_fn_name = "Relu"

    @staticmethod
    def forward(ctx, a):
        if a.dtype in (np.float32, np.float64):
            return _kernels.relu(a)  # one pass; keeps -0.0 as PyTorch does
        return np.maximum(a, 0)

    @staticmethod
    def backward(ctx, grad):
        return ReLUGrad.apply(grad, ctx.output)


class ReLUGrad(Op):
    """out = g where y > 0 or y is NaN (PyTorch passes the gradient at NaN), else 0, for
    the ReLU output y; one fused pass (W2's hot path)."""

    @staticmethod
    def forward(ctx, g, y):
        if g.shape != y.shape or g.dtype != y.dtype:
            return g * ~(y <= 0)
        if g.dtype not in (np.float32, np.float64):  # the kernel's dtypes, as the forward's
            return np.where(y <= 0, g.dtype.type(0), g)
        return _kernels.relu_backward(g, y)

    @staticmethod
    def backward(ctx, grad):
        # linear in g with a constant mask; no gradient flows to y (the mask is piecewise
        # constant in it)
        g, y = ctx.inputs
        return ReLUGrad.apply(grad, y.detach()) if ctx.needs_input_grad[0] else None, None


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("relu: Boolean inputs not supported for relu")
    return ReLU.apply(input)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6); gradient 0 at 0 and at 6 (see ``hardtanh``)."""
    return hardtanh(input, 0.0, 6.0)


class LeakyReLU(Op):
    """out = a if a > 0 else slope * a."""

    grad_fn_name = "LeakyRelu"

    @staticmethod
    def forward(ctx, a, negative_slope):
        if a.dtype in _ACT_DTYPES:  # one fused pass (NumPy: compare, multiply, select)
            out, ctx.positive = _kernels.leaky_relu(a, negative_slope)
            return out
        ctx.positive = a > 0
        return np.where(ctx.positive, a, a * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        slope = ctx.inputs[1]
        if not _state.enabled:  # first order: one select on arrays, no float64 mask
            g = grad._data
            if g.dtype in _ACT_DTYPES and g.shape == ctx.positive.shape:
                return _wrap(_kernels.leaky_relu_backward(g, ctx.positive, slope)), None
            return _wrap(np.where(ctx.positive, g, g * g.dtype.type(slope))), None
        return grad * np.where(ctx.positive, 1.0, slope).astype(grad.dtype), None


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope * x."""
    _float_only(input, "leaky_relu_cpu")
    return LeakyReLU.apply(input, float(require_number("leaky_relu", "negative_slope",
                                                       negative_slope)))


class ELU(Op):
    """out = a if a > 0 else alpha * (exp(a) - 1)."""

    grad_fn_name = "Elu"

    @staticmethod
    def forward(ctx, a, alpha):
        ctx.positive = ~(a <= 0)  # NaN counts as positive (gradient 1), as in PyTorch
        return np.where(ctx.positive, a, alpha * np.expm1(np.minimum(a, 0)))

    @staticmethod
    def backward(ctx, grad):
        alpha = ctx.inputs[1]
        neg_part = ctx.output + alpha  # derivative of alpha*(exp(a)-1) is out + alpha
        return grad * where(_wrap(ctx.positive), 1.0, neg_part), None


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit."""
    _float_only(input, "elu_cpu")
    return ELU.apply(input, float(require_number("elu", "alpha", alpha)))


def _erf(a):
    # The kernel flattens through np.ascontiguousarray, which turns 0-d into 1-d:
    # restore the input's shape (erf/gelu of a 0-d tensor returned shape (1,)).
    return _kernels.erf(a).reshape(np.shape(a))


class Erf(Op):
    """out = erf(a)."""

    @staticmethod
    def forward(ctx, a):
        return _erf(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * (2.0 / math.sqrt(math.pi)) * exp(-(a * a))


def erf(input: Tensor) -> Tensor:
    """Gauss error function."""
    return Erf.apply(_to_float(input))


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class GELU(Op):
    """out = a * Phi(a) (exact) or its tanh approximation.

    float32/float64 run the fused kernel (one pass forward, one backward); the backward
    is composed of differentiable ops when a graph is being recorded (double backward)."""

    grad_fn_name = "Gelu"

    @staticmethod
    def forward(ctx, a, approximate):
        if a.dtype in _ACT_DTYPES:
            return _act_kernels.gelu(a, approximate).reshape(a.shape)
        if approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (a + 0.044715 * a * a * a)
            return 0.5 * a * (1.0 + np.tanh(inner))
        return 0.5 * a * (1.0 + _erf(a * _INV_SQRT_2))

    @staticmethod
    def backward(ctx, grad):
        a, approximate = ctx.inputs
        if not _state.enabled and a._data.dtype in _ACT_DTYPES and grad.shape == a.shape:
            g = _act_kernels.gelu_backward(grad._data, a._data, approximate)
            return _wrap(g.reshape(a.shape)), None
        if approximate == "tanh":
            inner = (a + a * a * a * 0.044715) * _SQRT_2_OVER_PI
            t = tanh(inner)
            d_inner = (1.0 + a * a * (3 * 0.044715)) * _SQRT_2_OVER_PI
            return grad * (0.5 * (1.0 + t) + 0.5 * a * (1.0 - t * t) * d_inner), None
        cdf = 0.5 * (1.0 + erf(a * _INV_SQRT_2))
        pdf = exp(a * a * -0.5) * _INV_SQRT_2PI
        return grad * (cdf + a * pdf), None


_ACT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit; ``approximate='tanh'`` for the tanh form."""
    if approximate not in ("none", "tanh"):
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    _float_only(input, "GeluKernelImpl")
    return GELU.apply(input, approximate)


class SiLU(Op):
    """out = a * sigmoid(a); fused kernels for float32/float64 as GELU."""

    grad_fn_name = "Silu"

    @staticmethod
    def forward(ctx, a):
        if a.dtype in _ACT_DTYPES:
            return _act_kernels.silu(a).reshape(a.shape)
        return a * (0.5 * (1.0 + np.tanh(a * 0.5)))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        if not _state.enabled and a._data.dtype in _ACT_DTYPES and grad.shape == a.shape:
            return _wrap(_act_kernels.silu_backward(grad._data, a._data).reshape(a.shape))
        s = sigmoid(a)
        return grad * s * (1.0 + a * (1.0 - s))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (a.k.a. swish)."""
    _float_only(input, "silu_cpu")
    return SiLU.apply(input)


class Softplus(Op):
    """out = log(1 + exp(beta * a)) / beta, linear above ``threshold``."""

    @staticmethod
    def forward(ctx, a, beta, threshold):
        z = a * beta
        ctx.linear = z > threshold
        soft = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
        return np.where(ctx.linear, a, soft).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        a, beta, _ = ctx.inputs
        return grad * where(_wrap(ctx.linear), 1.0, sigmoid(a * beta)), None, None


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Smooth ReLU: log(1 + exp(beta x)) / beta."""
    _float_only(input, "softplus_cpu")
    return Softplus.apply(input, float(require_number("softplus", "beta", beta)),
                          float(require_number("softplus", "threshold", threshold)))


class Clamp(Op):
    """out = min(max(a, lo), hi); gradient passes where lo <= a <= hi (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, a, lo, hi):
        out = a
        mask = np.ones(a.shape, dtype=bool)
        if lo is not None:
            mask &= a >= lo
            out = np.maximum(out, lo)
        if hi is not None:
            mask &= a <= hi
            out = np.minimum(out, hi)
        ctx.mask = mask
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.mask, None, None


def clamp(input: Tensor, min: Tensor | float | None = None, max: Tensor | float | None = None) -> Tensor:
    """Clip values to [min, max]; either bound may be None or a Tensor."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if (isinstance(min, Tensor) and max is not None and not isinstance(max, Tensor)
            or isinstance(max, Tensor) and min is not None and not isinstance(min, Tensor)):
        # PyTorch's number overload takes a 0-d tensor as a number; a dimensioned one
        # cannot be mixed with a number
        if any(isinstance(b, Tensor) and (b._data.ndim or b._rg) for b in (min, max)):
            raise TypeError("clamp(): min and max must both be Tensors or both be numbers, "
                            f"got {type(min).__name__} and {type(max).__name__}")
        min, max = (b._data.item() if isinstance(b, Tensor) else b for b in (min, max))
    min, max = _scalar(min), _scalar(max)
    rt = result_type(input, min, max)
    check_int_fits("clamp", min, rt)
    check_int_fits("clamp", max, rt)
    if rt != input._data.dtype:
        input = _cast_to(input, rt)
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            min, max = _cast_to(min, rt), _cast_to(max, rt)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # where, not maximum/minimum: at a tie the gradient goes to input (PyTorch's rule)
        out = input
        if min is not None:
            out = where(lt(out, min), min, out)
        if max is not None:
            out = where(gt(out, max), max, out)
        return out
    return Clamp.apply(input, min, max)


clip = clamp


class Hardtanh(Op):
    """out = min(max(a, lo), hi); gradient 1 strictly inside (lo, hi) and 0 at the bounds
    (PyTorch's hardtanh/relu6 rule; ``clamp`` passes the gradient at the bounds)."""

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.mask = ~((a <= lo) | (a >= hi))  # NaN passes the gradient, as PyTorch's
        return np.minimum(np.maximum(a, lo), hi)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.mask, None, None


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clamp to [min_val, max_val]; gradient 0 at (and beyond) the bounds, as PyTorch."""
    min_val = require_number("hardtanh", "min_val", min_val)
    max_val = require_number("hardtanh", "max_val", max_val)
    kind = input._data.dtype.kind
    if kind == "b":
        raise RuntimeError("hardtanh: Bool inputs not supported for hardtanh")
    if kind == "u" and (min_val < 0 or max_val < 0):
        raise RuntimeError(f"hardtanh: cannot do hardtanh on an unsigned type with negative "
                           f"limits (min_val={min_val}, max_val={max_val})")
    if kind in "iu":  # integer tensors keep their dtype (as PyTorch)
        return Hardtanh.apply(input, int(min_val), int(max_val))
    return Hardtanh.apply(input, float(min_val), float(max_val))


class Maximum(Op):
    """out = max(a, b); ties split the gradient equally, a NaN (undecided) passes it to
    both (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, a, b):
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        ad, bd = a._data, b._data
        tie = ad == bd
        n = ctx.needs_input_grad
        # the losing side gets 0; where neither wins (a NaN) both get the gradient
        return (grad * np.where(tie, 0.5, ~(ad < bd)).astype(grad.dtype) if n[0] else None,
                grad * np.where(tie, 0.5, ~(ad > bd)).astype(grad.dtype) if n[1] else None)


def _require_other_tensor(op: str, other: object) -> None:
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")


def _unordered(op: str, *operands) -> None:
    """PyTorch's RuntimeError for ops that order values (complex numbers have no order)."""
    if any(isinstance(x, Tensor) and x._data.dtype.kind == "c" for x in operands):
        raise RuntimeError(f"{op} not implemented for complex tensors.")


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum of two tensors (PyTorch's promotion; both must be Tensors)."""
    _require_other_tensor("maximum", other)
    _unordered("maximum", input, other)
    if not _fast(input, other):
        input, other = _promote(input, other)
    return Maximum.apply(input, other)


class Minimum(Op):
    """out = min(a, b); ties split the gradient equally, a NaN passes it to both."""

    @staticmethod
    def forward(ctx, a, b):
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        ad, bd = a._data, b._data
        tie = ad == bd
        n = ctx.needs_input_grad
        return (grad * np.where(tie, 0.5, ~(ad > bd)).astype(grad.dtype) if n[0] else None,
                grad * np.where(tie, 0.5, ~(ad < bd)).astype(grad.dtype) if n[1] else None)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum of two tensors (PyTorch's promotion; both must be Tensors)."""
    _require_other_tensor("minimum", other)
    _unordered("minimum", input, other)
    if not _fast(input, other):
        input, other = _promote(input, other)
    return Minimum.apply(input, other)


class Where(Op):
    """out = a where cond else b (cond is a constant bool array)."""

    complex_ok = True

    @staticmethod
    def forward(ctx, cond, a, b):
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        cond = ctx.inputs[0]
        n = ctx.needs_input_grad
        zero = 0.0
        return (None,
                Where.apply(cond, grad, zero) if n[1] else None,
                Where.apply(cond, zero, grad) if n[2] else None)


@overload
def where(condition: TensorLike) -> tuple[Tensor, ...]: ...


@overload
def where(condition: TensorLike, input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor: ...


def where(condition: TensorLike, input: Tensor | Scalar | None = None,
          other: Tensor | Scalar | None = None) -> Tensor | tuple[Tensor, ...]:
    """Select from ``input`` where ``condition`` else ``other`` (broadcasting).

    With one argument, returns the indices of nonzero entries (as ``torch.where``).
    """
    if input is None and other is None:
        from .index import nonzero  # lazy: index imports this module (ops import order)
        return nonzero(condition, as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        if cond.dtype.kind != "u":
            raise RuntimeError(f"where: expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {cond.dtype}")
        cond = cond.astype(bool)
    input, other = _scalar(input), _scalar(other)
    if not _fast(input, other):
        rt = result_type(input, other)
        check_int_fits("where", input, rt)
        check_int_fits("where", other, rt)
        input, other = _cast_to(input, rt), _cast_to(other, rt)
        if not isinstance(input, Tensor) and not isinstance(other, Tensor):
            # two Python numbers: NumPy would say float64
            return Where.apply(cond, np.asarray(input, dtype=rt), other)
    return Where.apply(cond, input, other)


class Reciprocal(Op):
    """out = 1 / a."""

    @staticmethod
    def forward(ctx, a):
        return np.reciprocal(a) if a.dtype.kind == "f" else 1.0 / a

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output
        return -grad * out * out


def reciprocal(input: Tensor) -> Tensor:
    """1 / x."""
    return Reciprocal.apply(_to_float(input))


class Cast(Op):
    """out = a converted to ``dtype``; gradient cast back (its real part for a real ``a``).
    Complex to real keeps the real part and warns, as PyTorch."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a, dtype):
        if a.dtype.kind == "c" and dtype.kind != "c":
            warnings.warn("Casting complex values to real discards the imaginary part",
                          UserWarning, stacklevel=4)
            a = a.real
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        a = ctx.inputs[0]
        if grad._data.dtype.kind == "c" and a._data.dtype.kind != "c":
            grad = _real(grad)
        return grad.to(a.dtype), None


def cast(input: Tensor, dtype: DTypeLike) -> Tensor:
    """``input.to(dtype)``."""
    return Cast.apply(input, np.dtype(dtype))


class Clone(Op):
    """out = a copy of a (optionally made contiguous)."""

    complex_ok = True

    @staticmethod
    def forward(ctx, a):
        out = _alloc.empty(np.shape(a), a.dtype)
        np.copyto(out, a)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad


def clone(input: Tensor, *, memory_format: object = None) -> Tensor:
    """A copy that stays connected to the graph."""
    return Clone.apply(input)


contiguous = clone


class Lerp(Op):
    """out = a + w * (b - a)."""

    @staticmethod
    def forward(ctx, a, b, w):
        return a + w * (b - a)

    @staticmethod
    def backward(ctx, grad):
        a, b, w = ctx.inputs
        n = ctx.needs_input_grad
        return (grad * (1.0 - w) if n[0] else None, grad * w if n[1] else None,
                grad * (b - a) if n[2] else None)


def lerp(input: Tensor, end: Tensor, weight: Tensor | float) -> Tensor:
    """``input + weight * (end - input)``; ``end`` (and a tensor ``weight``) must have
    ``input``'s dtype, as in PyTorch."""
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype != input.dtype:
            raise RuntimeError(f"lerp: expected dtype {c_name(input.dtype)} for `{name}` but "
                               f"got dtype {c_name(t.dtype)}")
    _no_kernel_for("biu", "lerp_kernel_tensor" if isinstance(weight, Tensor)
                   else "lerp_kernel_scalar", input)
    return Lerp.apply(input, end, _scalar(weight))


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
    """``input + value * tensor1 * tensor2``."""
    return input + tensor1 * tensor2 * value


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
    """``input + value * tensor1 / tensor2``."""
    return input + tensor1 / tensor2 * value


class PiecewiseConstant(Op):
    """out = fn(*inputs) for a function that is constant almost everywhere (floor, sign,
    floor division): the result stays in the graph with zero gradients, as in PyTorch
    (so ``floor(x).sum().backward()`` works and gives 0)."""

    @staticmethod
    def forward(ctx, *arrays, fn):
        return np.asarray(fn(*arrays))

    @staticmethod
    def backward(ctx, grad):
        zero = _wrap(np.zeros_like(grad._data))
        return tuple(zero if n else None for n in ctx.needs_input_grad)


def _const(fn, name=None):
    def op(input, *args):
        if any(isinstance(a, Tensor) and a._data.dtype.kind == "c" for a in (input, *args)):
            if op.__name__ == "sign":
                raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support "
                                          "complex numbers. Please use torch.sgn instead.")
            raise NotImplementedError(f"{op.__name__} is not supported for complex inputs")
        if isinstance(input, Tensor) and input._rg or any(isinstance(a, Tensor) and a._rg
                                                           for a in args):
            return PiecewiseConstant.apply(input, *args, fn=fn)
        data = input._data if isinstance(input, Tensor) else input
        args = tuple(a._data if isinstance(a, Tensor) else a for a in args)
        try:
            return _wrap(np.asarray(fn(data, *args)))
        except ValueError as exc:  # NumPy's broadcast error: name the op and the shapes
            raise ShapeError(f"{op.__name__}: shapes {np.shape(data)} and "
                             f"{tuple(np.shape(a) for a in args)} are not broadcastable: "
                             f"{exc}") from None
    op.__name__ = name or fn.__name__
    op.__doc__ = f"Elementwise ``{op.__name__}`` (zero gradient: piecewise constant)."
    return op


def _integral_kept(fn, kernel):
    # floor/ceil/trunc of an integer tensor is that tensor (PyTorch keeps the dtype; NumPy
    # would return float64); bool has no kernel in PyTorch
    const = _const(fn)

    def op(input):
        data = input._data
        if data.dtype.kind == "b":
            raise no_kernel(kernel, data.dtype, fn.__name__)
        if data.dtype.kind in "iu":
            return _wrap(data.copy())
        return const(input)
    op.__name__ = fn.__name__
    op.__doc__ = f"Elementwise ``{fn.__name__}`` (zero gradient: piecewise constant)."
    return op


floor = _integral_kept(np.floor, "floor_vml_cpu")
ceil = _integral_kept(np.ceil, "ceil_vml_cpu")
trunc = _integral_kept(np.trunc, "trunc_vml_cpu")
_floor_divide = _const(np.floor_divide, "floor_divide")
_sign = _const(np.sign, "sign")
_round = _const(lambda a, decimals: np.round(a, decimals), "round")


def _floor_division(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):  # x / 0 is inf or NaN, as PyTorch
        return np.floor_divide(a, b)


def _trunc_division(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.trunc(np.true_divide(a, b))


_ROUNDED_DIVISION = {"floor": _floor_division, "trunc": _trunc_division}


def _check_integer_divisor(op: str, input, other) -> None:
    """Integer division by zero: PyTorch's RuntimeError (NumPy would return 0)."""
    b = other._data if isinstance(other, Tensor) else other
    if isinstance(input, Tensor) and input._data.size == 0:
        return  # nothing is divided
    if result_type(input, other).kind in "iu" and np.any(np.asarray(b) == 0):
        raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero)")


def floor_divide(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input // other`` in PyTorch's result dtype (no gradient)."""
    input, other = _scalar(input), _scalar(other)
    _no_kernel_for("b", "div_floor_cpu", input, other)
    _check_integer_divisor("floor_divide", input, other)
    if not _fast(input, other):
        with no_grad():
            input, other = _promote(input, other)
    return _floor_divide(input, other)


def round(input: Tensor, *, decimals: int | None = None) -> Tensor:
    """Round half to even, as PyTorch (zero gradient). ``decimals`` (default: not given,
    i.e. 0) needs a float tensor: PyTorch has no integer kernel for it, even for 0."""
    kind = input._data.dtype.kind
    if kind == "b" or decimals is not None and kind in "iu":
        kernel = "round_cpu" if decimals else "round_vml_cpu"  # torch's names
        raise no_kernel(kernel, input._data.dtype, "round")
    if kind in "iu":
        return _wrap(input._data.copy())
    return _round(input, decimals or 0)


class Remainder(Op):
    """out = a mod b with the sign of b (Python's %, PyTorch's remainder)."""

    @staticmethod
    def forward(ctx, a, b):
        return np.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        n = ctx.needs_input_grad
        gb = None
        if n[1]:
            gb = -grad * floor(a / b) if isinstance(a, Tensor) else -grad * _wrap(np.floor(a / b._data))
        return grad if n[0] else None, gb


def remainder(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input % other``."""
    input, other = _scalar(input), _scalar(other)
    _no_kernel_for("bc", "remainder_cpu", input, other)
    _check_integer_divisor("remainder", input, other)
    if not _fast(input, other):
        input, other = _promote(input, other)
    return Remainder.apply(input, other)



# ---------------------------------------------------------------------------
# Math functions, part 2 (issue 12): hyperbolic/inverse trig, logaddexp, hypot, atan2,
# fmod, nan_to_num, xlogy, copysign, frac, deg2rad/rad2deg, float_power, logit.
# ---------------------------------------------------------------------------
def _other_tensor(op: str, other) -> None:
    """PyTorch's ``op(Tensor input, Tensor other)`` overloads take no Python number."""
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__ if other is not None else 'NoneType'}")


def _float_pair(input, other):
    """Both operands in ``float_result_type`` (integer/bool promote to the default float)."""
    rt = float_result_type(input, other)
    return _cast_to(_scalar(input), rt), _cast_to(_scalar(other), rt)


class Sinh(Op):
    """out = sinh(a)."""

    @staticmethod
    def forward(ctx, a):
        return np.sinh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * cosh(a)


def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine."""
    return Sinh.apply(_to_float(input))


class Cosh(Op):
    """out = cosh(a)."""

    @staticmethod
    def forward(ctx, a):
        return np.cosh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * sinh(a)


def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine."""
    return Cosh.apply(_to_float(input))


class Tan(Op):
    """out = tan(a); d/da = 1 + tan(a)**2."""

    @staticmethod
    def forward(ctx, a):
        return np.tan(a)

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output
        return grad * (out * out + 1.0)


def tan(input: Tensor) -> Tensor:
    """Tangent."""
    return Tan.apply(_to_float(input))


class Asin(Op):
    """out = arcsin(a); d/da = 1 / sqrt(1 - a**2)."""

    @staticmethod
    def forward(ctx, a):
        return np.arcsin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * rsqrt(1.0 - a * a)


def asin(input: Tensor) -> Tensor:
    """Inverse sine (NaN outside [-1, 1])."""
    return Asin.apply(_to_float(input))


class Acos(Op):
    """out = arccos(a); d/da = -1 / sqrt(1 - a**2)."""

    @staticmethod
    def forward(ctx, a):
        return np.arccos(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return -grad * rsqrt(1.0 - a * a)


def acos(input: Tensor) -> Tensor:
    """Inverse cosine (NaN outside [-1, 1])."""
    return Acos.apply(_to_float(input))


class Atan(Op):
    """out = arctan(a); d/da = 1 / (1 + a**2)."""

    @staticmethod
    def forward(ctx, a):
        return np.arctan(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad / (a * a + 1.0)


def atan(input: Tensor) -> Tensor:
    """Inverse tangent."""
    return Atan.apply(_to_float(input))


class Asinh(Op):
    """out = arcsinh(a); d/da = 1 / sqrt(a**2 + 1)."""

    @staticmethod
    def forward(ctx, a):
        return np.arcsinh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * rsqrt(a * a + 1.0)


def asinh(input: Tensor) -> Tensor:
    """Inverse hyperbolic sine."""
    return Asinh.apply(_to_float(input))


class Acosh(Op):
    """out = arccosh(a); d/da = 1 / sqrt(a**2 - 1)."""

    @staticmethod
    def forward(ctx, a):
        return np.arccosh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * rsqrt(a * a - 1.0)


def acosh(input: Tensor) -> Tensor:
    """Inverse hyperbolic cosine (NaN below 1)."""
    return Acosh.apply(_to_float(input))


class Atanh(Op):
    """out = arctanh(a); d/da = 1 / (1 - a**2)."""

    @staticmethod
    def forward(ctx, a):
        with np.errstate(divide="ignore", invalid="ignore"):  # +-inf at +-1, NaN beyond
            return np.arctanh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad / (1.0 - a * a)


def atanh(input: Tensor) -> Tensor:
    """Inverse hyperbolic tangent (+-inf at +-1, NaN outside)."""
    return Atanh.apply(_to_float(input))


arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


class LogAddExp(Op):
    """out = log(exp(a) + exp(b)), stably; d/da = sigmoid(a - b)."""

    @staticmethod
    def forward(ctx, a, b):
        return np.logaddexp(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        n = ctx.needs_input_grad
        return (grad * sigmoid(a - b) if n[0] else None,
                grad * sigmoid(b - a) if n[1] else None)


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow; float tensors only (as PyTorch)."""
    _other_tensor("logaddexp", other)
    _no_kernel_for("biu", "logaddexp_cpu", input, other)
    return LogAddExp.apply(*_promote(input, other))


_LN2 = math.log(2.0)


class LogAddExp2(Op):
    """out = log2(2**a + 2**b); d/da = sigmoid((a - b) * ln 2)."""

    @staticmethod
    def forward(ctx, a, b):
        return np.logaddexp2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        n = ctx.needs_input_grad
        return (grad * sigmoid((a - b) * _LN2) if n[0] else None,
                grad * sigmoid((b - a) * _LN2) if n[1] else None)


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """``log2(2**input + 2**other)`` without overflow; float tensors only."""
    _other_tensor("logaddexp2", other)
    _no_kernel_for("biu", "logaddexp2_cpu", input, other)
    return LogAddExp2.apply(*_promote(input, other))


class Hypot(Op):
    """out = sqrt(a**2 + b**2); d/da = a / out."""

    @staticmethod
    def forward(ctx, a, b):
        return np.hypot(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        n = ctx.needs_input_grad
        g = grad / ctx.output
        return g * a if n[0] else None, g * b if n[1] else None


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """``sqrt(input**2 + other**2)`` without overflow; float result types only."""
    _other_tensor("hypot", other)
    _no_kernel_for("biu", "hypot_cpu", input, other)
    return Hypot.apply(*_promote(input, other))


class Atan2(Op):
    """out = atan2(a, b) (the angle of the point (b, a))."""

    @staticmethod
    def forward(ctx, a, b):
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        n = ctx.needs_input_grad
        g = grad / (a * a + b * b)
        return g * b if n[0] else None, -g * a if n[1] else None


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise ``atan2(input, other)``; integer operands give the default float dtype."""
    _other_tensor("atan2", other)
    return Atan2.apply(*_float_pair(input, other))


arctan2 = atan2


class Fmod(Op):
    """out = a - trunc(a / b) * b (C's fmod: the sign of a); d/db = -trunc(a / b)."""

    @staticmethod
    def forward(ctx, a, b):
        return np.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        n = ctx.needs_input_grad
        gb = None
        if n[1]:
            ad = a._data if isinstance(a, Tensor) else a
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = -grad * _wrap(np.asarray(np.trunc(ad / b._data)))
        return grad if n[0] else None, gb


def fmod(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """C-style remainder ``input - trunc(input / other) * other`` (the sign of ``input``);
    integer division by zero raises as in PyTorch."""
    other = _scalar(other)
    _no_kernel_for("b", "fmod_cpu", input, other)
    if not _fast(input, other):
        input, other = _promote(input, other)
    if result_type(input, other).kind in "iu":
        od = other._data if isinstance(other, Tensor) else np.asarray(other)
        if np.any(od == 0):
            raise RuntimeError("ZeroDivisionError")
    return Fmod.apply(input, other)


class NanToNum(Op):
    """out = a with NaN, +inf, -inf replaced; gradient passes where a is finite."""

    @staticmethod
    def forward(ctx, a, nan, posinf, neginf):
        return np.nan_to_num(a, copy=True, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        (a, *_) = ctx._inputs
        return grad * np.isfinite(a._data), None, None, None


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf``; the infinities default to
    the largest / lowest finite value of ``input``'s dtype. Integer and bool tensors are
    returned as copies."""
    dt = input._data.dtype
    if dt.kind not in "fc":
        return _wrap(input._data.copy())
    info = np.finfo(dt)
    nan = 0.0 if nan is None else float(require_number("nan_to_num", "nan", nan))
    posinf = float(info.max) if posinf is None else float(require_number("nan_to_num", "posinf", posinf))
    neginf = float(info.min) if neginf is None else float(require_number("nan_to_num", "neginf", neginf))
    return NanToNum.apply(input, nan, posinf, neginf)


class Xlogy(Op):
    """out = x * log(y), 0 where x == 0 (unless y is NaN); d/dx = log(y) where x != 0."""

    @staticmethod
    def forward(ctx, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            if isinstance(y, np.ndarray):
                logy = np.log(y)
            else:  # a Python number stays weak (np.log would give a float64 scalar)
                logy = math.log(y) if y > 0 else -math.inf if y == 0 else math.nan
            out = np.multiply(x, logy)
        return np.asarray(np.where((np.asarray(x) == 0) & ~np.isnan(y), 0, out)).astype(
            out.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        n = ctx.needs_input_grad
        gx = gy = None
        if n[0]:
            nz = np.asarray(x._data != 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                if isinstance(y, Tensor):
                    gx = grad * where(_wrap(nz), log(y), 0.0)
                else:
                    gx = grad * _wrap(np.where(nz, np.log(y), 0.0).astype(grad.dtype))
        if n[1]:
            gy = grad * x / y
        return gx, gy


def xlogy(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input * log(other)``, defined as 0 where ``input == 0`` (and ``other`` is not NaN);
    either argument may be a Python number."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("xlogy(): expected at least one Tensor argument, got "
                        f"{type(input).__name__} and {type(other).__name__}")
    return Xlogy.apply(*_float_pair(input, other))


class Copysign(Op):
    """out = |a| with the sign of b; d/da = out / a (0 where a == 0), d/db = 0."""

    @staticmethod
    def forward(ctx, a, b):
        return np.copysign(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        n = ctx.needs_input_grad
        ga = gb = None
        if n[0]:
            ad = a._data
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(ad == 0, 0.0, np.copysign(1.0, b._data if isinstance(b, Tensor)
                                                           else b) * np.sign(ad))
            ga = grad * _wrap(np.asarray(ratio, dtype=grad.dtype))
        if n[1]:
            gb = grad * 0.0
        return ga, gb


def copysign(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """``|input|`` with the sign of ``other``; the result is floating point."""
    return Copysign.apply(*_float_pair(input, other))


class Frac(Op):
    """out = a - trunc(a)."""

    @staticmethod
    def forward(ctx, a):
        return a - np.trunc(a)

    @staticmethod
    def backward(ctx, grad):
        return grad


def frac(input: Tensor) -> Tensor:
    """Fractional part ``input - trunc(input)`` (the sign of ``input``); float only."""
    _float_only(input, "frac_cpu")
    return Frac.apply(input)


def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians (integer/bool tensors give the default float dtype)."""
    return mul(_to_float(input), math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees (integer/bool tensors give the default float dtype)."""
    return mul(_to_float(input), 180.0 / math.pi)


def _to_double(x):
    if isinstance(x, Tensor):
        kind = x._data.dtype.kind
        return _cast_to(x, np.dtype(np.complex128 if kind == "c" else np.float64))
    x = _scalar(x)
    return x if isinstance(x, complex) else float(x)


def float_power(input: Tensor | Scalar, exponent: Tensor | Scalar) -> Tensor:
    """``pow`` computed in double precision: the result is float64 (complex128 for complex
    operands) whatever the input dtypes."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): expected at least one Tensor argument")
    return pow(_to_double(input), _to_double(exponent))


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``
    (gradient 0 outside, as PyTorch)."""
    z = _to_float(input)
    if eps is not None:
        eps = float(require_number("logit", "eps", eps))
        z = clamp(z, eps, 1.0 - eps)
    return log(z) - log1p(-z)
