"""autograd.utils.data: datasets, samplers, collate and the DataLoader (torch.utils.data names)."""
from collections import namedtuple

import numpy as np
import pytest

import autograd
from autograd.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    random_split,
)


def _ds(n=10):
    x = autograd.arange(n * 2, dtype=autograd.float32).reshape(n, 2)
    y = autograd.arange(n)
    return TensorDataset(x, y)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return {"x": np.full(3, i, dtype=np.float32), "y": i * i, "name": f"s{i}"}

    def __len__(self):
        return self.n


def test_full_spelling_resolves_lazily():
    assert autograd.utils.data.DataLoader is DataLoader


def test_tensor_dataset_items_and_length():
    ds = _ds(5)
    x, y = ds[3]
    assert len(ds) == 5
    np.testing.assert_array_equal(x.numpy(), [6, 7])
    assert y.item() == 3


def test_tensor_dataset_size_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(4,\)"):
        TensorDataset(autograd.zeros(3, 2), autograd.zeros(4))


def test_loader_sequential_batches_and_last_short_batch():
    batches = list(DataLoader(_ds(10), batch_size=4))
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    assert isinstance(batches[0][0], autograd.Tensor)
    assert batches[0][0].dtype == autograd.float32 and batches[0][1].dtype == autograd.int64
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), np.arange(10))
    assert len(DataLoader(_ds(10), batch_size=4)) == 3


def test_drop_last():
    loader = DataLoader(_ds(10), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [b[1].shape[0] for b in loader] == [4, 4]


def test_shuffle_is_a_permutation_reproducible_with_generator_and_fresh_each_epoch():
    g = autograd.Generator().manual_seed(0)
    loader = DataLoader(_ds(20), batch_size=5, shuffle=True, generator=g)
    e1 = np.concatenate([b[1].numpy() for b in loader])
    e2 = np.concatenate([b[1].numpy() for b in loader])
    assert sorted(e1) == list(range(20)) and sorted(e2) == list(range(20))
    assert not np.array_equal(e1, e2)
    g.manual_seed(0)
    again = np.concatenate([b[1].numpy() for b in loader])
    np.testing.assert_array_equal(e1, again)


def test_shuffle_uses_global_generator_by_default():
    autograd.manual_seed(3)
    a = [b[1].numpy().tolist() for b in DataLoader(_ds(12), batch_size=12, shuffle=True)]
    autograd.manual_seed(3)
    b = [b[1].numpy().tolist() for b in DataLoader(_ds(12), batch_size=12, shuffle=True)]
    assert a == b and a[0] != list(range(12))


def test_fast_path_matches_per_sample_collate():
    ds = _ds(9)
    fast = list(DataLoader(ds, batch_size=4))
    slow = list(DataLoader(ds, batch_size=4, collate_fn=default_collate))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())


def test_subset_of_tensor_dataset_through_loader():
    sub = Subset(_ds(10), [7, 2, 5])
    (x, y), = list(DataLoader(sub, batch_size=3))
    np.testing.assert_array_equal(y.numpy(), [7, 2, 5])
    np.testing.assert_array_equal(x.numpy()[0], [14, 15])


def test_collate_of_dicts_numbers_strings():
    (batch,) = list(DataLoader(Squares(3), batch_size=3))
    assert batch["x"].shape == (3, 3)
    np.testing.assert_array_equal(batch["y"].numpy(), [0, 1, 4])
    assert batch["y"].dtype == autograd.int64
    assert batch["name"] == ["s0", "s1", "s2"]


def test_default_collate_kinds():
    out = default_collate([(1.5, np.int32(2), True), (2.5, np.int32(3), False)])
    assert out[0].dtype == autograd.float32 and out[1].dtype == np.int32
    assert out[2].dtype == autograd.bool
    P = namedtuple("P", "a b")
    p = default_collate([P(autograd.ones(2), 1), P(autograd.zeros(2), 2)])
    assert isinstance(p, P) and p.a.shape == (2, 2)
    lst = default_collate([[1, 2], [3, 4]])
    assert isinstance(lst, list) and lst[0].numpy().tolist() == [1, 3]


def test_default_collate_shape_mismatch_is_named():
    with pytest.raises(RuntimeError, match="same shape"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="object"):
        default_collate([object()])


def test_batch_size_none_yields_samples():
    items = list(DataLoader(_ds(3), batch_size=None))
    assert len(items) == 3 and items[1][1].item() == 1


def test_custom_sampler_and_batch_sampler():
    loader = DataLoader(_ds(6), batch_size=2, sampler=[5, 4, 3, 2, 1, 0])
    assert [b[1].numpy().tolist() for b in loader] == [[5, 4], [3, 2], [1, 0]]
    loader = DataLoader(_ds(6), batch_sampler=[[0, 1, 2], [5]])
    assert [b[1].numpy().tolist() for b in loader] == [[0, 1, 2], [5]]
    assert len(loader) == 2


def test_mutually_exclusive_options():
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(_ds(), sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(_ds(), batch_sampler=[[0]], batch_size=3)


def test_num_workers_is_accepted():
    assert len(list(DataLoader(_ds(4), batch_size=2, num_workers=4))) == 2


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(np.float32(i) for i in range(5))

    batches = list(DataLoader(Stream(), batch_size=2))
    assert [b.numpy().tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(Stream(), shuffle=True)


def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = autograd.Generator().manual_seed(1)
    r = list(RandomSampler(range(8), generator=g))
    assert sorted(r) == list(range(8))
    rr = list(RandomSampler(range(3), replacement=True, num_samples=20, generator=g))
    assert len(rr) == 20 and set(rr) <= {0, 1, 2}
    assert len(list(RandomSampler(range(3), num_samples=7, generator=g))) == 7
    assert sorted(SubsetRandomSampler([4, 9, 2], generator=g)) == [2, 4, 9]
    assert list(BatchSampler(range(5), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    assert len(BatchSampler(range(5), 2, drop_last=True)) == 2
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(5), 0, False)


def test_random_split_lengths_and_fractions():
    g = autograd.Generator().manual_seed(0)
    a, b = random_split(range(10), [7, 3], generator=g)
    assert len(a) == 7 and len(b) == 3
    assert sorted(list(a) + list(b)) == list(range(10))
    parts = random_split(range(10), [0.5, 0.3, 0.2], generator=g)
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(range(11), [0.5, 0.5], generator=g)
    assert [len(p) for p in parts] == [6, 5]
    g1 = autograd.Generator().manual_seed(5)
    g2 = autograd.Generator().manual_seed(5)
    assert list(random_split(range(10), [5, 5], generator=g1)[0]) == list(
        random_split(range(10), [5, 5], generator=g2)[0])
    with pytest.raises(ValueError, match="does not equal"):
        random_split(range(10), [3, 3])


def test_concat_dataset_and_add():
    cat = _ds(3) + _ds(2)
    assert isinstance(cat, ConcatDataset) and len(cat) == 5
    assert cat[3][1].item() == 0 and cat[-1][1].item() == 1
