"""An ONNX graph under construction: fresh names, nodes, and weights as initializers.

Built only with the ``onnx`` package's helpers; the exporter's converters call
``node``/``const`` and never touch protobufs themselves.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from onnx import NodeProto, TensorProto, helper, numpy_helper


class Graph:
    """Nodes and initializers of one exported graph (names are unique within it)."""

    def __init__(self, opset: int = 17) -> None:
        self.opset = opset
        self.nodes: list[NodeProto] = []
        self.initializers: list[TensorProto] = []
        self._count = 0
        self._consts: dict[Any, str] = {}
        self._keep: list[Any] = []  # arrays whose id() keys _consts stay alive

    def fresh(self, hint: str) -> str:
        """A new value name ``hint_N``."""
        self._count += 1
        return f"{hint}_{self._count}"

    def node(self, op_type: str, inputs: list[str], n_out: int = 1, **attrs: Any) -> Any:
        """Append one ONNX node; returns its output name (a list of names if ``n_out > 1``).
        An empty string in ``inputs`` is ONNX's "optional input omitted"."""
        outs = [self.fresh(op_type) for _ in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self.fresh(op_type + "_node"),
                                           **attrs))
        return outs[0] if n_out == 1 else outs

    def const(self, value: Any, dtype: Any = None, hint: str = "const") -> str:
        """An initializer holding ``value`` (an array is cached by identity, so a weight used
        twice is stored once)."""
        if isinstance(value, np.ndarray) and dtype is None:
            key: Any = ("arr", id(value))
            if key in self._consts:
                return self._consts[key]
            self._keep.append(value)
            arr = value
        else:
            arr = np.asarray(value, dtype=dtype)
            key = ("val", arr.dtype.str, arr.shape, arr.tobytes())
            if key in self._consts:
                return self._consts[key]
        if arr.dtype == np.float16 or arr.dtype.kind not in "fiub":
            if arr.dtype != np.float16:
                raise TypeError(f"cannot store an array of dtype {arr.dtype} in ONNX")
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.array(arr, order="C"), name))
        self._consts[key] = name
        return name

    def ints(self, values: Any) -> str:
        """A 1-D int64 initializer (shapes, axes, starts/ends of Slice, ...)."""
        return self.const(np.asarray(list(values), dtype=np.int64), hint="ints")


    def axes_op(self, op_type: str, x: str, axes: list[int], **attrs: Any) -> str:
        """Squeeze/Unsqueeze/ReduceSum over ``axes``: an input from opset 13, before that
        an attribute."""
        if self.opset >= 13:
            return str(self.node(op_type, [x, self.ints(axes)], **attrs))
        return str(self.node(op_type, [x], axes=axes, **attrs))

    def reduce(self, op_type: str, x: str, axes: list[int], keepdims: bool = True) -> str:
        """A Reduce* node over ``axes``: ReduceSum takes them as an input from opset 13,
        the other reductions from opset 18 (an attribute before)."""
        if self.opset >= (13 if op_type == "ReduceSum" else 18):
            return str(self.node(op_type, [x, self.ints(axes)], keepdims=int(keepdims)))
        return str(self.node(op_type, [x], axes=axes, keepdims=int(keepdims)))

    def compare(self, kind: str, inputs: list[str]) -> str:
        """A comparison or logical node; GreaterOrEqual/LessOrEqual (opset 12) are
        Not(Less)/Not(Greater) before that."""
        if self.opset < 12 and kind in ("GreaterOrEqual", "LessOrEqual"):
            flipped = "Less" if kind == "GreaterOrEqual" else "Greater"
            return str(self.node("Not", [self.node(flipped, inputs)]))
        return str(self.node(kind, inputs))

    def prune(self, outputs: list[str]) -> None:
        """Drop the nodes and initializers no output depends on (values the traced
        forward computed but did not return, such as an RNN's final state)."""
        needed = set(outputs)
        kept: list[NodeProto] = []
        for node in reversed(self.nodes):
            if any(o in needed for o in node.output):
                kept.append(node)
                needed.update(i for i in node.input if i)
        self.nodes = kept[::-1]
        self.initializers = [t for t in self.initializers if t.name in needed]


def onnx_dtype(dtype: Any) -> int:
    """The ``TensorProto`` element type of a NumPy dtype."""
    return int(helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))
