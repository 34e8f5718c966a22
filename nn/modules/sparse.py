"""``Embedding``: a lookup table of learnable vectors; ``EmbeddingBag``: sums, means or
maxima of bags of them."""
from __future__ import annotations

import autograd
from autograd import _inplace

from .. import functional as F
from .. import init
from .._check import require_number, require_size
from ..parameter import Parameter
from .module import Module

__all__ = ["Embedding", "EmbeddingBag"]


class Embedding(Module):
    """Look up rows of a (num_embeddings, embedding_dim) table.

    Args:
        num_embeddings, embedding_dim: table size.
        padding_idx: this row starts at zero and never receives a gradient.
        max_norm, norm_type: renormalise looked-up rows to at most ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by its index's count in the input.
        sparse: not supported (sparse gradients).
        _weight: an existing (num_embeddings, embedding_dim) tensor to use as weight.
        _freeze: create the weight with ``requires_grad=False``.

    Shapes: input (*) int64 -> output (*, embedding_dim). Weight starts N(0, 1).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx=None,
                 max_norm=None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight=None, _freeze: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        num_embeddings = require_size("Embedding", "num_embeddings", num_embeddings)
        embedding_dim = require_size("Embedding", "embedding_dim", embedding_dim)
        if max_norm is not None:
            require_number("Embedding", "max_norm", max_norm)
            require_number("Embedding", "norm_type", norm_type)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            padding_idx = require_number("Embedding", "padding_idx", padding_idx, integral=True)
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError(f"Embedding: Padding_idx must be within num_embeddings: "
                                     f"got padding_idx={padding_idx} for {num_embeddings} "
                                     f"embeddings")
            if padding_idx < 0:
                padding_idx += num_embeddings
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(autograd.empty(num_embeddings, embedding_dim, dtype=dtype),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight has shape {tuple(_weight.shape)}, expected "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Weight from N(0, 1); the ``padding_idx`` row (if any) zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with _inplace.writing(self.weight) as w:
                w[self.padding_idx] = 0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        if self.sparse:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx=None, max_norm=None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (2-D; shared storage), frozen by
        default."""
        if embeddings.dim() != 2:
            raise ValueError("Embeddings parameter is expected to be 2-dimensional, got shape "
                             f"{tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, _weight=embeddings, _freeze=freeze, padding_idx=padding_idx,
                   max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


class EmbeddingBag(Module):
    """Sums (``mode='sum'``), means (``'mean'``) or maxima (``'max'``) of bags of rows of a
    (num_embeddings, embedding_dim) table, without materialising the per-index rows
    (``F.embedding_bag``).

    Args:
        num_embeddings, embedding_dim: table size. Weight starts N(0, 1).
        max_norm, norm_type, scale_grad_by_freq, sparse: as ``Embedding``
            (``scale_grad_by_freq`` not with ``'max'``; ``sparse`` not supported).
        mode: ``'sum'``, ``'mean'`` (default) or ``'max'``.
        include_last_offset: ``offsets`` has B + 1 entries, the last ending the last bag.
        padding_idx: this row starts at zero and is left out of every bag.

    ``forward(input, offsets=None, per_sample_weights=None)``: input 1-D with 1-D
    ``offsets`` (bag starts) or 2-D [B, N] (one bag per row); output [B, embedding_dim].
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm=None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight=None, include_last_offset: bool = False,
                 padding_idx=None, device=None, dtype=None) -> None:
        super().__init__()
        num_embeddings = require_size("EmbeddingBag", "num_embeddings", num_embeddings)
        embedding_dim = require_size("EmbeddingBag", "embedding_dim", embedding_dim)
        if max_norm is not None:
            require_number("EmbeddingBag", "max_norm", max_norm)
            require_number("EmbeddingBag", "norm_type", norm_type)
        if mode not in ("sum", "mean", "max"):
            raise ValueError("mode has to be one of sum, mean or max")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if padding_idx is not None:
            padding_idx = require_number("EmbeddingBag", "padding_idx", padding_idx,
                                         integral=True)
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("padding_idx must be within num_embeddings")
            if padding_idx < 0:
                padding_idx += num_embeddings
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(autograd.empty(num_embeddings, embedding_dim, dtype=dtype))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError(f"Shape of weight does not match num_embeddings and "
                                     f"embedding_dim: got {tuple(_weight.shape)}, expected "
                                     f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight)
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self) -> None:
        """Weight from N(0, 1); the ``padding_idx`` row (if any) zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with _inplace.writing(self.weight) as w:
                w[self.padding_idx] = 0

    def forward(self, input, offsets=None, per_sample_weights=None):
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse,
                               per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, max_norm=None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        mode: str = "mean", sparse: bool = False,
                        include_last_offset: bool = False, padding_idx=None) -> EmbeddingBag:
        """An EmbeddingBag whose weight is ``embeddings`` (2-D; shared storage), frozen by
        default."""
        if embeddings.dim() != 2:
            raise ValueError("Embeddings parameter is expected to be 2-dimensional, got shape "
                             f"{tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm=max_norm, norm_type=norm_type,
                  scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag
