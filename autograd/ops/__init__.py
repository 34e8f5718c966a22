"""The functional op surface (``autograd.add``, ``autograd.matmul``, ...), one family
per module: elementwise, reduce, shape, index, linalg, activation, compare, inplace.
"""
from ._util import normalize_dim, size_args  # noqa: F401
from .activation import *  # noqa: F401,F403
from .compare import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .index import *  # noqa: F401,F403
from .inplace import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .pool import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from . import activation, compare, conv, elementwise, index, inplace as _inplace_mod, linalg, pool, reduce, shape  # noqa: F401,E501

FAMILIES = {
    "elementwise": elementwise.__all__,
    "reduce": reduce.__all__,
    "shape": shape.__all__,
    "index": index.__all__,
    "linalg": linalg.__all__,
    "activation": activation.__all__,
    "conv": conv.__all__,
    "pool": pool.__all__,
}
