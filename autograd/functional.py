"""Higher-level differentiation: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``
(``torch.autograd.functional``), all built on ``grad(create_graph=True)``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeAlias

import numpy as np

from .engine import grad as _grad
from .grad_mode import enable_grad
from .tensor import Tensor, _wrap

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]

Inputs: TypeAlias = Tensor | Sequence[Tensor]
"""One tensor, or a tuple/list of them (the result then has one entry per input)."""
Tensors: TypeAlias = Tensor | tuple[Tensor, ...]


def _tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _prepare(inputs, create_graph):
    # Fresh leaves so that the caller's tensors do not collect gradients.
    out = []
    for x in inputs:
        t = x if create_graph and x.requires_grad else _wrap(x._data)
        if not t.requires_grad:
            t.requires_grad_(True)
        out.append(t)
    return tuple(out)


def _finish(g, x, create_graph):
    if g is None:
        return _wrap(np.zeros_like(x._data))
    return g if create_graph else _wrap(g._data)


def vjp(func: Callable[..., Tensor], inputs: Inputs, v: Inputs | None = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Tensor, Tensors]:
    """``(func(inputs), v^T J)``. Shapes: v like the output; result like the inputs."""
    inputs, is_tuple = _tuple(inputs)
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        out = func(*xs)
        gs = _grad(out, xs, v, create_graph=create_graph, allow_unused=True) \
            if out.requires_grad else (None,) * len(xs)
    res = tuple(_finish(g, x, create_graph) for g, x in zip(gs, xs))
    out = out if create_graph else _wrap(out._data)
    return out, (res if is_tuple else res[0])


def jvp(func: Callable[..., Tensor], inputs: Inputs, v: Inputs | None = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Tensor, Tensor]:
    """``(func(inputs), J v)`` via the double-vjp trick (two reverse passes)."""
    inputs, is_tuple = _tuple(inputs)
    vs = _tuple(v)[0] if v is not None else tuple(_wrap(np.ones_like(x._data)) for x in inputs)
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        out = func(*xs)
        u = _wrap(np.zeros_like(out._data)).requires_grad_(True)
        gs = _grad(out, xs, u, create_graph=True, allow_unused=True)
        pairs = [(g, w) for g, w in zip(gs, vs) if g is not None]
        if not pairs:
            jv = _wrap(np.zeros_like(out._data))
        else:
            (jv,) = _grad([p[0] for p in pairs], [u], [p[1] for p in pairs],
                          create_graph=create_graph, allow_unused=True)
            jv = _finish(jv, out, create_graph)
    return (out if create_graph else _wrap(out._data)), jv


def jacobian(func: Callable[..., Tensor], inputs: Inputs, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False) -> Tensors:
    """The Jacobian ``d func / d inputs``. Shape: ``out.shape + input.shape`` (a tuple of
    such when ``inputs`` is a tuple)."""
    inputs, is_tuple = _tuple(inputs)
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        out = func(*xs)
        rows: list[list[Tensor]] = [[] for _ in xs]
        for e in range(out._data.size):
            seed = np.zeros(out._data.size, dtype=out._data.dtype)
            seed[e] = 1
            gs = _grad(out, xs, _wrap(seed.reshape(out._data.shape)), retain_graph=True,
                       create_graph=create_graph, allow_unused=True) \
                if out.requires_grad else (None,) * len(xs)
            for k, (g, x) in enumerate(zip(gs, xs)):
                rows[k].append(_finish(g, x, create_graph))
    from .ops import stack
    jac = tuple(stack(r).reshape(tuple(out.shape) + tuple(x.shape)) if r else
                _wrap(np.zeros(tuple(out.shape) + tuple(x.shape), x._data.dtype))
                for r, x in zip(rows, xs))
    return jac if is_tuple else jac[0]


def hessian(func: Callable[..., Tensor], inputs: Inputs, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False) -> Tensor | tuple[Tensors, ...]:
    """The Hessian of a scalar ``func``. Shape: ``input.shape + input.shape``."""
    inputs, is_tuple = _tuple(inputs)

    def gradient(*xs):
        with enable_grad():
            out = func(*xs)
            gs = _grad(out, xs, create_graph=True, allow_unused=True)
        return tuple(_finish(g, x, True) for g, x in zip(gs, xs))

    if not is_tuple:
        return jacobian(lambda x: gradient(x)[0], inputs[0], create_graph=create_graph)
    return tuple(jacobian(lambda *xs, i=i: gradient(*xs)[i], inputs, create_graph=create_graph)
                 for i in range(len(inputs)))


def hvp(func: Callable[..., Tensor], inputs: Inputs, v: Inputs, create_graph: bool = False,
        strict: bool = False) -> tuple[Tensor, Tensors]:
    """``(func(inputs), H v)`` for scalar ``func`` (H symmetric, so equal to ``vhp``)."""
    inputs, is_tuple = _tuple(inputs)
    vs = _tuple(v)[0]
    with enable_grad():
        xs = _prepare(inputs, True)
        out = func(*xs)
        gs = _grad(out, xs, create_graph=True, allow_unused=True)
        pairs = [(g, w, x) for g, w, x in zip(gs, vs, xs) if g is not None]
        hv = _grad([p[0] for p in pairs], xs, [p[1] for p in pairs], create_graph=create_graph,
                   allow_unused=True) if pairs else (None,) * len(xs)
    res = tuple(_finish(h, x, create_graph) for h, x in zip(hv, xs))
    return (out if create_graph else _wrap(out._data)), (res if is_tuple else res[0])


vhp = hvp
