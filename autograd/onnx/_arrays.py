"""Follow NumPy arithmetic on a traced Tensor's array while tracing.

Some functions compute a mask from the input's values with NumPy (``nn.functional``'s
``_values(input) > 0`` for PReLU, hardswish, hardsigmoid, threshold, the shrinks), which
chooses PyTorch's gradient at a kink. While tracing, ``nn.functional._values`` hands out a
``TracedArray`` (an ndarray subclass carrying the ONNX value name), whose ufuncs and
``astype`` emit ONNX nodes; ``nn.functional._mask`` and ``autograd._inplace.wrap`` bind the
Tensor they make from it to that value.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._graph import onnx_dtype
from ._trace import Tracer
from .errors import UnsupportedOperatorError

_UFUNCS = {np.greater: "Greater", np.greater_equal: "GreaterOrEqual", np.less: "Less",
           np.less_equal: "LessOrEqual", np.equal: "Equal", np.not_equal: "Equal",
           np.logical_and: "And", np.logical_or: "Or", np.logical_xor: "Xor",
           np.bitwise_and: "And", np.bitwise_or: "Or", np.bitwise_xor: "Xor",
           np.logical_not: "Not", np.invert: "Not", np.absolute: "Abs", np.negative: "Neg",
           np.add: "Add", np.subtract: "Sub", np.multiply: "Mul", np.true_divide: "Div"}
_COMPARES = {np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal}


class TracedArray(np.ndarray):
    """An array whose value is the traced ONNX value ``onnx_name``."""

    onnx_name: str
    tracer: Tracer

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """Compute on plain arrays and record the ufunc as an ONNX node."""
        plain = [np.asarray(a).view(np.ndarray) if isinstance(a, TracedArray) else a
                 for a in inputs]
        out = getattr(ufunc, method)(*plain, **kwargs)
        if method != "__call__" or "out" in kwargs or not isinstance(out, np.ndarray):
            raise UnsupportedOperatorError(f"numpy.{ufunc.__name__}",
                                           "on a traced value's array, outside the engine's ops")
        kind = _UFUNCS.get(ufunc)
        if kind is None:
            raise UnsupportedOperatorError(f"numpy.{ufunc.__name__}",
                                           "on a traced value's array, outside the engine's ops")
        tracer = next(a.tracer for a in inputs if isinstance(a, TracedArray))
        g = tracer.g
        if ufunc in _COMPARES:
            dt = np.result_type(*[np.asarray(a) for a in plain])
        else:
            dt = out.dtype
        names = []
        for a in inputs:
            if isinstance(a, TracedArray):
                name = a.onnx_name
                if a.dtype != dt:
                    name = str(g.node("Cast", [name], to=onnx_dtype(dt)))
                names.append(name)
            else:
                names.append(g.const(np.asarray(a, dtype=dt)))
        y = g.compare(kind, names)
        if ufunc is np.not_equal:
            y = str(g.node("Not", [y]))
        return traced_array(tracer, out, y)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """NumPy functions other than ufuncs are not followed: refused by name."""
        raise UnsupportedOperatorError(f"numpy.{func.__name__}",
                                       "on a traced value's array, outside the engine's ops")

    def astype(self, dtype: Any, *args: Any, **kwargs: Any) -> Any:
        """A cast, recorded."""
        out = np.asarray(self).view(np.ndarray).astype(dtype, *args, **kwargs)
        name = str(self.tracer.g.node("Cast", [self.onnx_name], to=onnx_dtype(out.dtype)))
        return traced_array(self.tracer, out, name)


def traced_array(tracer: Tracer, a: np.ndarray, name: str) -> TracedArray:
    """``a`` viewed as a TracedArray of value ``name``."""
    t = np.asarray(a).view(TracedArray)
    t.onnx_name, t.tracer = name, tracer
    return t
