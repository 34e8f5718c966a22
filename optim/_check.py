"""Fail at ``import optim``, saying how to repair it, when the ``autograd`` package found
is not numbagrad's (another distribution named autograd, e.g. HIPS autograd, overwrote it)."""
import autograd

if not hasattr(autograd, "Tensor"):
    raise ImportError(f"optim: the autograd package at {getattr(autograd, '__file__', None)} is "
                      "not numbagrad's (another distribution named autograd has overwritten it); "
                      "repair it with: pip install --force-reinstall numbagrad")
