"""Run under ``mpiexec -n 2``: DistributedDataParallel, SyncBatchNorm and DistributedSampler
against one process training on the concatenated global batch.

Each check prints ``rank R OK name``; a failed assertion aborts the job (non-zero exit).
"""
import numpy as np
from autograd.utils.data.distributed import DistributedSampler

import autograd as torch
import autograd.distributed as dist
import nn
import nn.functional as F
import optim
from nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi")
R, W = dist.get_rank(), dist.get_world_size()
assert W == 2
RNG = np.random.default_rng(0)                          # the same data on every rank
X = torch.tensor(RNG.standard_normal((16, 1, 20)), dtype=torch.float32)
Y = torch.tensor(RNG.integers(0, 4, 16))


def ok(name):
    print(f"rank {R} OK {name}", flush=True)


class Net(nn.Module):
    """A small Conv1d + Linear classifier (the MNIST-1D CNN's shape, scaled down)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 4, 3, stride=2, padding=1)
        self.fc1 = nn.Linear(40, 16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        h = self.conv(x).relu().flatten(1)
        return self.fc2(self.fc1(h).relu())


def local(t):
    """This rank's half of a global batch."""
    n = t.shape[0] // W
    return t[R * n:(R + 1) * n]


def same_on_all_ranks(model):
    for name, p in model.state_dict().items():
        mine = p.numpy()
        other = torch.tensor(mine.copy())
        dist.broadcast(other, src=0)
        np.testing.assert_array_equal(mine, other.numpy(), err_msg=name)


def close(a, b, name):
    for (k, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name}: {k}")


# ---------------------------------------------------------------- DDP == one big batch
torch.manual_seed(100 + R)                              # different initial weights per rank
model = Net()
for bucket_cap_mb in (None, 0.0002):                    # one bucket; several small ones
    torch.manual_seed(100 + R)
    model = Net()
    ddp = DDP(model, bucket_cap_mb=bucket_cap_mb)
    same_on_all_ranks(model)                            # rank 0's weights were broadcast
    ref = Net()
    ref.load_state_dict(model.state_dict())
    opt, ref_opt = optim.Adam(ddp.parameters(), lr=1e-2), optim.Adam(ref.parameters(), lr=1e-2)
    for step in range(4):
        opt.zero_grad()
        F.cross_entropy(ddp(local(X)), local(Y)).backward()
        opt.step()
        ref_opt.zero_grad()
        F.cross_entropy(ref(X), Y).backward()
        ref_opt.step()
    same_on_all_ranks(model)
    close(model, ref, f"ddp bucket_cap_mb={bucket_cap_mb}")
    if bucket_cap_mb is not None:
        assert len(ddp.reducer.buckets) >= 3, len(ddp.reducer.buckets)
        # every bucket was started from a gradient hook, i.e. while backward was running
        assert ddp.reducer.early_launches == 4 * len(ddp.reducer.buckets)
ok("ddp_matches_global_batch")

keys = list(ddp.state_dict())
assert keys[0] == "module.conv.weight" and list(ddp.module.state_dict())[0] == "conv.weight", keys
assert ddp.module is model
ok("state_dict_prefix")

# ---------------------------------------------------------------- no_sync accumulation
torch.manual_seed(5)
a, b = Net(), Net()
b.load_state_dict(a.state_dict())
ddp_a, ddp_b = DDP(a), DDP(b)
halves = [(X[:8], Y[:8]), (X[8:], Y[8:])]               # two micro-batches, split per rank
with ddp_a.no_sync():
    F.cross_entropy(ddp_a(local(halves[0][0])), local(halves[0][1])).backward()
local_only = a.fc2.weight.grad.numpy().copy()
F.cross_entropy(ddp_a(local(halves[1][0])), local(halves[1][1])).backward()
# the synchronous result: both micro-batches' losses in one synchronised backward
loss = sum(F.cross_entropy(ddp_b.module(local(x)), local(y)) for x, y in halves)
ddp_b.reducer.prepare_for_backward()                    # what ddp_b(...) does before backward
loss.backward()
for (k, pa), pb in zip(a.named_parameters(), b.parameters()):
    np.testing.assert_allclose(pa.grad.numpy(), pb.grad.numpy(), rtol=1e-5, atol=1e-7, err_msg=k)
both = [torch.zeros(*local_only.shape) for _ in range(W)]
dist.all_gather(both, torch.tensor(local_only))
assert not np.allclose(both[0].numpy(), both[1].numpy()), "no_sync averaged the gradients"
ok("no_sync")

# ---------------------------------------------------------------- unused parameters


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 2)
        self.b = nn.Linear(3, 2)                        # used by rank 0 only
        self.never = nn.Linear(3, 2)                    # used by no rank

    def forward(self, x, use_b):
        return self.a(x) + (self.b(x) if use_b else 0)


torch.manual_seed(0)
net = Branchy()
ddp = DDP(net, find_unused_parameters=True)
x = torch.ones(2, 3) * (R + 1)
ddp(x, use_b=(R == 0)).sum().backward()
assert net.never.weight.grad is None                    # unused everywhere: left alone
ga = 2 * np.full((2, 3), np.mean([r + 1 for r in range(W)]))  # d/dW of sum over 2 rows
np.testing.assert_allclose(net.a.weight.grad.numpy(), ga, rtol=1e-6)
np.testing.assert_allclose(net.b.weight.grad.numpy(), np.full((2, 3), 2.0 * 1 / W), rtol=1e-6)
ok("find_unused_parameters")

strict = DDP(Branchy())
strict(x, use_b=True).sum().backward()                  # `never` gets no gradient
try:
    strict(x, use_b=True)
    raise AssertionError("an unfinished reduction did not raise at the next forward")
except RuntimeError as e:
    assert "Expected to have finished reduction" in str(e) and "find_unused_parameters" in str(e)
ok("unused_without_find_unused_raises")

# ---------------------------------------------------------------- buffers and SyncBatchNorm
torch.manual_seed(0)
bn_model = nn.Sequential(nn.Conv1d(1, 3, 3), nn.BatchNorm1d(3))
with torch.no_grad():
    bn_model[1].running_mean.fill_(float(R))            # differs per rank
ddp = DDP(bn_model)
np.testing.assert_array_equal(bn_model[1].running_mean.numpy(), np.zeros(3))  # rank 0's
ok("buffers_broadcast")

torch.manual_seed(1)
plain = nn.Sequential(nn.Conv1d(1, 3, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Flatten(),
                      nn.Linear(54, 4))
synced = nn.SyncBatchNorm.convert_sync_batchnorm(
    nn.Sequential(nn.Conv1d(1, 3, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Flatten(), nn.Linear(54, 4)))
assert isinstance(synced[1], nn.SyncBatchNorm)
synced.load_state_dict(plain.state_dict())
ddp = DDP(synced)
opt, ref_opt = optim.SGD(ddp.parameters(), lr=0.1), optim.SGD(plain.parameters(), lr=0.1)
for step in range(3):
    opt.zero_grad()
    F.cross_entropy(ddp(local(X)), local(Y)).backward()
    opt.step()
    ref_opt.zero_grad()
    F.cross_entropy(plain(X), Y).backward()
    ref_opt.step()
close(synced, plain, "SyncBatchNorm vs BatchNorm on the global batch")   # incl. running stats
same_on_all_ranks(synced)
ok("sync_batchnorm")

# ---------------------------------------------------------------- DistributedSampler
sampler = DistributedSampler(list(range(11)), seed=3)   # num_replicas and rank from the group
assert sampler.num_replicas == W and sampler.rank == R and len(sampler) == 6
mine = list(sampler)
everyone = [None] * W
dist.all_gather_object(everyone, mine)
flat = sorted(i for part in everyone for i in part)
assert set(flat) == set(range(11)) and len(flat) == 12, everyone   # padded by one repeat
ok("distributed_sampler")

dist.destroy_process_group()
