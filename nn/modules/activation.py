"""Activation modules: thin wrappers over ``nn.functional`` with PyTorch's arguments
and ``repr``. ``inplace=True`` is accepted and computed out of place."""
from __future__ import annotations

import autograd

from .. import functional as F
from .. import init
from .._check import require_number, require_size, require_tensor
from ..parameter import Parameter
from .module import Module

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softplus",
           "Softmax", "LogSoftmax", "Softmin", "Hardtanh", "LogSigmoid", "PReLU", "RReLU", "GLU",
           "Hardswish", "Hardsigmoid", "Mish", "Softmax2d", "Softsign", "Tanhshrink",
           "Softshrink", "Hardshrink", "Threshold", "CELU", "SELU"]


class _Inplace(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_Inplace):
    """max(x, 0). Shape: any -> same."""

    def forward(self, input):
        return F.relu(input)


class SiLU(_Inplace):
    """x * sigmoid(x). Shape: any -> same."""

    def forward(self, input):
        return F.silu(input)


class Hardtanh(Module):
    """Clamp to [min_val, max_val]. Shape: any -> same."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        require_number("Hardtanh", "min_val", min_val)
        require_number("Hardtanh", "max_val", max_val)
        if max_val <= min_val:  # an AssertionError in PyTorch
            raise AssertionError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                                 f"({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + \
            (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """min(max(x, 0), 6). Shape: any -> same."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x. Shape: any -> same."""

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        require_number("LeakyReLU", "negative_slope", negative_slope)
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x if x > 0 else alpha (exp(x) - 1). Shape: any -> same."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        require_number("ELU", "alpha", alpha)
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """Gaussian error linear unit; ``approximate='tanh'`` for the tanh form."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)). Shape: any -> same."""

    def forward(self, input):
        return F.sigmoid(input)


class LogSigmoid(Module):
    """log(sigmoid(x)), stable. Shape: any -> same."""

    def forward(self, input):
        return F.logsigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent. Shape: any -> same."""

    def forward(self, input):
        return F.tanh(input)


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear above ``threshold``. Shape: any -> same."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        require_number("Softplus", "beta", beta)
        require_number("Softplus", "threshold", threshold)
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """Softmax along ``dim``. Shape: any -> same."""

    def __init__(self, dim=None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Softmax):
    """softmax(-x) along ``dim``. Shape: any -> same."""

    def forward(self, input):
        return F.softmin(input, self.dim)


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, stable. Shape: any -> same."""

    def forward(self, input):
        return F.log_softmax(input, self.dim)


class PReLU(Module):
    """x if x > 0 else a x with a learnable slope ``weight`` of shape (num_parameters,)
    (1 shared, or one per channel of dim 1), initialised to ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.num_parameters = require_size("PReLU", "num_parameters", num_parameters)
        self.init = require_number("PReLU", "init", init)
        self.weight = Parameter(autograd.empty(self.num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope back to ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"



class RReLU(Module):
    """Randomised leaky ReLU: slopes drawn from U(lower, upper) in training (the engine's
    global generator), the fixed slope (lower + upper) / 2 in eval."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower = require_number("RReLU", "lower", lower)
        self.upper = require_number("RReLU", "upper", upper)
        self.inplace = inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace
                                                            else "")


class GLU(Module):
    """a * sigmoid(b) for the halves a, b of the input along ``dim``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardswish(Module):
    """x * relu6(x + 3) / 6. Shape: any -> same."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.hardswish(input)


class Hardsigmoid(Hardswish):
    """relu6(x + 3) / 6. Shape: any -> same."""

    def forward(self, input):
        return F.hardsigmoid(input)


class Mish(_Inplace):
    """x * tanh(softplus(x)). Shape: any -> same."""

    def forward(self, input):
        return F.mish(input)


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) input (dim -3)."""

    def forward(self, input):
        require_tensor("Softmax2d", input)
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D "
                             f"instead")
        return F.softmax(input, -3)


class Softsign(Module):
    """x / (1 + |x|). Shape: any -> same."""

    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(Module):
    """x - tanh(x). Shape: any -> same."""

    def forward(self, input):
        return F.tanhshrink(input)


class Softshrink(Module):
    """Shrink towards 0 by ``lambd`` (0 inside [-lambd, lambd]). Shape: any -> same."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = require_number("Softshrink", "lambd", lambd)

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """x if |x| > lambd else 0. Shape: any -> same."""

    def forward(self, input):
        return F.hardshrink(input, self.lambd)


class Threshold(Module):
    """x if x > threshold else value. Shape: any -> same."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = require_number("Threshold", "threshold", threshold)
        self.value = require_number("Threshold", "value", value)
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + \
            (", inplace=True" if self.inplace else "")


class CELU(Module):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)). Shape: any -> same."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = require_number("CELU", "alpha", alpha)
        self.inplace = inplace

    def forward(self, input):
        return F.celu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(_Inplace):
    """scale * elu(x, alpha) with the self-normalising constants. Shape: any -> same."""

    def forward(self, input):
        return F.selu(input)
