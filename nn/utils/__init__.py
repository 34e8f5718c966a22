"""``torch.nn.utils``: gradient clipping, parameter/vector conversion, weight
normalisation, spectral normalisation, ``summary`` (the table behind
``Module.summary``), and the submodules ``parametrize`` / ``parametrizations``
(imported on first access: they build on ``nn.modules``, which itself imports this
package)."""
import importlib

from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .spectral_norm import remove_spectral_norm, spectral_norm
from .summary import summary
from .weight_norm import remove_weight_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters", "summary", "weight_norm", "remove_weight_norm",
           "spectral_norm", "remove_spectral_norm",
           "parametrize", "parametrizations", "rnn"]

_LAZY = ("parametrize", "parametrizations")


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
