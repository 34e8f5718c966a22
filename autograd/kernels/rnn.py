"""Whole-sequence kernels for one recurrent layer in one direction: RNN (tanh / relu),
GRU and LSTM, forward and backward through time, on NumPy arrays.

Layout (PyTorch's): ``x[T, B, I]``, ``h0[B, H]`` (``c0[B, H]``), ``w_ih[G*H, I]``,
``w_hh[G*H, H]``, ``b_ih[G*H]``, ``b_hh[G*H]`` with G = 1 (RNN), 3 (GRU: r, z, n) or
4 (LSTM: i, f, g, o). Outputs ``out[T, B, H]`` are in input time order also when
``reverse=True`` (the layer then runs from t = T-1 down to 0).

How the work is split (figures in benchmarks/NOTES.md, "Recurrent layers"):

* the input projection of all time steps is one BLAS GEMM (``x[T*B, I] @ w_ih.T``)
  outside the time loop; so are, in backward, the gradients for ``x``, ``w_ih``,
  ``w_hh`` and the biases (one GEMM or sum each over all steps);
* inside the loop each step is one NumPy GEMM (``h @ w_hh.T``, or ``g @ w_hh`` in
  backward) plus one fused Numba gate kernel. The loop stays in Python: inside Numba it
  measured the same and would make SciPy a run-time dependency.
* float32 ``tanh``/``sigmoid`` use a vectorisable rational approximation (max error
  3.3e-7, about 3 ulp); libm's scalar ``tanh`` is about 30x slower. float64 uses libm, so
  float64 gradient checks see exact functions.
* each gate kernel runs one simple loop per quantity over a batch row, which LLVM
  vectorises (one fused loop writing four arrays was 3x slower); ``error_model="numpy"``
  removes the per-element division-by-zero branch that otherwise blocks it.
"""
from __future__ import annotations

import math

import numpy as np

from ._jit import njit

__all__ = [
    "rnn_forward", "rnn_backward", "gru_forward", "gru_backward", "lstm_forward",
    "lstm_backward",
]

# error_model="numpy": a float division by zero gives inf instead of raising, which is
# what lets LLVM vectorise the gate loops (see the module docstring).
_NP = {"error_model": "numpy"}


# ---------------------------------------------------------------------------
# Activations: exact (libm) when ``fast`` is False (float64), vectorisable rational form
# when True (float32). The flag is loop-invariant, so LLVM unswitches the loops.
# ---------------------------------------------------------------------------
@njit(inline="always", **_NP)
def _tanh_f32(x):
    # Odd rational minimax approximation on [-7.905, 7.905] (tanh rounds to +-1 in
    # float32 beyond); max abs/rel error 3.3e-7 measured over [-12, 12] and [1e-10, 10].
    c = np.float32(7.90531110763549805)
    x = c if x > c else x
    x = -c if x < -c else x
    x2 = x * x
    p = np.float32(-2.76076847742355e-16)
    p = p * x2 + np.float32(2.00018790482477e-13)
    p = p * x2 + np.float32(-8.60467152213735e-11)
    p = p * x2 + np.float32(5.12229709037114e-08)
    p = p * x2 + np.float32(1.48572235717979e-05)
    p = p * x2 + np.float32(6.37261928875436e-04)
    p = p * x2 + np.float32(4.89352455891786e-03)
    q = np.float32(1.19825839466702e-06)
    q = q * x2 + np.float32(1.18534705686654e-04)
    q = q * x2 + np.float32(2.26843463243900e-03)
    q = q * x2 + np.float32(4.89352518554385e-03)
    return x * p / q


@njit(inline="always", **_NP)
def _tanh(x, fast):
    if fast:
        return _tanh_f32(x)
    return math.tanh(x)


@njit(inline="always", **_NP)
def _sigmoid(x, fast):
    if fast:
        return np.float32(0.5) * _tanh_f32(np.float32(0.5) * x) + np.float32(0.5)
    return 1.0 / (1.0 + math.exp(-x))


@njit(inline="always", **_NP)
def _sigmoid_gates(g, x, p, b_hh, k0, k1, fast):
    """Gates ``g[k] = sigmoid(x[k] + p[k] + b_hh[k])`` for ``k0 <= k < k1`` of one row."""
    for k in range(k0, k1):
        g[k] = _sigmoid(x[k] + p[k] + b_hh[k], fast)


# ---------------------------------------------------------------------------
# Fused per-step gate kernels (one time step, all batch rows)
# ---------------------------------------------------------------------------
@njit(**_NP)
def _rnn_step_fwd(xp_t, hp, b_hh, relu, fast, h_out):
    B, H = h_out.shape
    for b in range(B):
        x, p, o = xp_t[b], hp[b], h_out[b]
        if relu:
            for j in range(H):
                o[j] = max(x[j] + p[j] + b_hh[j], 0)
        else:
            for j in range(H):
                o[j] = _tanh(x[j] + p[j] + b_hh[j], fast)


@njit(**_NP)
def _rnn_step_bwd(gout_t, carry, h_t, relu, g_t):
    # g_t = dL/d(pre-activation) = (dL/dh_t from the output + from step t+1) * act'
    B, H = h_t.shape
    for b in range(B):
        go, ca, h, g = gout_t[b], carry[b], h_t[b], g_t[b]
        if relu:
            for j in range(H):
                g[j] = (go[j] + ca[j]) * (h[j] > 0)
        else:
            for j in range(H):
                g[j] = (go[j] + ca[j]) * (1 - h[j] * h[j])


@njit(**_NP)
def _gru_step_fwd(xp_t, hp, b_hh, h_prev, fast, gates_t, hn_t, h_out):
    B, H = h_prev.shape
    for b in range(B):
        x, p, g, hn, o, hv = xp_t[b], hp[b], gates_t[b], hn_t[b], h_out[b], h_prev[b]
        _sigmoid_gates(g, x, p, b_hh, 0, 2 * H, fast)  # r, z
        for j in range(H):
            hn[j] = p[2 * H + j] + b_hh[2 * H + j]
        for j in range(H):  # n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
            g[2 * H + j] = _tanh(x[2 * H + j] + g[j] * hn[j], fast)
        for j in range(H):  # h' = (1 - z) * n + z * h
            n = g[2 * H + j]
            o[j] = n + g[H + j] * (hv[j] - n)


@njit(**_NP)
def _gru_step_bwd(gout_t, carry, dhz, gates_t, hn_t, h_prev, dh, gx_t, gh_t):
    # dh = output grad + (g_h(t+1) @ w_hh) + dh(t+1) * z(t+1); dhz holds the last term
    # on entry and this step's dh * z on exit. ``dh`` is a [H] scratch row.
    B, H = h_prev.shape
    for b in range(B):
        go, ca, dz, g, hn, hv, gx, gh = (gout_t[b], carry[b], dhz[b], gates_t[b], hn_t[b],
                                         h_prev[b], gx_t[b], gh_t[b])
        for j in range(H):
            dh[j] = go[j] + ca[j] + dz[j]
        for j in range(H):  # d(n pre-activation)
            n = g[2 * H + j]
            gx[2 * H + j] = dh[j] * (1 - g[H + j]) * (1 - n * n)
        for j in range(H):  # d(z pre-activation)
            z = g[H + j]
            gx[H + j] = dh[j] * (hv[j] - g[2 * H + j]) * z * (1 - z)
        for j in range(H):  # d(r pre-activation)
            r = g[j]
            gx[j] = gx[2 * H + j] * hn[j] * r * (1 - r)
        for k in range(2 * H):
            gh[k] = gx[k]
        for j in range(H):
            gh[2 * H + j] = gx[2 * H + j] * g[j]
        for j in range(H):
            dz[j] = dh[j] * g[H + j]


@njit(**_NP)
def _lstm_step_fwd(xp_t, hp, b_hh, c_prev, fast, gates_t, c_out, h_out):
    B, H = c_prev.shape
    for b in range(B):
        x, p, g, cv, co, o = xp_t[b], hp[b], gates_t[b], c_prev[b], c_out[b], h_out[b]
        _sigmoid_gates(g, x, p, b_hh, 0, 2 * H, fast)  # i, f
        for k in range(2 * H, 3 * H):  # g
            g[k] = _tanh(x[k] + p[k] + b_hh[k], fast)
        _sigmoid_gates(g, x, p, b_hh, 3 * H, 4 * H, fast)  # o
        for j in range(H):  # c' = f * c + i * g
            co[j] = g[H + j] * cv[j] + g[j] * g[2 * H + j]
        for j in range(H):  # h' = o * tanh(c')
            o[j] = g[3 * H + j] * _tanh(co[j], fast)


@njit(**_NP)
def _lstm_step_bwd(gout_t, carry, dc, gates_t, c_t, c_prev, fast, dh, g_t):
    # dc holds dL/dc_t (from step t+1 and c_T's gradient) on entry, dL/dc_{t-1} on exit.
    # ``dh`` is a [H] scratch row (tanh(c_t) first, then dL/dc_t including the h path).
    B, H = c_t.shape
    for b in range(B):
        go, ca, d, g, c, cv, gt = gout_t[b], carry[b], dc[b], gates_t[b], c_t[b], c_prev[b], g_t[b]
        for j in range(H):
            dh[j] = _tanh(c[j], fast)
        for j in range(H):  # o
            o = g[3 * H + j]
            gt[3 * H + j] = (go[j] + ca[j]) * dh[j] * o * (1 - o)
        for j in range(H):  # total dL/dc_t
            tc = dh[j]
            dh[j] = d[j] + (go[j] + ca[j]) * g[3 * H + j] * (1 - tc * tc)
        for j in range(H):  # i
            i = g[j]
            gt[j] = dh[j] * g[2 * H + j] * i * (1 - i)
        for j in range(H):  # f
            f = g[H + j]
            gt[H + j] = dh[j] * cv[j] * f * (1 - f)
        for j in range(H):  # g
            gg = g[2 * H + j]
            gt[2 * H + j] = dh[j] * g[j] * (1 - gg * gg)
        for j in range(H):
            d[j] = dh[j] * g[H + j]


# ---------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------
def _bias(b, n, dtype):
    return np.zeros(n, dtype) if b is None else np.ascontiguousarray(b, dtype=dtype)


def _input_proj(x, w_ih, b_ih):
    """All time steps' input projections with one GEMM: [T, B, G*H]."""
    T, B, _ = x.shape
    xp = np.matmul(x.reshape(T * B, -1), w_ih.T)
    if b_ih is not None:
        xp += b_ih
    return xp.reshape(T, B, -1)


def _order(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _prev_states(out, h0, reverse):
    """h_{t-1} for every step t in processing order, laid out by time: [T, B, H]."""
    if reverse:
        return np.concatenate([out[1:], h0[None]], axis=0)
    return np.concatenate([h0[None], out[:-1]], axis=0)


def _param_grads(x, gx, gh, hprev, has_bias):
    """Gradients of x, w_ih, w_hh, b_ih, b_hh from per-step pre-activation grads."""
    T, B, n_in = x.shape
    GH = gx.shape[2]
    gx2 = gx.reshape(T * B, GH)
    gh2 = gh.reshape(T * B, GH)
    dw_ih = gx2.T @ x.reshape(T * B, n_in)
    dw_hh = gh2.T @ hprev.reshape(T * B, -1)
    db_ih = gx2.sum(0) if has_bias else None
    db_hh = gh2.sum(0) if has_bias else None
    return dw_ih, dw_hh, db_ih, db_hh


def _dx(gx, w_ih, shape, need_dx):
    # the first layer's input rarely needs a gradient: skip that GEMM then
    if not need_dx:
        return None
    return (gx.reshape(-1, gx.shape[2]) @ w_ih).reshape(shape)


def _c(a, dtype):
    return np.ascontiguousarray(a, dtype=dtype)


# ---------------------------------------------------------------------------
# RNN (Elman): h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
# ---------------------------------------------------------------------------
def rnn_forward(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, *, relu=False, reverse=False):
    """Elman RNN over a whole sequence.

    Args:
        x: [T, B, I]; h0: [B, H]; w_ih: [H, I]; w_hh: [H, H]; b_ih, b_hh: [H] or None.
        relu: ReLU instead of tanh. reverse: run from the last step to the first.

    Returns:
        out: [T, B, H], the hidden state after each step, in input time order.
    """
    dt = x.dtype
    x, h0, w_hh = _c(x, dt), _c(h0, dt), _c(w_hh, dt)
    T, B, _ = x.shape
    H = w_hh.shape[1]
    xp = _input_proj(x, w_ih, b_ih)
    bh = _bias(b_hh, H, dt)
    w_hhT = np.ascontiguousarray(w_hh.T)
    out = np.empty((T, B, H), dt)
    hp = np.empty((B, H), dt)
    h = h0
    fast = dt == np.float32
    for t in _order(T, reverse):
        np.matmul(h, w_hhT, out=hp)
        _rnn_step_fwd(xp[t], hp, bh, relu, fast, out[t])
        h = out[t]
    return out


def rnn_backward(grad_out, x, h0, w_ih, w_hh, out, *, has_bias=True, relu=False,
                 reverse=False, need_dx=True):
    """Backward through time of ``rnn_forward``.

    Args:
        grad_out: [T, B, H], dL/d out. out: the forward's result. Others as forward.

    Returns:
        (dx [T,B,I] (None unless need_dx), dh0 [B,H], dw_ih [H,I], dw_hh [H,H],
        db_ih [H] or None, db_hh or None)
    """
    dt = x.dtype
    grad_out, w_hh = _c(grad_out, dt), _c(w_hh, dt)
    T, B, _ = x.shape
    H = w_hh.shape[1]
    g = np.empty((T, B, H), dt)
    carry = np.zeros((B, H), dt)
    for t in _order(T, not reverse):
        _rnn_step_bwd(grad_out[t], carry, out[t], relu, g[t])
        np.matmul(g[t], w_hh, out=carry)
    dx = _dx(g, w_ih, x.shape, need_dx)
    dw_ih, dw_hh, db_ih, db_hh = _param_grads(x, g, g, _prev_states(out, h0, reverse), has_bias)
    return dx, carry, dw_ih, dw_hh, db_ih, db_hh


# ---------------------------------------------------------------------------
# GRU: r, z, n gates (PyTorch's order and formula)
# ---------------------------------------------------------------------------
def gru_forward(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, *, reverse=False):
    """GRU over a whole sequence (gate order r, z, n as PyTorch).

    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.

    Returns:
        out [T, B, H]; gates [T, B, 3H] (r, z, n after activation); hn [T, B, H]
        (``W_hn h + b_hn``), the last two saved for ``gru_backward``.
    """
    dt = x.dtype
    x, h0, w_hh = _c(x, dt), _c(h0, dt), _c(w_hh, dt)
    T, B, _ = x.shape
    H = w_hh.shape[1]
    xp = _input_proj(x, w_ih, b_ih)
    bh = _bias(b_hh, 3 * H, dt)
    w_hhT = np.ascontiguousarray(w_hh.T)
    out = np.empty((T, B, H), dt)
    gates = np.empty((T, B, 3 * H), dt)
    hn = np.empty((T, B, H), dt)
    hp = np.empty((B, 3 * H), dt)
    h = h0
    fast = dt == np.float32
    for t in _order(T, reverse):
        np.matmul(h, w_hhT, out=hp)
        _gru_step_fwd(xp[t], hp, bh, h, fast, gates[t], hn[t], out[t])
        h = out[t]
    return out, gates, hn


def gru_backward(grad_out, x, h0, w_ih, w_hh, out, gates, hn, *, has_bias=True,
                 reverse=False, need_dx=True):
    """Backward through time of ``gru_forward``; returns grads as ``rnn_backward``."""
    dt = x.dtype
    grad_out, w_hh = _c(grad_out, dt), _c(w_hh, dt)
    T, B, _ = x.shape
    H = w_hh.shape[1]
    hprev = _prev_states(out, h0, reverse)
    gx = np.empty((T, B, 3 * H), dt)
    gh = np.empty((T, B, 3 * H), dt)
    carry = np.zeros((B, H), dt)
    dhz = np.zeros((B, H), dt)
    row = np.empty(H, dt)
    for t in _order(T, not reverse):
        _gru_step_bwd(grad_out[t], carry, dhz, gates[t], hn[t], hprev[t], row, gx[t], gh[t])
        np.matmul(gh[t], w_hh, out=carry)
    dh0 = carry + dhz
    dx = _dx(gx, w_ih, x.shape, need_dx)
    dw_ih, dw_hh, db_ih, db_hh = _param_grads(x, gx, gh, hprev, has_bias)
    return dx, dh0, dw_ih, dw_hh, db_ih, db_hh


# ---------------------------------------------------------------------------
# LSTM: i, f, g, o gates (PyTorch's order)
# ---------------------------------------------------------------------------
def lstm_forward(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, *, reverse=False):
    """LSTM over a whole sequence (gate order i, f, g, o as PyTorch).

    Returns:
        out [T, B, H] (h after each step); cs [T, B, H] (c after each step);
        gates [T, B, 4H] (after activation), the last two saved for ``lstm_backward``.
    """
    dt = x.dtype
    x, h0, c0, w_hh = _c(x, dt), _c(h0, dt), _c(c0, dt), _c(w_hh, dt)
    T, B, _ = x.shape
    H = w_hh.shape[1]
    xp = _input_proj(x, w_ih, b_ih)
    bh = _bias(b_hh, 4 * H, dt)
    w_hhT = np.ascontiguousarray(w_hh.T)
    out = np.empty((T, B, H), dt)
    cs = np.empty((T, B, H), dt)
    gates = np.empty((T, B, 4 * H), dt)
    hp = np.empty((B, 4 * H), dt)
    h, c = h0, c0
    fast = dt == np.float32
    for t in _order(T, reverse):
        np.matmul(h, w_hhT, out=hp)
        _lstm_step_fwd(xp[t], hp, bh, c, fast, gates[t], cs[t], out[t])
        h, c = out[t], cs[t]
    return out, cs, gates


def lstm_backward(grad_out, grad_cT, x, h0, c0, w_ih, w_hh, out, cs, gates, *,
                  has_bias=True, reverse=False, need_dx=True):
    """Backward through time of ``lstm_forward``.

    Args:
        grad_out: [T, B, H], dL/d out. grad_cT: [B, H], dL/d c of the last processed
            step (c_{T-1}, or c_0 of the time axis when ``reverse``), or None.

    Returns:
        (dx, dh0, dc0, dw_ih, dw_hh, db_ih or None, db_hh or None)
    """
    dt = x.dtype
    grad_out, w_hh = _c(grad_out, dt), _c(w_hh, dt)
    T, B, _ = x.shape
    H = w_hh.shape[1]
    hprev = _prev_states(out, h0, reverse)
    cprev = _prev_states(cs, _c(c0, dt), reverse)
    g = np.empty((T, B, 4 * H), dt)
    carry = np.zeros((B, H), dt)
    row = np.empty(H, dt)
    fast = dt == np.float32
    dc = np.zeros((B, H), dt) if grad_cT is None else np.array(grad_cT, dtype=dt, order="C")
    for t in _order(T, not reverse):
        _lstm_step_bwd(grad_out[t], carry, dc, gates[t], cs[t], cprev[t], fast, row, g[t])
        np.matmul(g[t], w_hh, out=carry)
    dx = _dx(g, w_ih, x.shape, need_dx)
    dw_ih, dw_hh, db_ih, db_hh = _param_grads(x, g, g, hprev, has_bias)
    return dx, carry, dc, dw_ih, dw_hh, db_ih, db_hh
