"""Collectives on picklable Python objects (``broadcast_object_list``, ``all_gather_object``,
``gather_object``, ``scatter_object_list``): pickled by mpi4py, as PyTorch pickles them.
Only use them with trusted peers: unpickling runs code.
"""
from __future__ import annotations

from typing import Any

from .process_group import ProcessGroup, _not_member, _resolve, _warn_not_in_group

__all__ = ["all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list"]


def _root(pg: ProcessGroup, rank: int | None, group_rank: int | None) -> int:
    from .collectives import _group_rank
    return _group_rank(pg, rank, group_rank, 0, "root")


def broadcast_object_list(object_list: list[Any], src: int | None = None,
                          group: ProcessGroup | None = None, device: Any = None,
                          group_src: int | None = None) -> None:
    """Replace the items of ``object_list`` (same length everywhere) by rank ``src``'s
    (default 0), in place."""
    if _not_member(group):
        _warn_not_in_group("broadcast_object_list")
        return
    pg = _resolve(group)
    root = _root(pg, src, group_src)
    objs = pg.comm.bcast(list(object_list) if pg.rank() == root else None, root=root)
    object_list[:] = objs


def all_gather_object(object_list: list[Any], obj: Any, group: ProcessGroup | None = None) -> None:
    """Fill ``object_list`` (one slot per process) with every process's ``obj``."""
    if _not_member(group):
        _warn_not_in_group("all_gather_object")
        return
    pg = _resolve(group)
    if len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} slots; "
                         f"expected the group size {pg.size()}")
    object_list[:] = pg.comm.allgather(obj)


def gather_object(obj: Any, object_gather_list: list[Any] | None = None, dst: int | None = None,
                  group: ProcessGroup | None = None, group_dst: int | None = None) -> None:
    """Rank ``dst`` (default 0) gets every process's ``obj`` in ``object_gather_list``."""
    if _not_member(group):
        _warn_not_in_group("gather_object")
        return
    pg = _resolve(group)
    root = _root(pg, dst, group_dst)
    if pg.rank() == root and (object_gather_list is None or len(object_gather_list) != pg.size()):
        raise ValueError(f"gather_object: object_gather_list must have {pg.size()} slots on the "
                         f"destination rank")
    gathered = pg.comm.gather(obj, root=root)
    if pg.rank() == root and object_gather_list is not None:
        object_gather_list[:] = gathered


def scatter_object_list(scatter_object_output_list: list[Any],
                        scatter_object_input_list: list[Any] | None = None,
                        src: int | None = None, group: ProcessGroup | None = None,
                        group_src: int | None = None) -> None:
    """Rank i gets ``scatter_object_input_list[i]`` of rank ``src`` (default 0) as
    ``scatter_object_output_list[0]``."""
    if _not_member(group):
        _warn_not_in_group("scatter_object_list")
        return
    pg = _resolve(group)
    root = _root(pg, src, group_src)
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at "
                         "least 1.")
    if pg.rank() == root and (scatter_object_input_list is None
                              or len(scatter_object_input_list) != pg.size()):
        raise ValueError(f"scatter_object_list: scatter_object_input_list must have "
                         f"{pg.size()} items on the source rank")
    items = list(scatter_object_input_list) if pg.rank() == root else None  # type: ignore[arg-type]
    scatter_object_output_list[0] = pg.comm.scatter(items, root=root)
