"""The chi-squared distribution: Gamma(df / 2, 1 / 2)."""
from __future__ import annotations

from typing import Any

from ..tensor import Size, Tensor
from . import constraints
from .gamma import Gamma

__all__ = ["Chi2"]


class Chi2(Gamma):
    """Chi2(df), the sum of ``df`` squared standard normals; a Gamma(df / 2, 1 / 2).

    Args:
        df (float or Tensor): degrees of freedom (> 0).
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Chi2:
        """Parameters expanded to ``batch_shape`` (no copy)."""
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(Size(batch_shape), new)  # type: ignore[return-value]

    @property
    def df(self) -> Tensor:
        """Degrees of freedom, 2 * concentration."""
        return self.concentration * 2
