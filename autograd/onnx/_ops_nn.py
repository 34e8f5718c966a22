"""Converters for the layer ops: convolution and transposed convolution, pooling (max,
average, adaptive average) and the fused recurrent layers (ONNX's RNN/GRU/LSTM)."""
from __future__ import annotations

import numpy as np

from ..ops import conv as C
from ..ops import pool as P
from ..ops import recurrent as RNN
from ._trace import Event, converts


def _pads(p: tuple[int, ...]) -> list[int]:
    """Our (top, bottom, left, right) -> ONNX's (top, left, bottom, right)."""
    return [int(p[0]), int(p[2]), int(p[1]), int(p[3])]


@converts(C.Conv2d, C.Conv2dBias)
def _conv(ev: Event) -> str:
    a = ev.attrs
    ins = [ev.x(0), ev.x(1)] + ([ev.x(2)] if ev.cls is C.Conv2dBias else [])
    return str(ev.g.node("Conv", ins, kernel_shape=list(ev.arr(1).shape[2:]),
                         strides=list(a["stride"]), pads=_pads(a["padding"]),
                         dilations=list(a["dilation"]), group=int(a["groups"])))


@converts(C.Conv2dGradInput)
def _conv_transpose(ev: Event) -> str:
    # conv_transpose2d is the input gradient of a convolution: ONNX's ConvTranspose
    a = ev.attrs
    s, d, p = a["stride"], a["dilation"], a["padding"]
    k = ev.arr(1).shape[2:]
    size_in, size_out = ev.arr(0).shape[2:], ev.out.shape[2:]
    opad = [size_out[i] - ((size_in[i] - 1) * s[i] - p[2 * i] - p[2 * i + 1]
                           + d[i] * (k[i] - 1) + 1) for i in range(2)]
    return str(ev.g.node("ConvTranspose", [ev.x(0), ev.x(1)], kernel_shape=list(k),
                         strides=list(s), pads=_pads(p), dilations=list(d),
                         group=int(a["groups"]), output_padding=[int(o) for o in opad]))


@converts(P.MaxPool2d)
def _max_pool(ev: Event) -> str:
    a = ev.attrs
    ph, pw = a["padding"]
    return str(ev.g.node("MaxPool", [ev.x(0)], kernel_shape=list(a["kernel_size"]),
                         strides=list(a["stride"]), pads=[ph, pw, ph, pw],
                         dilations=list(a["dilation"]), ceil_mode=int(a["ceil_mode"])))


@converts(P.AvgPool2d)
def _avg_pool(ev: Event) -> str:
    k, s, p, ceil, include_pad, divisor = ev.attrs["geom"]
    if divisor is not None:
        raise ev.unsupported("avg_pool with divisor_override")
    if ceil:
        raise ev.unsupported("avg_pool with ceil_mode=True")
    return str(ev.g.node("AveragePool", [ev.x(0)], kernel_shape=list(k), strides=list(s),
                         pads=[p[0], p[1], p[0], p[1]], count_include_pad=int(include_pad)))


@converts(P.AdaptiveAvgPool2d)
def _adaptive_avg_pool(ev: Event) -> str:
    size_in, size_out = ev.arr(0).shape[2:], ev.out.shape[2:]
    if tuple(size_out) == (1, 1):
        return str(ev.g.node("GlobalAveragePool", [ev.x(0)]))
    if any(i % o for i, o in zip(size_in, size_out)):
        raise ev.unsupported(f"adaptive_avg_pool from {tuple(size_in)} to {tuple(size_out)} "
                             f"(only output sizes that divide the input map to AveragePool)")
    k = [i // o for i, o in zip(size_in, size_out)]
    return str(ev.g.node("AveragePool", [ev.x(0)], kernel_shape=k, strides=k))


def _weights(ev: Event, first: int, order: list[int], gates: int) -> list[str]:
    """W, R and B inputs of an ONNX recurrent op from our (w_ih, w_hh, b_ih, b_hh) at
    ``first``; ``order`` lists our gate blocks in ONNX's gate order."""
    if any(ev.names[first + i] is not None for i in range(4)):
        raise ev.unsupported("recurrent weights computed from the inputs")
    w_ih, w_hh = ev.arr(first), ev.arr(first + 1)
    H = w_hh.shape[1]

    def reorder(m: np.ndarray) -> np.ndarray:
        return np.concatenate([m[j * H:(j + 1) * H] for j in order])[None]

    ins = [ev.g.const(reorder(w_ih)), ev.g.const(reorder(w_hh))]
    b_ih, b_hh = ev.args[first + 2], ev.args[first + 3]
    if b_ih is None and b_hh is None:
        return ins + [""]
    zero = np.zeros(gates * H, dtype=w_ih.dtype)
    bi = zero if b_ih is None else ev.arr(first + 2)
    bh = zero if b_hh is None else ev.arr(first + 3)
    return ins + [ev.g.const(np.concatenate([reorder(bi)[0], reorder(bh)[0]])[None])]


def _state(ev: Event, i: int) -> str:
    """An initial state [B, H] as ONNX's [1, B, H]; omitted when it is a constant zero
    (so the batch size is not baked in)."""
    if ev.names[i] is None and not ev.arr(i).any():
        return ""
    return ev.g.axes_op("Unsqueeze", ev.x(i), [0])


def _common(ev: Event, H: int) -> dict[str, object]:
    return {"hidden_size": H, "direction": "reverse" if ev.attrs["reverse"] else "forward"}


@converts(RNN.RNNLayer)
def _rnn(ev: Event) -> str:
    H = ev.arr(3).shape[1]
    ins = [ev.x(0)] + _weights(ev, 2, [0], 1) + ["", _state(ev, 1)]
    act = "Relu" if ev.attrs["relu"] else "Tanh"
    y = ev.g.node("RNN", _trim(ins), n_out=1, activations=[act], **_common(ev, H))
    return str(ev.g.axes_op("Squeeze", y, [1]))


@converts(RNN.GRULayer)
def _gru(ev: Event) -> str:
    H = ev.arr(3).shape[1]
    # ours: r, z, n; ONNX: z, r, h (with the reset applied after R's matmul, as PyTorch)
    ins = [ev.x(0)] + _weights(ev, 2, [1, 0, 2], 3) + ["", _state(ev, 1)]
    y = ev.g.node("GRU", _trim(ins), n_out=1, linear_before_reset=1, **_common(ev, H))
    return str(ev.g.axes_op("Squeeze", y, [1]))


@converts(RNN.LSTMLayer)
def _lstm(ev: Event) -> str:
    H = ev.arr(4).shape[1]
    # ours: i, f, g, o; ONNX: i, o, f, c
    ins = [ev.x(0)] + _weights(ev, 3, [0, 3, 1, 2], 4) + ["", _state(ev, 1), _state(ev, 2)]
    y, _, c = ev.g.node("LSTM", _trim(ins), n_out=3, **_common(ev, H))
    # our layer's output: the T hidden states, then the last cell state
    return str(ev.g.node("Concat", [ev.g.axes_op("Squeeze", y, [1]), c], axis=0))


def _trim(ins: list[str]) -> list[str]:
    """Drop trailing omitted optional inputs."""
    while ins and ins[-1] == "":
        ins.pop()
    return ins
