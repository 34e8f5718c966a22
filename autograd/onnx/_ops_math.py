"""Converters for elementwise math, activations, softmax, reductions and matmul/linear."""
from __future__ import annotations

import numpy as np

from ..ops import activation as A
from ..ops import elementwise as E
from ..ops import linalg as L
from ..ops import linear as LIN
from ..ops import reduce as R
from ._graph import onnx_dtype
from ._trace import Event, converts

_BINARY = {E.Add: "Add", E.Sub: "Sub", E.Mul: "Mul", E.Div: "Div", E.Pow: "Pow",
           E.Maximum: "Max", E.Minimum: "Min"}
_UNARY = {E.Neg: "Neg", E.Exp: "Exp", E.Log: "Log", E.Sqrt: "Sqrt", E.Abs: "Abs",
          E.Sin: "Sin", E.Cos: "Cos", E.Tan: "Tan", E.Tanh: "Tanh", E.Sigmoid: "Sigmoid",
          E.ReLU: "Relu", E.Erf: "Erf", E.Reciprocal: "Reciprocal", E.Clone: "Identity",
          E.Sinh: "Sinh", E.Cosh: "Cosh", E.Asin: "Asin", E.Acos: "Acos", E.Atan: "Atan",
          E.Asinh: "Asinh", E.Acosh: "Acosh", E.Atanh: "Atanh"}


@converts(*_BINARY)
def _binary(ev: Event) -> str:
    dt = ev.out.dtype
    if ev.cls is E.Div and dt.kind in "iu":
        raise ev.unsupported("integer division")
    return str(ev.g.node(_BINARY[ev.cls], [ev.x(0, dt), ev.x(1, dt)]))


@converts(*_UNARY)
def _unary(ev: Event) -> str:
    return str(ev.g.node(_UNARY[ev.cls], [ev.x(0, ev.out.dtype)]))


@converts(E.Rsqrt)
def _rsqrt(ev: Event) -> str:
    return str(ev.g.node("Reciprocal", [ev.g.node("Sqrt", [ev.x(0)])]))


@converts(E.Expm1)
def _expm1(ev: Event) -> str:
    return str(ev.g.node("Sub", [ev.g.node("Exp", [ev.x(0)]), ev.g.const(1.0, ev.out.dtype)]))


@converts(E.Log1p)
def _log1p(ev: Event) -> str:
    return str(ev.g.node("Log", [ev.g.node("Add", [ev.x(0), ev.g.const(1.0, ev.out.dtype)])]))


@converts(E.LeakyReLU)
def _leaky(ev: Event) -> str:
    return str(ev.g.node("LeakyRelu", [ev.x(0)], alpha=float(ev.args[1])))


@converts(E.ELU)
def _elu(ev: Event) -> str:
    return str(ev.g.node("Elu", [ev.x(0)], alpha=float(ev.args[1])))


@converts(E.SiLU)
def _silu(ev: Event) -> str:
    x = ev.x(0)
    return str(ev.g.node("Mul", [x, ev.g.node("Sigmoid", [x])]))


@converts(E.Softplus)
def _softplus(ev: Event) -> str:
    beta, threshold = float(ev.args[1]), float(ev.args[2])
    g, x, dt = ev.g, ev.x(0), ev.out.dtype
    bx = g.node("Mul", [x, g.const(beta, dt)])
    soft = g.node("Div", [g.node("Softplus", [bx]), g.const(beta, dt)])
    # PyTorch returns x itself where beta * x > threshold
    return str(g.node("Where", [g.node("Greater", [bx, g.const(threshold, dt)]), x, soft]))


@converts(E.GELU)
def _gelu(ev: Event) -> str:
    g, x, dt = ev.g, ev.x(0), ev.out.dtype
    half = g.node("Mul", [x, g.const(0.5, dt)])
    if ev.args[1] == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [cube, g.const(0.044715, dt)])])
        t = g.node("Tanh", [g.node("Mul", [inner, g.const(np.sqrt(2.0 / np.pi), dt)])])
    else:  # 0.5 x (1 + erf(x / sqrt 2)); Gelu itself needs opset 20
        t = g.node("Erf", [g.node("Mul", [x, g.const(1.0 / np.sqrt(2.0), dt)])])
    return str(g.node("Mul", [half, g.node("Add", [t, g.const(1.0, dt)])]))


def _bound(ev: Event, i: int) -> str:
    v = ev.args[i]
    return "" if v is None else ev.x(i, ev.out.dtype)


@converts(E.Clamp, E.Hardtanh)
def _clamp(ev: Event) -> str:
    lo, hi = ev.args[1], ev.args[2]
    if any(hasattr(v, "_data") and np.ndim(v._data) for v in (lo, hi)):
        # tensor bounds broadcast elementwise: Max/Min instead of Clip's scalars
        out = ev.x(0)
        if lo is not None:
            out = ev.g.node("Max", [out, ev.x(1, ev.out.dtype)])
        if hi is not None:
            out = ev.g.node("Min", [out, ev.x(2, ev.out.dtype)])
        return str(out)
    return str(ev.g.node("Clip", [ev.x(0, ev.out.dtype), _bound(ev, 1), _bound(ev, 2)]))


@converts(E.Where)
def _where(ev: Event) -> str:
    dt = ev.out.dtype
    return str(ev.g.node("Where", [ev.x(0, np.bool_), ev.x(1, dt), ev.x(2, dt)]))


@converts(E.Cast)
def _cast(ev: Event) -> str:
    return str(ev.g.node("Cast", [ev.x(0)], to=onnx_dtype(ev.out.dtype)))


@converts(E.Lerp)
def _lerp(ev: Event) -> str:
    dt = ev.out.dtype
    a, b, w = ev.x(0, dt), ev.x(1, dt), ev.x(2, dt)
    return str(ev.g.node("Add", [a, ev.g.node("Mul", [w, ev.g.node("Sub", [b, a])])]))


@converts(A.Softmax, A.LogSoftmax)
def _softmax(ev: Event) -> str:
    kind = "Softmax" if ev.cls is A.Softmax else "LogSoftmax"
    nd = ev.out.ndim
    axis = int(ev.args[1]) % max(nd, 1)
    if ev.g.opset >= 13 or axis == nd - 1 or nd == 0:
        return str(ev.g.node(kind, [ev.x(0)], axis=axis if nd else 0))
    # before opset 13 Softmax normalised over all dims from ``axis`` on: move it last
    perm = [d for d in range(nd) if d != axis] + [axis]
    back = [perm.index(d) for d in range(nd)]
    y = ev.g.node(kind, [ev.g.node("Transpose", [ev.x(0)], perm=perm)], axis=nd - 1)
    return str(ev.g.node("Transpose", [y], perm=back))


def _axes(ev: Event, dims: object) -> list[int]:
    nd = ev.arr(0).ndim
    if dims is None:
        return list(range(nd))
    if isinstance(dims, (int, np.integer)):
        return [int(dims) % nd] if nd else []
    return [int(d) % nd for d in dims]  # type: ignore[attr-defined]


def _reduce(ev: Event, op_type: str) -> str:
    dims, keep = ev.args[1], bool(ev.args[2])
    axes = _axes(ev, dims)
    if not axes:
        return str(ev.g.node("Identity", [ev.x(0)]))
    x = ev.x(0, ev.out.dtype) if op_type == "ReduceSum" else ev.x(0)
    return ev.g.reduce(op_type, x, axes, keep)


@converts(R.Sum)
def _sum(ev: Event) -> str:
    return _reduce(ev, "ReduceSum")


@converts(R.Amax)
def _amax(ev: Event) -> str:
    return _reduce(ev, "ReduceMax")


@converts(R.Amin)
def _amin(ev: Event) -> str:
    return _reduce(ev, "ReduceMin")


@converts(R.Norm2)
def _norm2(ev: Event) -> str:
    return _reduce(ev, "ReduceL2")


@converts(R.Prod)
def _prod(ev: Event) -> str:
    return _reduce(ev, "ReduceProd")


@converts(R.StdSqrt)
def _stdsqrt(ev: Event) -> str:
    return str(ev.g.node("Sqrt", [ev.x(0)]))


@converts(L.MatMul)
def _matmul(ev: Event) -> str:
    dt = ev.out.dtype
    return str(ev.g.node("MatMul", [ev.x(0, dt), ev.x(1, dt)]))


@converts(L.Einsum)
def _einsum(ev: Event) -> str:
    if ev.g.opset < 12:
        raise ev.unsupported("einsum needs opset_version 12 or newer")
    eq = ",".join(ev.attrs["ins"]) + "->" + ev.attrs["out"]
    dt = ev.out.dtype
    return str(ev.g.node("Einsum", [ev.x(i, dt) for i in range(len(ev.args))], equation=eq))


@converts(LIN.Linear)
def _linear(ev: Event) -> str:
    g = ev.g
    has_bias = len(ev.args) > 2 and ev.args[2] is not None
    x = ev.x(0)
    if ev.arr(0).ndim == 2:
        ins = [x, ev.x(1)] + ([ev.x(2)] if has_bias else [])
        return str(g.node("Gemm", ins, transB=1))
    if ev.names[1] is None:  # a weight: store it transposed, as MatMul wants
        wt = g.const(np.ascontiguousarray(ev.arr(1).T))
    else:
        wt = g.node("Transpose", [ev.x(1)], perm=[1, 0])
    y = g.node("MatMul", [x, wt])
    return str(g.node("Add", [y, ev.x(2)])) if has_bias else str(y)


@converts(R.Cumsum)
def _cumsum(ev: Event) -> str:
    if ev.out.ndim == 0:
        return str(ev.g.node("Identity", [ev.x(0)]))
    # ``cumsum`` casts (integers to int64) before the op, so input and output dtypes agree
    axis = ev.g.const(np.asarray(int(ev.args[1]), dtype=np.int64))
    return str(ev.g.node("CumSum", [ev.x(0, ev.out.dtype), axis]))


def _trunc(ev: Event, q: str) -> str:
    """Round towards zero: ceil below zero, floor elsewhere."""
    g = ev.g
    return str(g.node("Where", [g.node("Less", [q, g.const(0.0, ev.out.dtype)]),
                                g.node("Ceil", [q]), g.node("Floor", [q])]))


@converts(E.PiecewiseConstant)
def _piecewise_constant(ev: Event) -> str:
    fn, g, dt = ev.attrs["fn"], ev.g, ev.out.dtype
    if dt.kind != "f":
        raise ev.unsupported(f"{getattr(fn, '__name__', fn)} with a {dt} result")
    if fn in (np.floor, np.ceil, np.sign):
        kind = {np.floor: "Floor", np.ceil: "Ceil", np.sign: "Sign"}[fn]
        return str(g.node(kind, [ev.x(0, dt)]))
    if fn is np.trunc:
        return _trunc(ev, ev.x(0, dt))
    if fn in (np.floor_divide, E._floor_division):
        return str(g.node("Floor", [g.node("Div", [ev.x(0, dt), ev.x(1, dt)])]))
    if fn is E._trunc_division:
        return _trunc(ev, str(g.node("Div", [ev.x(0, dt), ev.x(1, dt)])))
    # the one lambda among these functions is ``round`` (with decimals)
    name = getattr(fn, "__name__", str(fn))
    raise ev.unsupported("round" if name == "<lambda>" else name)
