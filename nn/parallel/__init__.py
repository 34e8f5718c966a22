"""``torch.nn.parallel`` on a CPU-only engine: ``DataParallel`` is a transparent
wrapper (PyTorch's behaviour when no GPU is available)."""
from .data_parallel import DataParallel, data_parallel

__all__ = ["DataParallel", "data_parallel"]
