"""``summary``: a Keras-style table of a model's layers, output shapes and parameter
counts (also reachable as ``model.summary(...)``)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

__all__ = ["summary"]


def summary(model, input_shape, dtype=None,
            print_fn: Callable[[str], Any] | None = print) -> str:
    """Keras-style table of layers, output shapes and parameter counts.

    Runs one forward pass on a zero input under ``no_grad`` in eval mode (so batch
    norm statistics are untouched; the training flags are restored afterwards).
    Rows are the modules that ran and are leaves or own parameters directly, in call
    order; "Param #" counts each row's own parameters, so the column sums to the total.

    Args:
        model: the ``nn.Module`` to describe.
        input_shape: the full input shape including the batch dimension, e.g.
            ``(1, 1, 28, 28)``; a list of shapes for a multi-input ``forward``.
        dtype: input dtype (default float32; pass ``autograd.int64`` for Embedding).
        print_fn: called with the table; ``None`` to only return it.

    Returns:
        The table as a string.
    """
    shapes = list(input_shape) if input_shape and isinstance(input_shape[0], (tuple, list)) \
        else [tuple(input_shape)]
    dtype = np.dtype(dtype) if dtype is not None else autograd.get_default_dtype()
    inputs = [autograd.zeros(*s, dtype=dtype) for s in shapes]
    names = {id(m): n for n, m in model.named_modules()}
    rows, handles, seen = [], [], set()

    def shape_of(out):
        if isinstance(out, Tensor):
            return list(out.shape)
        if isinstance(out, (tuple, list)):
            return [shape_of(o) for o in out if o is not None]
        return "-"

    def hook(mod, args, out):
        if id(mod) not in seen:
            seen.add(id(mod))
            rows.append((names[id(mod)], mod, shape_of(out)))

    modes = {id(m): m.training for m in model.modules()}
    for m in model.modules():
        if m is not model and (not m._modules or m._parameters):
            handles.append(m.register_forward_hook(hook))
    try:
        model.eval()
        with autograd.no_grad():
            out = model(*inputs)
    finally:
        for h in handles:
            h.remove()
        for m in model.modules():
            m.__dict__["training"] = modes[id(m)]
    # modules with parameters that never ran still count
    for n, m in model.named_modules():
        if m is not model and id(m) not in seen and m._parameters and \
                any(p is not None for p in m._parameters.values()):
            rows.append((n, m, "(not called)"))
    if not rows:
        rows.append(("", model, shape_of(out)))
    table = []
    w1, w2 = 40, 28
    bar = "=" * (w1 + w2 + 12)
    table.append(f'Model: "{model._get_name()}"')
    table.append(bar)
    table.append(f"{'Layer (type)':<{w1}}{'Output Shape':<{w2}}{'Param #':>12}")
    table.append(bar)
    for name, m, shape in rows:
        own = sum(p.numel() for p in m._parameters.values() if p is not None) \
            if m is not model or len(rows) > 1 else sum(p.numel() for p in model.parameters())
        label = f"{name} ({m._get_name()})" if name else m._get_name()
        table.append(f"{label:<{w1}}{str(shape):<{w2}}{own:>12,}")
    table.append(bar)
    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    table.append(f"Total params: {total:,}")
    table.append(f"Trainable params: {trainable:,}")
    table.append(f"Non-trainable params: {total - trainable:,}")
    table.append(bar)
    text = "\n".join(table)
    if print_fn is not None:
        print_fn(text)
    return text
