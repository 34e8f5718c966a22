"""numbagrad's ``torch.nn``: ``Module``, ``Parameter``, layers, losses, and the
``functional``, ``init`` and ``utils`` submodules (``import nn.functional as F``).

Parameter names, ``state_dict`` keys and their order match PyTorch's for the same
architecture, so weights move between the two through NumPy arrays.
"""
from . import _check, functional, init, parallel, utils  # noqa: F401  (_check first: it names a foreign autograd)
from .modules import *  # noqa: F401,F403
from .modules import Module  # noqa: F401
from .parallel import DataParallel  # noqa: F401  (torch.nn.DataParallel, as PyTorch)
from .parameter import Parameter  # noqa: F401
