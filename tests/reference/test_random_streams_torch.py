"""Same seed, same numbers: every sampler against PyTorch CPU, bit for bit.

Each test seeds both libraries alike, draws the same thing from each and compares the
values exactly (``assert_array_equal``), so a single differing bit fails. The generator
state is compared too (``get_state`` bytes), which checks that both consumed the same
number of engine draws. One exception: ``orthogonal_`` goes through a QR factorisation
(PyTorch's LAPACK is MKL, ours NumPy's OpenBLAS) and is compared to float32 rounding.
"""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd.utils import data as ag_data

torch = pytest.importorskip("torch", reason="reference tests need torch==2.13.0 (CPU): "
                                             "./dev setup ref")

SEEDS = [0, 1, 12345, 2**32 + 7, -3]
SIZES = [1, 7, 15, 16, 17, 33, 1000, 4099]


def seed_both(seed):
    autograd.manual_seed(seed)
    torch.manual_seed(seed)


def same(ours, theirs):
    a = ours.numpy() if hasattr(ours, "numpy") else np.asarray(ours)
    b = theirs.numpy() if hasattr(theirs, "numpy") else np.asarray(theirs)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_array_equal(a, b)


def same_state():
    np.testing.assert_array_equal(autograd.get_rng_state().numpy(),
                                  torch.get_rng_state().numpy())


DTYPES = [("float32", autograd.float32, torch.float32),
          ("float64", autograd.float64, torch.float64)]


# ------------------------------------------------------------------------- generator
@pytest.mark.parametrize("seed", SEEDS + [0, 2**64 - 1, 2**63])
def test_seeding_and_state_layout(seed):
    seed_both(seed)
    assert autograd.initial_seed() == torch.initial_seed()
    same_state()
    autograd.rand(5), torch.rand(5)
    autograd.randn(3, dtype=autograd.float64), torch.randn(3, dtype=torch.float64)
    same_state()                                       # includes the cached normal


def test_fresh_generator_default_seed_and_round_trip():
    g, tg = autograd.Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed() == 67280421310721
    same(autograd.rand(10, generator=g), torch.rand(10, generator=tg))
    state = tg.get_state()
    g2 = autograd.Generator().set_state(autograd.tensor(state.numpy()))    # torch's bytes
    same(autograd.randn(20, generator=g2), torch.randn(20, generator=tg))
    np.testing.assert_array_equal(g2.get_state().numpy(), tg.get_state().numpy())
    s = g2.get_state()
    a = autograd.randn(3, generator=g2)
    g2.set_state(s)
    same(autograd.randn(3, generator=g2), a)


def test_state_errors_match_torch():
    g = autograd.Generator()
    with pytest.raises(RuntimeError, match="size 5056"):
        g.set_state(autograd.zeros(10, dtype=autograd.uint8))
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        g.set_state(autograd.zeros(5056, dtype=autograd.uint8))
    with pytest.raises(TypeError, match="ByteTensor"):
        g.set_state(autograd.zeros(5056))
    with pytest.raises(ValueError, match="Overflow"):
        g.manual_seed(2**64)


def test_fork_rng_restores_the_global_stream():
    autograd.manual_seed(3)
    with autograd.random.fork_rng():
        autograd.rand(100)
    torch.manual_seed(3)
    same(autograd.rand(4), torch.rand(4))


# ---------------------------------------------------------------------- continuous
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name,ours_dt,torch_dt", DTYPES)
def test_rand_and_randn(seed, name, ours_dt, torch_dt):
    seed_both(seed)
    for n in SIZES:
        same(autograd.rand(n, dtype=ours_dt), torch.rand(n, dtype=torch_dt))
        same(autograd.randn(n, dtype=ours_dt), torch.randn(n, dtype=torch_dt))
        same(autograd.randn(2, n, dtype=ours_dt), torch.randn(2, n, dtype=torch_dt))
    same_state()


def test_complex_rand_and_randn_fill_both_parts():
    seed_both(4)
    for n in [3, 20]:
        for dt, tdt in [(autograd.cfloat, torch.cfloat), (autograd.cdouble, torch.cdouble)]:
            same(autograd.randn(n, dtype=dt), torch.randn(n, dtype=tdt))
            same(autograd.rand(n, dtype=dt), torch.rand(n, dtype=tdt))
    same_state()


def test_randn_large():
    seed_both(7)
    same(autograd.randn(10**6), torch.randn(10**6))
    same(autograd.randn(10**5 + 3, dtype=autograd.float64),
         torch.randn(10**5 + 3, dtype=torch.float64))


@pytest.mark.parametrize("name,ours_dt,torch_dt", DTYPES)
def test_inplace_continuous_fills(name, ours_dt, torch_dt):
    seed_both(11)
    for shape in [(5,), (4, 5), (40, 3)]:
        cases = [("uniform_", (-2.5, 3.0)), ("normal_", (1.5, 0.25)), ("exponential_", (2.0,)),
                 ("cauchy_", (0.5, 2.0)), ("log_normal_", (0.1, 0.5)), ("geometric_", (0.3,))]
        for method, args in cases:
            a = getattr(autograd.empty(shape, dtype=ours_dt), method)(*args)
            b = getattr(torch.empty(shape, dtype=torch_dt), method)(*args)
            same(a, b)
    same_state()


def test_fills_of_transposed_views_follow_memory_order():
    seed_both(5)
    for method, args in [("normal_", ()), ("uniform_", ())]:
        a = autograd.empty(6, 7)
        b = torch.empty(6, 7)
        getattr(a.t(), method)(*args)
        getattr(b.t(), method)(*args)
        same(a, b)


@pytest.mark.parametrize("name,ours_dt,torch_dt", DTYPES)
def test_like_and_normal_functions(name, ours_dt, torch_dt):
    seed_both(21)
    x, tx = autograd.zeros(3, 17, dtype=ours_dt), torch.zeros(3, 17, dtype=torch_dt)
    same(autograd.rand_like(x), torch.rand_like(tx))
    same(autograd.randn_like(x), torch.randn_like(tx))
    same(autograd.randint_like(x, 3, 9), torch.randint_like(tx, 3, 9))
    same(autograd.normal(2.0, 3.0, size=(4, 5), dtype=ours_dt),
         torch.normal(2.0, 3.0, size=(4, 5), dtype=torch_dt))
    m, s = np.linspace(-1, 1, 20).astype(name), np.linspace(0.5, 2, 20).astype(name)
    same(autograd.normal(autograd.tensor(m), autograd.tensor(s)),
         torch.normal(torch.tensor(m), torch.tensor(s)))
    same_state()


# -------------------------------------------------------------------------- integers
@pytest.mark.parametrize("seed", SEEDS)
def test_randint_and_randperm(seed):
    seed_both(seed)
    for low, high in [(0, 10), (-5, 5), (0, 2**31), (0, 2**32), (-(2**40), 2**40 + 3)]:
        same(autograd.randint(low, high, (50,)), torch.randint(low, high, (50,)))
    for dt, tdt in [(autograd.int32, torch.int32), (autograd.uint8, torch.uint8),
                    (autograd.float32, torch.float32), (autograd.float64, torch.float64)]:
        same(autograd.randint(0, 100, (30,), dtype=dt), torch.randint(0, 100, (30,), dtype=tdt))
    for n in [0, 1, 2, 10, 1000, 100_000]:
        same(autograd.randperm(n), torch.randperm(n))
    same_state()


def test_random_without_bounds_per_dtype():
    seed_both(9)
    for dt, tdt in [(autograd.int64, torch.int64), (autograd.int32, torch.int32),
                    (autograd.int16, torch.int16), (autograd.int8, torch.int8),
                    (autograd.uint8, torch.uint8), (autograd.bool, torch.bool),
                    (autograd.float32, torch.float32), (autograd.float64, torch.float64)]:
        same(autograd.empty(40, dtype=dt).random_(), torch.empty(40, dtype=tdt).random_())
        same(autograd.empty(40, dtype=dt).random_(2), torch.empty(40, dtype=tdt).random_(2))
        if dt != autograd.bool:
            same(autograd.empty(40, dtype=dt).random_(1, None),
                 torch.empty(40, dtype=tdt).random_(1, None))
    same(autograd.empty(10, dtype=autograd.int64).random_(-(2**63), None),
         torch.empty(10, dtype=torch.int64).random_(-(2**63), None))
    same_state()


# ------------------------------------------------------------------------- discrete
@pytest.mark.parametrize("name,ours_dt,torch_dt", DTYPES)
def test_bernoulli(name, ours_dt, torch_dt):
    seed_both(31)
    p = np.linspace(0, 1, 37).astype(name).reshape(1, 37).repeat(3, 0)
    same(autograd.bernoulli(autograd.tensor(p)), torch.bernoulli(torch.tensor(p)))
    same(autograd.empty(5, 9, dtype=ours_dt).bernoulli_(0.3),
         torch.empty(5, 9, dtype=torch_dt).bernoulli_(0.3))
    same(autograd.empty(3, 37, dtype=ours_dt).bernoulli_(autograd.tensor(p[0])),
         torch.empty(3, 37, dtype=torch_dt).bernoulli_(torch.tensor(p[0])))
    same(autograd.bernoulli(autograd.zeros(4, 4, dtype=ours_dt), 0.6),
         torch.bernoulli(torch.zeros(4, 4, dtype=torch_dt), 0.6))
    same_state()


@pytest.mark.parametrize("name,ours_dt,torch_dt", DTYPES)
@pytest.mark.parametrize("replacement", [True, False])
def test_multinomial(name, ours_dt, torch_dt, replacement):
    seed_both(41)
    w = np.random.default_rng(0).random((4, 12)).astype(name)
    w[1, 3] = 0
    for n in [1, 5, 12]:
        same(autograd.multinomial(autograd.tensor(w), n, replacement),
             torch.multinomial(torch.tensor(w), n, replacement))
        same(autograd.multinomial(autograd.tensor(w[0]), n, replacement),
             torch.multinomial(torch.tensor(w[0]), n, replacement))
    same_state()


# -------------------------------------------------------------------------- nn.init
def test_init_functions():
    seed_both(51)
    cases = [("uniform_", (-0.3, 0.7)), ("normal_", (0.2, 1.3)), ("xavier_uniform_", ()),
             ("xavier_normal_", (2.0,)), ("kaiming_uniform_", ()), ("kaiming_normal_", ()),
             ("kaiming_uniform_", (5 ** 0.5,))]
    for shape in [(3, 4), (16, 8, 3, 3), (2, 5)]:
        for fn, args in cases:
            a, b = autograd.empty(*shape), torch.empty(*shape)
            getattr(nn.init, fn)(a, *args)
            getattr(torch.nn.init, fn)(b, *args)
            same(a, b)
    same_state()


def test_trunc_normal_rejection_sampling():
    seed_both(52)
    # a wide window (normal proposals) and a narrow one in the tail (uniform proposals)
    for shape, args in [((5, 7), (0.1, 0.8, -1.0, 1.5)), ((64, 64), (0.0, 1.0, -2.0, 2.0)),
                        ((40, 9), (0.0, 1.0, 1.0, 1.5)), ((3, 3), (0.0, 0.02, -0.04, 0.04))]:
        a, b = autograd.empty(*shape), torch.empty(*shape)
        nn.init.trunc_normal_(a, *args)
        torch.nn.init.trunc_normal_(b, *args)
        same(a, b)
    same_state()


def test_orthogonal_to_float32_rounding():
    seed_both(53)
    for shape in [(5, 7), (64, 64), (12, 3, 2)]:
        a, b = autograd.empty(*shape), torch.empty(*shape)
        nn.init.orthogonal_(a, gain=1.5)
        torch.nn.init.orthogonal_(b, gain=1.5)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)
    same_state()


LAYERS = [
    ("Linear", (20, 7), {}),
    ("Linear", (5, 3), {"bias": False}),
    ("Bilinear", (4, 5, 3), {}),
    ("Conv1d", (3, 6, 5), {}),
    ("Conv2d", (3, 8, 3), {"stride": 2}),
    ("Conv2d", (4, 8, 3), {"groups": 2}),
    ("ConvTranspose2d", (6, 3, 4), {}),
    ("Conv3d", (2, 3, 2), {}),
    ("Embedding", (30, 8), {}),
    ("Embedding", (30, 8), {"padding_idx": 0}),
    ("EmbeddingBag", (30, 8), {}),
    ("LSTM", (6, 10), {"num_layers": 2}),
    ("LSTM", (6, 10), {"bidirectional": True, "batch_first": True}),
    ("GRU", (6, 10), {}),
    ("RNN", (6, 10), {"num_layers": 2}),
    ("LSTMCell", (6, 10), {}),
    ("GRUCell", (6, 10), {}),
    ("BatchNorm2d", (5,), {}),
    ("LayerNorm", (5,), {}),
    ("PReLU", (), {}),
    ("MultiheadAttention", (16, 4), {}),
    ("TransformerEncoderLayer", (16, 4), {"dim_feedforward": 32}),
    ("TransformerDecoderLayer", (16, 4), {"dim_feedforward": 32}),
]


@pytest.mark.parametrize("name,args,kwargs", LAYERS, ids=[f"{c[0]}-{i}" for i, c in
                                                          enumerate(LAYERS)])
def test_default_layer_initialisation(name, args, kwargs):
    seed_both(61)
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    for k in sd:
        same(sd[k], tsd[k])
    same_state()


# -------------------------------------------------------------------------- dropout
def test_dropout_masks():
    seed_both(71)
    x = np.random.default_rng(1).standard_normal((4, 6, 5, 5)).astype(np.float32)
    a, b = autograd.tensor(x), torch.tensor(x)
    same(F.dropout(a, 0.3), torch.nn.functional.dropout(b, 0.3))
    same(nn.Dropout(0.5)(a), torch.nn.Dropout(0.5)(b))
    same(F.dropout2d(a, 0.25), torch.nn.functional.dropout2d(b, 0.25))
    same(F.dropout1d(a[0], 0.25), torch.nn.functional.dropout1d(b[0], 0.25))
    same(F.dropout3d(a, 0.4), torch.nn.functional.dropout3d(b, 0.4))
    same(F.alpha_dropout(a, 0.2, True), torch.nn.functional.alpha_dropout(b, 0.2, True))
    same(F.feature_alpha_dropout(a, 0.2, True),
         torch.nn.functional.feature_alpha_dropout(b, 0.2, True))
    x64 = x.astype(np.float64)
    same(F.dropout(autograd.tensor(x64), 0.1), torch.nn.functional.dropout(torch.tensor(x64), 0.1))
    same(F.rrelu(a, training=True), torch.nn.functional.rrelu(b, training=True))
    same_state()


# ---------------------------------------------------------------------------- data
def test_dataloader_shuffle_and_samplers():
    seed_both(81)
    x = np.arange(50, dtype=np.float32)
    ours = ag_data.DataLoader(ag_data.TensorDataset(autograd.tensor(x)), batch_size=8,
                              shuffle=True)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x)),
                                         batch_size=8, shuffle=True)
    for _ in range(2):
        for (a,), (b,) in zip(ours, theirs, strict=True):
            same(a, b)
    same_state()
    n = 23
    assert list(ag_data.RandomSampler(range(n), replacement=True, num_samples=70)) == \
        list(torch.utils.data.RandomSampler(range(n), replacement=True, num_samples=70))
    assert list(ag_data.SubsetRandomSampler([3, 5, 7, 11])) == \
        list(torch.utils.data.SubsetRandomSampler([3, 5, 7, 11]))
    w = [0.1, 0.5, 2.0, 0.0, 1.0]
    assert list(ag_data.WeightedRandomSampler(w, 12)) == \
        list(torch.utils.data.WeightedRandomSampler(w, 12))
    assert list(ag_data.WeightedRandomSampler(w, 4, replacement=False)) == \
        list(torch.utils.data.WeightedRandomSampler(w, 4, replacement=False))
    parts = ag_data.random_split(range(n), [0.5, 0.3, 0.2])
    tparts = torch.utils.data.random_split(range(n), [0.5, 0.3, 0.2])
    assert [list(p.indices) for p in parts] == [list(p.indices) for p in tparts]
    g, tg = autograd.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    ours = ag_data.DataLoader(list(range(30)), batch_size=4, shuffle=True, generator=g)
    theirs = torch.utils.data.DataLoader(list(range(30)), batch_size=4, shuffle=True,
                                         generator=tg)
    assert [b.tolist() for b in ours] == [b.tolist() for b in theirs]
    same_state()


# --------------------------------------------------------------- whole training runs
def _example_models(lib_nn):
    """The models of examples/mnist_mlp.py and examples/mnist_cnn.py for 8x8 digits."""
    mlp = lib_nn.Sequential(lib_nn.Flatten(), lib_nn.Linear(64, 128), lib_nn.ReLU(),
                            lib_nn.Linear(128, 10))
    cnn = lib_nn.Sequential(
        lib_nn.Conv2d(1, 32, 3, padding=1), lib_nn.ReLU(), lib_nn.MaxPool2d(2),
        lib_nn.Conv2d(32, 64, 3, padding=1), lib_nn.ReLU(), lib_nn.MaxPool2d(2),
        lib_nn.Flatten(), lib_nn.Dropout(0.5), lib_nn.Linear(64 * 2 * 2, 10))
    return {"mlp": mlp, "cnn": cnn}


def _train(lib, lib_nn, lib_f, lib_optim, lib_data, which, x, y, seed=0, steps=20):
    """examples/_classify.py's fit loop: seeded init, Adam, shuffled DataLoader, dropout."""
    lib.manual_seed(seed)
    model = _example_models(lib_nn)[which]
    opt = lib_optim.Adam(model.parameters(), lr=1e-3)
    loader = lib_data.DataLoader(lib_data.TensorDataset(lib.tensor(x), lib.tensor(y)),
                                 batch_size=128, shuffle=True)
    losses = []
    while len(losses) < steps:
        for xb, yb in loader:
            loss = lib_f.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    return np.array(losses)


@pytest.mark.parametrize("which", ["mlp", "cnn"])
def test_example_training_runs_give_pytorchs_loss_curve(which):
    load_digits = pytest.importorskip("sklearn.datasets", reason="needs scikit-learn").load_digits
    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0)[:, None][:1000]
    y = d.target.astype(np.int64)[:1000]
    import optim
    ours = _train(autograd, nn, F, optim, ag_data, which, x, y)
    theirs = _train(torch, torch.nn, torch.nn.functional, torch.optim, torch.utils.data,
                    which, x, y)
    # same initial weights, batches and dropout masks: only float32 summation order differs
    np.testing.assert_allclose(ours, theirs, rtol=2e-5)
