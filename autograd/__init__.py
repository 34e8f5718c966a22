"""numbagrad's engine, importable as ``import autograd as torch``.

A ``Tensor`` wraps one NumPy array and records a dynamic graph; ``backward`` and
``grad`` run reverse-mode differentiation (higher order with ``create_graph=True``).
Full PyTorch spellings resolve too: ``autograd.autograd.grad``, ``autograd.nn.Linear``,
``autograd.optim.Adam``, ``autograd.utils.data.DataLoader``.

Note: this import package shares its name with the unrelated HIPS ``autograd`` on PyPI;
the two cannot be installed in one environment.
"""
from __future__ import annotations

import sys as _sys

from . import tensor as _tensor_module
from .dtypes import (  # noqa: F401
    bool, complex64, complex128, cpu, device, double, float, float16, float32, float64,
    get_default_dtype, half, int, int8, int16, int32, int64, long, set_default_dtype, short,
    uint8,
)
from .tensor import Size, Tensor  # noqa: F401
from .function import (  # noqa: F401
    Function, FunctionCtx, ShapeError, backward, detect_anomaly, grad, is_anomaly_enabled,
    once_differentiable, set_detect_anomaly,
)
from .grad_mode import (  # noqa: F401
    enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled,
)
from . import ops as _ops
from .ops import *  # noqa: F401,F403
from .ops import inplace as _inplace_fn  # noqa: F401
from .creation import *  # noqa: F401,F403
from .random import (  # noqa: F401
    Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state,
)
from .gradcheck import gradcheck, gradgradcheck  # noqa: F401
from . import functional  # noqa: F401

_tensor_module._ops = _ops
from . import creation as _creation_module  # noqa: E402

_tensor_module._creation = _creation_module

# torch.autograd.* spellings: the package is its own ``autograd`` attribute.
autograd = _sys.modules[__name__]

__version__ = "0.1.0"


def is_tensor(obj) -> "builtins.bool":  # noqa: F821
    """True for numbagrad Tensors (and Parameters)."""
    return isinstance(obj, Tensor)


def numel(input) -> "builtins.int":  # noqa: F821
    """Number of elements of ``input``."""
    return input.numel()


def set_num_threads(n) -> None:
    """Set Numba's thread count for parallel kernels (NumPy's BLAS is set by its env vars)."""
    from .kernels._jit import _configure_threading
    _configure_threading()  # before Numba launches a pool: choose the non-spinning layer
    import numba
    numba.set_num_threads(n)


def get_num_threads() -> "builtins.int":  # noqa: F821
    """Numba's thread count for parallel kernels."""
    from .kernels._jit import _configure_threading
    _configure_threading()
    import numba
    return numba.get_num_threads()


class _PackageAlias:
    """Import hook: ``import autograd.nn`` / ``import autograd.optim.lr_scheduler`` load the
    top-level ``nn`` / ``optim`` packages (the same module objects, so there is one
    ``nn.Linear`` class whichever spelling imported it)."""

    _ALIASES = {__name__ + ".nn": "nn", __name__ + ".optim": "optim"}

    def find_spec(self, fullname, path=None, target=None):
        import importlib.util
        for alias, real in self._ALIASES.items():
            if fullname == alias or fullname.startswith(alias + "."):
                return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        import importlib
        for alias, real in self._ALIASES.items():
            if spec.name == alias or spec.name.startswith(alias + "."):
                return importlib.import_module(real + spec.name[len(alias):])
        return None

    def exec_module(self, module) -> None:
        """The real module is already executed."""


# (builtins spelled out: this namespace's any/all/sum are the tensor ops)
if not [f for f in _sys.meta_path if type(f).__name__ == "_PackageAlias"]:
    _sys.meta_path.insert(0, _PackageAlias())  # before PathFinder, which would load copies


def __getattr__(name):
    # torch.nn / torch.optim / torch.utils resolve lazily to the top-level packages,
    # so `import autograd` does not import nn (which imports autograd): no cycle.
    import importlib
    if name in ("nn", "optim"):
        return importlib.import_module(name)
    if name in ("utils", "viz", "datasets", "serialization"):
        return importlib.import_module(f"{__name__}.{name}")
    if name in ("save", "load"):
        return getattr(importlib.import_module(f"{__name__}.serialization"), name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
