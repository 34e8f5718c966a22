"""``torch.nn.utils``: gradient clipping, parameter/vector conversion, and ``summary``
(the table behind ``Module.summary``)."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .summary import summary

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters", "summary"]
