"""autograd.datasets: MNIST-1D (generated and cached as .npz), MNIST IDX files, sklearn digits."""
import gzip
import struct
import sys

import numpy as np
import pytest

import autograd
from autograd import datasets
from autograd.utils.data import DataLoader


def _write_idx(path, arr, code=0x08, gz=True):
    arr = np.asarray(arr)
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    be = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    payload = header + arr.astype(be).tobytes()
    with (gzip.open(path, "wb") if gz else open(path, "wb")) as f:
        f.write(payload)


def _tiny_mnist(root, n_train=6, n_test=4, gz=True, layout=""):
    rng = np.random.default_rng(0)
    folder = root / layout if layout else root
    folder.mkdir(parents=True, exist_ok=True)
    imgs = {}
    for stem, n in (("train", n_train), ("t10k", n_test)):
        x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, size=n, dtype=np.uint8)
        sfx = ".gz" if gz else ""
        _write_idx(folder / f"{stem}-images-idx3-ubyte{sfx}", x, gz=gz)
        _write_idx(folder / f"{stem}-labels-idx1-ubyte{sfx}", y, gz=gz)
        imgs[stem] = (x, y)
    return imgs


# --------------------------------------------------------------------------- IDX / MNIST
@pytest.mark.parametrize("code,dtype", [(0x08, np.uint8), (0x09, np.int8), (0x0B, np.int16),
                                        (0x0C, np.int32), (0x0D, np.float32), (0x0E, np.float64)])
def test_read_idx_all_types(tmp_path, code, dtype):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if code == 0x08:
        arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    p = tmp_path / "a.idx"
    _write_idx(p, arr, code=code, gz=False)
    out = datasets.read_idx(p)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, arr)


def test_read_idx_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(bad)
    short = tmp_path / "short"
    short.write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + b"abc")
    with pytest.raises(ValueError, match=r"3 data bytes.*\(10,\)"):
        datasets.read_idx(short)


@pytest.mark.parametrize("gz,layout", [(True, ""), (False, ""), (True, "MNIST/raw")])
def test_mnist_from_idx_files(tmp_path, gz, layout):
    ref = _tiny_mnist(tmp_path, gz=gz, layout=layout)
    train = datasets.MNIST(tmp_path, train=True)
    test = datasets.MNIST(tmp_path, train=False)
    assert len(train) == 6 and len(test) == 4
    x, y = train[2]
    assert x.shape == (1, 28, 28) and x.dtype == autograd.float32
    np.testing.assert_allclose(x.numpy()[0], ref["train"][0][2] / 255.0, rtol=1e-6)
    assert y == int(ref["train"][1][2])
    assert train.data.dtype == np.uint8 and train.data.shape == (6, 28, 28)
    xb, yb = next(iter(DataLoader(test, batch_size=4)))
    assert xb.shape == (4, 1, 28, 28) and yb.dtype == autograd.int64
    np.testing.assert_allclose(xb.numpy()[:, 0], ref["t10k"][0] / 255.0, rtol=1e-6)


def test_mnist_missing_files_say_what_to_place_where(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        datasets.MNIST(tmp_path, train=True)
    msg = str(e.value)
    assert "train-images-idx3-ubyte.gz" in msg and "train-labels-idx1-ubyte.gz" in msg
    assert str(tmp_path) in msg and "never downloads" in msg


def test_mnist_transform_applied_per_sample(tmp_path):
    _tiny_mnist(tmp_path)
    ds = datasets.MNIST(tmp_path, transform=lambda x: x * 0 + 1, target_transform=lambda y: -y)
    x, y = ds[0]
    assert float(x.sum().item()) == 28 * 28 and y <= 0
    xb, _ = next(iter(DataLoader(ds, batch_size=3)))
    np.testing.assert_array_equal(xb.numpy(), 1.0)


# --------------------------------------------------------------------------- MNIST-1D
def test_mnist1d_generated_cached_and_reproducible(tmp_path):
    pytest.importorskip("mnist1d", reason="MNIST1D needs the mnist1d package")
    state = np.random.get_state()[1].copy()
    d = datasets.load_mnist1d(root=tmp_path, num_samples=200)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # global RNG untouched
    assert d["x"].shape == (160, 40) and d["x_test"].shape == (40, 40)
    assert set(np.unique(d["y"])) <= set(range(10)) and d["t"].shape == (40,)
    files = list(tmp_path.glob("mnist1d_*.npz"))
    assert len(files) == 1
    with np.load(files[0], allow_pickle=False) as f:  # plain arrays: loads without pickle
        assert sorted(f.files) == ["t", "x", "x_test", "y", "y_test"]
    again = datasets.load_mnist1d(root=tmp_path, num_samples=200)
    np.testing.assert_array_equal(d["x"], again["x"])
    fresh = datasets.load_mnist1d(root=tmp_path, num_samples=200, regenerate=True)
    np.testing.assert_array_equal(d["x"], fresh["x"])


def test_mnist1d_matches_authors_generator_and_dataset(tmp_path):
    pytest.importorskip("mnist1d", reason="MNIST1D needs the mnist1d package")
    from mnist1d.data import get_dataset_args, make_dataset
    args = get_dataset_args()
    args.num_samples = 100
    ref = make_dataset(args)
    ds = datasets.MNIST1D(root=tmp_path, train=False, num_samples=100)
    assert len(ds) == 20
    np.testing.assert_allclose(ds.data.numpy(), ref["x_test"].astype(np.float32))
    x, y = ds[5]
    assert x.shape == (40,) and x.dtype == autograd.float32 and y == int(ref["y_test"][5])


def test_mnist1d_damaged_cache_is_rebuilt_and_bad_args_named(tmp_path):
    pytest.importorskip("mnist1d", reason="MNIST1D needs the mnist1d package")
    d = datasets.load_mnist1d(root=tmp_path, num_samples=100)
    (f,) = tmp_path.glob("mnist1d_*.npz")
    f.write_bytes(b"garbage")
    np.testing.assert_array_equal(datasets.load_mnist1d(root=tmp_path, num_samples=100)["x"],
                                  d["x"])
    with pytest.raises(TypeError, match="unknown dataset argument 'nope'"):
        datasets.load_mnist1d(root=tmp_path, nope=1)


def test_default_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBAGRAD_CACHE", str(tmp_path))
    assert datasets.default_cache_dir() == tmp_path


# --------------------------------------------------------------------------- digits
def test_digits_split_is_disjoint_and_reproducible():
    pytest.importorskip("sklearn", reason="Digits needs scikit-learn")
    tr, te = datasets.Digits(train=True), datasets.Digits(train=False)
    assert len(tr) + len(te) == 1797 and len(te) == 359
    x, y = tr[0]
    assert x.shape == (1, 8, 8) and 0 <= float(x.max().item()) <= 1.0 and 0 <= y <= 9
    np.testing.assert_array_equal(datasets.Digits(train=True).targets.numpy(), tr.targets.numpy())


def test_import_autograd_stays_light():
    import subprocess
    code = ("import sys, autograd; heavy = [m for m in ('autograd.datasets', "
            "'autograd.utils.data', 'autograd.viz', 'mnist1d', 'sklearn', 'matplotlib', 'graphviz') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
