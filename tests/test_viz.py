"""autograd.viz: ``to_dot``'s DOT source of a recorded graph and ``draw``'s built-in SVG
(neither needs the Graphviz ``dot`` binary; ``to_dot`` needs the graphviz package)."""
import shutil
import xml.etree.ElementTree as ET

import pytest

import autograd
import nn
from autograd.viz import Graph, draw, to_dot

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def graphviz():
    return pytest.importorskip("graphviz", reason="to_dot needs the graphviz Python package")


def _graph():
    w = autograd.randn(3, 4, requires_grad=True)
    b = autograd.zeros(4, requires_grad=True)
    x = autograd.randn(2, 3)
    y = ((x @ w + b).relu()).sum()
    return x, w, b, y


def test_ops_shapes_leaves_and_constants_in_source(graphviz):
    x, w, b, y = _graph()
    dot = to_dot(y, params={"weight": w, "bias": b})
    assert isinstance(dot, graphviz.Digraph)
    src = dot.source
    for op in ("SumBackward", "ReluBackward", "MmBackward", "AddBackward"):
        assert op in src
    assert "weight\n(3, 4)" in src and "bias\n(4,)" in src
    assert "(2, 4)" in src  # the matmul's output shape
    assert "output\n()" in src
    assert "lightblue" in src  # leaves that require grad
    assert "lightgrey" in src and "(2, 3)" in src  # the constant input x
    # one node statement per op / tensor: 4 ops + 2 leaves + 1 constant + 1 output
    assert src.count("[label=") == 8


def test_edges_point_forward(graphviz):
    _, w, _, y = _graph()
    src = to_dot(y, params={"w": w}).source
    wid, mm = f"t{id(w)}", str(id(y.grad_fn.next_functions[0][0].next_functions[0][0]
                                  .next_functions[0][0]))
    assert f"{wid} -> {mm}" in src


def test_after_backward_graph_shape_kept_constants_dropped(graphviz):
    _, w, b, y = _graph()
    y.backward()
    src = to_dot(y).source
    assert "MmBackward" in src and "(3, 4)" in src and "lightgrey" not in src


def test_multiple_outputs_and_no_graph(graphviz):
    w = autograd.randn(2, requires_grad=True)
    a, c = w * 2, w.exp()
    src = to_dot([a, c]).source
    assert "output 0" in src and "output 1" in src and src.count("lightblue") == 1
    plain = to_dot(autograd.ones(3)).source
    assert "output\n(3,)" in plain and "->" not in plain


def test_custom_function_node_is_named(graphviz):
    class Square(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = autograd.randn(3, requires_grad=True)
    assert "SquareBackward" in to_dot(Square.apply(x).sum()).source


# -- the built-in SVG (no Graphviz at all) -------------------------------------------------
def _boxes(svg):
    """{label: (kind, x, y, w, h)} of the drawn boxes."""
    out = {}
    for g in ET.fromstring(svg).iter(SVG + "g"):
        r = g.find(SVG + "rect")
        label = "\n".join(t.text for t in g.findall(SVG + "text"))
        out[label] = (g.get("class"), *(float(r.get(k)) for k in ("x", "y", "width", "height")))
    return out


def test_builtin_svg_draws_every_box_without_overlap():
    _, w, b, y = _graph()
    g = draw(y, params={"weight": w, "bias": b})
    g.use_graphviz = False
    boxes = _boxes(g._repr_svg_())
    assert set(boxes) == {"output\n()", "SumBackward\n()", "ReluBackward\n(2, 4)",
                          "AddBackward\n(2, 4)", "MmBackward\n(2, 4)", "weight\n(3, 4)",
                          "bias\n(4,)", "(2, 3)"}
    assert boxes["weight\n(3, 4)"][0] == "leaf" and boxes["(2, 3)"][0] == "const"
    assert boxes["output\n()"][0] == "out" and boxes["MmBackward\n(2, 4)"][0] == "op"
    rects = list(boxes.values())
    for i, (_, x0, y0, w0, h0) in enumerate(rects):
        for _, x1, y1, w1, h1 in rects[i + 1:]:
            assert x0 + w0 <= x1 or x1 + w1 <= x0 or y0 + h0 <= y1 or y1 + h1 <= y0
    # inputs above the ops that use them, the output at the very bottom (forward order)
    top = {k: v[2] for k, v in boxes.items()}
    assert top["weight\n(3, 4)"] < top["MmBackward\n(2, 4)"] < top["AddBackward\n(2, 4)"] \
        < top["ReluBackward\n(2, 4)"] < top["SumBackward\n()"] < top["output\n()"]
    assert top["bias\n(4,)"] < top["AddBackward\n(2, 4)"]


def test_builtin_svg_edges_and_escaping():
    class Gt(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    w = autograd.randn(2, requires_grad=True)
    g = draw(Gt.apply(w) * autograd.ones(2), params={"<w>&": w})  # a name SVG must escape
    g.use_graphviz = False
    svg = g.svg()
    root = ET.fromstring(svg)  # well-formed XML despite the label
    assert "&lt;w&gt;&amp;" in svg
    lines = root.findall(SVG + "line")
    assert len(lines) == 4  # w -> Gt -> Mul -> output, and the dashed constant -> Mul
    assert sum(ln.get("stroke-dasharray") is not None for ln in lines) == 1


def test_graph_renders_for_a_model_and_after_backward(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    loss = nn.functional.cross_entropy(model(autograd.randn(5, 3)), autograd.tensor([0, 1, 0, 1, 1]))
    g = draw(loss, params=dict(model.named_parameters()))
    assert isinstance(g, Graph) and repr(g) == "<autograd.viz.Graph: 4 ops, 6 tensors>"
    g.use_graphviz = False
    labels = set(_boxes(g.svg()))
    assert {"AddmmBackward\n(5, 4)", "ReluBackward\n(5, 4)", "NllLossBackward\n()",
            "0.weight\n(4, 3)", "2.bias\n(2,)"} <= labels
    loss.backward()
    after = draw(loss)
    after.use_graphviz = False
    labels = set(_boxes(after.svg()))
    assert "AddmmBackward" in labels and "AddmmBackward\n(5, 4)" not in labels  # shapes freed
    assert "(5, 3)" not in labels  # the constant input is gone with the freed graph
    path = g.save(str(tmp_path / "graph.svg"))
    assert ET.parse(path).getroot().tag == SVG + "svg"


def test_to_dot_falls_back_to_builtin_svg_without_dot(graphviz, monkeypatch):
    _, w, _, y = _graph()
    dot = to_dot(y, params={"w": w})
    monkeypatch.setenv("PATH", "")  # no dot program whatever the machine has
    bundle = dot._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert "w\n(3, 4)" in _boxes(bundle["image/svg+xml"])


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs the Graphviz dot program")
def test_graphviz_rendering_when_dot_is_installed(graphviz):
    _, _, _, y = _graph()
    g = draw(y)
    assert g.use_graphviz and "MmBackward" in g.svg()
