"""The one place that imports ``mpi4py`` (optional: ``pip install numbagrad[distributed]``).

``from mpi4py import MPI`` initialises MPI, so it happens on first use (``init_process_group``
or a collective), never at ``import autograd.distributed``; a missing mpi4py is reported
then, with the install command.
"""
from __future__ import annotations

import importlib.util
from types import ModuleType

_INSTALL = ("torch.distributed needs mpi4py and an MPI implementation: "
            "pip install numbagrad[distributed] (mpi4py and mpich from the package index), "
            "or pip install mpi4py against your cluster's MPI")

_module: list[ModuleType] = []


def mpi() -> ModuleType:
    """The ``mpi4py.MPI`` module (imported, and MPI initialised, on the first call).

    Raises:
        ImportError: naming ``pip install numbagrad[distributed]`` when mpi4py is missing.
    """
    if not _module:
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise ImportError(f"{_INSTALL} ({e})") from e
        _module.append(MPI)
    return _module[0]


def available() -> bool:
    """True when mpi4py can be imported (checked without importing it)."""
    return bool(_module) or importlib.util.find_spec("mpi4py") is not None
