"""Functions that compute on NumPy arrays directly (no ``Op`` sees their Tensor inputs),
wrapped while tracing so that a result that depends on the model's inputs becomes ONNX
nodes instead of a baked-in constant: the comparisons and logical ops (bool results, no
graph), ``where``/``masked_fill`` (they read the condition as an array), indexing by
a Tensor of indices and ``nn.functional.embedding`` (they read the indices as an array)."""
from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import _inplace
from .. import ops as _ops
from ..tensor import Tensor
from ._arrays import TracedArray, traced_array
from ._functions import traced_functions
from ._graph import onnx_dtype
from ._trace import Tracer
from .errors import UnsupportedOperatorError

_COMPARE = {"eq": "Equal", "ne": "Equal", "lt": "Less", "le": "LessOrEqual", "gt": "Greater",
            "ge": "GreaterOrEqual", "logical_and": "And", "logical_or": "Or",
            "logical_xor": "Xor", "logical_not": "Not", "bitwise_not": "Not", "isnan": "IsNaN",
            "isinf": "IsInf", "bitwise_and": "And", "bitwise_or": "Or", "bitwise_xor": "Xor"}


@contextlib.contextmanager
def traced_helpers(tracer: Tracer) -> Iterator[None]:
    """While active, comparisons, logical ops and embedding lookups on traced values are
    recorded."""
    saved: list[tuple[Any, str, Any]] = []
    try:
        for name in _COMPARE:
            saved += _patched(name, functools.partial(_compare, tracer, name))
        saved += _patched("masked_fill", functools.partial(_masked_fill, tracer))
        saved += _patched("where", functools.partial(_where, tracer))
        saved += _patched("getitem", functools.partial(_getitem, tracer))
        with _embedding(tracer), _array_masks(tracer), traced_functions(tracer):
            yield
    finally:
        for mod, name, original in reversed(saved):
            setattr(mod, name, original)


def _operand(tracer: Tracer, a: Any, dtype: np.dtype) -> str:
    name = tracer.name_of(a) if isinstance(a, Tensor) else None
    if name is None:
        value = a._data if isinstance(a, Tensor) else a
        return tracer.g.const(np.asarray(value, dtype=dtype))
    if a._data.dtype != dtype:
        return str(tracer.g.node("Cast", [name], to=onnx_dtype(dtype)))
    return name


def _compare(tracer: Tracer, fn_name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    kind = _COMPARE[fn_name]
    logical = fn_name.startswith(("logical", "bitwise"))

    def wrapper(*args: Any, **kw: Any) -> Tensor:
        out = original(*args, **kw)
        tensors = [a for a in args if isinstance(a, Tensor)]
        if not any(tracer.name_of(t) is not None for t in tensors):
            return out
        if fn_name.startswith("bitwise") and any(t._data.dtype != np.bool_ for t in tensors):
            raise UnsupportedOperatorError(fn_name, "only on bool tensors")
        dtype = (np.dtype(np.bool_) if logical
                 else np.result_type(*[a._data if isinstance(a, Tensor) else a for a in args]))
        ins = [_operand(tracer, a, dtype) for a in args]
        y = tracer.g.compare(kind, ins)
        if fn_name == "ne":
            y = tracer.g.node("Not", [y])
        tracer.bind(out, str(y))
        return out

    return wrapper


def _patched(name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]
             ) -> list[tuple[Any, str, Any]]:
    """Replace ``name`` in ``autograd.ops`` and ``autograd`` by ``make(original)``; returns
    what to restore. (Tensor methods call ``autograd.ops.<name>``; ``autograd.<name>`` is a
    separate binding.)"""
    saved = []
    for mod in (_ops, sys.modules["autograd"]):
        original = getattr(mod, name, None)
        if original is not None:
            saved.append((mod, name, original))
            setattr(mod, name, make(original))
    return saved


def _traced(tracer: Tracer, t: Any) -> str | None:
    return tracer.name_of(t) if isinstance(t, Tensor) else None


def _masked_fill(tracer: Tracer, original: Callable[..., Any]) -> Callable[..., Any]:
    def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:
        out = original(input, mask, value)
        m = _traced(tracer, mask)
        if m is not None:
            dt = input._data.dtype
            v = _operand(tracer, value, dt)
            tracer.bind(out, str(tracer.g.node("Where", [m, v, _operand(tracer, input, dt)])))
        return out
    return masked_fill


def _where(tracer: Tracer, original: Callable[..., Any]) -> Callable[..., Any]:
    def where(condition: Any, *args: Any, **kw: Any) -> Any:
        out = original(condition, *args, **kw)
        c = _traced(tracer, condition)
        if c is not None:
            if not args and not kw:
                raise UnsupportedOperatorError("nonzero", "its output shape depends on the data")
            a, b = (list(args) + [kw.get("input"), kw.get("other")])[:2]
            dt = out._data.dtype
            if condition._data.dtype != np.bool_:
                c = str(tracer.g.node("Cast", [c], to=onnx_dtype(np.bool_)))
            tracer.bind(out, str(tracer.g.node("Where", [c, _operand(tracer, a, dt),
                                                          _operand(tracer, b, dt)])))
        return out
    return where


def _getitem(tracer: Tracer, original: Callable[..., Any]) -> Callable[..., Any]:
    def getitem(input: Tensor, index: Any) -> Tensor:
        out = original(input, index)
        items = index if isinstance(index, tuple) else (index,)
        traced = [k for k, i in enumerate(items) if _traced(tracer, i) is not None]
        if not traced:
            return out
        k = traced[0]
        i = items[k]
        whole = all(isinstance(j, slice) and j == slice(None) for n, j in enumerate(items)
                    if n != k)
        if (len(traced) > 1 or not whole or any(j is Ellipsis for j in items)
                or i._data.dtype.kind not in "iu"):
            raise UnsupportedOperatorError(
                "index", "indexing by a Tensor computed from the inputs is exported only as "
                "x[..., idx] along one dim with ':' elsewhere (an integer Tensor)")
        src = tracer.name_of(input) or tracer.g.const(input._data)
        idx = str(tracer.name_of(i))
        tracer.bind(out, str(tracer.g.node("Gather", [src, idx], axis=k)))
        return out
    return getitem


@contextlib.contextmanager
def _embedding(tracer: Tracer) -> Iterator[None]:
    """``nn.functional.embedding`` reads its indices as a NumPy array (no op sees them): while
    tracing, it is wrapped so that traced indices become an ONNX Gather of the table.
    ``nn`` is looked up, never imported (autograd does not depend on it)."""
    F = sys.modules.get("nn.functional")
    if F is None:
        yield
        return
    original = getattr(F, "embedding")  # noqa: B009  (a module mypy does not see)

    def embedding(input: Any, weight: Any, *args: Any, **kw: Any) -> Any:
        out = original(input, weight, *args, **kw)
        idx = tracer.name_of(input) if isinstance(input, Tensor) else None
        if idx is not None:
            table = tracer.name_of(weight)
            if table is None:
                table = tracer.g.const(weight._data)
            tracer.bind(out, str(tracer.g.node("Gather", [table, idx], axis=0)))
        return out

    setattr(F, "embedding", embedding)  # noqa: B010
    try:
        yield
    finally:
        setattr(F, "embedding", original)  # noqa: B010


@contextlib.contextmanager
def _array_masks(tracer: Tracer) -> Iterator[None]:
    """``nn.functional._values`` of a traced Tensor gives a TracedArray; ``_mask`` and
    ``_inplace.wrap`` of one give a Tensor bound to its value (see ``_arrays``)."""
    F = sys.modules.get("nn.functional")
    originals = [(F, "_values"), (F, "_mask"), (_inplace, "wrap")] if F is not None else []
    saved = [(mod, name, getattr(mod, name)) for mod, name in originals
             if hasattr(mod, name)]
    funcs = {name: fn for _, name, fn in saved}

    def values(input: Any) -> Any:
        a = funcs["_values"](input)
        name = tracer.name_of(input) if isinstance(input, Tensor) else None
        return a if name is None else traced_array(tracer, a, name)

    def binder(key: str) -> Callable[..., Any]:
        def make(a: Any, *args: Any, **kw: Any) -> Any:
            out = funcs[key](np.asarray(a).view(np.ndarray) if isinstance(a, TracedArray)
                             else a, *args, **kw)
            if isinstance(a, TracedArray):
                tracer.bind(out, a.onnx_name)
            return out
        return make

    replacements = {"_values": values, "_mask": binder("_mask"), "wrap": binder("wrap")}
    for mod, name, _ in saved:
        setattr(mod, name, replacements[name])
    try:
        yield
    finally:
        for mod, name, fn in saved:
            setattr(mod, name, fn)
