"""The global random generator (``manual_seed``) and its state for checkpoints.

One ``numpy.random.Generator`` (PCG64) drives ``rand``, ``randn``, ``randint``,
``randperm``, dropout and ``nn.init``. Its stream differs from PyTorch's: seeds give
reproducible runs here, not PyTorch's numbers.
"""
from __future__ import annotations

from typing import Any, cast

import numpy as np

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator", "Generator"]


class Generator:
    """A seedable random source (``torch.Generator``-like) wrapping ``np.random.Generator``."""

    def __init__(self, device: str = "cpu") -> None:
        self._seed = 0
        self.np = np.random.default_rng(0)

    def manual_seed(self, seed: int) -> Generator:
        """Reset the stream from ``seed``; returns self."""
        self._seed = int(seed)
        self.np = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Re-seed from OS entropy; returns the new seed."""
        entropy = cast(int, np.random.SeedSequence().entropy)  # an int when drawn from the OS
        s = int(entropy % (2**63))
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict[str, Any]:
        """The bit generator state (a JSON-able dict of ints)."""
        return cast("dict[str, Any]", self.np.bit_generator.state)  # typed Mapping, is a dict

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore a state from ``get_state``."""
        self.np.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator; returns it (as ``torch.manual_seed``)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global generator from OS entropy."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed last given to ``manual_seed``."""
    return default_generator.initial_seed()


def get_rng_state() -> dict[str, Any]:
    """The global generator's state (for checkpoints)."""
    return default_generator.get_state()


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the global generator's state."""
    default_generator.set_state(state)


def rng(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (or the global one)."""
    return (generator or default_generator).np
