"""The functional op surface (``autograd.add``, ``autograd.matmul``, ...), one family
per module: elementwise, reduce, shape, index, sorting, linalg, activation, compare, inplace.

Ops modules import each other at module level in one acyclic order: _util < activation,
compare, linalg, elementwise < reduce < shape < index < sorting, inplace; loss (on activation),
recurrent (on elementwise, linalg) and linear sit on top and are not re-exported here. The
two upward uses (``elementwise.where`` -> ``index.nonzero``, ``reduce.max``/``min`` ->
``index.gather``) import inside the function.
"""
from . import (  # noqa: F401
    activation,
    compare,
    conv,
    elementwise,
    index,
    linalg,
    pool,
    reduce,
    shape,
    sorting,
)
from . import complex as _complex_mod  # noqa: F401
from . import inplace as _inplace_mod  # noqa: F401
from ._util import check_int_fits, normalize_dim, size_args  # noqa: F401

# The star imports come after the module imports on purpose: ``inplace`` here is the
# function (``inplace.__all__``), which the module binding would otherwise shadow.
from .activation import *  # noqa: F403
from .compare import *  # noqa: F403
from .complex import *  # noqa: F403  (binds ``complex`` to the function, not the module)
from .conv import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .index import *  # noqa: F403
from .inplace import *  # noqa: F403
from .linalg import *  # noqa: F403
from .pool import *  # noqa: F403
from .reduce import *  # noqa: F403
from .shape import *  # noqa: F403
from .sorting import *  # noqa: F403

FAMILIES = {
    "elementwise": elementwise.__all__,
    "reduce": reduce.__all__,
    "shape": shape.__all__,
    "index": index.__all__,
    "sorting": sorting.__all__,
    "linalg": linalg.__all__,
    "activation": activation.__all__,
    "conv": conv.__all__,
    "pool": pool.__all__,
}

# PyTorch requires a Tensor where a function's first parameter is ``input: Tensor``
# (``torch.sum([1., 2.])`` is a TypeError); the public bindings check that here, once,
# so a list or None never reaches an op's internals.
from ._args import guard_tensor_inputs as _guard_tensor_inputs  # noqa: E402

for _name in {n for m in (activation, compare, conv, elementwise, index, linalg, pool, reduce,
                          shape, sorting, _inplace_mod, _complex_mod) for n in m.__all__}:
    globals()[_name] = _guard_tensor_inputs(globals()[_name])
del _name
