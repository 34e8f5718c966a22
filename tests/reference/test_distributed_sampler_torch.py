"""DistributedSampler partitions exactly as PyTorch's: the same index lists for every rank,
with and without shuffling and drop_last, across epochs and seeds."""
import pytest
from autograd.utils.data.distributed import DistributedSampler

torch = pytest.importorskip("torch", reason="PyTorch's DistributedSampler is the reference")
from torch.utils.data.distributed import DistributedSampler as TorchSampler  # noqa: E402


@pytest.mark.parametrize("n", [1, 7, 10, 64, 1000])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_index_lists_match_torch(n, replicas, shuffle, drop_last):
    if drop_last and n < replicas:
        pytest.skip("nothing left for any rank")
    for seed, epoch in [(0, 0), (0, 3), (42, 1)]:
        for rank in range(replicas):
            ours = DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=seed,
                                      drop_last=drop_last)
            theirs = TorchSampler(range(n), replicas, rank, shuffle=shuffle, seed=seed,
                                  drop_last=drop_last)
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert len(ours) == len(theirs)
            assert list(ours) == list(theirs), (seed, epoch, rank)
