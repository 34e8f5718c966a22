"""Draw the recorded graph behind a tensor with Graphviz (as torchviz's ``make_dot``).

``to_dot(y)`` walks ``y.grad_fn`` and its ``next_functions`` and returns a
``graphviz.Digraph``: one box per op (``MulBackward`` ...) labelled with the op's output
shape, one node per leaf tensor that requires grad (its name when ``params`` names it,
and its shape), constants that do not require grad in grey, and the output tensor in
green. In Jupyter the returned object renders inline when the Graphviz ``dot`` program
is installed; ``.source`` gives the DOT text without it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .node import AccumulateGrad, Node
from .tensor import Tensor

if TYPE_CHECKING:
    import graphviz

__all__ = ["to_dot"]

_LEAF = dict(shape="box", style="filled", fillcolor="lightblue")
_CONST = dict(shape="box", style="filled", fillcolor="lightgrey")
_OUT = dict(shape="box", style="filled", fillcolor="darkolivegreen1")
_OP = dict(shape="box", style="rounded,filled", fillcolor="white")


def _shape(shape) -> str:
    return str(tuple(int(s) for s in shape))  # "(4,)" for 1-d, "()" for 0-d, as Python prints


def to_dot(tensor: Tensor | Sequence[Tensor], params: Mapping[str, Tensor] | None = None,
           show_constants: bool = True,
           graph_attr: Mapping[str, str] | None = None) -> graphviz.Digraph:
    """Build a Graphviz digraph of the graph that produced ``tensor`` (or several tensors).

    Args:
        tensor: a Tensor, or a sequence of Tensors drawn as joint outputs.
        params: optional ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``)
            used to label leaf tensors.
        show_constants: also draw op inputs that do not require grad (only available
            before backward frees the graph).
        graph_attr: extra Graphviz graph attributes (e.g. ``{"rankdir": "LR"}``).

    Returns:
        A ``graphviz.Digraph``; edges point in the forward direction (input -> op -> output).

    Raises:
        ImportError: when the ``graphviz`` Python package is missing.
    """
    try:
        import graphviz
    except ImportError as e:
        raise ImportError("to_dot needs the graphviz Python package: pip install graphviz "
                          "(and the Graphviz 'dot' program to render images)") from e
    outputs = [tensor] if isinstance(tensor, Tensor) else list(tensor)
    names = {id(t): n for n, t in (params or {}).items()}
    attrs = {"rankdir": "TB", "fontsize": "10"}
    attrs.update(graph_attr or {})
    dot = graphviz.Digraph(graph_attr=attrs, node_attr={"fontsize": "10", "fontname": "Helvetica"})
    seen: set = set()

    def nid(obj) -> str:
        return str(id(obj))

    def add_tensor(t: Tensor, style: dict, prefix: str = "") -> str:
        key = "t" + nid(t)
        if key not in seen:
            seen.add(key)
            parts = [p for p in (prefix, names.get(id(t), "")) if p] + [_shape(t.shape)]
            dot.node(key, "\n".join(parts), **style)
        return key

    stack: list[Any] = []  # graph nodes (Node, or a custom Function's node)
    for i, out in enumerate(outputs):
        prefix = "output" if len(outputs) == 1 else f"output {i}"
        key = add_tensor(out, _OUT, prefix)
        if out.grad_fn is not None:
            fn = getattr(out.grad_fn, "node", out.grad_fn)  # multi-output: the owning node
            dot.edge(nid(fn), key)
            stack.append(fn)
    while stack:
        fn = stack.pop()
        if nid(fn) in seen:
            continue
        seen.add(nid(fn))
        out_arr = getattr(fn, "_out", None) if isinstance(fn, Node) else None
        label = fn.name() if hasattr(fn, "name") else type(fn).__name__
        if out_arr is not None:
            label += "\n" + _shape(out_arr.shape)
        dot.node(nid(fn), label, **_OP)
        for nxt, _ in fn.next_functions:
            if nxt is None:
                continue
            if isinstance(nxt, AccumulateGrad):
                dot.edge(add_tensor(nxt.variable, _LEAF), nid(fn))
            else:
                dot.edge(nid(nxt), nid(fn))
                stack.append(nxt)
        if show_constants and isinstance(fn, Node) and not fn._freed:
            for x in fn._inputs:
                if isinstance(x, Tensor) and not x.requires_grad:
                    dot.edge(add_tensor(x, _CONST), nid(fn), style="dashed")
    return dot
