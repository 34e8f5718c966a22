"""Run under ``mpiexec -n 2``: rank 1 raises while rank 0 waits in a collective; the
abort-on-exception hook must end the whole job promptly with a non-zero exit code."""
import autograd as torch
import autograd.distributed as dist

dist.init_process_group("mpi")
if dist.get_rank() == 1:
    raise RuntimeError("rank 1 fails on purpose")
t = torch.ones(3)
dist.all_reduce(t)            # never completes: rank 1 is gone
print("rank 0 passed the all_reduce", flush=True)
