"""Finite-difference gradient checks: ``gradcheck`` and ``gradgradcheck`` (PyTorch's API).

The numerical Jacobian uses central differences on float64 inputs; the analytical one is
built row by row with ``autograd.grad`` (one vector-Jacobian product per output element).
On failure the error names the input, the worst entries, and analytic vs numeric values.

Complex inputs and outputs (complex128) are checked as pairs of real numbers: each
complex element contributes a real and an imaginary coordinate, both perturbed and both
seeded (a seed of 1 selects the real part of an output element, 1j its imaginary part).
With PyTorch's convention (``z.grad = dL/dx + i dL/dy`` for a real ``L``) the real
Jacobian read off the analytical gradients must equal the finite differences, which
checks the same conjugate Wirtinger derivatives PyTorch's gradcheck checks.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import grad as _grad
from .tensor import Tensor, _wrap

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytic and numerical gradients disagree."""


def _as_tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    out = _as_tuple(func(*inputs))
    return [o for o in out if isinstance(o, Tensor) and o.dtype.kind in "fc"]


def _n_real(a: np.ndarray) -> int:
    """Number of real coordinates of an array (two per complex element)."""
    return a.size * 2 if a.dtype.kind == "c" else a.size


def _as_reals(a: np.ndarray) -> np.ndarray:
    """The real coordinates of ``a`` as a flat float64 vector (re, im per complex element)."""
    if a.dtype.kind == "c":
        # a copy: an output may be a view of the input being perturbed
        return np.array(a, dtype=np.complex128, order="C").reshape(-1).view(np.float64)
    return a.astype(np.float64).reshape(-1)


def _numerical_jacobians(func, inputs, diff_idx, eps):
    """J[i][j] (out j, input i): array of shape (input_i.numel, out_j.numel)."""
    # Not under no_grad: func may itself differentiate (gradgradcheck's first derivative).
    base = _outputs(func, inputs)
    jac = [[np.zeros((_n_real(inputs[i]._data), _n_real(o._data))) for o in base]
           for i in diff_idx]
    for k, i in enumerate(diff_idx):
        x = inputs[i]._data
        flat = x.reshape(-1) if x.flags.c_contiguous and x.flags.writeable else None
        if flat is None:  # perturb a contiguous copy and swap it in
            inputs[i]._data = x = np.array(x, order="C", copy=True)
            flat = x.reshape(-1)
        steps = (eps, eps * 1j) if x.dtype.kind == "c" else (eps,)
        for e in range(flat.size):
            orig = flat[e]
            for p, step in enumerate(steps):
                flat[e] = orig + step
                plus = [_as_reals(o._data) for o in _outputs(func, inputs)]
                flat[e] = orig - step
                minus = [_as_reals(o._data) for o in _outputs(func, inputs)]
                flat[e] = orig
                for j in range(len(base)):
                    jac[k][j][e * len(steps) + p] = (plus[j] - minus[j]) / (2 * eps)
    return base, jac


def _analytical_jacobians(func, inputs, diff_idx):
    outs = _outputs(func, inputs)
    diff_inputs = [inputs[i] for i in diff_idx]
    jac = [[np.zeros((_n_real(inputs[i]._data), _n_real(o._data))) for o in outs]
           for i in diff_idx]
    for j, o in enumerate(outs):
        if not o.requires_grad:
            continue
        units = (1, 1j) if o._data.dtype.kind == "c" else (1,)
        for e in range(o._data.size):
            for p, unit in enumerate(units):
                seed = np.zeros(o._data.size, dtype=o._data.dtype)
                seed[e] = unit
                grads = _grad(o, diff_inputs, _wrap(seed.reshape(o._data.shape)),
                              retain_graph=True, allow_unused=True)
                for k, g in enumerate(grads):
                    if g is not None:
                        jac[k][j][:, e * len(units) + p] = _as_reals(g._data)
    return jac


def gradcheck(func: Callable[..., Any], inputs: Tensor | Sequence[Tensor], *, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, fast_mode: bool = False, **_ignored: Any) -> bool:
    """Compare ``func``'s analytical gradients with central finite differences.

    Args:
        func: callable taking Tensors and returning a Tensor or tuple of Tensors.
        inputs: Tensor or tuple; those with ``requires_grad`` are checked. Use float64
            (complex128 for complex inputs).
        eps: finite-difference step.
        atol, rtol: tolerance, ``|analytic - numeric| <= atol + rtol * |numeric|``.
        raise_exception: raise ``GradcheckError`` on mismatch (else return False).

    Returns:
        True when every Jacobian entry agrees.
    """
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i in diff_idx:
        if inputs[i].dtype not in (np.float64, np.complex128):
            import warnings
            warnings.warn(f"gradcheck: input {i} has dtype {inputs[i].dtype}; checks are only "
                          f"reliable in float64 (complex128)", stacklevel=2)
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    _, num = _numerical_jacobians(func, inputs, diff_idx, eps)
    ana = _analytical_jacobians(func, inputs, diff_idx)
    for k, i in enumerate(diff_idx):
        for j in range(len(num[k])):
            a, n = ana[k][j], num[k][j]
            bad = np.abs(a - n) > atol + rtol * np.abs(n)
            if np.any(bad) or not np.all(np.isfinite(a) == np.isfinite(n)):
                msg = _mismatch_message(i, j, inputs[i], a, n, bad)
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def _mismatch_message(i, j, x, a, n, bad):
    err = np.abs(a - n)
    err = np.where(np.isnan(err), np.inf, err)
    order = np.argsort(err, axis=None)[::-1][:5]
    lines = [f"Jacobian mismatch for output {j} with respect to input {i} "
             f"(shape {tuple(x.shape)}, dtype {x.dtype}): {int(bad.sum())} of {bad.size} "
             f"entries differ. Worst entries (input element, output element): "
             f"analytic vs numeric:"]
    for flat in order:
        r, c = np.unravel_index(flat, a.shape)
        cplx = x.dtype.kind == "c"  # two real coordinates per element: (re, im)
        elem = r // 2 if cplx else r
        in_idx = [int(v) for v in np.unravel_index(elem, x.shape)] if x.ndim else []
        part = (".imag" if r % 2 else ".real") if cplx else ""
        lines.append(f"  input{in_idx}{part} -> out coordinate [{c}]: analytic "
                     f"{a[r, c]:.6g}, numeric {n[r, c]:.6g}")
    lines.append(f"analytic:\n{a}\nnumerical:\n{n}")
    return "\n".join(lines)


def gradgradcheck(func: Callable[..., Any], inputs: Tensor | Sequence[Tensor],
                  grad_outputs: Tensor | Sequence[Tensor] | None = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, seed: int = 0, **_ignored: Any) -> bool:
    """Check second derivatives: gradcheck of ``(inputs, v) -> grad(func(inputs), inputs, v)``.

    Args:
        func, inputs: as for ``gradcheck``.
        grad_outputs: the vectors ``v`` (random float64 by default, requires_grad=True).

    Returns:
        True when the double-backward Jacobians agree with finite differences.
    """
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = tuple(
            Tensor(rng.standard_normal(o._data.shape).astype(o._data.dtype), requires_grad=True)
            for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_derivative(*args):
        xs, vs = args[:n_in], args[n_in:]
        ys = _outputs(func, xs)
        diff = [xs[i] for i in diff_idx]
        pairs = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
        if not pairs:
            return tuple(_wrap(np.zeros_like(d._data)) for d in diff)
        gs = _grad([p[0] for p in pairs], diff, [p[1] for p in pairs], create_graph=True,
                   allow_unused=True)
        return tuple(g if g is not None else _wrap(np.zeros_like(d._data))
                     for g, d in zip(gs, diff))

    return gradcheck(first_derivative, (*inputs, *grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
