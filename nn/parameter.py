"""``Parameter``: a leaf Tensor that a ``Module`` registers as learnable state."""
from __future__ import annotations

from autograd import Tensor, _inplace

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A Tensor that is a module parameter: assigning it to a ``Module`` attribute
    registers it, so it shows up in ``parameters()`` and ``state_dict()``.

    Args:
        data: a Tensor or array-like; a Tensor's storage is shared (not copied), as in
            PyTorch. ``None`` gives an empty float tensor.
        requires_grad: defaults to True.

    Shape: that of ``data``. Ops on a Parameter return plain Tensors.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if isinstance(data, Tensor):
            data = _inplace.array(data)  # share storage, drop any graph: a Parameter is always a leaf
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
