"""Datasets, samplers and the DataLoader, spelled as ``torch.utils.data``.

A ``Dataset`` maps an index to a sample; a ``Sampler`` yields indices; a ``BatchSampler``
groups them; the ``DataLoader`` fetches each batch's samples and merges them with
``collate_fn`` (``default_collate`` stacks arrays, numbers and Tensors into engine
Tensors, recursing through tuples, lists and dicts).

Randomness (shuffling, ``random_split``, ``RandomSampler``) comes from an
``autograd.Generator`` passed as ``generator=`` or, by default, from the global
generator seeded by ``autograd.manual_seed``, with PyTorch's recipes: the same seed gives
PyTorch's batch order and splits (each iterator also draws PyTorch's worker base seed).

Loading runs in the calling process: ``num_workers`` is accepted for compatibility
and ignored (the samples here are small NumPy arrays; worker processes would cost
more than they save).
"""
from __future__ import annotations

import bisect
import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .. import random as _random
from ..tensor import Tensor, _wrap

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "StackDataset", "Subset", "ConcatDataset",
    "ChainDataset", "random_split", "Sampler", "SequentialSampler", "RandomSampler",
    "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "DistributedSampler",
    "DataLoader", "default_collate", "default_convert", "get_worker_info",
]


# --------------------------------------------------------------------------- datasets
class Dataset:
    """Map-style dataset: subclasses define ``__getitem__(index)`` and ``__len__``."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    if TYPE_CHECKING:  # map-style datasets define it; not at runtime (len() of the base fails)
        def __len__(self) -> int: ...

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Stream-style dataset: subclasses define ``__iter__``; the DataLoader batches the stream.

    ``shuffle`` and ``sampler`` do not apply to it (as in PyTorch).
    """

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the ``index``-th rows of tensors sharing their first dimension.

    Args:
        *tensors: Tensors or NumPy arrays of shapes ``(N, ...)``.

    Returns from ``ds[i]`` a tuple ``(tensors[0][i], tensors[1][i], ...)``.
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        sizes = [len(t) if not isinstance(t, Tensor) else t.shape[0] for t in tensors]
        if any(s != sizes[0] for s in sizes):
            shapes = [tuple(t.shape) for t in tensors]
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dimensions "
                             f"must agree, got shapes {shapes}")
        self.tensors = tuple(tensors)

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices: Iterable[int]) -> list[tuple[Any, ...]]:
        return [self[i] for i in indices]

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])

    def _batch(self, indices: np.ndarray) -> tuple:
        """All samples at ``indices`` at once: what collating the samples would give."""
        out = []
        for t in self.tensors:
            arr = t._data if isinstance(t, Tensor) else np.asarray(t)
            out.append(_wrap(arr[indices]))
        return tuple(out)


class StackDataset(Dataset):
    """Several datasets of one length side by side, as ``torch.utils.data.StackDataset``.

    Args:
        *args: datasets; ``ds[i]`` is the tuple of their ``i``-th samples.
        **kwargs: named datasets; ``ds[i]`` is a dict of their ``i``-th samples.
            Give positional or keyword datasets, not both.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: Supported either ``tuple``- (via ``args``) or "
                             "``dict``- (via ``kwargs``) like input/output, but both types "
                             "are given.")
        if not args and not kwargs:
            raise ValueError("StackDataset: At least one dataset should be passed")
        self.datasets: tuple[Any, ...] | dict[str, Any] = args if args else dict(kwargs)
        items = list(args) if args else list(kwargs.values())
        self._length = len(items[0])
        if any(len(d) != self._length for d in items):
            raise ValueError("StackDataset: Size mismatch between datasets")

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list[int]) -> list[Any]:
        return [self[i] for i in indices]

    def __len__(self) -> int:
        return self._length


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = list(indices)

    def __getitem__(self, idx: int | list[int]) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)

    def _batch(self, indices: np.ndarray):
        inner = getattr(self.dataset, "_batch", None)
        if inner is None:
            return NotImplemented
        return inner(np.asarray(self.indices, dtype=np.int64)[indices])


class ConcatDataset(Dataset):
    """Several map-style datasets one after another."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset: does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        if idx < 0:
            if -idx > len(self):
                raise IndexError(f"ConcatDataset: index {idx} out of range for length {len(self)}")
            idx += len(self)
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        start = 0 if d == 0 else self.cumulative_sizes[d - 1]
        return self.datasets[d][idx - start]


class ChainDataset(IterableDataset):
    """Several ``IterableDataset`` streams one after another (``a + b`` of two of them)."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            total += len(cast(Sized, d))
        return total


def random_split(dataset: Dataset, lengths: Sequence[float],
                 generator: _random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s.

    Args:
        dataset: a map-style dataset of length N.
        lengths: integer lengths summing to N, or fractions summing to 1 (the remainder of
            ``floor(N * frac)`` is given round-robin to the first subsets, as PyTorch does).
        generator: an ``autograd.Generator`` (default: the global one).

    Returns:
        A list of ``Subset``s, one per length.
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1 and not all(
            isinstance(x, numbers.Integral) for x in lengths):
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"random_split: fraction at index {i} is not in [0, 1]: {frac}")
        sizes = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if any(int(x) != x or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers or fractions "
                         f"summing to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal "
                         f"the length of the input dataset ({n})")
    perm = _random.permutation(n, generator).tolist()
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[offset:offset + int(length)]))
        offset += int(length)
    return out


# --------------------------------------------------------------------------- samplers
class Sampler:
    """Base class: iterating yields dataset indices."""

    def __init__(self, data_source: Sized | None = None) -> None:
        # PyTorch's base class accepts (and ignores) the data source; subclasses keep it.
        self._unused_data_source = None

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices: a fresh permutation per pass, or ``num_samples`` draws with replacement.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement.
        num_samples: number of indices per pass (default ``len(data_source)``).
        generator: an ``autograd.Generator`` (default: the global one), read at each pass.
    """

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: _random.Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer, "
                             f"got {self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        # PyTorch's recipe, draw for draw: without a generator, a fresh one seeded from the
        # global stream; randint in blocks of 32 with replacement, else randperm per pass.
        # A generator function, so the draws happen at the first next(), as in PyTorch.
        n = len(self.data_source)
        generator = self.generator
        if generator is None:
            generator = _random.Generator().manual_seed(_random.random_seed_value())
        if self.replacement:
            for size in [32] * (self.num_samples // 32) + [self.num_samples % 32]:
                out = np.empty(size, np.int64)
                yield from _random.fill_random_from_to(out, 0, n, generator).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from _random.permutation(n, generator).tolist()
        yield from _random.permutation(n, generator).tolist()[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order each pass."""

    def __init__(self, indices: Sequence[int], generator: _random.Generator | None = None) -> None:
        self.indices = list(indices)
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in _random.permutation(len(self.indices), self.generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``.

    Args:
        weights: a 1-d sequence of non-negative weights (need not sum to one).
        num_samples: indices per pass (a positive int).
        replacement: draw with replacement (default); without it, ``num_samples`` may not
            exceed the number of non-zero weights.
        generator: an ``autograd.Generator`` (default: the global one), read at each pass.

    The draws are ``multinomial``'s, so PyTorch's numbers after the same seed.
    """

    def __init__(self, weights: Sequence[float] | Tensor | np.ndarray, num_samples: int,
                 replacement: bool = True, generator: _random.Generator | None = None) -> None:
        if (isinstance(num_samples, bool) or not isinstance(num_samples, int)
                or num_samples <= 0):
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        self.weights = _wrap(w)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        w = self.weights._data
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution "
                               "(weights must be finite, non-negative, with a positive sum)")
        if not self.replacement and self.num_samples > np.count_nonzero(w):
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        from ..ops.sorting import multinomial
        idx = multinomial(self.weights, self.num_samples, self.replacement,
                          generator=self.generator)
        return iter(idx._data.tolist())

    def __len__(self) -> int:
        return self.num_samples


class DistributedSampler(Sampler):
    """This process's share of a dataset among ``num_replicas`` processes, as
    ``torch.utils.data.distributed.DistributedSampler``: PyTorch's partition, padding and
    (through ``autograd.randperm``) PyTorch's shuffled order.

    Args:
        dataset: a sized dataset (only its length is used).
        num_replicas: number of processes (default: the world size of the initialised
            process group, ``autograd.distributed``).
        rank: this process's rank (default: its rank in that group).
        shuffle: permute with a generator seeded ``seed + epoch`` (the same on every rank).
        seed: shuffling seed; every rank must use the same one.
        drop_last: cut the tail so all ranks get the same count, instead of padding by
            repeating the first indices.

    Call ``set_epoch(epoch)`` at each epoch for a new order.
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from .. import distributed as dist
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            if num_replicas is None:
                num_replicas = dist.get_world_size()  # ValueError before init_process_group
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas, self.rank = num_replicas, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            from ..creation import randperm
            g = _random.Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` in the shuffling seed (a new order per epoch, the same on all ranks)."""
        self.epoch = epoch


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: any iterable of indices.
        batch_size: indices per batch (positive).
        drop_last: drop the last batch when it is short.
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer, "
                             f"got {batch_size!r}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list]:
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(cast(Sized, self.sampler))  # TypeError for a sampler without a length
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# --------------------------------------------------------------------------- collate
def default_collate(batch: list[Any]) -> Any:
    """Merge a list of samples into a batch of engine Tensors.

    Tensors and NumPy arrays of shape ``S`` stack to ``(B, *S)``; Python/NumPy numbers
    become a 1-d tensor (floats as float32, ints as int64, as PyTorch); tuples/lists and
    dicts are collated field by field (a tuple sample gives a list of fields, as PyTorch;
    a namedtuple stays one); strings are returned as a list.

    Args:
        batch: a non-empty list of samples sharing one structure.

    Returns:
        The batch with the same nesting as one sample.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _wrap(_stack([b._data for b in batch]))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSU":
            raise TypeError(f"default_collate: numpy arrays of dtype {elem.dtype} cannot become "
                            f"tensors")
        return _wrap(_stack(batch))
    if isinstance(elem, np.generic):
        return _wrap(np.asarray(batch))
    if isinstance(elem, bool):
        return _wrap(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return _wrap(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return _wrap(np.asarray(batch, dtype=np.float32))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return {k: default_collate([d[k] for d in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of "
                               "equal size")
        return [default_collate(list(s)) for s in zip(*batch)]  # a list, as PyTorch
    raise TypeError(f"default_collate: batch must contain Tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(elem).__name__}")


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays and scalars into engine Tensors, recursing through mappings,
    namedtuples, tuples and lists (numbers, strings and string arrays are left alone), as
    ``torch.utils.data.default_convert`` (the DataLoader's collate with ``batch_size=None``).
    """
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "OSUV" else _wrap(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return _wrap(np.asarray(data))
    if isinstance(data, Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data


def get_worker_info() -> None:
    """None: loading runs in the calling process (there are no worker processes)."""
    return None


def _stack(arrays: list) -> np.ndarray:
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise RuntimeError(f"default_collate: stack expects each sample to have the same "
                           f"shape, got {sorted(shapes)}")
    return np.stack(arrays)


# --------------------------------------------------------------------------- loader
class DataLoader:
    """Iterate over a dataset in batches, as ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style ``Dataset`` (or any object with ``__getitem__``/``__len__``)
            or an ``IterableDataset``.
        batch_size: samples per batch; ``None`` yields single samples through
            ``default_convert`` (NumPy data becomes Tensors, tuples lists), as PyTorch.
        shuffle: reshuffle the indices at every pass (``RandomSampler``).
        sampler: an iterable of indices (mutually exclusive with ``shuffle``).
        batch_sampler: an iterable of index lists (excludes batch_size/shuffle/sampler/
            drop_last).
        num_workers: accepted for compatibility and ignored: loading runs in this process.
        collate_fn: merges a list of samples (default ``default_collate``).
        drop_last: drop the final short batch.
        generator: an ``autograd.Generator`` for shuffling (default: the global one).
        pin_memory: accepted; True warns as PyTorch without an accelerator ("device pinned
            memory won't be used").
        timeout, worker_init_fn, multiprocessing_context, prefetch_factor,
        persistent_workers, pin_memory_device, in_order: accepted and ignored (CPU only, no
            workers).

    Iterating yields batches of engine Tensors with a leading batch dimension ``B``.
    With the default collate, datasets that can gather a whole batch at once (a
    ``TensorDataset``, a ``Subset`` of one, the ``autograd.datasets`` loaders without a
    transform) are read with one fancy-index per array instead of per-sample calls: the
    same values as collating the samples, much faster.
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Iterable[Any] | None = None,
                 batch_sampler: Iterable[Sequence[int]] | None = None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context: Any = None,
                 generator: _random.Generator | None = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        if pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", UserWarning, stacklevel=2)
        self.pin_memory = pin_memory
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.num_workers = num_workers
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)
        self._user_collate = collate_fn is not None
        if self._iterable:
            if shuffle:
                raise ValueError("DataLoader: shuffle must not be set for an IterableDataset")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader: sampler/batch_sampler must not be set for an "
                                 "IterableDataset")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        if not self._iterable and sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(cast(Iterable[int], sampler), batch_size, drop_last)
        # Any: user iterables of indices (len() only if they have one); None for a stream.
        self.sampler: Any = sampler
        self.batch_sampler: Any = batch_sampler
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_size is not None or batch_sampler is not None
            else default_convert)

    def __iter__(self) -> Iterator:
        # Each PyTorch iterator draws its workers' base seed from the stream (with
        # ``generator``, else the global one) before the first batch; so do we, to keep
        # every later draw aligned with PyTorch's.
        _random.random_seed_value(self.generator)
        return self._stream() if self._iterable else self._batches()

    def _batches(self) -> Iterator:
        if self.batch_sampler is None:
            for idx in self.sampler:
                yield self.collate_fn(self.dataset[idx])
            return
        fast = None if self._user_collate else getattr(self.dataset, "_batch", None)
        for indices in self.batch_sampler:
            if fast is not None:
                out = fast(np.asarray(indices, dtype=np.int64))
                if out is not NotImplemented:
                    # what default_collate makes of tuple samples: a list (namedtuples stay)
                    yield list(out) if type(out) is tuple else out
                    continue
            if hasattr(self.dataset, "__getitems__"):
                yield self.collate_fn(self.dataset.__getitems__(indices))
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def _stream(self) -> Iterator:
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # TypeError if the stream has no length, as PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)




# ----------------------------------------------------------------- submodule spellings
# PyTorch's submodules (``from torch.utils.data.dataloader import DataLoader``), made here
# rather than as files: this module is not a package (the repository's .gitignore hides
# every directory named ``data/``). Each is registered in ``sys.modules`` under its full
# name when this module is imported, which the import system honours for
# ``import autograd.utils.data.sampler`` and ``from ... import``; they re-export the
# classes above (one implementation) and are attributes, as in PyTorch.
_SUBMODULES = {
    "dataloader": ("``torch.utils.data.dataloader``: the DataLoader and its helpers.",
                   ["DataLoader", "default_collate", "default_convert", "get_worker_info",
                    "Dataset", "IterableDataset", "Sampler", "SequentialSampler",
                    "RandomSampler", "BatchSampler"]),
    "dataset": ("``torch.utils.data.dataset``: the dataset classes and ``random_split``.",
                ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "Subset",
                 "ConcatDataset", "ChainDataset", "random_split"]),
    "sampler": ("``torch.utils.data.sampler``: the samplers.",
                ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
                 "WeightedRandomSampler", "BatchSampler"]),
    "distributed": ("``torch.utils.data.distributed``: ``DistributedSampler``.",
                    ["DistributedSampler"]),
}


def _make_submodules() -> None:
    import sys
    import types
    here = sys.modules[__name__]
    for short, (doc, names) in _SUBMODULES.items():
        full = f"{__name__}.{short}"
        mod = sys.modules.get(full)
        if mod is None:
            mod = types.ModuleType(full, doc)
            mod.__dict__.update({n: globals()[n] for n in names})
            mod.__all__ = list(names)  # type: ignore[attr-defined]
            sys.modules[full] = mod
        setattr(here, short, mod)


_make_submodules()
