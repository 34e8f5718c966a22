"""Fused affine map ``out = x @ W^T + b`` (``nn.functional.linear``) as one graph node.

The composition ``matmul(x, W.mT) + b`` records three nodes (transpose, matmul, add)
and a broadcast-reduce for the bias; this op records one. Forward calls BLAS on the
transposed view of ``W`` directly and adds the bias in place. Backward:

* ``create_graph=False`` (the engine runs backward under no-grad): the three GEMM /
  reduction results are computed on arrays and returned; nothing would be recorded
  anyway, so this is the same value with less dispatch.
* ``create_graph=True``: the same gradients from differentiable ops (``matmul``,
  ``sum``, ``reshape``), so double backward works.
"""
from __future__ import annotations

import numpy as np

from ..dtypes import c_name, scalar_name
from ..grad_mode import _state
from ..kernels import _alloc
from ..kernels.reduce import matrix_sums
from ..node import Op, ShapeError
from ..tensor import Tensor, _wrap
from ._args import require_tensor

__all__ = ["linear"]


class Linear(Op):
    """out = x @ w.T (+ b). Shapes: x (*, in), w (out, in), b (out,) -> (*, out)."""

    op_name = "linear"

    @staticmethod
    def forward(ctx, x, w, b=None):
        if x.ndim == 2:  # PyTorch's grad_fn for a batch of vectors
            ctx._name = "Mm" if b is None else "Addmm"
        if x.ndim == 1:
            out = _alloc.matmul(x, w.T)
            return out if b is None else out + b
        # one GEMM over all rows (NumPy would run a stacked matmul as many small ones)
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim > 2 else x
        out = _alloc.matmul(x2, w.T) if b is None else _alloc.addmm_t(x2, w, b)
        return out.reshape(*x.shape[:-1], w.shape[0]) if x.ndim > 2 else out

    @staticmethod
    def backward(ctx, grad):
        x, w, b = ctx.inputs if len(ctx.inputs) == 3 else (*ctx.inputs, None)
        nx, nw = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        nb = len(ctx.needs_input_grad) == 3 and ctx.needs_input_grad[2]
        out_f, in_f = w.shape
        if not _state.enabled:
            g = grad._data
            g2 = g.reshape(-1, out_f)
            gx = _wrap(_alloc.matmul(g2, w._data).reshape(*g.shape[:-1], in_f)) if nx else None
            gw = _wrap(np.matmul(g2.T, x._data.reshape(-1, in_f))) if nw else None
            gb = _wrap(matrix_sums(g2, 0)) if nb else None
        else:
            g2 = grad.reshape(-1, out_f)
            gx = grad @ w if nx else None
            gw = g2.mT @ x.reshape(-1, in_f) if nw else None
            gb = g2.sum(0) if nb else None
        return (gx, gw, gb) if b is not None else (gx, gw)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` in one node.

    Shapes: input (*, in_features), weight (out_features, in_features), bias
    (out_features,); output (*, out_features). As PyTorch, a 1-D weight (in_features,)
    gives output (*), and a bias that broadcasts to the output shape is accepted (both
    composed from ``matmul`` and ``+`` rather than the fused node).
    """
    require_tensor("linear", input, "input", 1)
    require_tensor("linear", weight, "weight", 2)
    if bias is not None:
        require_tensor("linear", bias, "bias", 3)
    if weight.ndim == 1 and input.ndim >= 1 and input.shape[-1] == weight.shape[0] or \
            bias is not None and weight.ndim == 2 and tuple(bias.shape) != (weight.shape[0],):
        return _composed(input, weight, bias)
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ShapeError(f"linear: input of shape {tuple(input.shape)} and weight of shape "
                         f"{tuple(weight.shape)} are incompatible (expected input (*, "
                         f"{weight.shape[-1] if weight.ndim else '?'}) and weight (out, in))")
    if input.dtype != weight.dtype:  # PyTorch does not promote here
        raise RuntimeError(f"linear: expected m1 and m2 to have the same dtype, but got: "
                           f"{c_name(input.dtype)} != {c_name(weight.dtype)}")
    if bias is not None:
        if bias.dtype != weight.dtype:
            raise RuntimeError(f"linear: self and mat2 must have the same dtype, but got "
                               f"{scalar_name(bias.dtype)} and {scalar_name(weight.dtype)}")
        if tuple(bias.shape) != (weight.shape[0],):
            raise ShapeError(f"linear: bias of shape {tuple(bias.shape)} does not match weight "
                             f"of shape {tuple(weight.shape)} (expected ({weight.shape[0]},))")
        return Linear.apply(input, weight, bias)
    return Linear.apply(input, weight)


def _composed(input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """The uncommon shapes: a 1-D weight, or a bias other than (out_features,) that
    broadcasts to the output."""
    from .linalg import matmul

    if input.dtype != weight.dtype:
        raise RuntimeError(f"linear: expected m1 and m2 to have the same dtype, but got: "
                           f"{c_name(input.dtype)} != {c_name(weight.dtype)}")
    if weight.ndim == 2 and (input.ndim == 0 or input.shape[-1] != weight.shape[1]):
        raise ShapeError(f"linear: input of shape {tuple(input.shape)} and weight of shape "
                         f"{tuple(weight.shape)} are incompatible (expected input (*, "
                         f"{weight.shape[1]}) and weight (out, in))")
    if weight.ndim == 1 and bias is not None:  # PyTorch: "mat2 must be a matrix"
        raise ShapeError(f"linear: a 1-D weight of shape {tuple(weight.shape)} takes no bias "
                         f"(got bias of shape {tuple(bias.shape)}); expected weight (out, in) "
                         f"with a bias")
    out = matmul(input, weight if weight.ndim == 1 else weight.transpose(0, 1))
    if bias is None:
        return out
    if bias.dtype != weight.dtype:
        raise RuntimeError(f"linear: self and mat2 must have the same dtype, but got "
                           f"{scalar_name(bias.dtype)} and {scalar_name(weight.dtype)}")
    try:
        fits = np.broadcast_shapes(tuple(bias.shape), tuple(out.shape)) == tuple(out.shape)
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"linear: bias of shape {tuple(bias.shape)} does not broadcast to the "
                         f"output shape {tuple(out.shape)} (input {tuple(input.shape)}, weight "
                         f"{tuple(weight.shape)}; expected ({weight.shape[0]},) for a 2-D "
                         f"weight)")
    return out + bias
