"""``torch.nn.parallel``: ``DataParallel`` is a transparent wrapper (PyTorch's behaviour when
no GPU is available); ``DistributedDataParallel`` trains one replica per MPI process."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
