"""autograd.viz.to_dot: the DOT source of a recorded graph (no Graphviz binary needed)."""
import pytest

import autograd

graphviz = pytest.importorskip("graphviz", reason="to_dot needs the graphviz Python package")
from autograd.viz import to_dot  # noqa: E402


def _graph():
    w = autograd.randn(3, 4, requires_grad=True)
    b = autograd.zeros(4, requires_grad=True)
    x = autograd.randn(2, 3)
    y = ((x @ w + b).relu()).sum()
    return x, w, b, y


def test_ops_shapes_leaves_and_constants_in_source():
    x, w, b, y = _graph()
    dot = to_dot(y, params={"weight": w, "bias": b})
    assert isinstance(dot, graphviz.Digraph)
    src = dot.source
    for op in ("SumBackward", "ReLUBackward", "MatMulBackward", "AddBackward"):
        assert op in src
    assert "weight\n(3, 4)" in src and "bias\n(4,)" in src
    assert "(2, 4)" in src  # the matmul's output shape
    assert "output\n()" in src
    assert "lightblue" in src  # leaves that require grad
    assert "lightgrey" in src and "(2, 3)" in src  # the constant input x
    # one node statement per op / tensor: 4 ops + 2 leaves + 1 constant + 1 output
    assert src.count("[label=") == 8


def test_edges_point_forward():
    _, w, _, y = _graph()
    src = to_dot(y, params={"w": w}).source
    wid, mm = f"t{id(w)}", str(id(y.grad_fn.next_functions[0][0].next_functions[0][0]
                                  .next_functions[0][0]))
    assert f"{wid} -> {mm}" in src


def test_after_backward_graph_shape_kept_constants_dropped():
    _, w, b, y = _graph()
    y.backward()
    src = to_dot(y).source
    assert "MatMulBackward" in src and "(3, 4)" in src and "lightgrey" not in src


def test_multiple_outputs_and_no_graph():
    w = autograd.randn(2, requires_grad=True)
    a, c = w * 2, w.exp()
    src = to_dot([a, c]).source
    assert "output 0" in src and "output 1" in src and src.count("lightblue") == 1
    plain = to_dot(autograd.ones(3)).source
    assert "output\n(3,)" in plain and "->" not in plain


def test_custom_function_node_is_named():
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
