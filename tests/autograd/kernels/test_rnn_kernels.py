"""RNN/GRU/LSTM whole-sequence kernels against a plain NumPy step-by-step reference
(forward), and their backward-through-time against central finite differences (float64).
"""
import numpy as np
import pytest

from autograd.kernels import rnn as K


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def ref_forward(kind, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False, relu=False):
    """Textbook per-step recurrence in NumPy, PyTorch's gate order and formulas."""
    T = x.shape[0]
    H = w_hh.shape[1]
    b_ih = np.zeros(w_ih.shape[0]) if b_ih is None else b_ih
    b_hh = np.zeros(w_hh.shape[0]) if b_hh is None else b_hh
    h, c = h0, c0
    out = [None] * T
    cs = [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        gi = x[t] @ w_ih.T + b_ih
        gh = h @ w_hh.T + b_hh
        if kind == "rnn":
            a = gi + gh
            h = np.maximum(a, 0) if relu else np.tanh(a)
        elif kind == "gru":
            r = _sig(gi[:, :H] + gh[:, :H])
            z = _sig(gi[:, H:2 * H] + gh[:, H:2 * H])
            n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
            h = (1 - z) * n + z * h
        else:
            a = gi + gh
            i, f, g, o = (_sig(a[:, :H]), _sig(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]),
                          _sig(a[:, 3 * H:]))
            c = f * c + i * g
            h = o * np.tanh(c)
            cs[t] = c
        out[t] = h
    return np.stack(out), (np.stack(cs) if kind == "lstm" else None)


G = {"rnn": 1, "gru": 3, "lstm": 4}


def make(kind, T=4, B=3, I=5, H=4, dtype=np.float64, bias=True, seed=0):
    rng = np.random.default_rng(seed)
    g = G[kind]
    s = 1 / np.sqrt(H)
    arr = lambda *shape: rng.uniform(-s * 2, s * 2, shape).astype(dtype)  # noqa: E731
    return dict(x=rng.standard_normal((T, B, I)).astype(dtype), h0=arr(B, H), c0=arr(B, H),
                w_ih=arr(g * H, I), w_hh=arr(g * H, H),
                b_ih=arr(g * H) if bias else None, b_hh=arr(g * H) if bias else None)


def run_forward(kind, p, reverse=False, relu=False):
    """Kernel forward; returns (out, c_seq or None, saved tuple for backward)."""
    if kind == "rnn":
        out = K.rnn_forward(p["x"], p["h0"], p["w_ih"], p["w_hh"], p["b_ih"], p["b_hh"],
                            relu=relu, reverse=reverse)
        return out, None, (out,)
    if kind == "gru":
        out, gates, hn = K.gru_forward(p["x"], p["h0"], p["w_ih"], p["w_hh"], p["b_ih"],
                                       p["b_hh"], reverse=reverse)
        return out, None, (out, gates, hn)
    out, cs, gates = K.lstm_forward(p["x"], p["h0"], p["c0"], p["w_ih"], p["w_hh"], p["b_ih"],
                                    p["b_hh"], reverse=reverse)
    return out, cs, (out, cs, gates)


CASES = [("rnn", False, False), ("rnn", True, False), ("rnn", False, True),
         ("rnn", True, True), ("gru", False, False), ("gru", True, False),
         ("lstm", False, False), ("lstm", True, False)]


@pytest.mark.parametrize("kind,reverse,relu", CASES)
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("bias", [True, False])
def test_forward_matches_reference(kind, reverse, relu, dtype, tol, bias):
    p = make(kind, dtype=dtype, bias=bias)
    out, cs, _ = run_forward(kind, p, reverse, relu)
    p64 = {k: (None if v is None else v.astype(np.float64)) for k, v in p.items()}
    ref, ref_cs = ref_forward(kind, **p64, reverse=reverse, relu=relu)
    assert out.dtype == dtype and out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=tol, atol=tol)
    if kind == "lstm":
        np.testing.assert_allclose(cs, ref_cs, rtol=tol, atol=tol)


def _loss(kind, p, go, gc, reverse, relu):
    out, cs = ref_forward(kind, **p, reverse=reverse, relu=relu)
    val = np.sum(out * go)
    if kind == "lstm":
        val += np.sum(cs[0 if reverse else -1] * gc)
    return val


@pytest.mark.parametrize("kind,reverse,relu", CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_backward_matches_finite_differences(kind, reverse, relu, bias):
    p = make(kind, bias=bias, seed=1)
    rng = np.random.default_rng(2)
    out, cs, saved = run_forward(kind, p, reverse, relu)
    go = rng.standard_normal(out.shape)
    gc = rng.standard_normal(p["h0"].shape)
    if kind == "rnn":
        grads = K.rnn_backward(go, p["x"], p["h0"], p["w_ih"], p["w_hh"], *saved,
                               has_bias=bias, relu=relu, reverse=reverse)
        names = ["x", "h0", "w_ih", "w_hh", "b_ih", "b_hh"]
    elif kind == "gru":
        grads = K.gru_backward(go, p["x"], p["h0"], p["w_ih"], p["w_hh"], *saved,
                               has_bias=bias, reverse=reverse)
        names = ["x", "h0", "w_ih", "w_hh", "b_ih", "b_hh"]
    else:
        grads = K.lstm_backward(go, gc, p["x"], p["h0"], p["c0"], p["w_ih"], p["w_hh"], *saved,
                                has_bias=bias, reverse=reverse)
        names = ["x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh"]
    eps = 1e-6
    for name, g in zip(names, grads):
        if p[name] is None:
            assert g is None
            continue
        num = np.zeros_like(p[name])
        flat = p[name].reshape(-1)
        for k in range(flat.size):
            orig = flat[k]
            flat[k] = orig + eps
            lp = _loss(kind, p, go, gc, reverse, relu)
            flat[k] = orig - eps
            lm = _loss(kind, p, go, gc, reverse, relu)
            flat[k] = orig
            num.reshape(-1)[k] = (lp - lm) / (2 * eps)
        np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-7, err_msg=f"{kind} d{name}")


def test_float32_activations_are_accurate():
    # the rational tanh/sigmoid used for float32 against float64 libm, incl. saturation
    x = np.concatenate([np.linspace(-20, 20, 20001), np.logspace(-9, 1, 2001)]).astype(np.float32)
    H = x.size
    zeros = np.zeros((1, H), np.float32)
    out = np.empty((1, H), np.float32)
    K._rnn_step_fwd(x[None], zeros, np.zeros(H, np.float32), False, True, out)
    np.testing.assert_allclose(out[0], np.tanh(x.astype(np.float64)), rtol=5e-7, atol=5e-7)


def test_lstm_backward_without_cT_grad_equals_zero_cT_grad():
    p = make("lstm", seed=3)
    out, cs, saved = run_forward("lstm", p)
    go = np.ones_like(out)
    a = K.lstm_backward(go, None, p["x"], p["h0"], p["c0"], p["w_ih"], p["w_hh"], *saved)
    b = K.lstm_backward(go, np.zeros_like(p["h0"]), p["x"], p["h0"], p["c0"], p["w_ih"],
                        p["w_hh"], *saved)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_need_dx_false_skips_the_input_gradient():
    p = make("gru", seed=4)
    out, _, saved = run_forward("gru", p)
    full = K.gru_backward(np.ones_like(out), p["x"], p["h0"], p["w_ih"], p["w_hh"], *saved)
    part = K.gru_backward(np.ones_like(out), p["x"], p["h0"], p["w_ih"], p["w_hh"], *saved,
                          need_dx=False)
    assert part[0] is None
    for u, v in zip(full[1:], part[1:]):
        np.testing.assert_array_equal(u, v)
