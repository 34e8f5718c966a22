"""Flatten parameters into one vector and back (``torch.nn.utils``)."""
from __future__ import annotations

import autograd
from autograd import Tensor, _inplace

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters) -> Tensor:
    """Concatenate the flattened parameters into one 1-D Tensor (differentiable)."""
    return autograd.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (in place, not
    recorded), in order."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    if vec.dim() != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector, got shape "
                         f"{tuple(vec.shape)}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if total != vec.numel():
        raise ValueError(f"vector_to_parameters: the vector has {vec.numel()} elements but "
                         f"the parameters need {total}")
    flat = _inplace.array(vec)
    offset = 0
    for p in params:
        n = p.numel()
        _inplace.copy_into(p, flat[offset:offset + n].reshape(tuple(p.shape)))
        offset += n
