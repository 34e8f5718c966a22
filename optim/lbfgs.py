"""``LBFGS``: limited-memory BFGS with an optional strong-Wolfe line search, as
``torch.optim.LBFGS`` (itself after minFunc).

The iteration runs on the flattened concatenation of all parameters in NumPy, in the
parameters' dtype. Quantities PyTorch keeps as 0-d tensors (``ys``, ``H_diag``, the
directional derivatives, a step length computed from the gradient) are NumPy scalars
of that dtype here, so float32 problems round as PyTorch's do; the loss is a Python
float (``float(closure())``), as in PyTorch. Every ``add_(x, alpha=a)`` of PyTorch's is a
fused multiply-add here too (``optim._fma.axpy_``), so the iterates agree to the last
bit on small problems, where the dot products agree too.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor, _inplace

from ._fma import axpy_
from .optimizer import Optimizer

__all__ = ["LBFGS"]


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to ``bounds``
    (default: the interval between x1 and x2); the midpoint if the cubic has none."""
    if bounds is not None:
        lo, hi = bounds
    else:
        lo, hi = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """Line search along ``d`` for a step satisfying the strong Wolfe conditions
    (bracketing, then zoom by cubic interpolation). Returns (f, g, t, evaluations)."""
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # extrapolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom
    insuf_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        # keep away from the bracket ends unless progress stalls
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new.copy(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


def _flat(value, dtype) -> np.ndarray | None:
    """A state vector (our Tensor, an array or a torch tensor) as a flat array copy."""
    if value is None:
        return None
    arr = _inplace.array(value) if isinstance(value, Tensor) else np.asarray(value)
    return np.array(arr, dtype=dtype).reshape(-1)


def _num(value, dtype):
    """A state scalar: Python numbers stay, 0-d tensors/arrays become dtype scalars."""
    if value is None or isinstance(value, (int, float)):
        return value
    arr = _inplace.array(value) if isinstance(value, Tensor) else np.asarray(value)
    return dtype.type(arr.reshape(()))


def _out(value):
    """A scalar for the stored state: NumPy scalars become Python floats."""
    return float(value) if isinstance(value, np.generic) else value


class LBFGS(Optimizer):
    """L-BFGS, driven by a closure that re-evaluates the loss and its gradient.

    ``step(closure)`` runs up to ``max_iter`` iterations: a two-loop recursion over the
    last ``history_size`` curvature pairs gives the direction; the step is ``lr`` (the
    first iteration ever: ``min(1, 1 / |g|_1) * lr``), or the strong-Wolfe line search's.
    It stops early on ``max(|g|) <= tolerance_grad``, a step or loss change below
    ``tolerance_change``, or ``max_eval`` closure evaluations.

    Args:
        params: iterable of Tensors (one param group only).
        lr: learning rate / initial step length (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: closure evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: first-order optimality tolerance (default 1e-7).
        tolerance_change: tolerance on step and loss changes (default 1e-9).
        history_size: number of curvature pairs kept (default 100).
        line_search_fn: None or ``"strong_wolfe"``.

    State (on the first parameter, as PyTorch): ``func_evals``, ``n_iter`` (ints),
    ``d``, ``prev_flat_grad`` (flat Tensors), ``t``, ``H_diag``, ``prev_loss`` (floats),
    ``old_dirs``, ``old_stps`` (lists of flat Tensors), ``ro``, ``al`` (lists of floats).

    Raises:
        ValueError: negative lr, or more than one param group.
        RuntimeError: ``line_search_fn`` other than None/``"strong_wolfe"``.
    """

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9,
                 history_size: int = 100, line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict) -> None:
        """Add the (single) param group; a second one raises ``ValueError``."""
        if getattr(self, "_params", None) is not None:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _after_load(self) -> None:
        self._params = self.param_groups[0]["params"]

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self._params = self.param_groups[0]["params"]

    # ------------------------------------------------------------------ flat views
    def _dtype(self) -> np.dtype:
        dtype = np.result_type(*[_inplace.array(p).dtype for p in self._params])
        if dtype.kind != "f":
            raise TypeError(f"LBFGS.step: parameters must be floating point, got {dtype}")
        return dtype

    def _gather_flat_grad(self, dtype) -> np.ndarray:
        views = []
        for p in self._params:
            a = _inplace.array(p)
            if p.grad is None:
                views.append(np.zeros(a.size, dtype))
            else:
                g = _inplace.array(p.grad) if isinstance(p.grad, Tensor) else \
                    np.asarray(p.grad)
                if g.shape != a.shape:
                    raise RuntimeError(f"LBFGS.step: gradient of shape {g.shape} does not "
                                       f"match its parameter of shape {a.shape}")
                views.append(g.reshape(-1))
        return np.concatenate(views).astype(dtype, copy=False)

    def _add_grad(self, step_size, update: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            with _inplace.writing(p) as a:
                n = a.size
                if a.flags.c_contiguous:
                    axpy_(a, update[offset:offset + n], step_size)
                else:
                    a[...] = axpy_(np.ascontiguousarray(a).reshape(-1),
                                   update[offset:offset + n], step_size).reshape(a.shape)
                offset += n

    def _clone_param(self) -> list:
        return [_inplace.array(p).copy() for p in self._params]

    def _set_param(self, params_data: list) -> None:
        for p, data in zip(self._params, params_data):
            with _inplace.writing(p) as a:
                np.copyto(a, data)

    def _directional_evaluate(self, closure, x, t, d, dtype):
        self._add_grad(t, d)
        with autograd.enable_grad():
            loss = float(closure())
        flat_grad = self._gather_flat_grad(dtype)
        self._set_param(x)
        return loss, flat_grad

    # ------------------------------------------------------------------ step
    def step(self, closure: Callable[[], Any]) -> Any:  # noqa: C901 (one algorithm)
        """Run up to ``max_iter`` L-BFGS iterations.

        Args:
            closure: re-evaluates the model: zeroes the gradients, computes the loss,
                calls ``backward()`` and returns the loss (required).

        Returns:
            The loss from the first closure evaluation.
        """
        if closure is None:
            raise RuntimeError("LBFGS.step requires a closure that re-evaluates the model "
                               "and returns the loss")
        with autograd.no_grad():
            return self._step(closure)

    def _step(self, closure):  # noqa: C901
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        dtype = self._dtype()

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        state["func_evals"] = int(state["func_evals"])
        state["n_iter"] = int(state["n_iter"])

        with autograd.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad(dtype)
        if np.abs(flat_grad).max(initial=0) <= tolerance_grad:
            return orig_loss

        d = _flat(state.get("d"), dtype)
        t = _num(state.get("t"), dtype)
        old_dirs = [_flat(v, dtype) for v in state.get("old_dirs") or []]
        old_stps = [_flat(v, dtype) for v in state.get("old_stps") or []]
        ro = [_num(v, dtype) for v in state.get("ro") or []]
        H_diag = _num(state.get("H_diag"), dtype)
        prev_flat_grad = _flat(state.get("prev_flat_grad"), dtype)
        prev_loss = state.get("prev_loss")
        al = state.get("al")
        if al is not None:
            al = [_num(v, dtype) for v in al]

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            # direction
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                num_old = len(old_dirs)
                if al is None:
                    al = [None] * history_size
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    axpy_(q, old_dirs[i], -al[i])
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    axpy_(r, old_stps[i], al[i] - be_i)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            # step length
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break
            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d, dtype)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    with autograd.enable_grad():
                        loss = float(closure())
                    flat_grad = self._gather_flat_grad(dtype)
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            # stopping conditions
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = None if d is None else Tensor(d)
        state["t"] = _out(t)
        state["old_dirs"] = [Tensor(v) for v in old_dirs] if old_dirs is not None else None
        state["old_stps"] = [Tensor(v) for v in old_stps] if old_stps is not None else None
        state["ro"] = [_out(v) for v in ro] if ro is not None else None
        state["H_diag"] = _out(H_diag)
        state["prev_flat_grad"] = None if prev_flat_grad is None else Tensor(prev_flat_grad)
        state["prev_loss"] = prev_loss
        if al is not None:
            state["al"] = [_out(v) for v in al]
        return orig_loss
