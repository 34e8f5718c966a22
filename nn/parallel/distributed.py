"""``DistributedDataParallel``: one model replica per process, gradients averaged over MPI.

Each process (``mpiexec -n N python train.py``) runs its own forward and backward on its
share of the batch; during backward, ``autograd.distributed.Reducer`` all-reduces the
gradients bucket by bucket as they become ready (non-blocking MPI, overlapping the rest of
backward) and writes the averages into every ``.grad`` before ``backward()`` returns. So
after ``loss.backward()`` the gradients, and after ``optimizer.step()`` the parameters, are
the same on every rank: those of one process training on the concatenated global batch.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import autograd
import autograd.distributed as dist

from ..modules.module import Module

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    """Data-parallel training over the processes of ``process_group`` (default: all).

    Args:
        module: the model (available as ``.module``; ``state_dict`` keys of the wrapper
            carry the ``module.`` prefix, those of ``.module`` do not, as in PyTorch).
        device_ids, output_device: accepted and ignored (**Differs**: PyTorch refuses them
            for a CPU module; scripts written for GPUs pass ``device_ids=[local_rank]``).
        broadcast_buffers: copy rank 0's buffers (BatchNorm statistics) to every rank at
            each training forward.
        init_sync: broadcast rank 0's parameters and buffers at construction.
        process_group: the group to average over.
        bucket_cap_mb: bucket size (default 25 MiB; the first bucket holds about 1 MiB).
        find_unused_parameters: allow parameters that get no gradient in a backward.
        dim, check_reduction, gradient_as_bucket_view, static_graph and the remaining
            PyTorch options are accepted and ignored.

    Shapes: whatever ``module`` takes and returns.
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None,
                 dim: int = 0, broadcast_buffers: bool | None = None, init_sync: bool = True,
                 process_group: Any = None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False,
                 delay_all_reduce_named_params: Any = None, param_to_hook_all_reduce: Any = None,
                 mixed_precision: Any = None, device_mesh: Any = None,
                 skip_all_reduce_unused_params: bool = False,
                 bucket_cap_mb_list: Any = None, batched_grad_copy: bool = False,
                 forward_sync_buffers: bool | None = None) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be an nn.Module, got "
                            f"{type(module).__name__}")
        self.module = module
        self.process_group = process_group
        self.world_size = dist.get_world_size(process_group)  # ValueError before init
        self.device_ids = None
        self.output_device = None
        self.dim = dim
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        params = [p for p in dict.fromkeys(module.parameters()) if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        self._check_same_shapes()
        if init_sync:
            self._broadcast(list(module.parameters()) + self._buffers_to_sync())
        self.reducer = dist.Reducer(params, process_group, bucket_cap_mb=bucket_cap_mb,
                                    find_unused_parameters=find_unused_parameters)

    def _buffers_to_sync(self) -> list:
        return [b for b in self.module.buffers() if b is not None]

    def _check_same_shapes(self) -> None:
        """Every rank must wrap the same architecture (a clear error instead of a hang)."""
        mine = [(name, tuple(p.shape), str(p.dtype)) for name, p in self.module.named_parameters()]
        everyone: list[Any] = [None] * self.world_size
        dist.all_gather_object(everyone, mine, group=self.process_group)
        for rank, theirs in enumerate(everyone):
            if theirs != mine:
                raise RuntimeError(f"DistributedDataParallel: the parameters of rank {rank} "
                                   f"differ from those of rank {dist.get_rank(self.process_group)} "
                                   f"(names, shapes or dtypes): every rank must wrap the same "
                                   f"model")

    def _broadcast(self, tensors: list) -> None:
        """Rank 0's values into ``tensors`` on every rank, one broadcast per dtype."""
        by_dtype: dict[Any, list] = {}
        for t in tensors:
            by_dtype.setdefault(t.dtype, []).append(t)
        src = dist.get_global_rank(self.process_group, 0) if self.process_group is not None else 0
        with autograd.no_grad():
            for group in by_dtype.values():
                flat = autograd.cat([t.detach().reshape(-1) for t in group])
                dist.broadcast(flat, src=src, group=self.process_group)
                offset = 0
                for t in group:
                    n = t.numel()
                    t.copy_(flat[offset:offset + n].view(t.shape))
                    offset += n

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Run ``module``; in training, first give every rank rank 0's buffers, and arm the
        gradient averaging of the coming backward (unless inside ``no_sync()``)."""
        if self.training and self.broadcast_buffers and self.world_size > 1:
            buffers = self._buffers_to_sync()
            if buffers:
                self._broadcast(buffers)
        output = self.module(*inputs, **kwargs)
        if autograd.is_grad_enabled() and self.require_backward_grad_sync:
            self.reducer.prepare_for_backward()
        return output

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside, backward only accumulates local gradients (gradient accumulation); the
        first synchronised backward after it averages the accumulated ``.grad``."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def will_sync_module_buffers(self) -> bool:
        """True when training forwards broadcast rank 0's buffers."""
        return (self.require_forward_param_sync and self.broadcast_buffers
                and len(self._buffers_to_sync()) > 0)
