"""autograd.utils.transforms: per-sample augmentation, seedable, arrays and Tensors."""
import numpy as np
import pytest

import autograd
from autograd.utils import transforms as T


def _img(c=1, h=6, w=6):
    return np.arange(c * h * w, dtype=np.float32).reshape(c, h, w)


def test_compose_applies_in_order_and_keeps_kind():
    t = T.Compose([T.Lambda(lambda x: x + 1), T.Lambda(lambda x: x * 2)])
    np.testing.assert_array_equal(t(np.ones(3)), [4, 4, 4])
    assert "Compose" in repr(t)


def test_to_tensor_layouts_and_scaling():
    x = T.ToTensor()(np.full((4, 5, 3), 255, dtype=np.uint8))
    assert isinstance(x, autograd.Tensor) and x.shape == (3, 4, 5) and x.dtype == np.float32
    np.testing.assert_allclose(x.numpy(), 1.0)
    assert T.ToTensor()(np.zeros((4, 5))).shape == (1, 4, 5)
    assert T.ToTensor()(np.zeros(40)).shape == (1, 40)
    with pytest.raises(ValueError, match="ToTensor"):
        T.ToTensor()(np.zeros((1, 2, 3, 4)))


def test_normalize_per_channel_tensor_in_tensor_out():
    x = autograd.tensor(np.stack([np.full((2, 2), 1.0), np.full((2, 2), 3.0)]).astype(np.float32))
    y = T.Normalize([1.0, 1.0], [1.0, 2.0])(x)
    assert isinstance(y, autograd.Tensor) and y.dtype == autograd.float32
    np.testing.assert_allclose(y.numpy()[0], 0.0)
    np.testing.assert_allclose(y.numpy()[1], 1.0)
    with pytest.raises(ValueError, match="3 values.*2 channels"):
        T.Normalize([0, 0, 0], [1, 1, 1])(x)
    with pytest.raises(ValueError, match="zero"):
        T.Normalize([0], [0])


def test_random_crop_with_padding_is_a_shifted_window():
    g = autograd.Generator().manual_seed(0)
    crop = T.RandomCrop(6, padding=2, generator=g)
    x = _img()
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2)))
    seen = set()
    for _ in range(30):
        y = crop(x)
        assert y.shape == (1, 6, 6)
        hits = [(i, j) for i in range(5) for j in range(5)
                if np.array_equal(padded[:, i:i + 6, j:j + 6], y)]
        assert hits
        seen.add(hits[0])
    assert len(seen) > 5  # genuinely random offsets


def test_random_crop_is_seedable():
    a = [T.RandomCrop(4, generator=autograd.Generator().manual_seed(7))(_img()) for _ in range(2)]
    np.testing.assert_array_equal(a[0], a[1])
    autograd.manual_seed(1)
    b1 = T.RandomCrop(3)(_img())
    autograd.manual_seed(1)
    b2 = T.RandomCrop(3)(_img())
    np.testing.assert_array_equal(b1, b2)


def test_random_crop_1d_signal_and_errors():
    x = np.arange(40, dtype=np.float32)[None]
    y = T.RandomCrop(36)(x)
    assert y.shape == (1, 36)
    start = int(y[0, 0])
    np.testing.assert_array_equal(y[0], np.arange(start, start + 36))
    with pytest.raises(ValueError, match="bigger"):
        T.RandomCrop(50)(x)
    assert T.RandomCrop(50, pad_if_needed=True)(x).shape == (1, 50)
    with pytest.raises(ValueError, match="channels-first"):
        T.RandomCrop(3)(np.zeros(5))


def test_random_shift_keeps_length():
    g = autograd.Generator().manual_seed(0)
    x = np.arange(1, 11, dtype=np.float32)[None]
    shifts = set()
    for _ in range(40):
        y = T.RandomShift(3, generator=g)(x)
        assert y.shape == x.shape
        nz = np.flatnonzero(y[0])
        shifts.add(int(y[0, nz[0]]) - 1 - int(nz[0]))
        w = T.RandomShift(3, mode="wrap", generator=g)(x)
        assert sorted(w[0]) == sorted(x[0])
    assert shifts <= set(range(-3, 4)) and len(shifts) > 3


def test_horizontal_flip_probabilities():
    x = _img()
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(x), x[..., ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(x), x)
    g = autograd.Generator().manual_seed(0)
    flips = sum(np.array_equal(T.RandomHorizontalFlip(generator=g)(x), x[..., ::-1])
                for _ in range(200))
    assert 60 < flips < 140
    with pytest.raises(ValueError):
        T.RandomHorizontalFlip(p=2)


def test_random_rotation_direction_and_size():
    pytest.importorskip("scipy", reason="RandomRotation uses scipy.ndimage")
    x = np.zeros((1, 5, 5), dtype=np.float32)
    x[0, 0, 2] = 1.0  # top middle
    y = T.RandomRotation((90, 90), order=0)(x)
    assert y.shape == x.shape and y.dtype == np.float32
    assert np.argwhere(y[0] == 1.0).tolist() == [[2, 0]]  # counter-clockwise: left middle
    t = T.RandomRotation(10, generator=autograd.Generator().manual_seed(0))(autograd.tensor(x))
    assert isinstance(t, autograd.Tensor) and t.shape == (1, 5, 5)
    with pytest.raises(ValueError, match="image"):
        T.RandomRotation(5)(np.zeros(4))


def test_gaussian_noise():
    g = autograd.Generator().manual_seed(0)
    y = T.GaussianNoise(0.5, generator=g)(np.zeros((1, 1000), dtype=np.float32))
    assert y.dtype == np.float32 and 0.4 < y.std() < 0.6


def test_transforms_in_a_dataloader_are_per_sample_and_reproducible():
    from autograd.utils.data import DataLoader, Dataset

    class Imgs(Dataset):
        def __init__(self, transform):
            self.transform = transform

        def __getitem__(self, i):
            return self.transform(autograd.tensor(_img())), i

        def __len__(self):
            return 8

    def run(seed):
        g = autograd.Generator().manual_seed(seed)
        ds = Imgs(T.Compose([T.RandomCrop(6, padding=2, generator=g),
                             T.RandomHorizontalFlip(generator=g)]))
        return np.concatenate([b[0].numpy() for b in DataLoader(ds, batch_size=4)])

    a, b = run(0), run(0)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (8, 1, 6, 6)
    assert not all(np.array_equal(a[0], a[i]) for i in range(1, 8))


def test_lazy_spelling():
    import autograd
    assert autograd.utils.transforms is T
