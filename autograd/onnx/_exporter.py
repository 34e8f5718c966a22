"""``torch.onnx.export``: trace one eval-mode forward pass into an ONNX model file."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..grad_mode import enable_grad
from ..tensor import Tensor
from . import _ops_math, _ops_nn, _ops_shape  # noqa: F401  (register the converters)
from ._graph import Graph, onnx_dtype
from ._patches import traced_helpers
from ._trace import Tracer
from .errors import OnnxExporterError

__all__ = ["_export", "export"]

DEFAULT_OPSET = 17
"""The opset written when ``opset_version`` is not given."""
MIN_OPSET = 11  # Clip/Pad/GatherElements as used here exist from opset 11 on


def export(model: Any, args: Any = (), f: str | os.PathLike[str] | Any | None = None, *,
           kwargs: Mapping[str, Any] | None = None, verbose: bool | None = None,
           input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
           opset_version: int | None = None, dynamo: bool = True,
           dynamic_axes: Mapping[str, Mapping[int, str] | Sequence[int]] | None = None,
           export_params: bool = True, keep_initializers_as_inputs: bool = False,
           do_constant_folding: bool = True, dynamic_shapes: Any = None,
           **ignored: Any) -> onnx.ModelProto | None:
    """Export ``model`` (a Module or callable) to ONNX by tracing ``model(*args)`` once.

    The model runs in eval mode (its training flag is restored afterwards) with its
    Tensor inputs traced; every engine op that reads them becomes ONNX nodes, weights and
    buffers become initializers, ops that read no input are constant-folded.

    Args:
        model: the Module (or function) to export.
        args: one Tensor or a tuple of positional arguments (Tensors, nested tuples/lists
            of Tensors, which become the graph's inputs in order, or constants), optionally
            ending in a dict of keyword arguments (PyTorch's convention).
        f: a path or a binary file object to write the model to; None returns it instead.
        kwargs: keyword arguments for the forward call.
        input_names, output_names: graph names (default ``input``/``output`` for one,
            ``input_0``, ``input_1``, ... for several).
        opset_version: the ONNX opset to declare (default 17; 13 or newer).
        dynamic_axes: ``{name: {axis: symbol}}`` or ``{name: [axes]}``: exactly these
            input/output dimensions are symbolic in the file, every other one is fixed.
        verbose: print the graph when true. ``dynamo``, ``export_params``,
            ``do_constant_folding`` are accepted for compatibility (the tracer always
            embeds the weights and folds constants).

    Returns:
        None when ``f`` is given (the file is written), else the ``onnx.ModelProto``.

    Raises:
        UnsupportedOperatorError: the forward used an op without an ONNX mapping.
        OnnxExporterError: an output does not depend on the inputs, or a bad argument.
    """
    proto, _ = _trace_model(model, args, kwargs, input_names, output_names, opset_version,
                            dynamic_axes, dynamic_shapes, keep_initializers_as_inputs)
    if verbose:
        print(helper.printable_graph(proto.graph))
    if f is None:
        return proto
    if hasattr(f, "write"):
        f.write(proto.SerializeToString())
    else:
        onnx.save(proto, os.fspath(f))
    return None


def _export(model: Any, args: Any = (), f: str | os.PathLike[str] | Any | None = None,
            **options: Any) -> Any:
    """PyTorch 1.x's private ``torch.onnx._export``: export as :func:`export` does and
    return the model's output of the traced forward pass (what old scripts read)."""
    proto, result = _trace_model(model, args, options.get("kwargs"),
                                 options.get("input_names"), options.get("output_names"),
                                 options.get("opset_version"), options.get("dynamic_axes"),
                                 None, False)
    if f is not None and hasattr(f, "write"):
        f.write(proto.SerializeToString())
    elif f is not None:
        onnx.save(proto, os.fspath(f))
    return result


def _trace_model(model: Any, args: Any, kwargs: Mapping[str, Any] | None,
                 input_names: Sequence[str] | None, output_names: Sequence[str] | None,
                 opset_version: int | None, dynamic_axes: Any, dynamic_shapes: Any,
                 keep_initializers_as_inputs: bool) -> tuple[onnx.ModelProto, Any]:
    """The checked ModelProto and the model's output of the traced pass."""
    if dynamic_shapes is not None:
        raise OnnxExporterError("dynamic_shapes is not supported; name the symbolic "
                                "dimensions with dynamic_axes={name: {axis: symbol}}")
    if keep_initializers_as_inputs:
        raise OnnxExporterError("keep_initializers_as_inputs=True is not supported")
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if opset < MIN_OPSET or opset > onnx.defs.onnx_opset_version():
        raise OnnxExporterError(f"opset_version must be in [{MIN_OPSET}, "
                                f"{onnx.defs.onnx_opset_version()}], got {opset_version}")
    call_args, call_kwargs = _split_args(args, kwargs)
    inputs = _tensors(call_args)
    in_names = _names(input_names, len(inputs), "input")
    g, outputs, out_names, result = _build(model, call_args, call_kwargs, in_names, output_names,
                                           opset, perturb=False)
    # A value computed from the inputs outside the engine's ops (NumPy on a Tensor's array)
    # would be baked in as a constant: trace again on the inputs' values permuted and
    # refuse the export if any constant or node changed.
    g2, _, _, _ = _build(model, call_args, call_kwargs, in_names, output_names, opset,
                         perturb=True)
    _same_graph(g, g2)
    axes = _dynamic_axes(dynamic_axes, in_names + out_names)
    graph_outputs = [_value_info(name, t._data, axes.get(name, {}))
                     for t, name in zip(outputs, out_names)]
    graph_inputs = [_value_info(n, t._data, axes.get(n, {})) for n, t in zip(in_names, inputs)]
    graph = helper.make_graph(g.nodes, type(model).__name__, graph_inputs, graph_outputs,
                              initializer=g.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="numbagrad")
    proto.ir_version = min(proto.ir_version, _max_ir(opset))
    onnx.checker.check_model(proto, full_check=True)
    return proto, result


def _build(model: Any, call_args: list[Any], call_kwargs: dict[str, Any], in_names: list[str],
           output_names: Sequence[str] | None, opset: int, perturb: bool
           ) -> tuple[Graph, list[Tensor], list[str], Any]:
    """Trace ``model`` once: the pruned graph, the output Tensors, their names, the result."""
    g = Graph(opset)
    tracer = Tracer(g)
    traced = [_traceable(t, perturb) for t in _tensors(call_args)]
    for t, name in zip(traced, in_names):
        tracer.bind(t, name)
    it = iter(traced)
    call = _replace_tensors(call_args, lambda _: next(it))
    with _eval_mode(model), enable_grad(), tracer, traced_helpers(tracer):
        result = model(*call, **call_kwargs)
    outputs = _flatten(result)
    out_names = _names(output_names, len(outputs), "output")
    for t, name in zip(outputs, out_names):
        value = tracer.name_of(t)
        if value is None:
            raise OnnxExporterError(f"output {name!r} does not depend on the model's inputs")
        g.nodes.append(helper.make_node("Identity", [value], [name], name=g.fresh("output")))
    g.prune(out_names)
    return g, outputs, out_names, result


def _same_graph(g: Graph, other: Graph) -> None:
    """Raise unless two traces (on different input values) gave the same graph."""
    ops = [(n.op_type, list(n.input)) for n in g.nodes]
    if ops != [(n.op_type, list(n.input)) for n in other.nodes]:
        raise OnnxExporterError(
            "the traced graph depends on the input values (data-dependent control flow or "
            "a value computed outside the engine's ops): this forward cannot be exported")
    for a, b in zip(g.initializers, other.initializers):
        x, y = numpy_helper.to_array(a), numpy_helper.to_array(b)
        if a.name != b.name or x.shape != y.shape or not np.array_equal(
                x, y, equal_nan=x.dtype.kind in "fc"):
            users = [n.op_type for n in g.nodes if a.name in n.input]
            raise OnnxExporterError(
                f"a constant fed to {'/'.join(users) or 'a node'} (shape {x.shape}) changes "
                f"with the input values: it was computed from the inputs outside the "
                f"engine's ops (e.g. with NumPy on a Tensor's array), so this forward cannot "
                f"be exported faithfully")


def _max_ir(opset: int) -> int:
    """The newest IR version ONNX Runtimes that know ``opset`` read (the helper's
    table; the newest IR otherwise)."""
    for entry in helper.VERSION_TABLE:
        if entry[2] == opset:
            return int(entry[1])
    return int(onnx.IR_VERSION)


def _tensors(obj: Any) -> list[Tensor]:
    """The Tensors of nested tuples/lists (the graph's inputs, in order: PyTorch flattens
    ``(x, (h, c))`` the same way)."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in _tensors(o)]
    return []


def _replace_tensors(obj: Any, fn: Any) -> Any:
    """``obj`` with each Tensor replaced by ``fn(tensor)``, the structure kept."""
    if isinstance(obj, Tensor):
        return fn(obj)
    if isinstance(obj, (tuple, list)):
        return type(obj)(_replace_tensors(o, fn) for o in obj)
    return obj


def _split_args(args: Any, kwargs: Mapping[str, Any] | None) -> tuple[list[Any], dict[str, Any]]:
    if isinstance(args, Tensor):
        args = (args,)
    args = list(args)
    kw = dict(kwargs or {})
    if args and isinstance(args[-1], dict):
        kw.update(args.pop())
    return args, kw


def _traceable(t: Tensor, perturb: bool = False) -> Tensor:
    """A fresh leaf with ``t``'s values (with ``perturb``, the same values in another order);
    floating ones require grad so every op that reads them records a node (the tracer keys
    values by node)."""
    c = t.detach().clone()
    if perturb and c.numel() > 1:
        flat = c._data.reshape(-1)
        flat[:] = np.roll(flat.copy(), 1)
    if c.is_floating_point():
        c.requires_grad_(True)
    return c


def _names(given: Sequence[str] | None, n: int, stem: str) -> list[str]:
    names = list(given or [])
    if len(names) > n:
        raise OnnxExporterError(f"{len(names)} {stem} names given for {n} {stem}s")
    defaults = [stem] if n == 1 else [f"{stem}_{i}" for i in range(n)]
    names += defaults[len(names):]
    if len(set(names)) != n:
        raise OnnxExporterError(f"{stem} names must be unique, got {names}")
    return names


def _dynamic_axes(spec: Mapping[str, Any] | None, names: list[str]) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    for name, axes in (spec or {}).items():
        if name not in names:
            raise OnnxExporterError(f"dynamic_axes names {name!r}, which is neither an input "
                                    f"nor an output (they are {names})")
        if isinstance(axes, Mapping):
            out[name] = {int(k): str(v) for k, v in axes.items()}
        else:  # a list of axes: PyTorch's generated symbol names
            out[name] = {int(k): f"{name}_dynamic_axes_{i + 1}" for i, k in enumerate(axes)}
    return out


def _value_info(name: str, a: np.ndarray, dyn: dict[int, str]) -> onnx.ValueInfoProto:
    nd = a.ndim
    bad = [k for k in dyn if not -nd <= k < nd]
    if bad:
        raise OnnxExporterError(f"dynamic_axes for {name!r}: axis {bad[0]} is out of range "
                                f"for a tensor of shape {a.shape}")
    sym = {k % nd: v for k, v in dyn.items()}
    shape = [sym.get(i, int(d)) for i, d in enumerate(a.shape)]
    return helper.make_tensor_value_info(name, onnx_dtype(a.dtype), shape)


def _flatten(result: Any) -> list[Tensor]:
    if isinstance(result, Tensor):
        return [result]
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in _flatten(r)]
    if isinstance(result, Mapping):
        return [t for r in result.values() for t in _flatten(r)]
    raise OnnxExporterError(f"the model returned {type(result).__name__}; expected Tensors "
                            f"(or tuples, lists, dicts of them)")


@contextlib.contextmanager
def _eval_mode(model: Any) -> Iterator[None]:
    """Eval mode while tracing (Dropout is the identity, BatchNorm uses running stats)."""
    modules = list(model.modules()) if hasattr(model, "modules") else []
    flags = [m.training for m in modules]
    for m in modules:
        m.training = False
    try:
        yield
    finally:
        for m, flag in zip(modules, flags):
            m.training = flag
