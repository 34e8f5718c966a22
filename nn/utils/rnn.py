"""``torch.nn.utils.rnn``: variable-length sequence batches.

``PackedSequence`` holds a batch of sequences of different lengths without padding:
``data`` is the time-major concatenation of the still-running sequences at each step
(``data[off_t : off_t + batch_sizes[t]]`` are the rows of step ``t``, sequences sorted by
decreasing length), ``batch_sizes[t]`` how many sequences are longer than ``t``, and
``sorted_indices`` / ``unsorted_indices`` the permutation from the caller's batch order to
the sorted one and back (None when the batch was already sorted). ``RNN``/``LSTM``/``GRU``
accept one and return one.

Every conversion here is one gather (``index_select``) on the data, so gradients flow
back to the valid positions only; padding positions get zero gradient.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

import autograd
from autograd import _inplace

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]

PackedSequence_ = namedtuple("PackedSequence_",
                             ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def _long(a) -> autograd.Tensor:
    return _inplace.wrap(np.ascontiguousarray(a, dtype=np.int64))


def _ints(name, a) -> np.ndarray:
    """A 1-D int64 array from a list / tuple / Tensor / ndarray of integers."""
    if isinstance(a, autograd.Tensor):
        arr = _inplace.array(a)
        if arr.ndim != 1:
            raise RuntimeError(f"'{name}' argument should be a 1D CPU int64 tensor, but got "
                               f"{arr.ndim}D cpu tensor")
        return arr.astype(np.int64)
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise RuntimeError(f"'{name}' argument should be a 1-D sequence of integers, got shape "
                           f"{arr.shape}")
    if arr.size and arr.dtype.kind not in "iub":
        raise TypeError(f"'{name}' must hold integers, got {arr.dtype}")
    return arr.astype(np.int64)


def invert_permutation(permutation):
    """The inverse of an index permutation (None stays None)."""
    if permutation is None:
        return None
    p = _ints("permutation", permutation)
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=np.int64)
    return _long(out)


class PackedSequence(PackedSequence_):
    """A packed batch of variable-length sequences (see the module docstring).

    Build it with ``pack_padded_sequence`` / ``pack_sequence`` rather than directly.
    Fields: ``data`` [sum(lengths), *], ``batch_sizes`` int64 [max_len],
    ``sorted_indices`` / ``unsorted_indices`` int64 [B] or None.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes))
            if not isinstance(data, (list, tuple)) or len(data) != 2:
                raise TypeError("PackedSequence: expected data and batch_sizes, or one "
                                "(data, batch_sizes) pair")
            data, batch_sizes = data
        if not isinstance(batch_sizes, autograd.Tensor):
            batch_sizes = _long(_ints("batch_sizes", batch_sizes))
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    # dtype / device conversions act on ``data`` only (as PyTorch)
    def to(self, *args, **kwargs) -> PackedSequence:
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args, **kwargs) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, *args, **kwargs) -> PackedSequence:
        return self.to("cuda")

    def pin_memory(self) -> PackedSequence:
        return self

    def double(self) -> PackedSequence:
        return self.to(dtype=autograd.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=autograd.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=autograd.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=autograd.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=autograd.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=autograd.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=autograd.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=autograd.uint8)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def _check_tensor(op, name, t):
    if not isinstance(t, autograd.Tensor):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(t).__name__}")


def pack_padded_sequence(input, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``input`` [T, B, *] ([B, T, *] if ``batch_first``) whose
    sequence ``b`` has ``lengths[b]`` valid steps.

    With ``enforce_sorted`` the lengths must be non-increasing (``sorted_indices`` is then
    None); otherwise the batch is sorted by decreasing length (stable) and the
    permutation is kept in ``sorted_indices`` / ``unsorted_indices``.
    """
    op = "pack_padded_sequence"
    _check_tensor(op, "input", input)
    lens = _ints("lengths", lengths)
    if input.dim() < 2:
        raise ValueError(f"{op}: expected input of at least 2 dimensions ([T, B, *]), got "
                         f"shape {tuple(input.shape)}")
    if enforce_sorted:
        if lens.size > 1 and np.any(lens[1:] > lens[:-1]):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` "
                               "to pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
        order = None
        sorted_indices = None
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = _long(order)
    b_dim = 0 if batch_first else 1
    T, B = input.shape[1 - b_dim], input.shape[b_dim]
    if lens.size != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.size} (batch_size={B})")
    if B == 0 or lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if lens[0] > T:
        raise RuntimeError(f"{op}: a sequence length ({int(lens[0])}) exceeds the padded "
                           f"length of input ({T}, shape {tuple(input.shape)})")
    max_len = int(lens[0])
    batch_sizes = (lens[None, :] > np.arange(max_len)[:, None]).sum(1)
    cols = order if order is not None else np.arange(B)
    idx = np.concatenate([(cols[:bs] * T + t) if batch_first else (t * B + cols[:bs])
                          for t, bs in enumerate(batch_sizes)])
    flat = input.reshape(T * B, *input.shape[2:])
    data = autograd.index_select(flat, 0, _long(idx))
    return PackedSequence(data, _long(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None):
    """The inverse of ``pack_padded_sequence``: (padded [T, B, *] or [B, T, *], lengths
    int64 [B]), in the caller's batch order. ``total_length`` pads to that many steps."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got "
                        f"{type(sequence).__name__}")
    data = sequence.data
    bs = _ints("batch_sizes", sequence.batch_sizes)
    max_len = bs.size
    T = max_len
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_len}")
        T = int(total_length)
    B = int(bs[0]) if bs.size else 0
    offsets = np.concatenate([[0], np.cumsum(bs)[:-1]]).astype(np.int64)
    n = data.shape[0]
    s = np.arange(B)
    unsorted = sequence.unsorted_indices
    cols = _ints("unsorted_indices", unsorted) if unsorted is not None else s
    # src[t, j]: row of data for step t of the sequence in output column j (n = padding)
    src = np.full((T, B), n, dtype=np.int64)
    for t in range(max_len):
        valid = cols < bs[t]
        src[t, valid] = offsets[t] + cols[valid]
    if batch_first:
        src = src.T
    pad = autograd.full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    padded = autograd.index_select(autograd.cat([data, pad], 0), 0, _long(src.reshape(-1)))
    padded = padded.reshape(*src.shape, *data.shape[1:])
    lengths_sorted = (bs[None, :] > s[:, None]).sum(1)
    return padded, _long(lengths_sorted[cols])


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right"):
    """Stack sequences [L_i, *] into [T, B, *] ([B, T, *] if ``batch_first``), T = max L_i,
    filling with ``padding_value`` after (``padding_side='right'``) or before ('left')."""
    if isinstance(sequences, autograd.Tensor):
        sequences = list(sequences.unbind(0))
    else:
        sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    for i, s in enumerate(sequences):
        _check_tensor("pad_sequence", f"sequences[{i}]", s)
        if s.dim() == 0:
            raise RuntimeError(f"pad_sequence: sequences[{i}] is a 0-d tensor; each sequence "
                               f"needs a leading time dimension")
        if tuple(s.shape[1:]) != tuple(sequences[0].shape[1:]):
            raise RuntimeError(f"pad_sequence: every sequence must have the same trailing "
                               f"shape, got {tuple(sequences[0].shape)} for sequences[0] and "
                               f"{tuple(s.shape)} for sequences[{i}]")
    lens = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    T, B = int(lens.max()), len(sequences)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    n = int(lens.sum())
    p = np.arange(T)[:, None]
    shift = (T - lens)[None, :] if padding_side == "left" else np.zeros((1, B), np.int64)
    pos = p - shift
    src = np.where((pos >= 0) & (pos < lens[None, :]), starts[None, :] + pos, n)
    if batch_first:
        src = src.T
    first = sequences[0]
    pad = autograd.full((1, *first.shape[1:]), padding_value, dtype=first.dtype)
    flat = autograd.cat([*sequences, pad], 0)
    out = autograd.index_select(flat, 0, _long(src.reshape(-1)))
    return out.reshape(*src.shape, *first.shape[1:])


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False) -> list:
    """Split a padded batch back into a list of sequences [lengths[b], *]."""
    _check_tensor("unpad_sequence", "padded_sequences", padded_sequences)
    lens = _ints("lengths", lengths)
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[b][:int(n)] for b, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences [L_i, *] (decreasing L_i unless ``enforce_sorted=False``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences [L_i, *] inside a PackedSequence, in the caller's order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
