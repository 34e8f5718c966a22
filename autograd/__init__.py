"""numbagrad's engine, importable as ``import autograd as torch``.

A ``Tensor`` wraps one NumPy array and records a dynamic graph; ``backward`` and
``grad`` run reverse-mode differentiation (higher order with ``create_graph=True``).
Full PyTorch spellings resolve too: ``autograd.autograd.grad``, ``autograd.nn.Linear``,
``autograd.optim.Adam``, ``autograd.utils.data.DataLoader``.

Note: this import package shares its name with the unrelated HIPS ``autograd`` on PyPI;
the two cannot be installed in one environment.
"""
from __future__ import annotations

import builtins
import importlib
import importlib.machinery
import math as _math
import sys as _sys
from typing import TYPE_CHECKING, Any

from . import functional, linalg  # torch.linalg (rebound below, after ``from .ops import *``)
from .creation import *
from .dtypes import (
    bfloat16,
    bool,
    cdouble,
    cfloat,
    complex64,
    complex128,
    device,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .engine import backward, detect_anomaly, grad, is_anomaly_enabled, set_detect_anomaly
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck
from .node import ShapeError
from .ops import *  # type: ignore[no-redef]  # binds ops.linalg over linalg: rebound below
from .ops.normalization import batch_norm, layer_norm
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .tensor import Size, Tensor

if TYPE_CHECKING:
    import types
    from collections.abc import Sequence

# torch.autograd.* spellings: the package is its own ``autograd`` attribute.
autograd = _sys.modules[__name__]
_sys.modules.setdefault(__name__ + ".autograd", autograd)  # from autograd.autograd import Variable

# torch.linalg and the classic torch.* linear-algebra spellings. After ``from .ops import *``
# on purpose: that star import binds ``linalg`` to ``ops.linalg`` and ``norm`` to the
# vector norm; these bindings replace both (``torch.norm(A, 'nuc')`` is a matrix norm).
_linalg = _sys.modules[__name__ + ".linalg"]
setattr(autograd, "linalg", _linalg)  # noqa: B010  (mypy keeps the first binding, above)
det, inverse, logdet, matrix_exp, matrix_power = (
    _linalg.det, _linalg.inverse, _linalg.logdet, _linalg.matrix_exp, _linalg.matrix_power)
cholesky, cholesky_solve, cholesky_inverse, triangular_solve = (
    _linalg.cholesky_classic, _linalg.cholesky_solve, _linalg.cholesky_inverse,
    _linalg.triangular_solve)
svd, qr, slogdet, pinverse, cross, norm = (
    _linalg.svd_classic, _linalg.qr_classic, _linalg.slogdet_classic, _linalg.pinverse,
    _linalg.cross_classic, _linalg.norm_classic)

__version__ = "0.1.0"

inf: builtins.float = _math.inf
nan: builtins.float = _math.nan
pi: builtins.float = _math.pi
e: builtins.float = _math.e


def is_tensor(obj: Any) -> builtins.bool:
    """True for numbagrad Tensors (and Parameters)."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> builtins.int:
    """Number of elements of ``input``."""
    return input.numel()


def set_num_threads(n: builtins.int) -> None:
    """Use ``n`` threads for parallel kernels, BLAS and the kernel worker pool, process-wide
    (as ``torch.set_num_threads``); see :mod:`autograd.runtime`."""
    _runtime().set_num_threads(n)


def get_num_threads() -> builtins.int:
    """The thread count of parallel kernels, BLAS and the worker pool."""
    return _runtime().get_num_threads()


def _runtime() -> Any:
    return importlib.import_module(f"{__name__}.runtime")


class _PackageAlias:
    """Import hook: ``import autograd.nn`` / ``import autograd.optim.lr_scheduler`` load the
    top-level ``nn`` / ``optim`` packages (the same module objects, so there is one
    ``nn.Linear`` class whichever spelling imported it).

    It sits first on ``sys.meta_path``, so ``find_spec`` sees every import in the process:
    it must not import anything itself (that recursed without end in a regular install,
    where ``importlib.util`` was not loaded yet) and answers None at once for other names.
    """

    _ALIASES = {__name__ + ".nn": "nn", __name__ + ".optim": "optim"}

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        """A spec for ``autograd.nn[...]`` / ``autograd.optim[...]``; None for any other name."""
        if not fullname.startswith(__name__ + "."):
            return None
        for alias in self._ALIASES:
            if fullname == alias or fullname.startswith(alias + "."):
                # self implements the Loader protocol (create_module/exec_module) without
                # subclassing importlib.abc.Loader: importing importlib.abc at start-up would
                # pull in tempfile, shutil, lzma and bz2 (~8 ms) for a type check's sake
                return importlib.machinery.ModuleSpec(fullname, self)  # type: ignore[arg-type]
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        """The real top-level module the alias names."""
        for alias, real in self._ALIASES.items():
            if spec.name == alias or spec.name.startswith(alias + "."):
                return importlib.import_module(real + spec.name[len(alias):])
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        """The real module is already executed."""


if not [f for f in _sys.meta_path if type(f).__name__ == "_PackageAlias"]:
    _sys.meta_path.insert(0, _PackageAlias())  # before PathFinder, which would load copies


# Lazy submodules (imported on first attribute access, keeping ``import autograd`` light).
_SUBMODULES = frozenset(("utils", "viz", "datasets", "serialization", "cuda", "cpu", "backends",
                         "accelerator", "amp", "testing", "legacy", "fft", "distributions",
                         "distributed", "metrics", "onnx", "train"))
# name -> the submodule defining it, imported on first use
_LAZY = {
    "save": "serialization", "load": "serialization",
    "autocast": "amp", "is_autocast_enabled": "amp", "get_autocast_dtype": "amp",
    **dict.fromkeys((
        "finfo", "iinfo", "Variable", "compile", "set_float32_matmul_precision",
        "get_float32_matmul_precision", "use_deterministic_algorithms",
        "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
        "get_default_device", "set_default_device", "FloatTensor", "DoubleTensor",
        "HalfTensor", "BFloat16Tensor", "ByteTensor", "CharTensor", "ShortTensor",
        "IntTensor", "LongTensor", "BoolTensor", "ComplexFloatTensor",
        "ComplexDoubleTensor"), "legacy"),
    # special functions (issue 13, torch.distributions needs them)
    **dict.fromkeys(("lgamma", "digamma", "polygamma", "mvlgamma", "erfinv"), "ops.special"),
}


def __getattr__(name: str) -> Any:
    """Lazy attributes, imported on first use: ``nn``, ``optim``, the submodules ``utils``,
    ``viz``, ``datasets``, ``serialization``, ``cuda``, ``cpu``, ``backends``,
    ``accelerator``, ``amp``, ``testing``, and the names of :data:`_LAZY` (``save``,
    ``load``, ``autocast``, ``finfo``, ``compile``, ``FloatTensor``, ``Variable``, ...)."""
    # torch.nn / torch.optim / torch.utils resolve lazily to the top-level packages,
    # so `import autograd` does not import nn (which imports autograd): no cycle.
    if name in ("nn", "optim"):
        return importlib.import_module(name)
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
