"""Run under ``mpiexec -n 2``: every collective against a NumPy computation of its result.

Each check prints ``rank R OK name``; a failed assertion aborts the job (non-zero exit).
"""
import warnings

import numpy as np

import autograd as torch
import autograd.distributed as dist
from autograd.distributed.nn.functional import all_reduce as diff_all_reduce

dist.init_process_group("gloo")
R, W = dist.get_rank(), dist.get_world_size()
assert W == 2, W
assert dist.is_initialized() and dist.get_backend() == "gloo"


def data(rank, shape=(2, 3), dtype=np.float32):
    """Rank-dependent values every rank can recompute."""
    return (np.arange(np.prod(shape)).reshape(shape) * (rank + 1) + rank).astype(dtype)


def ok(name):
    print(f"rank {R} OK {name}", flush=True)


allx = [data(r) for r in range(W)]

# all_reduce, every op; in place, version bumped, non-contiguous tensors written back
for op, ref in [(dist.ReduceOp.SUM, sum(allx)), (dist.ReduceOp.AVG, sum(allx) / W),
                (dist.ReduceOp.MAX, np.maximum(*allx)), (dist.ReduceOp.MIN, np.minimum(*allx)),
                (dist.ReduceOp.PRODUCT, allx[0] * allx[1])]:
    t = torch.tensor(data(R))
    v = t._version
    assert dist.all_reduce(t, op=op) is None
    np.testing.assert_allclose(t.numpy(), ref, rtol=1e-6)
    assert t._version > v
ok("all_reduce")
base = torch.tensor(data(R, (3, 4)))
col = base[:, 1]                                        # a strided view
dist.all_reduce(col)
np.testing.assert_allclose(base.numpy()[:, 1], sum(data(r, (3, 4)) for r in range(W))[:, 1])
np.testing.assert_allclose(base.numpy()[:, 0], data(R, (3, 4))[:, 0])   # rest untouched
ok("all_reduce_view")
for dt in (np.int64, np.float64, np.int32):
    t = torch.tensor(data(R, dtype=dt))
    dist.all_reduce(t)
    assert t.numpy().dtype == dt
    np.testing.assert_array_equal(t.numpy(), sum(data(r, dtype=dt) for r in range(W)))
b = torch.tensor([R == 0, False, True])
dist.all_reduce(b)                                      # bool: logical or
np.testing.assert_array_equal(b.numpy(), [True, False, True])
try:
    dist.all_reduce(torch.tensor([1, 2]), op=dist.ReduceOp.AVG)
    raise AssertionError("AVG on an integer tensor did not raise")
except ValueError as e:
    assert "AVG" in str(e)
ok("all_reduce_dtypes")

# async: a Work handle
t = torch.tensor(data(R))
work = dist.all_reduce(t, op=dist.ReduceOp.SUM, async_op=True)
assert work.wait() is True and work.is_completed()
np.testing.assert_allclose(t.numpy(), sum(allx))
w2 = dist.broadcast(torch.zeros(3), src=0, async_op=True)
w2.wait()
ok("async_op")

# broadcast
t = torch.tensor(data(R))
dist.broadcast(t, src=1)
np.testing.assert_array_equal(t.numpy(), allx[1])
try:
    dist.broadcast(t)
    raise AssertionError("broadcast without src did not raise")
except ValueError:
    pass
ok("broadcast")

# reduce: only dst gets the result
t = torch.tensor(data(R))
dist.reduce(t, dst=1, op=dist.ReduceOp.SUM)
np.testing.assert_allclose(t.numpy(), sum(allx) if R == 1 else allx[R])
t = torch.tensor(data(R))
dist.reduce(t, op=dist.ReduceOp.AVG)                    # dst defaults to 0
np.testing.assert_allclose(t.numpy(), sum(allx) / W if R == 0 else allx[R])
ok("reduce")

# all_gather, all_gather_into_tensor (concatenated and stacked)
out = [torch.zeros(2, 3) for _ in range(W)]
dist.all_gather(out, torch.tensor(data(R)))
for r in range(W):
    np.testing.assert_array_equal(out[r].numpy(), allx[r])
cat = torch.zeros(W * 2, 3)
dist.all_gather_into_tensor(cat, torch.tensor(data(R)))
np.testing.assert_array_equal(cat.numpy(), np.concatenate(allx))
stk = torch.zeros(W, 2, 3)
dist.all_gather_into_tensor(stk, torch.tensor(data(R)))
np.testing.assert_array_equal(stk.numpy(), np.stack(allx))
try:
    dist.all_gather([torch.zeros(2, 3)], torch.tensor(data(R)))
    raise AssertionError("a short tensor_list did not raise")
except ValueError:
    pass
ok("all_gather")

# gather / scatter
if R == 0:
    got = [torch.zeros(2, 3) for _ in range(W)]
    dist.gather(torch.tensor(data(R)), got, dst=0)
    for r in range(W):
        np.testing.assert_array_equal(got[r].numpy(), allx[r])
else:
    try:
        dist.gather(torch.tensor(data(R)), [torch.zeros(2, 3)] * W, dst=0)
        raise AssertionError("gather_list on a non-destination rank did not raise")
    except ValueError as e:
        assert "must NOT be specified" in str(e)
    dist.gather(torch.tensor(data(R)), dst=0)
recv = torch.zeros(2, 3)
if R == 1:
    dist.scatter(recv, [torch.tensor(data(10 + r)) for r in range(W)], src=1)
else:
    dist.scatter(recv, src=1)
np.testing.assert_array_equal(recv.numpy(), data(10 + R))
ok("gather_scatter")

# reduce_scatter / reduce_scatter_tensor
ins = [torch.tensor(data(R + 10 * k)) for k in range(W)]
out = torch.zeros(2, 3)
dist.reduce_scatter(out, ins)
np.testing.assert_allclose(out.numpy(), sum(data(r + 10 * R) for r in range(W)))
big = torch.tensor(np.concatenate([data(R + 10 * k) for k in range(W)]))
out = torch.zeros(2, 3)
dist.reduce_scatter_tensor(out, big, op=dist.ReduceOp.AVG)
np.testing.assert_allclose(out.numpy(), sum(data(r + 10 * R) for r in range(W)) / W, rtol=1e-6)
ok("reduce_scatter")

# all_to_all with uneven sizes; all_to_all_single
ins = [torch.full((R + k + 1,), float(10 * R + k)) for k in range(W)]   # to rank k: R+k+1 values
outs = [torch.zeros(r + R + 1) for r in range(W)]                       # from rank r: r+R+1
dist.all_to_all(outs, ins)
for r in range(W):
    np.testing.assert_array_equal(outs[r].numpy(), np.full(r + R + 1, 10 * r + R, np.float32))
inp = torch.tensor(np.arange(4 * W, dtype=np.float32).reshape(2 * W, 2) + 100 * R)
out = torch.zeros(2 * W, 2)
dist.all_to_all_single(out, inp)
expect = np.concatenate([(np.arange(4 * W, dtype=np.float32).reshape(2 * W, 2) + 100 * r)[2 * R:2 * R + 2]
                         for r in range(W)])
np.testing.assert_array_equal(out.numpy(), expect)
ok("all_to_all")

# send / recv / isend / irecv
if R == 0:
    dist.send(torch.tensor(data(0)), dst=1)
    t = torch.zeros(2, 3)
    assert dist.recv(t) == 1                            # any source: returns the sender
    np.testing.assert_array_equal(t.numpy(), allx[1])
else:
    t = torch.zeros(2, 3)
    assert dist.recv(t, src=0) == 0
    np.testing.assert_array_equal(t.numpy(), allx[0])
    dist.isend(torch.tensor(data(1)), dst=0).wait()
peer = 1 - R
t = torch.zeros(3)
works = [dist.isend(torch.full((3,), float(R)), dst=peer), dist.irecv(t, src=peer)]
for w in works:
    w.wait()
np.testing.assert_array_equal(t.numpy(), np.full(3, peer, np.float32))
try:
    dist.send(torch.zeros(1), dst=R)
    raise AssertionError("send to self did not raise")
except ValueError:
    pass
ok("send_recv")

# object collectives
objs = [{"rank": R}, "x"] if R == 0 else [None, None]
dist.broadcast_object_list(objs, src=0)
assert objs == [{"rank": 0}, "x"], objs
everyone = [None] * W
dist.all_gather_object(everyone, ("hello", R))
assert everyone == [("hello", r) for r in range(W)], everyone
got = [None] * W if R == 0 else None
dist.gather_object(R * 7, got, dst=0)
assert R != 0 or got == [0, 7], got
out = [None]
dist.scatter_object_list(out, [f"to {r}" for r in range(W)] if R == 0 else None, src=0)
assert out == [f"to {R}"], out
ok("objects")

# barrier, new_group, non-members
dist.barrier()
g = dist.new_group([1])
if R == 1:
    assert dist.get_rank(g) == 0 and dist.get_world_size(g) == 1
    t = torch.tensor(data(R))
    dist.all_reduce(t, group=g)
    np.testing.assert_array_equal(t.numpy(), allx[1])
    assert dist.get_process_group_ranks(g) == [1]
else:
    assert g == dist.GroupMember.NON_GROUP_MEMBER
    assert dist.get_rank(g) == -1 and dist.get_world_size(g) == -1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert dist.all_reduce(torch.zeros(2), group=g) is None
    assert any("does not belong to the given group" in str(w.message) for w in caught)
both = dist.new_group()
t = torch.tensor(data(R))
dist.all_reduce(t, group=both)
np.testing.assert_allclose(t.numpy(), sum(allx))
assert dist.group.WORLD is dist.GroupMember.WORLD and dist.get_world_size(dist.group.WORLD) == W
ok("groups")

# differentiable all_reduce (torch.distributed.nn.functional): backward all-reduces grads
x = torch.tensor(data(R, dtype=np.float64), requires_grad=True)
y = diff_all_reduce(x)
np.testing.assert_allclose(y.detach().numpy(), sum(data(r, dtype=np.float64) for r in range(W)))
(y * (R + 1)).sum().backward()                         # d(sum_r loss_r)/dx = sum_r (r + 1)
np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), sum(r + 1 for r in range(W))))
ok("differentiable_all_reduce")

try:
    dist.init_process_group("mpi")
    raise AssertionError("a second init_process_group did not raise")
except ValueError as e:
    assert "twice" in str(e)
dist.destroy_process_group()
assert not dist.is_initialized()
ok("destroy")
