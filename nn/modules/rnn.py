"""Recurrent layers: ``RNN`` (tanh/relu), ``LSTM``, ``GRU`` and the cells ``RNNCell``,
``LSTMCell``, ``GRUCell``, with PyTorch's arguments, parameter names, shapes and
initialisation.

Each layer and direction of ``RNN``/``LSTM``/``GRU`` is one fused op
(``autograd.ops.recurrent``: BLAS GEMMs plus Numba gate kernels, backward through time on
arrays), so the graph has a handful of nodes per layer instead of dozens per time step.
Those fused layers are differentiable once; a double backward through them raises a
clear error. The cells are built from ordinary differentiable ops and are twice
differentiable.

``LSTM(proj_size=P)`` (an LSTM whose hidden state is projected to P features by
``weight_hr``) has no fused kernel: it runs ``R.lstm_proj_layer``, one step at a time from
engine ops (about a dozen graph nodes per step; twice differentiable). Measured forward +
backward at T=50, B=32, I=64, H=128, P=64, float32: 410 ms against 47 ms for the fused
LSTM without projection (about 9x).

A ``PackedSequence`` input is run segment by segment: the time steps with the same batch
size (``batch_sizes``) form one fused call on exactly the sequences still running, so no
padding is ever computed and each sequence's ``h_n``/``c_n`` is its state at its own last
step (the reverse direction starts each sequence at its own last step). The packed
output shares the input's ``batch_sizes`` and permutation; ``hx`` and ``h_n`` are in the
caller's batch order. Cost grows with the number of distinct lengths (one fused call per
run): B=32 sequences with 22 distinct lengths took 83 ms against 47 ms for the padded
batch in one call (same sizes as above).
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

import autograd
from autograd import _inplace
from autograd.ops import recurrent as R

from .. import functional as F
from .. import init
from .._check import ShapeError, require_number, require_size, require_tensor, type_name
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Shared machinery of ``RNN``, ``LSTM`` and ``GRU`` (parameters, shapes, layering).

    Parameters, per layer ``k`` and direction (suffix ``_reverse`` for the backward one),
    registered in PyTorch's order: ``weight_ih_l{k}`` [G*H, I_k], ``weight_hh_l{k}``
    [G*H, H], ``bias_ih_l{k}`` [G*H], ``bias_hh_l{k}`` [G*H], where I_0 = input_size and
    I_k = H * num_directions above, G = 1 (RNN), 3 (GRU), 4 (LSTM). All start
    U(-1/sqrt(H), 1/sqrt(H)). With ``proj_size=P`` (LSTM only), each direction also has
    ``weight_hr_l{k}`` [P, H], and the hidden state (``weight_hh``'s columns, the inputs of
    the layers above, output and ``h_n``) has P features instead of H.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode!r}")
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size),
                           ("num_layers", num_layers), ("proj_size", proj_size)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                raise TypeError(f"{name}: {arg} should be of type int, got: "
                                f"{type_name(value)}")
            if value <= 0 and arg != "proj_size":
                raise ValueError(f"{name}: {arg} must be greater than zero, got {value}")
        dropout = require_number(name, "dropout", dropout)
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing "
                             f"the probability of an element being zeroed, got {dropout}")
        if proj_size < 0:
            raise ValueError(f"{name}: proj_size should be a positive integer or zero to "
                             f"disable projections, got {proj_size}")
        if proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got "
                             f"proj_size={proj_size} and hidden_size={hidden_size}")
        if proj_size != 0 and mode != "LSTM":
            raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not "
                             f"RNN or GRU")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          f"non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=1)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        D = 2 if bidirectional else 1
        G = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else real_hidden * D
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih", (G, in_size)), ("weight_hh", (G, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (G,)), ("bias_hh", (G,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + sfx, Parameter(autograd.empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(name + sfx)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """No-op, for compatibility with code written for cuDNN."""

    @property
    def all_weights(self) -> list:
        """Parameters grouped per layer and direction, as PyTorch's ``all_weights``."""
        n = (4 if self.bias else 2) + (1 if self.proj_size > 0 else 0)
        flat = [getattr(self, k) for k in self._flat_weights_names]
        return [flat[i:i + n] for i in range(0, len(flat), n)]

    def _layer_params(self, layer: int, direction: int):
        sfx = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        g = lambda n: getattr(self, n + sfx) if self.bias or n.startswith("w") else None  # noqa: E731
        w_hr = getattr(self, "weight_hr" + sfx) if self.proj_size > 0 else None
        return g("weight_ih"), g("weight_hh"), g("bias_ih"), g("bias_hh"), w_hr

    def _check_input(self, input, name):
        require_tensor(name, input)
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D tensor "
                             f"of shape {tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]} (input shape "
                               f"{tuple(input.shape)})")

    def _check_dtype(self, input):
        w = self.weight_ih_l0.dtype
        if input.dtype != w:  # PyTorch's check (a ValueError), no silent promotion
            raise ValueError(f"RNN input dtype ({autograd.dtypes.type_name(input.dtype)}) does "
                             f"not match weight dtype ({autograd.dtypes.type_name(w)}). Convert "
                             f"input: input.to({autograd.dtypes.type_name(w)}), or convert "
                             f"model: model.to({autograd.dtypes.type_name(input.dtype)})")

    def _state_shapes(self, B):
        """[L*D, B, H_out] (and [L*D, B, H] for the LSTM cell state)."""
        D = 2 if self.bidirectional else 1
        h_out = self.proj_size if self.proj_size > 0 else self.hidden_size
        shapes = [(self.num_layers * D, B, h_out)]
        if self.mode == "LSTM":
            shapes.append((self.num_layers * D, B, self.hidden_size))
        return shapes

    def _init_states(self, hx, B, batched, dtype):
        """The initial states as [L*D, B, *] tensors (zeros when ``hx`` is None)."""
        name = type(self).__name__
        shapes = self._state_shapes(B)
        if hx is None:
            return [autograd.zeros(*s, dtype=dtype) for s in shapes]
        n_states = len(shapes)
        shape = shapes[0]
        states = _hidden_states(
            name, hx, n_states, shape if batched else (shape[0], shape[2]),
            "(num_layers * num_directions, batch, hidden_size)" if batched else
            "(num_layers * num_directions, hidden_size) (unbatched input)")
        w = self.weight_ih_l0.dtype
        for i, s in enumerate(states):
            want_dim = 3 if batched else 2
            if s.dim() != want_dim:
                raise RuntimeError(
                    f"{name}: for {'batched' if batched else 'unbatched'} "
                    f"{3 if batched else 2}-D input, hx should also be "
                    f"{want_dim}-D but got {s.dim()}-D tensor of shape {tuple(s.shape)}")
            if not batched:
                s = s.unsqueeze(1)
            _check_state_dtype(name, s, w)
            if tuple(s.shape) != shapes[i]:
                what = ("hidden" if n_states == 1 else f"hidden[{i}]")
                raise RuntimeError(f"{name}: Expected {what} size {shapes[i]}, got "
                                   f"{tuple(s.shape)}")
            states[i] = s
        return states

    def _prepare(self, input, hx):
        """Normalise to seq-first batched input; returns (x[T,B,I], states, batched)."""
        name = type(self).__name__
        self._check_input(input, name)
        self._check_dtype(input)
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        if input.shape[0] == 0:
            raise ShapeError(f"{name}: Expected sequence length to be larger than 0 in RNN, got "
                             f"input of shape {tuple(input.shape)} (as [T, B, I])")
        states = self._init_states(hx, input.shape[1], batched, input.dtype)
        return input, states, batched

    def _run_layer(self, x, layer, d, init, reverse=None):
        """One layer and direction over x[T, B, I] from the states ``init`` ([B, *] each);
        returns (out [T, B, H_out], final states)."""
        w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_params(layer, d)
        rev = d == 1 if reverse is None else reverse
        if self.mode == "LSTM":
            if w_hr is not None:
                out, h, c = R.lstm_proj_layer(x, init[0], init[1], w_ih, w_hh, b_ih, b_hh,
                                              w_hr, reverse=rev)
            else:
                out, h, c = R.lstm_layer(x, init[0], init[1], w_ih, w_hh, b_ih, b_hh,
                                         reverse=rev)
            return out, (h, c)
        fn = {"RNN_TANH": R.rnn_tanh_layer, "RNN_RELU": R.rnn_relu_layer,
              "GRU": R.gru_layer}[self.mode]
        out, h = fn(x, init[0], w_ih, w_hh, b_ih, b_hh, reverse=rev)
        return out, (h,)

    def _run_packed_layer(self, data, segments, layer, d, init):
        """One layer and direction over packed ``data`` [N, I]: one fused call per run of
        equal batch sizes (``segments``: (row offset, steps, batch) in time order), each on
        the sequences still running. Returns (packed out [N, H_out], final states [B, *]
        at each sequence's own last step)."""
        n = len(segments)
        outs = [None] * n
        if d == 0:  # forward in time: the batch shrinks; finished rows leave their state
            cur = list(init)
            ended = [[] for _ in init]
            for i, (off, steps, b) in enumerate(segments):
                cur = [s[:b] if s.shape[0] != b else s for s in cur]
                xs = data[off:off + steps * b].reshape(steps, b, data.shape[1])
                out, cur = self._run_layer(xs, layer, d, cur, reverse=False)
                outs[i] = out.reshape(steps * b, out.shape[2])
                b_next = segments[i + 1][2] if i + 1 < n else 0
                for lst, s in zip(ended, cur):
                    lst.append(s[b_next:b])
            finals = tuple(lst[0] if len(lst) == 1 else autograd.cat(lst[::-1], 0)
                           for lst in ended)
        else:  # reverse: start at the shortest sequences' end; rows join from init
            cur = [s[:0] for s in init]
            for i in range(n - 1, -1, -1):
                off, steps, b = segments[i]
                have = cur[0].shape[0]
                if have < b:
                    cur = [s0[:b] if have == 0 else autograd.cat([s, s0[have:b]], 0)
                           for s, s0 in zip(cur, init)]
                xs = data[off:off + steps * b].reshape(steps, b, data.shape[1])
                out, cur = self._run_layer(xs, layer, d, cur, reverse=True)
                outs[i] = out.reshape(steps * b, out.shape[2])
            finals = tuple(cur)
        out = outs[0] if n == 1 else autograd.cat(outs, 0)
        return out, finals

    def _forward_packed(self, packed, hx):
        name = type(self).__name__
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        require_tensor(name, data)
        if data.dim() != 2 or data.shape[1] != self.input_size:
            raise RuntimeError(f"{name}: PackedSequence data must be [N, input_size] = [N, "
                               f"{self.input_size}], got shape {tuple(data.shape)}")
        self._check_dtype(data)
        bs = np.asarray(_inplace.array(batch_sizes), dtype=np.int64).reshape(-1)
        if bs.size == 0 or bs[0] <= 0 or np.any(bs[1:] > bs[:-1]) or bs[-1] <= 0 or \
                int(bs.sum()) != data.shape[0]:
            raise RuntimeError(f"{name}: invalid PackedSequence: batch_sizes {bs.tolist()} must "
                               f"be positive, non-increasing and sum to the {data.shape[0]} "
                               f"rows of data")
        B = int(bs[0])
        if hx is not None and sorted_indices is not None:
            hx = tuple(autograd.index_select(s, 1, sorted_indices)
                       if isinstance(s, autograd.Tensor) and s.dim() == 3 else s
                       for s in (hx if isinstance(hx, (tuple, list)) else (hx,)))
            if self.mode != "LSTM":
                hx = hx[0]
        states = self._init_states(hx, B, True, data.dtype)
        segments = []  # (row offset, steps, batch size) per run of equal batch sizes
        off, t = 0, 0
        while t < bs.size:
            t1 = t
            while t1 < bs.size and bs[t1] == bs[t]:
                t1 += 1
            segments.append((off, t1 - t, int(bs[t])))
            off += (t1 - t) * int(bs[t])
            t = t1
        D = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        x = data
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                k = layer * D + d
                out, fin = self._run_packed_layer(x, segments, layer, d, [s[k] for s in states])
                outs.append(out)
                for lst, f in zip(finals, fin):
                    lst.append(f)
            x = outs[0] if D == 1 else autograd.cat(outs, dim=1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        h = [autograd.stack(lst, dim=0) for lst in finals]
        if unsorted_indices is not None:
            h = [autograd.index_select(s, 1, unsorted_indices) for s in h]
        out = PackedSequence(x, batch_sizes, sorted_indices, unsorted_indices)
        if self.mode == "LSTM":
            return out, (h[0], h[1])
        return out, h[0]

    def forward(self, input, hx=None):
        """Run all layers and directions.

        Args:
            input: [T, B, I] ([B, T, I] if ``batch_first``) or unbatched [T, I], or a
                ``PackedSequence`` (``nn.utils.rnn``; ``batch_first`` does not apply).
            hx: initial state(s) [num_layers * D, B, H_out] ([num_layers * D, H_out]
                unbatched); for ``LSTM`` a tuple (h_0, c_0), c_0 [num_layers * D, B, H].
                Zeros when omitted. H_out = proj_size if set, else hidden_size.

        Returns:
            (output, h_n) — ``LSTM``: (output, (h_n, c_n)); output [T, B, D * H_out]
            (batch first / unbatched as the input; a ``PackedSequence`` for a packed
            input), h_n [num_layers * D, B, H_out], c_n [num_layers * D, B, H].
        """
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        x, states, batched = self._prepare(input, hx)
        D = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                k = layer * D + d
                out, fin = self._run_layer(x, layer, d, [s[k] for s in states])
                outs.append(out)
                for lst, f in zip(finals, fin):
                    lst.append(f)
            x = outs[0] if D == 1 else autograd.cat(outs, dim=2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        h = [autograd.stack(lst, dim=0) for lst in finals]
        if not batched:
            x = x.squeeze(1)
            h = [s.squeeze(1) for s in h]
        elif self.batch_first:
            x = x.transpose(0, 1)
        if self.mode == "LSTM":
            return x, (h[0], h[1])
        return x, h[0]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Multi-layer Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Args:
        input_size, hidden_size: feature sizes I and H.
        num_layers: stacked layers (each one's output feeds the next).
        nonlinearity: ``'tanh'`` or ``'relu'``.
        bias: learn ``b_ih`` and ``b_hh``.
        batch_first: input/output are [B, T, *] instead of [T, B, *].
        dropout: dropout on every layer's output except the last (training only).
        bidirectional: add a reverse-time direction; outputs concatenate to 2H.

    Shapes: input [T, B, I] (or [B, T, I], or unbatched [T, I]); h_0 [L*D, B, H].
    Returns (output [T, B, D*H], h_n [L*D, B, H]).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity!r}"


class LSTM(RNNBase):
    """Multi-layer LSTM (gates i, f, g, o as PyTorch):
    ``c' = f * c + i * g``, ``h' = o * tanh(c')``.

    Arguments as ``RNN`` (no ``nonlinearity``), plus ``proj_size``: if > 0, each step's
    hidden state is projected, ``h' = (o * tanh(c')) W_hr^T`` with ``weight_hr_l{k}``
    [proj_size, H] (slower: step-by-step engine ops, see the module docstring). Returns
    (output [T, B, D*H_out], (h_n [L*D, B, H_out], c_n [L*D, B, H])), H_out = proj_size
    or H; ``hx`` is a tuple (h_0, c_0).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """Multi-layer GRU (gates r, z, n as PyTorch):
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.

    Arguments and shapes as ``RNN`` (no ``nonlinearity``). Returns (output, h_n).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


# ---------------------------------------------------------------------------
# Cells (one time step; twice differentiable)
# ---------------------------------------------------------------------------
class RNNCellBase(Module):
    """Shared parameters of the cells: ``weight_ih`` [G*H, I], ``weight_hh`` [G*H, H],
    ``bias_ih``/``bias_hh`` [G*H], all U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        input_size = require_size(name, "input_size", input_size)
        hidden_size = require_size(name, "hidden_size", hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        G = num_chunks * hidden_size
        self.weight_ih = Parameter(autograd.empty(G, input_size, dtype=dtype))
        self.weight_hh = Parameter(autograd.empty(G, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(autograd.empty(G, dtype=dtype))
            self.bias_hh = Parameter(autograd.empty(G, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def _prepare(self, input, hx, n_states):
        name = type(self).__name__
        require_tensor(name, input)
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"tensor of shape {tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got "
                               f"{input.shape[-1]} expected {self.input_size}")
        _check_state_dtype(name, input, self.weight_ih.dtype)
        batched = input.dim() == 2
        shape_in = tuple(input.shape)
        if not batched:
            input = input.unsqueeze(0)
        B = input.shape[0]
        if hx is None:
            states = [autograd.zeros(B, self.hidden_size, dtype=input.dtype)
                      for _ in range(n_states)]
        else:
            want = (B, self.hidden_size) if batched else (self.hidden_size,)
            states = _hidden_states(name, hx, n_states, want, "(batch, hidden_size)" if batched
                                    else "(hidden_size,) (unbatched input)")
            for i, s in enumerate(states):
                if tuple(s.shape) != want:
                    what = "hx" if i == 0 else "cx"
                    raise ShapeError(
                        f"{name}: Expected {what} of shape {want} (batch "
                        f"{B if batched else 'none: unbatched input'}, hidden_size "
                        f"{self.hidden_size}) for input of shape {shape_in}, got "
                        f"{tuple(s.shape)}")
                if not batched:
                    s = s.unsqueeze(0)
                _check_state_dtype(name, s, self.weight_hh.dtype)
                states[i] = s
        return input, states, batched

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


def _hidden_states(name, hx, n_states, shape, layout="(batch, hidden_size)") -> list:
    """``hx`` as a list of ``n_states`` Tensors: a Tensor for RNN/GRU (and the cells), a
    tuple (h_0, c_0) for LSTM; TypeError naming the layer, what it got and what it
    expects otherwise (PyTorch leaks ``'tuple' object has no attribute 'dim'`` here)."""
    if n_states == 1:
        if not isinstance(hx, autograd.Tensor):
            raise TypeError(f"{name}: expected hx to be a Tensor of shape {layout} = {shape}, "
                            f"got {type_name(hx)}")
        return [hx]
    if not isinstance(hx, (tuple, list)):
        raise TypeError(f"{name}: expected hx to be a tuple (h_0, c_0) of two Tensors, each of "
                        f"shape {layout} = {shape}, got {type_name(hx)}")
    if len(hx) != 2:
        raise RuntimeError(f"{name}: expected hx as a tuple (h_0, c_0): {name} expects two "
                           f"hidden states, got a {type_name(hx)} of {len(hx)}")
    for i, s in enumerate(hx):
        if not isinstance(s, autograd.Tensor):
            raise TypeError(f"{name}: expected hx to be a tuple (h_0, c_0) of Tensors of shape "
                            f"{shape}, got {type_name(s)} as {'h_0' if i == 0 else 'c_0'}")
    return list(hx)


def _check_state_dtype(name, t, w) -> None:
    """PyTorch's matmul dtype check for a cell input / initial state (RuntimeError)."""
    if t.dtype != w:
        raise RuntimeError(f"{name}: mat1 and mat2 must have the same dtype, but got "
                           f"{autograd.dtypes.scalar_name(t.dtype)} and "
                           f"{autograd.dtypes.scalar_name(w)}")


class RNNCell(RNNCellBase):
    """One Elman step ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Shapes: input [B, I] or [I]; hx [B, H] or [H] (zeros if omitted) -> h' like hx.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        fn = R.rnn_tanh_cell if self.nonlinearity == "tanh" else R.rnn_relu_cell
        out = fn(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step. Shapes: input [B, I] or [I]; hx = (h, c) each [B, H] or [H]
    (zeros if omitted) -> (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, (h, c), batched = self._prepare(input, hx, 2)
        h, c = R.lstm_cell(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step. Shapes: input [B, I] or [I]; hx [B, H] or [H] (zeros if omitted)
    -> h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        out = R.gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out if batched else out.squeeze(0)
