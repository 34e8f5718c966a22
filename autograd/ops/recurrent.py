"""Recurrent layers and cells as differentiable ops.

Two kinds:

* Fused whole-sequence layers (``rnn_tanh_layer``, ``rnn_relu_layer``, ``gru_layer``,
  ``lstm_layer``): one graph node per layer and direction, forward and backward through
  time run by the kernels in ``autograd/kernels/rnn.py``. The node's single output is
  the hidden-state sequence (LSTM: with the final cell state appended as one more time
  row); ``h_n``/``c_n`` are derived from it by indexing, so gradients into either flow
  back through the one node. Their backward runs on arrays and is
  ``once_differentiable``: a double backward (``create_graph=True`` followed by a second
  differentiation) through a fused layer raises a clear error. Use the cells for that.
* Cells (``rnn_tanh_cell``, ``rnn_relu_cell``, ``gru_cell``, ``lstm_cell``): one time
  step composed of differentiable engine ops (matmul, sigmoid, tanh, ...), so they are
  twice differentiable.
* ``lstm_proj_layer``: the LSTM with a projected hidden state (PyTorch's
  ``proj_size``), composed step by step of engine ops (one GEMM for the input projection
  of all steps, then about 14 nodes per step): twice differentiable, and several times
  slower than the fused layers.

Shapes follow PyTorch: ``x[T, B, I]``, ``h0/c0[B, H]``, ``w_ih[G*H, I]``,
``w_hh[G*H, H]``, ``b_ih/b_hh[G*H]`` with G = 1 (RNN), 3 (GRU: r, z, n), 4 (LSTM: i, f, g, o).
"""
from __future__ import annotations

import numpy as np

from ..function import once_differentiable
from ..kernels import rnn as K
from ..node import Op, ShapeError
from ..tensor import Tensor, _wrap
from ._args import require_tensor
from .elementwise import relu, sigmoid, tanh
from .linalg import matmul
from .shape import stack

__all__ = ["rnn_tanh_layer", "rnn_relu_layer", "gru_layer", "lstm_layer", "lstm_proj_layer",
           "rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell"]


def _shape(a):
    return None if a is None else tuple(a.shape)


def _check(op, gates, x, h0, w_ih, w_hh, b_ih, b_hh, c0=None):
    """Name the op and the shapes when the layer's arguments do not fit together."""
    if x.ndim != 3:
        raise ShapeError(f"{op}: input must be 3-D [T, B, I], got shape {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise ShapeError(f"{op}: Expected sequence length to be larger than 0 in RNN, got input "
                         f"of shape {tuple(x.shape)} [T, B, I]")
    _, B, n_in = x.shape
    H = w_hh.shape[-1] if w_hh.ndim == 2 else -1
    want = {"w_ih": (gates * H, n_in), "w_hh": (gates * H, H), "h0": (B, H), "c0": (B, H),
            "b_ih": (gates * H,), "b_hh": (gates * H,)}
    got = {"w_ih": w_ih, "w_hh": w_hh, "h0": h0, "c0": c0, "b_ih": b_ih, "b_hh": b_hh}
    for name, a in got.items():
        if a is None:
            continue
        if tuple(a.shape) != want[name]:
            raise ShapeError(f"{op}: {name} has shape {tuple(a.shape)}, expected {want[name]} "
                             f"for input {tuple(x.shape)} and hidden size {H}")
        if a.dtype != x.dtype:
            raise TypeError(f"{op}: {name} has dtype {a.dtype} but input has dtype {x.dtype}; "
                            f"expected all floating arrays of one dtype")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got dtype {x.dtype}")


def _arr(t):
    return None if t is None else _wrap(t)


# ---------------------------------------------------------------------------
# Fused layers
# ---------------------------------------------------------------------------
class RNNLayer(Op):
    """Elman RNN over a sequence: out[T, B, H] (hidden state after every step)."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, *, relu, reverse):
        op = "rnn_relu_layer" if relu else "rnn_tanh_layer"
        _check(op, 1, x, h0, w_ih, w_hh, b_ih, b_hh)
        ctx.relu, ctx.reverse = relu, reverse
        return K.rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, relu=relu, reverse=reverse)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, h0, w_ih, w_hh, b_ih, b_hh = ctx.inputs
        out = ctx.output._data
        grads = K.rnn_backward(grad._data, x._data, h0._data, w_ih._data, w_hh._data, out,
                               has_bias=b_ih is not None or b_hh is not None, relu=ctx.relu,
                               reverse=ctx.reverse, need_dx=ctx.needs_input_grad[0])
        return tuple(_arr(g) if n else None for g, n in zip(grads, ctx.needs_input_grad))


class GRULayer(Op):
    """GRU over a sequence: out[T, B, H]; gate activations are kept on ctx for backward."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, *, reverse):
        _check("gru_layer", 3, x, h0, w_ih, w_hh, b_ih, b_hh)
        out, gates, hn = K.gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, reverse=reverse)
        ctx.gates, ctx.hn, ctx.reverse = gates, hn, reverse
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, h0, w_ih, w_hh, b_ih, b_hh = ctx.inputs
        out = ctx.output._data
        grads = K.gru_backward(grad._data, x._data, h0._data, w_ih._data, w_hh._data, out,
                               ctx.gates, ctx.hn, has_bias=b_ih is not None or b_hh is not None,
                               reverse=ctx.reverse, need_dx=ctx.needs_input_grad[0])
        return tuple(_arr(g) if n else None for g, n in zip(grads, ctx.needs_input_grad))


class LSTMLayer(Op):
    """LSTM over a sequence: out[T + 1, B, H] = hidden states of every step, then the
    cell state of the last processed step (the single-output form of (out, c_n))."""

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, *, reverse):
        _check("lstm_layer", 4, x, h0, w_ih, w_hh, b_ih, b_hh, c0=c0)
        out, cs, gates = K.lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=reverse)
        ctx.cs, ctx.gates, ctx.reverse = cs, gates, reverse
        c_last = cs[0] if reverse else cs[-1]
        T, B, H = out.shape
        res = np.empty((T + 1, B, H), dtype=out.dtype)
        res[:T] = out
        res[T] = c_last
        return res

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, h0, c0, w_ih, w_hh, b_ih, b_hh = ctx.inputs
        res = ctx.output._data
        g = grad._data
        T = res.shape[0] - 1
        grads = K.lstm_backward(g[:T], g[T], x._data, h0._data, c0._data, w_ih._data,
                                w_hh._data, res[:T], ctx.cs, ctx.gates,
                                has_bias=b_ih is not None or b_hh is not None,
                                reverse=ctx.reverse, need_dx=ctx.needs_input_grad[0])
        return tuple(_arr(gr) if n else None for gr, n in zip(grads, ctx.needs_input_grad))


def _layer_args(op, x, hs, w_ih, w_hh, b_ih, b_hh):
    """TypeErrors for non-Tensor arguments, before they reach the kernels."""
    require_tensor(op, x)
    for i, (name, a) in enumerate(hs + (("w_ih", w_ih), ("w_hh", w_hh))):
        require_tensor(op, a, name, i + 2)
    for name, a in (("b_ih", b_ih), ("b_hh", b_hh)):
        if a is not None:
            require_tensor(op, a, name)


def _empty_batch(x, w_hh):
    """The (T, 0, H) output for a batch of 0 sequences, still connected to the graph
    (PyTorch returns empty results here; the kernels need B > 0)."""
    return x[..., :1] * w_hh[0]


def _last(out, reverse):
    # the state after the last processed step: time T-1 forward, time 0 in reverse
    return out[0] if reverse else out[out.shape[0] - 1]


def rnn_tanh_layer(x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                   b_hh: Tensor | None = None, reverse: bool = False) -> tuple[Tensor, Tensor]:
    """One Elman RNN layer (tanh), one direction, fused over time.

    Args:
        x: [T, B, I]. h0: [B, H]. w_ih: [H, I]. w_hh: [H, H]. b_ih, b_hh: [H] or None.
        reverse: process from t = T-1 down to 0 (the backward direction of a
            bidirectional RNN); the output stays in input time order.

    Returns:
        (output [T, B, H], h_n [B, H]). Differentiable once (see module docstring).
    """
    _layer_args("rnn_tanh_layer", x, (("h0", h0),), w_ih, w_hh, b_ih, b_hh)
    if x.ndim == 3 and x.shape[1] == 0:
        _check("rnn_tanh_layer", 1, x, h0, w_ih, w_hh, b_ih, b_hh)
        return _empty_batch(x, w_hh), h0 * 1
    out = RNNLayer.apply(x, h0, w_ih, w_hh, b_ih, b_hh, relu=False, reverse=bool(reverse))
    return out, _last(out, reverse)


def rnn_relu_layer(x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                   b_hh: Tensor | None = None, reverse: bool = False) -> tuple[Tensor, Tensor]:
    """As ``rnn_tanh_layer`` with ReLU: ``h_t = relu(x_t W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    _layer_args("rnn_relu_layer", x, (("h0", h0),), w_ih, w_hh, b_ih, b_hh)
    if x.ndim == 3 and x.shape[1] == 0:
        _check("rnn_relu_layer", 1, x, h0, w_ih, w_hh, b_ih, b_hh)
        return _empty_batch(x, w_hh), h0 * 1
    out = RNNLayer.apply(x, h0, w_ih, w_hh, b_ih, b_hh, relu=True, reverse=bool(reverse))
    return out, _last(out, reverse)


def gru_layer(x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None, reverse: bool = False) -> tuple[Tensor, Tensor]:
    """One GRU layer, one direction, fused over time (PyTorch's r, z, n gates).

    Args:
        x: [T, B, I]. h0: [B, H]. w_ih: [3H, I]. w_hh: [3H, H]. b_ih, b_hh: [3H] or None.

    Returns:
        (output [T, B, H], h_n [B, H]).
    """
    _layer_args("gru_layer", x, (("h0", h0),), w_ih, w_hh, b_ih, b_hh)
    if x.ndim == 3 and x.shape[1] == 0:
        _check("gru_layer", 3, x, h0, w_ih, w_hh, b_ih, b_hh)
        return _empty_batch(x, w_hh), h0 * 1
    out = GRULayer.apply(x, h0, w_ih, w_hh, b_ih, b_hh, reverse=bool(reverse))
    return out, _last(out, reverse)


def lstm_layer(x: Tensor, h0: Tensor, c0: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
               b_hh: Tensor | None = None, reverse: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer, one direction, fused over time (PyTorch's i, f, g, o gates).

    Args:
        x: [T, B, I]. h0, c0: [B, H]. w_ih: [4H, I]. w_hh: [4H, H]. b_ih, b_hh: [4H] or None.

    Returns:
        (output [T, B, H], h_n [B, H], c_n [B, H]).
    """
    _layer_args("lstm_layer", x, (("h0", h0), ("c0", c0)), w_ih, w_hh, b_ih, b_hh)
    if x.ndim == 3 and x.shape[1] == 0:
        _check("lstm_layer", 4, x, h0, w_ih, w_hh, b_ih, b_hh, c0=c0)
        return _empty_batch(x, w_hh), h0 * 1, c0 * 1
    res = LSTMLayer.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=bool(reverse))
    T = res.shape[0] - 1
    out = res[:T]
    return out, _last(out, reverse), res[T]


def lstm_proj_layer(x: Tensor, h0: Tensor, c0: Tensor, w_ih: Tensor, w_hh: Tensor,
                    b_ih: Tensor | None, b_hh: Tensor | None, w_hr: Tensor,
                    reverse: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer with projection (PyTorch's ``proj_size``), one direction.

    ``a = x W_ih^T + b_ih + h W_hh^T + b_hh`` (gates i, f, g, o), ``c' = f * c + i * g``,
    ``h' = (o * tanh(c')) W_hr^T``.

    Args:
        x: [T, B, I]. h0: [B, P]. c0: [B, H]. w_ih: [4H, I]. w_hh: [4H, P].
        b_ih, b_hh: [4H] or None. w_hr: [P, H].

    Returns:
        (output [T, B, P], h_n [B, P], c_n [B, H]). Built from engine ops step by step
        (twice differentiable; slower than ``lstm_layer``).
    """
    op = "lstm_proj_layer"
    _layer_args(op, x, (("h0", h0), ("c0", c0)), w_ih, w_hh, b_ih, b_hh)
    require_tensor(op, w_hr, "w_hr", 8)
    if x.ndim != 3:
        raise ShapeError(f"{op}: input must be 3-D [T, B, I], got shape {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise ShapeError(f"{op}: Expected sequence length to be larger than 0 in RNN, got input "
                         f"of shape {tuple(x.shape)} [T, B, I]")
    T, B, n_in = x.shape
    if w_hr.ndim != 2:
        raise ShapeError(f"{op}: w_hr must be 2-D [P, H], got shape {tuple(w_hr.shape)}")
    P, H = w_hr.shape
    want = {"h0": (B, P), "c0": (B, H), "w_ih": (4 * H, n_in), "w_hh": (4 * H, P),
            "b_ih": (4 * H,), "b_hh": (4 * H,)}
    for name, a in (("h0", h0), ("c0", c0), ("w_ih", w_ih), ("w_hh", w_hh), ("b_ih", b_ih),
                    ("b_hh", b_hh)):
        if a is not None and tuple(a.shape) != want[name]:
            raise ShapeError(f"{op}: {name} has shape {tuple(a.shape)}, expected {want[name]} "
                             f"for input {tuple(x.shape)}, hidden size {H} and projection "
                             f"size {P}")
    xp = _affine(x, w_ih, b_ih)
    if b_hh is not None:
        xp = xp + b_hh
    w_hh_t, w_hr_t = w_hh.transpose(0, 1), w_hr.transpose(0, 1)
    h, c = h0, c0
    outs: list = [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        a = xp[t] + matmul(h, w_hh_t)
        s = sigmoid(a)
        c = s[..., H:2 * H] * c + s[..., :H] * tanh(a[..., 2 * H:3 * H])
        h = matmul(s[..., 3 * H:] * tanh(c), w_hr_t)
        outs[t] = h
    return stack(outs, 0), h, c


# ---------------------------------------------------------------------------
# Cells: composed of differentiable ops (twice differentiable)
# ---------------------------------------------------------------------------
def _check_cell(op, gates, input, states, w_ih, w_hh, b_ih, b_hh):
    """Name the cell and the shapes when its arguments do not fit together (PyTorch's
    RuntimeErrors: inconsistent input_size / hidden_size / batch size)."""
    require_tensor(op, input)
    for i, (name, a) in enumerate(states + (("w_ih", w_ih), ("w_hh", w_hh))):
        require_tensor(op, a, name, i + 2)
    if input.ndim != 2 or w_ih.ndim != 2 or w_hh.ndim != 2:
        raise ShapeError(f"{op}: expected input [B, I], w_ih [G*H, I] and w_hh [G*H, H] "
                         f"(2-D each), got shapes {tuple(input.shape)}, {tuple(w_ih.shape)}, "
                         f"{tuple(w_hh.shape)}")
    B, H = input.shape[0], w_hh.shape[1]
    want = {"w_ih": (gates * H, input.shape[1]), "w_hh": (gates * H, H),
            "b_ih": (gates * H,), "b_hh": (gates * H,)}
    for name, a in (("w_ih", w_ih), ("w_hh", w_hh), ("b_ih", b_ih), ("b_hh", b_hh)):
        if a is not None and tuple(a.shape) != want[name]:
            raise ShapeError(f"{op}: {name} has shape {tuple(a.shape)}, expected {want[name]} "
                             f"for input {tuple(input.shape)} and hidden size {H}")
    for name, s in states:
        if tuple(s.shape) != (B, H):
            raise ShapeError(f"{op}: {name} has shape {tuple(s.shape)}, expected {(B, H)} "
                             f"(batch {B}, hidden_size {H}) for input {tuple(input.shape)}")


def _affine(x, w, b):
    y = matmul(x, w.transpose(0, 1))
    return y if b is None else y + b


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One step ``tanh(input W_ih^T + b_ih + hx W_hh^T + b_hh)``. input [B, I], hx [B, H]."""
    _check_cell("rnn_tanh_cell", 1, input, (("hx", hx),), w_ih, w_hh, b_ih, b_hh)
    return tanh(_affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh))


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One step ``relu(input W_ih^T + b_ih + hx W_hh^T + b_hh)``."""
    _check_cell("rnn_relu_cell", 1, input, (("hx", hx),), w_ih, w_hh, b_ih, b_hh)
    return relu(_affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh))


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step (PyTorch's formula): returns h' [B, H].

    ``r = σ(W_ir x + b_ir + W_hr h + b_hr)``, ``z = σ(W_iz x + b_iz + W_hz h + b_hz)``,
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.
    """
    _check_cell("gru_cell", 3, input, (("hx", hx),), w_ih, w_hh, b_ih, b_hh)
    H = hx.shape[-1]
    gi = _affine(input, w_ih, b_ih)
    gh = _affine(hx, w_hh, b_hh)
    r = sigmoid(gi[..., :H] + gh[..., :H])
    z = sigmoid(gi[..., H:2 * H] + gh[..., H:2 * H])
    n = tanh(gi[..., 2 * H:] + r * gh[..., 2 * H:])
    return n + z * (hx - n)


def lstm_cell(input: Tensor, hx: Tensor, cx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step (gates i, f, g, o): returns (h' [B, H], c' [B, H])."""
    _check_cell("lstm_cell", 4, input, (("hx", hx), ("cx", cx)), w_ih, w_hh, b_ih, b_hh)
    H = hx.shape[-1]
    a = _affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)
    i = sigmoid(a[..., :H])
    f = sigmoid(a[..., H:2 * H])
    g = tanh(a[..., 2 * H:3 * H])
    o = sigmoid(a[..., 3 * H:])
    c = f * cx + i * g
    return o * tanh(c), c
