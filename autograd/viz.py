"""Draw the recorded graph behind a tensor (as torchviz's ``make_dot``).

``draw(y)`` walks ``y.grad_fn`` and its ``next_functions`` and returns a ``Graph``: one
box per op (``MulBackward`` ...) labelled with the op's output shape, one node per leaf
tensor that requires grad (its name when ``params`` names it, and its shape), constants
that do not require grad in grey, and the output tensor in green. In Jupyter it renders
inline: through Graphviz when its ``dot`` program is installed, otherwise as an SVG this
module lays out itself (a layered drawing, inputs at the top, the output at the bottom),
so a notebook never shows raw DOT text or a traceback. ``to_dot(y)`` returns the same
graph as a ``graphviz.Digraph`` (needs the ``graphviz`` Python package) for DOT text and
files; it too falls back to the built-in SVG in a notebook when ``dot`` is missing.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from .node import AccumulateGrad, Node
from .tensor import Tensor

if TYPE_CHECKING:
    import graphviz

__all__ = ["Graph", "draw", "to_dot"]

_LEAF = dict(shape="box", style="filled", fillcolor="lightblue")
_CONST = dict(shape="box", style="filled", fillcolor="lightgrey")
_OUT = dict(shape="box", style="filled", fillcolor="darkolivegreen1")
_OP = dict(shape="box", style="rounded,filled", fillcolor="white")
_STYLES = {"leaf": _LEAF, "const": _CONST, "out": _OUT, "op": _OP}
# the same colours as SVG values (Graphviz's X11 names; darkolivegreen1 is not a CSS name)
_SVG_FILL = {"leaf": "#add8e6", "const": "#d3d3d3", "out": "#caff70", "op": "#ffffff"}

# built-in SVG geometry, in pixels: 11 px Helvetica averages about 6.2 px a character
_FONT, _CHAR_W, _LINE_H, _PAD_X, _PAD_Y, _GAP_X, _GAP_Y = 11, 6.2, 14, 10, 6, 18, 36


def _shape(shape) -> str:
    return str(tuple(int(s) for s in shape))  # "(4,)" for 1-d, "()" for 0-d, as Python prints


@dataclass
class _Box:
    key: str
    label: str   # lines separated by "\n"
    kind: str    # "op", "leaf", "const" or "out"


@dataclass
class _Walk:
    """The graph as plain data: boxes in discovery order and forward edges."""

    boxes: dict[str, _Box] = field(default_factory=dict)
    edges: list[tuple[str, str, bool]] = field(default_factory=list)  # (src, dst, dashed)


def _walk(tensor: Tensor | Sequence[Tensor], params: Mapping[str, Tensor] | None,
          show_constants: bool) -> _Walk:
    outputs = [tensor] if isinstance(tensor, Tensor) else list(tensor)
    names = {id(t): n for n, t in (params or {}).items()}
    g = _Walk()
    seen: set = set()

    def nid(obj) -> str:
        return str(id(obj))

    def add_tensor(t: Tensor, kind: str, prefix: str = "") -> str:
        key = "t" + nid(t)
        if key not in g.boxes:
            parts = [p for p in (prefix, names.get(id(t), "")) if p] + [_shape(t.shape)]
            g.boxes[key] = _Box(key, "\n".join(parts), kind)
        return key

    stack: list[Any] = []  # graph nodes (Node, or a custom Function's node)
    for i, out in enumerate(outputs):
        prefix = "output" if len(outputs) == 1 else f"output {i}"
        key = add_tensor(out, "out", prefix)
        if out.grad_fn is not None:
            fn = getattr(out.grad_fn, "node", out.grad_fn)  # multi-output: the owning node
            g.edges.append((nid(fn), key, False))
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
        g.boxes[nid(fn)] = _Box(nid(fn), label, "op")
        for nxt, _ in fn.next_functions:
            if nxt is None:
                continue
            if isinstance(nxt, AccumulateGrad):
                g.edges.append((add_tensor(nxt.variable, "leaf"), nid(fn), False))
            else:
                g.edges.append((nid(nxt), nid(fn), False))
                stack.append(nxt)
        if show_constants and isinstance(fn, Node) and not fn._freed:
            for x in fn._inputs:
                if isinstance(x, Tensor) and not x.requires_grad:
                    g.edges.append((add_tensor(x, "const"), nid(fn), True))
    return g


def _digraph(g: _Walk, graph_attr: Mapping[str, str] | None) -> graphviz.Digraph:
    try:
        import graphviz
    except ImportError as e:
        raise ImportError("to_dot needs the graphviz Python package: pip install graphviz "
                          "(and the Graphviz 'dot' program to render images); draw() needs "
                          "neither") from e

    class _Digraph(graphviz.Digraph):
        """A ``graphviz.Digraph`` that shows the built-in SVG in Jupyter without ``dot``."""

        def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except graphviz.ExecutableNotFound:
                return {"image/svg+xml": _svg(g)}

    attrs = {"rankdir": "TB", "fontsize": "10"}
    attrs.update(graph_attr or {})
    dot = _Digraph(graph_attr=attrs, node_attr={"fontsize": "10", "fontname": "Helvetica"})
    for box in g.boxes.values():
        dot.node(box.key, box.label, **_STYLES[box.kind])
    for src, dst, dashed in g.edges:
        if dashed:
            dot.edge(src, dst, style="dashed")
        else:
            dot.edge(src, dst)
    return dot


def _layers(g: _Walk) -> list[list[str]]:
    """Boxes by layer (longest path from a source), each layer ordered to cut crossings."""
    preds: dict[str, list[str]] = {k: [] for k in g.boxes}
    succs: dict[str, list[str]] = {k: [] for k in g.boxes}
    for src, dst, _ in g.edges:
        if dst not in preds[src] and src not in preds[dst]:  # one edge per pair
            preds[dst].append(src)
            succs[src].append(dst)
    level: dict[str, int] = {}

    def depth(k: str) -> int:  # iterative longest-path: graphs can be thousands of ops deep
        todo = [k]
        while todo:
            cur = todo[-1]
            missing = [p for p in preds[cur] if p not in level]
            if missing:
                todo.extend(missing)
                continue
            todo.pop()
            level[cur] = 1 + max((level[p] for p in preds[cur]), default=-1)
        return level[k]

    for k in g.boxes:
        depth(k)
    # constants and leaves sit just above their first consumer, not all at the very top
    for k in g.boxes:
        if not preds[k] and succs[k]:
            level[k] = min(level[s] for s in succs[k]) - 1
    layers: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for k in g.boxes:  # discovery order: output first, then its inputs depth first
        layers[level[k]].append(k)
    pos = {k: float(i) for layer in layers for i, k in enumerate(layer)}
    for _ in range(4):  # barycentre sweeps, down then up
        for layer, nbrs in [(layer, preds) for layer in layers[1:]] + \
                           [(layer, succs) for layer in reversed(layers[:-1])]:
            bary = {k: (sum(pos[n] for n in nbrs[k]) / len(nbrs[k]) if nbrs[k] else pos[k])
                    for k in layer}
            layer.sort(key=lambda k: bary[k])
            pos.update({k: float(i) for i, k in enumerate(layer)})
    return layers


def _svg(g: _Walk) -> str:
    """A self-contained SVG drawing of ``g``: layered, top to bottom, straight edges."""
    layers = _layers(g)
    size: dict[str, tuple[float, float]] = {}
    for k, box in g.boxes.items():
        lines = box.label.split("\n")
        size[k] = (max(len(s) for s in lines) * _CHAR_W + 2 * _PAD_X,
                   len(lines) * _LINE_H + 2 * _PAD_Y)
    widths = [sum(size[k][0] for k in layer) + _GAP_X * max(len(layer) - 1, 0) for layer in layers]
    total_w = max(widths, default=0.0) + 2 * _GAP_X
    centre: dict[str, tuple[float, float]] = {}
    y = float(_GAP_X)
    for layer, w in zip(layers, widths):
        h = max(size[k][1] for k in layer)
        x = (total_w - w) / 2
        for k in layer:
            centre[k] = (x + size[k][0] / 2, y + h / 2)
            x += size[k][0] + _GAP_X
        y += h + _GAP_Y
    total_h = y - _GAP_Y + _GAP_X
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" '
           f'height="{total_h:.0f}" viewBox="0 0 {total_w:.0f} {total_h:.0f}" '
           f'font-family="Helvetica, Arial, sans-serif" font-size="{_FONT}">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>'
           '</defs>']
    for src, dst, dashed in g.edges:
        (x0, y0), (x1, y1) = centre[src], centre[dst]
        y0 += size[src][1] / 2 * (1 if y1 > y0 else -1)
        y1 -= size[dst][1] / 2 * (1 if y1 > y0 else -1)
        dash = ' stroke-dasharray="4,3"' if dashed else ""
        out.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
                   f'stroke="#333"{dash} marker-end="url(#arrow)"/>')
    for k, box in g.boxes.items():
        (cx, cy), (w, h) = centre[k], size[k]
        rx = 6 if box.kind == "op" else 0
        out.append(f'<g class="{box.kind}"><rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" '
                   f'width="{w:.1f}" height="{h:.1f}" rx="{rx}" fill="{_SVG_FILL[box.kind]}" '
                   f'stroke="#333"/>')
        lines = box.label.split("\n")
        for i, line in enumerate(lines):
            ty = cy + (i - (len(lines) - 1) / 2) * _LINE_H + _FONT * 0.35
            out.append(f'<text x="{cx:.1f}" y="{ty:.1f}" text-anchor="middle">'
                       f'{escape(line)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def _dot_available() -> bool:
    import shutil
    if shutil.which("dot") is None:
        return False
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return True


class Graph:
    """A drawn autograd graph (see ``draw``) that renders itself in Jupyter.

    ``_repr_svg_`` uses Graphviz when the ``graphviz`` package and its ``dot`` program are
    both installed, and otherwise the built-in layered SVG: never raw DOT, never a
    traceback. ``svg()`` gives the SVG text, ``save(path)`` writes it, ``to_dot()`` the
    ``graphviz.Digraph``.

    Attributes:
        use_graphviz: whether ``svg()`` asks Graphviz (detected when the Graph is made;
            set it to False for the built-in drawing).
    """

    def __init__(self, walk: _Walk, graph_attr: Mapping[str, str] | None = None,
                 use_graphviz: bool | None = None) -> None:
        self._walk = walk
        self._graph_attr = dict(graph_attr or {})
        self.use_graphviz = _dot_available() if use_graphviz is None else use_graphviz

    def to_dot(self) -> graphviz.Digraph:
        """The graph as a ``graphviz.Digraph`` (needs the ``graphviz`` Python package)."""
        return _digraph(self._walk, self._graph_attr)

    def svg(self) -> str:
        """The drawing as SVG text: Graphviz's when ``use_graphviz``, else the built-in one."""
        if self.use_graphviz:
            return self.to_dot().pipe(format="svg", encoding="utf-8")
        return _svg(self._walk)

    def save(self, path: str) -> str:
        """Write ``svg()`` to ``path`` (e.g. ``results/graph.svg``); returns ``path``."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.svg())
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def __repr__(self) -> str:
        ops = sum(b.kind == "op" for b in self._walk.boxes.values())
        return f"<autograd.viz.Graph: {ops} ops, {len(self._walk.boxes) - ops} tensors>"


def draw(tensor: Tensor | Sequence[Tensor], params: Mapping[str, Tensor] | None = None,
         show_constants: bool = True, graph_attr: Mapping[str, str] | None = None) -> Graph:
    """Draw the graph that produced ``tensor`` (or several tensors); no dependency needed.

    Args:
        tensor: a Tensor, or a sequence of Tensors drawn as joint outputs.
        params: optional ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``)
            used to label leaf tensors.
        show_constants: also draw op inputs that do not require grad (only available
            before backward frees the graph).
        graph_attr: extra Graphviz graph attributes (e.g. ``{"rankdir": "LR"}``); the
            built-in drawing is always top to bottom.

    Returns:
        A ``Graph``, shown inline by Jupyter; edges point in the forward direction.
    """
    return Graph(_walk(tensor, params, show_constants), graph_attr)


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
        A ``graphviz.Digraph``; edges point in the forward direction (input -> op ->
        output). ``.source`` is the DOT text; in Jupyter it renders with ``dot`` when that
        is installed and as the built-in SVG otherwise.

    Raises:
        ImportError: when the ``graphviz`` Python package is missing (``draw`` works
            without it).
    """
    return _digraph(_walk(tensor, params, show_constants), graph_attr)
