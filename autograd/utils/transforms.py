"""Per-sample data transforms for augmentation (the torchvision.transforms subset we need).

Every transform is a callable on ONE sample: a NumPy array or an engine Tensor laid out
channels-first, ``(C, H, W)`` for images or ``(C, L)`` for 1-D signals (``RandomCrop``,
``RandomHorizontalFlip`` and ``RandomShift`` act on the trailing spatial axes, so they
work for both). A Tensor in gives a Tensor out, an array in gives an array out.
Transforms run on data, outside the graph: they never record gradients.

Random transforms draw from ``generator`` (an ``autograd.Generator``) or, by default,
the global generator seeded by ``autograd.manual_seed``, so a seeded run is
reproducible. Use them through a dataset's ``transform=`` argument (see
``autograd.datasets``); the ``DataLoader`` then applies them sample by sample.

Example:
    >>> from autograd.utils import transforms as T
    >>> aug = T.Compose([T.RandomCrop(28, padding=2), T.RandomRotation(10),
    ...                  T.Normalize([0.1307], [0.3081])])
"""
from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeAlias, cast

import numpy as np
import numpy.typing as npt

from .. import random as _random
from ..tensor import Tensor, _wrap

Sample: TypeAlias = Tensor | np.ndarray
"""What a transform takes and returns: a Tensor stays a Tensor, an array an array."""

__all__ = ["Compose", "Lambda", "ToTensor", "Normalize", "RandomCrop", "RandomHorizontalFlip",
           "RandomRotation", "RandomShift", "GaussianNoise"]


def _unwrap(x):
    if isinstance(x, Tensor):
        return x._data, True
    return np.asarray(x), False


def _rewrap(arr: np.ndarray, was_tensor: bool) -> Sample:
    return _wrap(arr) if was_tensor else arr



def _randint(low: int, high: int, generator: _random.Generator | None) -> int:
    """``torch.randint(low, high, (1,)).item()`` (torchvision's draw for crop offsets)."""
    return int(_random.fill_random_from_to(np.empty(1, np.int64), low, high, generator)[0])


def _uniform(low: float, high: float, generator: _random.Generator | None,
             dtype: Any = np.float32) -> float:
    """``torch.empty(1).uniform_(low, high).item()`` (``torch.rand(1)`` for [0, 1))."""
    return float(_random.fill_uniform(np.empty(1, dtype), low, high, generator)[0])

class Compose:
    """Apply ``transforms`` in order.

    Args:
        transforms: a list of callables, each taking and returning one sample.
    """

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose({inner}\n)"


class Lambda:
    """Wrap a user function ``fn(sample) -> sample`` as a transform."""

    def __init__(self, fn: Callable) -> None:
        if not callable(fn):
            raise TypeError(f"Lambda: expected a callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, x: Any) -> Any:
        return self.fn(x)

    def __repr__(self) -> str:
        return f"Lambda({getattr(self.fn, '__name__', self.fn)!r})"


class ToTensor:
    """Convert an array to a float32 channels-first Tensor.

    ``(H, W)`` images become ``(1, H, W)``, ``(H, W, C)`` images (channels-last, as
    image files store them) become ``(C, H, W)``, 1-d signals ``(L,)`` become ``(1, L)``.
    ``uint8`` data is scaled to ``[0, 1]`` (as torchvision's ToTensor); other dtypes keep
    their values.
    """

    def __call__(self, x: npt.ArrayLike | Tensor) -> Tensor:
        arr, _ = _unwrap(x)
        scale = arr.dtype == np.uint8
        if arr.ndim in (1, 2):
            arr = arr[None]
        elif arr.ndim == 3:
            arr = np.moveaxis(arr, -1, 0)
        else:
            raise ValueError(f"ToTensor: expected a (L,), (H, W) or (H, W, C) array, "
                             f"got shape {arr.shape}")
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        if scale:
            arr /= 255.0
        return _wrap(arr)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` per channel (axis 0 of a ``(C, ...)`` sample).

    Args:
        mean: one value per channel (or one value for all).
        std: one value per channel (or one value for all); must be non-zero.
    """

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std evaluated to zero, leading to division by zero "
                             f"(std={self.std.tolist()})")

    def __call__(self, x: Sample) -> Sample:
        arr, was_tensor = _unwrap(x)
        if arr.ndim < 1:
            raise ValueError("Normalize: expected a (C, ...) sample, got a 0-d value")
        c = arr.shape[0]
        for name, v in (("mean", self.mean), ("std", self.std)):
            if v.size not in (1, c):
                raise ValueError(f"Normalize: {name} has {v.size} values but the sample of "
                                 f"shape {arr.shape} has {c} channels")
        shape = (-1,) + (1,) * (arr.ndim - 1)
        dtype = arr.dtype if arr.dtype.kind == "f" else np.float32
        out = (arr - self.mean.reshape(shape)) / self.std.reshape(shape)
        return _rewrap(out.astype(dtype, copy=False), was_tensor)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


def _spatial(size, ndim: int, name: str) -> tuple:
    """Expand an int/tuple size to one value per trailing spatial axis of a (C, ...) sample."""
    if ndim < 2:
        raise ValueError(f"{name}: expected a channels-first sample (C, L) or (C, H, W), "
                         f"got {ndim}-d")
    if isinstance(size, numbers.Integral):
        return (int(size),) * (ndim - 1)
    size = tuple(int(s) for s in size)
    if len(size) > ndim - 1:
        raise ValueError(f"{name}: size {size} has more axes than the sample's {ndim - 1} "
                         f"spatial axes")
    return size


class RandomCrop:
    """Pad, then cut a random window of ``size`` from the trailing spatial axes.

    Args:
        size: output size: an int for every spatial axis, or ``(h, w)`` / ``(l,)``.
        padding: zero/fill padding added on both sides of each cropped axis first: an int,
            or one int per cropped axis.
        pad_if_needed: pad further when the sample is smaller than ``size``.
        fill: constant used by ``padding_mode='constant'``.
        padding_mode: ``'constant'``, ``'edge'``, ``'reflect'`` or ``'wrap'`` (numpy.pad modes;
            torchvision's ``'symmetric'`` is also accepted).
        generator: an ``autograd.Generator`` (default: the global one).

    Shapes: ``(C, H, W) -> (C, h, w)``; ``(C, L) -> (C, l)``.
    """

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] | None = None,
                 pad_if_needed: bool = False, fill: float = 0,
                 padding_mode: Literal["constant", "edge", "reflect", "wrap", "symmetric"] = "constant",
                 generator: _random.Generator | None = None) -> None:
        if padding_mode not in ("constant", "edge", "reflect", "wrap", "symmetric"):
            raise ValueError(f"RandomCrop: padding_mode must be constant, edge, reflect, wrap "
                             f"or symmetric, got {padding_mode!r}")
        self.size = size
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = generator

    def __call__(self, x: Sample) -> Sample:
        arr, was_tensor = _unwrap(x)
        size = _spatial(self.size, arr.ndim, "RandomCrop")
        k = len(size)
        axes = list(range(arr.ndim - k, arr.ndim))
        pads = [(0, 0)] * arr.ndim
        if self.padding is not None:
            # casts: mypy does not narrow on the numbers ABCs (python/mypy#3186)
            p = ((cast(int, self.padding),) * k if isinstance(self.padding, numbers.Integral)
                 else tuple(cast(Sequence[int], self.padding)))
            if len(p) != k:
                raise ValueError(f"RandomCrop: padding {self.padding} needs one value per "
                                 f"cropped axis ({k})")
            for a, pa in zip(axes, p):
                pads[a] = (int(pa), int(pa))
        for a, s in zip(axes, size):
            have = arr.shape[a] + sum(pads[a])
            if have < s:
                if not self.pad_if_needed:
                    raise ValueError(f"RandomCrop: requested crop size {size} is bigger than "
                                     f"the (padded) sample of shape {arr.shape} on axis {a}")
                extra = s - have
                pads[a] = (pads[a][0] + extra, pads[a][1] + extra)
        if any(p != (0, 0) for p in pads):
            kw: dict[str, Any] = {"constant_values": self.fill} if self.padding_mode == "constant" else {}
            arr = np.pad(arr, pads, mode=self.padding_mode, **kw)
        index = [slice(None)] * arr.ndim
        for a, s in zip(axes, size):
            start = _randint(0, arr.shape[a] - s + 1, self.generator)
            index[a] = slice(start, start + s)
        return _rewrap(np.ascontiguousarray(arr[tuple(index)]), was_tensor)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomShift:
    """Shift a 1-D signal (or image) along its last axis by a random whole number of steps.

    The signal keeps its length: values shifted out are dropped and the vacated end is
    filled with ``fill`` (or, with ``mode='wrap'``, the signal is rolled). This is the
    natural augmentation for MNIST-1D, whose digits sit at random positions.

    Args:
        max_shift: shifts are uniform over ``[-max_shift, max_shift]``.
        mode: ``'constant'`` (fill the gap) or ``'wrap'`` (roll).
        fill: the gap value for ``mode='constant'``.
        generator: an ``autograd.Generator`` (default: the global one).

    Shapes: ``(C, L) -> (C, L)`` (any ``(..., L)``).
    """

    def __init__(self, max_shift: int, mode: str = "constant", fill: float = 0.0,
                 generator: _random.Generator | None = None) -> None:
        if mode not in ("constant", "wrap"):
            raise ValueError(f"RandomShift: mode must be 'constant' or 'wrap', got {mode!r}")
        if max_shift < 0:
            raise ValueError(f"RandomShift: max_shift must be >= 0, got {max_shift}")
        self.max_shift = int(max_shift)
        self.mode = mode
        self.fill = fill
        self.generator = generator

    def __call__(self, x: Sample) -> Sample:
        arr, was_tensor = _unwrap(x)
        shift = _randint(-self.max_shift, self.max_shift + 1, self.generator)
        if self.mode == "wrap":
            return _rewrap(np.roll(arr, shift, axis=-1), was_tensor)
        out = np.full_like(arr, self.fill)
        n = arr.shape[-1]
        if shift >= 0:
            out[..., shift:] = arr[..., :n - shift]
        else:
            out[..., :n + shift] = arr[..., -shift:]
        return _rewrap(out, was_tensor)

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.max_shift}, mode={self.mode!r})"


class RandomHorizontalFlip:
    """Reverse the last axis with probability ``p``.

    Args:
        p: flip probability.
        generator: an ``autograd.Generator`` (default: the global one).
    """

    def __init__(self, p: float = 0.5, generator: _random.Generator | None = None) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = p
        self.generator = generator

    def __call__(self, x: Sample) -> Sample:
        arr, was_tensor = _unwrap(x)
        if _uniform(0.0, 1.0, self.generator, np.float32) < self.p:
            arr = np.ascontiguousarray(arr[..., ::-1])
        return _rewrap(arr, was_tensor)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class RandomRotation:
    """Rotate an image by a random angle (in degrees) about its centre.

    Uses ``scipy.ndimage.rotate`` with ``reshape=False`` (same output size) and bilinear
    interpolation (``order=1``); pixels rotated in from outside get ``fill``. A positive
    angle turns the picture counter-clockwise as displayed with ``imshow`` (row 0 on top),
    like torchvision.

    Args:
        degrees: a number ``d`` for angles uniform in ``[-d, d]``, or a range ``(lo, hi)``.
        fill: value for pixels outside the rotated image.
        order: spline interpolation order (0 nearest, 1 bilinear, 3 cubic).
        generator: an ``autograd.Generator`` (default: the global one).

    Shapes: ``(C, H, W) -> (C, H, W)`` or ``(H, W) -> (H, W)``.
    """

    def __init__(self, degrees: float | Sequence[float], fill: float = 0.0, order: int = 1,
                 generator: _random.Generator | None = None) -> None:
        if isinstance(degrees, numbers.Real):
            if degrees < 0:
                raise ValueError(f"RandomRotation: degrees must be non-negative when a single "
                                 f"number, got {degrees}")
            degrees = (-float(degrees), float(degrees))
        lo, hi = (float(d) for d in cast(Sequence[float], degrees))  # see RandomCrop's cast
        if lo > hi:
            raise ValueError(f"RandomRotation: degrees range must be (low, high) with "
                             f"low <= high, got {degrees}")
        self.degrees = (lo, hi)
        self.fill = fill
        self.order = order
        self.generator = generator

    def __call__(self, x: Sample) -> Sample:
        from scipy import ndimage  # scipy is an optional extra; only rotation needs it
        arr, was_tensor = _unwrap(x)
        if arr.ndim not in (2, 3):
            raise ValueError(f"RandomRotation: expected an image (H, W) or (C, H, W), got "
                             f"shape {arr.shape}")
        angle = _uniform(float(self.degrees[0]), float(self.degrees[1]), self.generator,
                         np.float32)
        # Rotate in the (H, W) plane; scipy orders the axes itself, and its positive angle
        # turns the displayed image (row 0 on top) counter-clockwise (tested).
        out = ndimage.rotate(arr, angle, axes=(-1, -2), reshape=False, order=self.order,
                             mode="constant", cval=self.fill)
        return _rewrap(out.astype(arr.dtype, copy=False), was_tensor)

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees})"


class GaussianNoise:
    """Add i.i.d. normal noise of standard deviation ``std`` to every value.

    Args:
        std: the noise scale.
        generator: an ``autograd.Generator`` (default: the global one).
    """

    def __init__(self, std: float, generator: _random.Generator | None = None) -> None:
        if std < 0:
            raise ValueError(f"GaussianNoise: std must be >= 0, got {std}")
        self.std = float(std)
        self.generator = generator

    def __call__(self, x: Sample) -> Sample:
        arr, was_tensor = _unwrap(x)
        noise = _random.fill_normal(np.empty(arr.shape, np.float32), 0.0, 1.0,
                                    self.generator) * np.float32(self.std)
        dtype = arr.dtype if arr.dtype.kind == "f" else np.float32
        return _rewrap((arr + noise).astype(dtype, copy=False), was_tensor)

    def __repr__(self) -> str:
        return f"GaussianNoise(std={self.std})"
