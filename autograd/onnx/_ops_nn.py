"""Converters for the layer ops: convolution and transposed convolution, pooling (max,
average, adaptive average and max), the fused recurrent layers (ONNX's RNN/GRU/LSTM) and
fused scaled-dot-product attention (MatMul, Mul, Add of a causal mask, Softmax, MatMul)."""
from __future__ import annotations

import numpy as np

from ..ops import attention as ATT
from ..ops import conv as C
from ..ops import normalization as NORM
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
    if divisor is None and not ceil:
        return str(ev.g.node("AveragePool", [ev.x(0)], kernel_shape=list(k), strides=list(s),
                             pads=[p[0], p[1], p[0], p[1]],
                             count_include_pad=int(include_pad)))
    # ceil_mode / divisor_override: runtimes disagree on the divisor of a window that
    # leaves the padded input, so every window is made a full k-window of explicit zeros
    # (their mean times k is the window's sum) and the sum is divided by PyTorch's divisor,
    # a constant of the geometry.
    g, dt = ev.g, ev.out.dtype
    size, out = ev.arr(0).shape[2:], ev.out.shape[2:]
    right = [max(p[i], (out[i] - 1) * s[i] + k[i] - size[i] - p[i]) for i in range(2)]
    x = ev.x(0)
    if any(p) or any(right):
        x = str(g.node("Pad", [x, g.ints([0, 0, p[0], p[1], 0, 0, right[0], right[1]])]))
    mean = g.node("AveragePool", [x], kernel_shape=list(k), strides=list(s))
    if divisor is not None:
        scale: np.ndarray = np.asarray(k[0] * k[1] / divisor, dtype=dt)
    else:
        counts = [_window_counts(size[i], out[i], k[i], s[i], p[i], include_pad)
                  for i in range(2)]
        scale = (k[0] * k[1] / np.outer(counts[0], counts[1])).astype(dt)
    return str(g.node("Mul", [mean, g.const(scale)]))


def _window_counts(n: int, n_out: int, k: int, s: int, p: int, include_pad: bool
                   ) -> np.ndarray:
    """PyTorch's per-window divisor along one dim: the window clipped to the padded input
    (``count_include_pad``) or to the input itself."""
    counts = []
    for o in range(n_out):
        start = o * s - p
        end = min(start + k, n + p)
        if not include_pad:
            start, end = max(start, 0), min(end, n)
        counts.append(end - start)
    return np.asarray(counts, dtype=np.float64)


def _adaptive_windows(n: int, n_out: int) -> list[tuple[int, int]]:
    """Adaptive pooling's windows ``[floor(i n / n_out), ceil((i + 1) n / n_out))``."""
    return [((i * n) // n_out, -((-(i + 1) * n) // n_out)) for i in range(n_out)]


def _adaptive(ev: Event, pool: str, reduce: str) -> str:
    """Adaptive pooling: ``pool`` (AveragePool/MaxPool) when each output size divides the
    input's, else per dim one static Slice and ``reduce`` per window, concatenated (the
    windows are a product of 1-D windows, so reducing dim by dim is exact)."""
    g = ev.g
    size_in, size_out = ev.arr(0).shape[2:], ev.out.shape[2:]
    if all(o and i % o == 0 for i, o in zip(size_in, size_out)):
        k = [i // o for i, o in zip(size_in, size_out)]
        return str(g.node(pool, [ev.x(0)], kernel_shape=k, strides=k))
    y = ev.x(0)
    for d, (n, n_out) in enumerate(zip(size_in, size_out)):
        axis = 2 + d
        if n == n_out:
            continue
        parts = [g.reduce(reduce, str(g.node("Slice", [y, g.ints([a]), g.ints([b]),
                                                        g.ints([axis])])), [axis])
                 for a, b in _adaptive_windows(n, n_out)]
        y = parts[0] if len(parts) == 1 else str(g.node("Concat", parts, axis=axis))
    return str(y)


@converts(P.AdaptiveAvgPool2d)
def _adaptive_avg_pool(ev: Event) -> str:
    if tuple(ev.out.shape[2:]) == (1, 1):
        return str(ev.g.node("GlobalAveragePool", [ev.x(0)]))
    return _adaptive(ev, "AveragePool", "ReduceMean")


@converts(P.AdaptiveMaxPool2d)
def _adaptive_max_pool(ev: Event) -> str:
    if tuple(ev.out.shape[2:]) == (1, 1):
        return str(ev.g.node("GlobalMaxPool", [ev.x(0)]))
    return _adaptive(ev, "MaxPool", "ReduceMax")


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


@converts(ATT.ScaledDotProductAttention)
def _sdpa(ev: Event) -> str:
    # softmax(q k^T * scale [+ causal mask of 0 / -inf]) v; Softmax over the last axis
    # means the same at every opset
    g, dt = ev.g, ev.out.dtype
    nd = ev.arr(0).ndim
    perm = list(range(nd - 2)) + [nd - 1, nd - 2]
    kt = g.node("Transpose", [ev.x(1)], perm=perm)
    scores = g.node("Mul", [g.node("MatMul", [ev.x(0), kt]), g.const(float(ev.args[3]), dt)])
    if ev.args[4]:
        n_q, n_k = ev.arr(0).shape[-2], ev.arr(1).shape[-2]
        mask = np.where(np.tri(n_q, n_k, dtype=bool), 0.0, -np.inf).astype(dt)
        scores = g.node("Add", [scores, g.const(mask)])
    return str(g.node("MatMul", [g.node("Softmax", [scores], axis=nd - 1), ev.x(2)]))


def _normalize(ev: Event, axes: list[int]) -> str:
    """``(x - mean) / sqrt(var + eps)`` with the biased statistics over ``axes``
    (ReduceMean), then ``* weight + bias`` shaped by ``_affine``. Layer norm before
    opset 17 and training-mode batch norm."""
    g, dt = ev.g, ev.out.dtype
    x = ev.x(0)
    centered = g.node("Sub", [x, g.reduce("ReduceMean", x, axes)])
    var = g.reduce("ReduceMean", str(g.node("Mul", [centered, centered])), axes)
    eps = float(ev.args[4] if ev.cls is NORM.NativeLayerNorm else ev.args[6])
    y = g.node("Div", [centered, g.node("Sqrt", [g.node("Add", [var, g.const(eps, dt)])])])
    for i, op in ((1, "Mul"), (2, "Add")):
        if ev.args[i] is not None:
            y = g.node(op, [y, _affine(ev, i)])
    return str(y)


def _affine(ev: Event, i: int) -> str:
    """Argument ``i`` (weight or bias): as it is for layer norm, (C, 1, ...) for batch
    norm so it broadcasts along dim 1."""
    nd = ev.arr(0).ndim
    if ev.cls is NORM.NativeLayerNorm or nd == 2:
        return ev.x(i)
    if ev.names[i] is None:
        return ev.g.const(ev.arr(i).astype(ev.out.dtype).reshape((-1,) + (1,) * (nd - 2)))
    return ev.g.axes_op("Unsqueeze", ev.x(i), list(range(1, nd - 1)))


@converts(NORM.NativeLayerNorm)
def _layer_norm(ev: Event) -> str:
    # LayerNormalization is opset 17; before, the same formula from reductions
    g, nd, k = ev.g, ev.arr(0).ndim, int(ev.args[3])
    if g.opset < 17:
        return _normalize(ev, list(range(nd - k, nd)))
    scale = ev.x(1) if ev.args[1] is not None else \
        g.const(np.ones(ev.arr(0).shape[nd - k:], dtype=ev.out.dtype))
    ins = [ev.x(0), scale] + ([ev.x(2)] if ev.args[2] is not None else [])
    return str(g.node("LayerNormalization", ins, axis=nd - k, epsilon=float(ev.args[4])))


@converts(NORM.NativeBatchNorm)
def _batch_norm(ev: Event) -> str:
    g, dt = ev.g, ev.out.dtype
    nd, c = ev.arr(0).ndim, ev.arr(0).shape[1]
    if ev.args[5]:  # training: the batch's own statistics, computed in the graph
        return _normalize(ev, [0] + list(range(2, nd)))
    scale = ev.x(1, dt) if ev.args[1] is not None else g.const(np.ones(c, dtype=dt))
    bias = ev.x(2, dt) if ev.args[2] is not None else g.const(np.zeros(c, dtype=dt))
    return str(g.node("BatchNormalization", [ev.x(0), scale, bias, ev.x(3, dt), ev.x(4, dt)],
                      epsilon=float(ev.args[6])))
