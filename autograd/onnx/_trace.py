"""Trace one forward pass into an ONNX graph.

While tracing, ``Op.apply`` (the front door every engine op goes through) is wrapped: after
an op runs, its Tensor inputs are looked up among the values already traced (the model's
inputs and earlier op outputs). An op with no traced input is constant-folded (its output
becomes a weight if a traced op uses it); an op with one is converted at once by the
converter registered for its class (``_convert``), while its input and output arrays are at
hand for shapes. Values are keyed by their autograd node (``grad_fn``), so an in-place op,
which gives the same Tensor a new ``grad_fn``, is followed correctly; values without a node
(integer results) by the Tensor object itself.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..node import Node, Op, _OutputRef
from ..tensor import Tensor
from ._graph import Graph
from .errors import UnsupportedOperatorError

Converter = Callable[["Event"], str]
CONVERTERS: dict[type, Converter] = {}
"""Op class -> converter; filled by ``_ops_*`` modules with ``@converts``."""


def converts(*classes: type) -> Callable[[Converter], Converter]:
    """Register a converter for these Op classes (and their subclasses)."""
    def deco(fn: Converter) -> Converter:
        for cls in classes:
            CONVERTERS[cls] = fn
        return fn
    return deco


def op_name(cls: type) -> str:
    """The user-facing name of an Op class (``op_name`` or the lower-cased class name)."""
    return str(getattr(cls, "op_name", cls.__name__.lower()))


class Event:
    """One traced op application, as a converter sees it.

    Attributes:
        g: the Graph being built. cls: the Op class. args: its positional arguments
        (Tensors or constants). attrs: its keyword attributes. names: per argument, the
        traced value name or None (a constant). out: the output array.
    """

    def __init__(self, g: Graph, cls: Any, args: tuple[Any, ...], attrs: dict[str, Any],
                 names: list[str | None], out: np.ndarray) -> None:
        self.g, self.cls, self.args, self.attrs, self.names, self.out = g, cls, args, attrs, names, out

    def arr(self, i: int) -> np.ndarray:
        """Argument ``i`` as an array (its value during the trace)."""
        a = self.args[i]
        return a._data if isinstance(a, Tensor) else np.asarray(a)

    def x(self, i: int, dtype: Any = None) -> str:
        """Argument ``i`` as a graph value: its traced name, or a weight holding its value
        (a Python number becomes a weight of ``dtype``, default the output's dtype). With
        ``dtype``, a traced value of another dtype is cast."""
        name = self.names[i]
        a = self.args[i]
        if name is None:
            if isinstance(a, Tensor):
                data = a._data
                if dtype is not None and data.dtype != np.dtype(dtype):
                    return self.g.const(data.astype(dtype))
                return self.g.const(data)
            return self.g.const(a, dtype=self.out.dtype if dtype is None else dtype)
        if dtype is not None and a._data.dtype != np.dtype(dtype):
            from ._graph import onnx_dtype
            return str(self.g.node("Cast", [name], to=onnx_dtype(dtype)))
        return name

    def unsupported(self, detail: str) -> UnsupportedOperatorError:
        """The error for this op with arguments the exporter cannot map."""
        return UnsupportedOperatorError(op_name(self.cls), detail)


def _find_converter(cls: type) -> Converter | None:
    for k in cls.__mro__:
        if k in CONVERTERS:
            return CONVERTERS[k]
    return None


class Tracer:
    """Records values and converts ops while active (a context manager)."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.values: dict[Any, str] = {}
        self._keep: list[Any] = []  # objects whose id() is a key: kept alive

    @staticmethod
    def _key(t: Tensor) -> Any:
        fn = t.grad_fn
        if isinstance(fn, Node):
            return ("node", id(fn), 0)
        if isinstance(fn, _OutputRef):
            return ("node", id(fn.node), fn.index)
        return ("tensor", id(t))

    def bind(self, t: Tensor, name: str) -> None:
        """Make ``t`` (an input or an op output) the traced value ``name``."""
        self._keep.append(t)
        self._keep.append(t.grad_fn)
        self.values[self._key(t)] = name

    def name_of(self, t: Tensor) -> str | None:
        """The traced value name of ``t``, or None for a constant (weights, buffers,
        tensors computed without the inputs).

        Raises:
            UnsupportedOperatorError: ``t`` depends on the inputs through an op the tracer
                cannot see (a custom ``autograd.Function``, ...).
        """
        name = self.values.get(self._key(t))
        if name is not None:
            return name
        fn = t.grad_fn
        if fn is not None and self._depends(fn):
            raise UnsupportedOperatorError(fn.name().removesuffix("Backward"),
                                           "it is not an engine op the exporter can trace")
        return None

    def _depends(self, fn: Any) -> bool:
        """Whether the graph below ``fn`` reaches a traced value."""
        stack, seen = [fn], set()
        while stack:
            f = stack.pop()
            node = f.node if isinstance(f, _OutputRef) else f
            if id(node) in seen or not isinstance(node, Node):
                continue
            seen.add(id(node))
            for e in node._edges:
                if e is None:
                    continue
                if isinstance(e, Tensor):
                    if ("tensor", id(e)) in self.values:
                        return True
                    continue
                idx = e.index if isinstance(e, _OutputRef) else 0
                n = e.node if isinstance(e, _OutputRef) else e
                if ("node", id(n), idx) in self.values:
                    return True
                stack.append(e)
        return False

    def record(self, cls: type, args: tuple[Any, ...], attrs: dict[str, Any], out: Tensor) -> None:
        """Convert one op application if it reads a traced value."""
        names = [self.name_of(a) if isinstance(a, Tensor) else None for a in args]
        if all(n is None for n in names):
            return  # constant-folded: its value is baked in where a traced op reads it
        conv = _find_converter(cls)
        if conv is None:
            raise UnsupportedOperatorError(op_name(cls))
        name = conv(Event(self.g, cls, args, attrs, names, out._data))
        self.bind(out, name)

    def __enter__(self) -> Tracer:
        """Wrap ``Op.apply`` so every op goes through ``record``."""
        original = Op.__dict__["apply"]
        self._original = original
        tracer = self
        depth = [0]

        def apply(cls: type[Op], *args: Any, **attrs: Any) -> Tensor:
            out = original.__func__(cls, *args, **attrs)
            if depth[0] == 0:
                depth[0] += 1
                try:
                    tracer.record(cls, args, attrs, out)
                finally:
                    depth[0] -= 1
            return out

        Op.apply = classmethod(apply)  # type: ignore[method-assign, assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        """Restore ``Op.apply``."""
        Op.apply = self._original  # type: ignore[method-assign]

