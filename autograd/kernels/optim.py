"""Fused optimizer updates: one pass over each parameter, in place.

Every kernel takes 1-D contiguous arrays (the caller passes ``a.reshape(-1)`` views)
of one floating dtype, and scalar hyper-parameters already cast to that dtype, so the
arithmetic runs in the parameter's precision exactly as PyTorch's CPU kernels do
(float32 scalars for float32 tensors). No literal constant appears in the arithmetic:
a Python ``1.0`` would promote float32 maths to float64 inside Numba.

The order of operations follows ``torch.optim``'s single-tensor path term by term
(``mul_`` then ``addcmul_``, ``lerp_`` with its small-weight branch, ``addcdiv_`` as
``p + (value * t1) / t2``), so float32 results agree with PyTorch to a few ulps per
step. Flags (``maximize``, ``amsgrad``, ...) are loop invariant booleans.

Arrays that a kernel does not need under the given flags (a momentum buffer when
momentum is 0, say) are passed as empty arrays of the same dtype.

Kernels use ``error_model="numpy"``: a division by zero gives inf/nan as in PyTorch
instead of raising, and, without the per-division zero check, LLVM vectorises the
loops (about 8x faster on the W1 Adam step; benchmarks/NOTES.md).

Nothing is compiled on import: each kernel compiles (or loads from the on-disk
cache) on its first call. ``NUMBA_DISABLE_JIT=1`` runs them as plain Python.
"""
from __future__ import annotations

import numpy as np

from ._jit import njit

__all__ = ["sgd_step", "adam_step", "rmsprop_step", "adagrad_step", "adadelta_step"]


@njit(inline="always", error_model="numpy")
def _grad(g, p, i, wd, has_wd, maximize):
    """``g[i]``, negated for ``maximize``, plus the L2 penalty ``wd * p[i]`` when
    ``has_wd`` (PyTorch's order)."""
    gi = g[i]
    if maximize:
        gi = -gi
    if has_wd:
        gi = gi + wd * p[i]
    return gi


@njit(inline="always", error_model="numpy")
def _decay_square(avg, i, decay, one_minus_decay, gi):
    """``avg[i] = avg[i] * decay + one_minus_decay * gi * gi`` (``mul_`` then
    ``addcmul_``); returns the new value."""
    s = avg[i] * decay
    s = s + one_minus_decay * gi * gi
    avg[i] = s
    return s


@njit(inline="always", error_model="numpy")
def _lerp(start, end, weight, small_weight, one_minus_weight):
    """``torch.lerp``: ``start + weight * (end - start)`` when ``small_weight``
    (``|weight| < 0.5``), else ``end - (end - start) * one_minus_weight``."""
    if small_weight:
        return start + weight * (end - start)
    return end - (end - start) * one_minus_weight


@njit(error_model="numpy")
def sgd_step(p, g, buf, neg_lr, wd, momentum, one_minus_dampening,
             has_wd, has_momentum, first, nesterov, maximize):
    """SGD with optional weight decay, (Nesterov) momentum and maximize, in place.

    Args:
        p, g, buf: parameter, gradient and momentum buffer (1-D, same dtype). ``buf`` is
            written only when ``has_momentum``; on the ``first`` step it is set to the
            (decayed) gradient, as PyTorch clones it.
        neg_lr: ``-lr``. wd: weight decay. momentum: momentum factor.
        one_minus_dampening: ``1 - dampening``.
    """
    for i in range(p.shape[0]):
        gi = _grad(g, p, i, wd, has_wd, maximize)
        if has_momentum:
            if first:
                b = gi
            else:
                b = buf[i] * momentum + one_minus_dampening * gi
            buf[i] = b
            if nesterov:
                gi = gi + momentum * b
            else:
                gi = b
        p[i] = p[i] + neg_lr * gi


@njit(error_model="numpy")
def adam_step(p, g, m, v, vmax, w1, small_w1, one_minus_w1, b2, one_minus_b2, bc2_sqrt, eps,
              neg_step_size, wd, decay_factor, l2, decoupled, amsgrad, maximize):
    """Adam / AdamW, in place on ``p``, ``m`` (exp_avg), ``v`` (exp_avg_sq), ``vmax``.

    Args:
        w1: ``1 - beta1`` (the lerp weight of ``exp_avg`` toward the gradient);
            ``small_w1`` is ``|w1| < 0.5``, which picks PyTorch's lerp formula;
            ``one_minus_w1`` is ``1 - w1`` computed in the array dtype.
        b2, one_minus_b2: ``beta2`` and ``1 - beta2``.
        bc2_sqrt: ``sqrt(1 - beta2**step)``. eps: added after the bias correction.
        neg_step_size: ``-lr / (1 - beta1**step)``.
        wd, l2: L2 penalty added to the gradient (Adam). decay_factor, decoupled:
            ``p *= 1 - lr * weight_decay`` before the moments (AdamW).
        amsgrad: keep and use the running maximum ``vmax`` of ``v``.
    """
    for i in range(p.shape[0]):
        gi = g[i]
        if maximize:
            gi = -gi
        pi = p[i]
        if decoupled:
            pi = pi * decay_factor
        elif l2:
            gi = gi + wd * pi
        mi = _lerp(m[i], gi, w1, small_w1, one_minus_w1)
        m[i] = mi
        vi = _decay_square(v, i, b2, one_minus_b2, gi)
        if amsgrad:
            if vmax[i] > vi or vmax[i] != vmax[i]:
                vi = vmax[i]
            else:
                vmax[i] = vi
        denom = np.sqrt(vi) / bc2_sqrt + eps
        p[i] = pi + neg_step_size * mi / denom


@njit(error_model="numpy")
def rmsprop_step(p, g, sq, gavg, buf, neg_lr, alpha, one_minus_alpha, small_w, one_minus_w, eps,
                 wd, momentum, has_wd, centered, has_momentum, maximize):
    """RMSprop, in place on ``p``, ``sq`` (square_avg), ``gavg`` (grad_avg), ``buf``.

    Args:
        alpha, one_minus_alpha: smoothing constant and ``1 - alpha``; ``small_w`` is
            ``|1 - alpha| < 0.5`` (PyTorch's lerp branch for ``grad_avg``) and
            ``one_minus_w`` is ``1 - (1 - alpha)`` in the array dtype.
        eps: added to the root. neg_lr: ``-lr``.
        centered: subtract the squared running mean of the gradient.
        has_momentum, momentum: heavy-ball buffer ``buf = momentum * buf + g / avg``.
    """
    for i in range(p.shape[0]):
        gi = _grad(g, p, i, wd, has_wd, maximize)
        s = _decay_square(sq, i, alpha, one_minus_alpha, gi)
        if centered:
            ga = _lerp(gavg[i], gi, one_minus_alpha, small_w, one_minus_w)
            gavg[i] = ga
            avg = np.sqrt(s + (-ga) * ga)
        else:
            avg = np.sqrt(s)
        avg = avg + eps
        if has_momentum:
            b = buf[i] * momentum + gi / avg
            buf[i] = b
            p[i] = p[i] + neg_lr * b
        else:
            p[i] = p[i] + neg_lr * gi / avg


@njit(error_model="numpy")
def adagrad_step(p, g, acc, neg_clr, eps, wd, has_wd, maximize):
    """Adagrad, in place on ``p`` and ``acc`` (state ``sum``).

    Args:
        neg_clr: ``-lr / (1 + (step - 1) * lr_decay)``. eps: added to the root.
    """
    for i in range(p.shape[0]):
        gi = _grad(g, p, i, wd, has_wd, maximize)
        s = acc[i] + gi * gi
        acc[i] = s
        p[i] = p[i] + neg_clr * gi / (np.sqrt(s) + eps)


@njit(error_model="numpy")
def adadelta_step(p, g, sq, acc_delta, neg_lr, rho, one_minus_rho, eps, wd, has_wd,
                  maximize):
    """Adadelta, in place on ``p``, ``sq`` (square_avg) and ``acc_delta``.

    Args:
        rho, one_minus_rho: decay of both running averages and ``1 - rho``.
        eps: added inside both roots. neg_lr: ``-lr`` (scales the delta).
    """
    for i in range(p.shape[0]):
        gi = _grad(g, p, i, wd, has_wd, maximize)
        s = _decay_square(sq, i, rho, one_minus_rho, gi)
        std = np.sqrt(s + eps)
        a = acc_delta[i]
        delta = np.sqrt(a + eps)
        delta = delta / std
        delta = delta * gi
        a = a * rho
        acc_delta[i] = a + one_minus_rho * delta * delta
        p[i] = p[i] + neg_lr * delta
