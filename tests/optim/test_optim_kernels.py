"""The fused kernels (through the optimizers) against plain NumPy references.

Also: importing compiles nothing, and everything runs under NUMBA_DISABLE_JIT=1.
"""
import os
import subprocess
import sys
import textwrap

import numpy as np
import optim_numpy_reference as ref
import pytest

import autograd
import optim

SIZES = [(0,), (1,), (), (7,), (33, 31)]
TOL = {np.float32: dict(rtol=1e-6, atol=1e-7), np.float64: dict(rtol=1e-14, atol=1e-15)}

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01, maximize=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.8), weight_decay=0.1, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, centered=True, momentum=0.5, weight_decay=0.1,
                     maximize=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.2)),
    ("Adadelta", dict(lr=0.5, rho=0.6, weight_decay=0.1, maximize=True)),
]


def _reference_step(name, kw, p, g, st, step):
    kw = dict(kw)
    if name == "SGD":
        first = "buf" not in st
        buf = st.setdefault("buf", np.zeros_like(p))
        ref.sgd(p, g, buf, first=first, **kw)
    elif name in ("Adam", "AdamW"):
        beta1, beta2 = kw.pop("betas", (0.9, 0.999))
        if name == "AdamW":
            kw.setdefault("weight_decay", 1e-2)
        for k in ("m", "v", "vmax"):
            st.setdefault(k, np.zeros_like(p))
        ref.adam(p, g, st["m"], st["v"], st["vmax"], step=step, beta1=beta1, beta2=beta2,
                 decoupled=name == "AdamW", **kw)
    elif name == "RMSprop":
        for k in ("sq", "gavg", "buf"):
            st.setdefault(k, np.zeros_like(p))
        ref.rmsprop(p, g, st["sq"], st["gavg"], st["buf"], **kw)
    elif name == "Adagrad":
        init = kw.pop("initial_accumulator_value", 0.0)
        st.setdefault("acc", np.full_like(p, init))
        ref.adagrad(p, g, st["acc"], step=step, **kw)
    else:
        for k in ("sq", "acc"):
            st.setdefault(k, np.zeros_like(p))
        ref.adadelta(p, g, st["sq"], st["acc"], **kw)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0] + "-" + "-".join(map(str, c[1])))
def test_kernel_matches_numpy_reference(case, dtype):
    name, kw = case
    rng = np.random.default_rng(0)
    inits = [rng.standard_normal(s).astype(dtype) for s in SIZES]
    params = [autograd.Tensor(a.copy(), requires_grad=True) for a in inits]
    refs = [np.array(a, copy=True) for a in inits]
    states = [{} for _ in inits]
    opt = getattr(optim, name)(params, **kw)
    for step in range(1, 6):
        for p, r, st in zip(params, refs, states):
            g = rng.standard_normal(r.shape).astype(dtype)
            p.grad = autograd.Tensor(g.copy())
            _reference_step(name, kw, r, g, st, float(step))
        opt.step()
    for p, r in zip(params, refs):
        assert p._data.dtype == dtype and p._data.shape == r.shape
        np.testing.assert_allclose(p._data, r, **TOL[dtype])


def test_import_compiles_nothing_and_disable_jit_runs():
    code = textwrap.dedent("""
        import numpy as np
        import autograd, optim
        from autograd.kernels import optim as k
        import numba
        if not numba.config.DISABLE_JIT:
            # a lazy stand-in (no .signatures) or a dispatcher with nothing compiled yet
            assert all(not getattr(f, "signatures", ()) for f in
                       (k.sgd_step, k.adam_step, k.rmsprop_step, k.adagrad_step,
                        k.adadelta_step)), "a kernel compiled at import"
        for name, kw in [("SGD", dict(momentum=0.9, nesterov=True)),
                         ("Adam", dict(amsgrad=True)), ("AdamW", {}),
                         ("RMSprop", dict(centered=True, momentum=0.5)),
                         ("Adagrad", {}), ("Adadelta", {})]:
            for dt in (np.float32, np.float64):
                p = autograd.Tensor(np.ones((3, 2), dt), requires_grad=True)
                opt = getattr(optim, name)([p], lr=0.1, **kw)
                for _ in range(2):
                    p.grad = autograd.Tensor(np.full((3, 2), 0.5, dt))
                    opt.step()
                assert p._data.dtype == dt and np.all(p._data < 1), (name, p._data)
        print("ok", numba.config.DISABLE_JIT)
    """)
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=300,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok 1"
    code_jit = code.split("for name, kw")[0] + "print('ok', numba.config.DISABLE_JIT)\n"
    env["NUMBA_DISABLE_JIT"] = "0"
    out = subprocess.run([sys.executable, "-c", code_jit], env=env, capture_output=True,
                         text=True, timeout=300,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert out.returncode == 0, out.stderr
