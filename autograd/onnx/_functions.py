"""Functions replaced while tracing by the ONNX operator that computes them whole.

Some functions cannot be followed op by op: SELU/CELU go through a custom
``autograd.Function`` (a precise expm1 derivative), softshrink computes its shift with
``np.where``, sort/argsort/msort/topk compute indices with NumPy, and integer ``//`` has no
graph. While tracing, each is wrapped: it runs on an untraced copy of its input (so no
inner op is recorded, and the values are exactly ours) and its result is bound to one
ONNX node (Selu, Celu, Shrink, TopK, Div/Mod).
"""
from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._graph import Graph, onnx_dtype
from ._trace import Tracer
from .errors import UnsupportedOperatorError

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@contextlib.contextmanager
def traced_functions(tracer: Tracer) -> Iterator[None]:
    """While active, the functions above (in ``nn.functional`` when it is loaded, and in
    ``autograd.ops``/``autograd``) emit their ONNX operator for traced inputs."""
    from ._patches import _patched  # the helper that patches autograd.ops and autograd
    saved: list[tuple[Any, str, Any]] = []
    try:
        for name, make in (("sort", _sort), ("argsort", _argsort), ("topk", _topk),
                           ("msort", _msort), ("floor_divide", _floor_divide),
                           ("div", _div)):
            saved += _patched(name, functools.partial(make, tracer))
        F = sys.modules.get("nn.functional")  # looked up, never imported (layering)
        if F is not None:
            wrappers: tuple[tuple[str, Callable[[Tracer, str, Callable[..., Any]],
                                                Callable[..., Any]]], ...] = (
                ("selu", _selu), ("celu", _celu), ("softshrink", _shrink),
                ("hardshrink", _shrink))
            for name, wrap in wrappers:
                original = getattr(F, name, None)
                if original is not None:
                    saved.append((F, name, original))
                    setattr(F, name, wrap(tracer, name, original))
        yield
    finally:
        for mod, name, original in reversed(saved):
            setattr(mod, name, original)


def _name(tracer: Tracer, t: Any) -> str | None:
    return tracer.name_of(t) if isinstance(t, Tensor) else None


def _operand(tracer: Tracer, a: Any, dtype: np.dtype) -> str:
    """A traced value (cast to ``dtype``) or a constant of ``dtype``."""
    name = _name(tracer, a)
    if name is None:
        return tracer.g.const(np.asarray(a._data if isinstance(a, Tensor) else a, dtype=dtype))
    if a._data.dtype != dtype:
        return str(tracer.g.node("Cast", [name], to=onnx_dtype(dtype)))
    return name


def _elu_like(g: Graph, x: str, dt: np.dtype, scale: float, coef: float, inv: float) -> str:
    """``scale * x`` for x > 0, else ``coef * (exp(x * inv) - 1)``, from basic operators
    (Selu/Celu run only on float32 in ONNX Runtime; Celu needs opset 12)."""
    def c(v: float) -> str:
        return g.const(v, dt)
    neg = g.node("Min", [x, c(0.0)])  # no overflow in the branch not taken
    em1 = g.node("Sub", [g.node("Exp", [g.node("Mul", [neg, c(inv)])]), c(1.0)])
    return str(g.node("Where", [g.node("Greater", [x, c(0.0)]), g.node("Mul", [x, c(scale)]),
                                g.node("Mul", [em1, c(coef)])]))


def _selu(tracer: Tracer, _: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def selu(input: Any, *args: Any, **kw: Any) -> Any:
        x = _name(tracer, input)
        if x is None:
            return original(input, *args, **kw)
        out = original(input.detach(), *args, **kw)
        g, dt = tracer.g, out._data.dtype
        if dt == np.float32:  # Selu's attribute defaults are these constants in float32
            y = str(g.node("Selu", [x], alpha=_SELU_ALPHA, gamma=_SELU_SCALE))
        else:
            y = _elu_like(g, x, dt, _SELU_SCALE, _SELU_ALPHA * _SELU_SCALE, 1.0)
        tracer.bind(out, y)
        return out
    return selu


def _celu(tracer: Tracer, _: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def celu(input: Any, alpha: float = 1.0, *args: Any, **kw: Any) -> Any:
        x = _name(tracer, input)
        if x is None:
            return original(input, alpha, *args, **kw)
        out = original(input.detach(), alpha, *args, **kw)
        g, dt = tracer.g, out._data.dtype
        if dt == np.float32 and g.opset >= 12:
            y = str(g.node("Celu", [x], alpha=float(alpha)))
        else:
            y = _elu_like(g, x, dt, 1.0, float(alpha), 1.0 / float(alpha))
        tracer.bind(out, y)
        return out
    return celu


def _shrink(tracer: Tracer, fn: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def shrink(input: Any, lambd: float = 0.5) -> Any:
        x = _name(tracer, input)
        if x is None:
            return original(input, lambd)
        out = original(input.detach(), lambd)
        # ONNX Shrink: x - bias above lambd, x + bias below -lambd, 0 between
        g, dt = tracer.g, out._data.dtype
        bias = float(lambd) if fn == "softshrink" else 0.0
        if dt == np.float32:
            y = str(g.node("Shrink", [x], bias=bias, lambd=float(lambd)))
        else:  # ONNX Runtime's Shrink rounds other dtypes through float32
            def c(v: float) -> str:
                return g.const(v, dt)
            below = g.node("Where", [g.node("Less", [x, c(-lambd)]),
                                     g.node("Add", [x, c(bias)]), c(0.0)])
            y = str(g.node("Where", [g.node("Greater", [x, c(lambd)]),
                                     g.node("Sub", [x, c(bias)]), below]))
        tracer.bind(out, y)
        return out
    return shrink


def _dim(t: Tensor, dim: int) -> int:
    nd = t._data.ndim
    return int(dim) % nd if nd else 0


def _top_k(tracer: Tracer, x: str, t: Tensor, k: int | None, dim: int, largest: bool
           ) -> list[str]:
    """TopK's (values, indices) along ``dim``; ``k=None`` is the whole dim (read from the
    shape at run time, so a dynamic dim stays dynamic)."""
    g = tracer.g
    if t._data.ndim == 0:
        raise UnsupportedOperatorError("sort", "on a 0-dim tensor")
    if k is None:
        kk = str(g.node("Slice", [g.node("Shape", [x]), g.ints([dim]), g.ints([dim + 1])]))
    else:
        kk = g.ints([k])
    return list(g.node("TopK", [x, kk], n_out=2, axis=dim, largest=int(largest), sorted=1))


def _sort(tracer: Tracer, original: Callable[..., Any]) -> Callable[..., Any]:
    def sort(input: Any, dim: int = -1, descending: bool = False, **kw: Any) -> Any:
        x = _name(tracer, input)
        if x is None:
            return original(input, dim, descending, **kw)
        out = original(input.detach(), dim, descending, **kw)
        values, indices = _top_k(tracer, x, input, None, _dim(input, dim), bool(descending))
        tracer.bind(out[0], values)
        tracer.bind(out[1], indices)
        return out
    return sort


def _argsort(tracer: Tracer, original: Callable[..., Any]) -> Callable[..., Any]:
    def argsort(input: Any, dim: int = -1, descending: bool = False, **kw: Any) -> Any:
        x = _name(tracer, input)
        if x is None:
            return original(input, dim, descending, **kw)
        out = original(input.detach(), dim, descending, **kw)
        tracer.bind(out, _top_k(tracer, x, input, None, _dim(input, dim), bool(descending))[1])
        return out
    return argsort


def _msort(tracer: Tracer, original: Callable[..., Any]) -> Callable[..., Any]:
    def msort(input: Any) -> Any:
        x = _name(tracer, input)
        if x is None:
            return original(input)
        out = original(input.detach())
        tracer.bind(out, _top_k(tracer, x, input, None, 0, False)[0])
        return out
    return msort


def _topk(tracer: Tracer, original: Callable[..., Any]) -> Callable[..., Any]:
    def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
             ) -> Any:
        x = _name(tracer, input)
        if x is None:
            return original(input, k, dim, largest, sorted)
        out = original(input.detach(), k, dim, largest, sorted)
        values, indices = _top_k(tracer, x, input, int(k), _dim(input, dim), bool(largest))
        tracer.bind(out[0], values)
        tracer.bind(out[1], indices)
        return out
    return topk


def _floor_div(tracer: Tracer, a: Any, b: Any, dt: np.dtype, mode: str) -> str:
    """``a / b`` rounded down (``floor``) or, for integers, towards zero (``trunc``)."""
    g = tracer.g
    x, y = _operand(tracer, a, dt), _operand(tracer, b, dt)
    if dt.kind == "f":  # floor_divide of floats: floor(a / b)
        return str(g.node("Floor", [g.node("Div", [x, y])]))
    if mode == "trunc":  # ONNX's integer Div truncates, as C
        return str(g.node("Div", [x, y]))
    # Mod (fmod=0) takes the divisor's sign, as Python's %: a - a % b is a multiple of b
    return str(g.node("Div", [g.node("Sub", [x, g.node("Mod", [x, y])]), y]))


def _traced_pair(tracer: Tracer, a: Any, b: Any) -> bool:
    return _name(tracer, a) is not None or _name(tracer, b) is not None


def _floor_divide(tracer: Tracer, original: Callable[..., Any]) -> Callable[..., Any]:
    def floor_divide(input: Any, other: Any) -> Any:
        out = original(input, other)
        # a float result that needs grad is an engine op (already converted); the others
        # are computed without a graph
        if (isinstance(out, Tensor) and _traced_pair(tracer, input, other)
                and tracer.name_of(out) is None):
            tracer.bind(out, _floor_div(tracer, input, other, out._data.dtype, "floor"))
        return out
    return floor_divide


def _div(tracer: Tracer, original: Callable[..., Any]) -> Callable[..., Any]:
    def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Any:
        out = original(input, other, rounding_mode=rounding_mode)
        # only integer rounded division bypasses the engine's ops (no graph)
        if (rounding_mode is not None and isinstance(out, Tensor)
                and out._data.dtype.kind in "iu" and _traced_pair(tracer, input, other)):
            tracer.bind(out, _floor_div(tracer, input, other, out._data.dtype, rounding_mode))
        return out
    return div
