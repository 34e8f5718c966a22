"""The workloads of shared/PERFORMANCE.md, written once against the PyTorch API.

Each ``make_*`` takes a namespace ``L`` with ``torch``, ``nn``, ``F``, ``optim`` (either
PyTorch's modules or ours after the import swap) and returns ``(step, unit_per_call)``:
a zero-argument callable running one repetition, and the amount of work it does in the
workload's unit. The same code runs on both libraries, so the comparison is fair.
"""
from __future__ import annotations

import numpy as np


def _data(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _train_step(L, model, x, y):
    opt = L.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = L.F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def make_w1(L):
    """W1: MLP training step, x[128,784]."""
    (xa,) = _data(0, (128, 784))
    x = L.torch.from_numpy(xa)
    y = L.torch.from_numpy(np.random.default_rng(1).integers(0, 10, 128))
    L.torch.manual_seed(0)
    model = L.nn.Sequential(L.nn.Linear(784, 128), L.nn.ReLU(), L.nn.Linear(128, 10))
    return _train_step(L, model, x, y), 1.0


def make_w2(L):
    """W2: CNN training step, x[64,1,28,28]."""
    (xa,) = _data(0, (64, 1, 28, 28))
    x = L.torch.from_numpy(xa)
    y = L.torch.from_numpy(np.random.default_rng(1).integers(0, 10, 64))
    L.torch.manual_seed(0)
    nn = L.nn
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 10))
    return _train_step(L, model, x, y), 1.0


def _make_w3(L, cell):
    (xa,) = _data(0, (32, 50, 32))
    x = L.torch.from_numpy(xa)
    y = L.torch.from_numpy(np.random.default_rng(1).integers(0, 10, 32))
    L.torch.manual_seed(0)
    nn = L.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(32, 128, batch_first=True) if cell == "rnn" else \
                nn.GRU(32, 128, batch_first=True)
            self.head = nn.Linear(128, 10)

        def forward(self, inp):
            _, h = self.rnn(inp)
            return self.head(h[-1])

    return _train_step(L, Net(), x, y), 1.0


def make_w3_rnn(L):
    """W3: RNN(tanh, hidden 128) training step, x[32,50,32]."""
    return _make_w3(L, "rnn")


def make_w3_gru(L):
    """W3: GRU(hidden 128) training step, x[32,50,32]."""
    return _make_w3(L, "gru")


def make_w4(L):
    """W4: 1000 chained elementwise ops on [16] + sum + backward; unit = microseconds/op."""
    (xa,) = _data(0, (16,))

    def step():
        x = L.torch.tensor(xa, requires_grad=True)
        y = x
        for i in range(1000):
            k = i % 3
            if k == 0:
                y = y + 1.0
            elif k == 1:
                y = y * 0.5
            else:
                y = y.tanh()
        y.sum().backward()
    return step, 1000.0


def make_w5(L):
    """W5: sum(A @ B) forward + backward, 1024x1024; unit = GFLOP."""
    a, b = _data(0, (1024, 1024), (1024, 1024))
    A = L.torch.tensor(a, requires_grad=True)
    B = L.torch.tensor(b, requires_grad=True)

    def step():
        A.grad = None
        B.grad = None
        (A @ B).sum().backward()
    return step, 3 * 2 * 1024 ** 3 / 1e9


def make_w6(L):
    """W6: Conv2d(64,64,3,padding=1) forward + backward on x[32,64,32,32]; unit = GFLOP."""
    (xa,) = _data(0, (32, 64, 32, 32))
    x = L.torch.tensor(xa, requires_grad=True)
    L.torch.manual_seed(0)
    conv = L.nn.Conv2d(64, 64, 3, padding=1)

    def step():
        x.grad = None
        conv.zero_grad()
        conv(x).sum().backward()
    return step, 3 * 2 * 32 * 64 * 64 * 9 * 32 * 32 / 1e9


def numpy_gemm(_L=None):
    """NumPy's own float32 GEMM for W5's comparison: 3 GEMMs of 1024^3."""
    a, b = _data(0, (1024, 1024), (1024, 1024))
    g = np.ones((1024, 1024), np.float32)

    def step():
        a @ b
        g @ b.T
        a.T @ g
    return step, 3 * 2 * 1024 ** 3 / 1e9


# id, title, factory, unit, "rate" (higher is better) or "time" (lower is better)
WORKLOADS = [
    ("W1", "mlp train step", make_w1, "steps/s", "rate"),
    ("W2", "cnn train step", make_w2, "steps/s", "rate"),
    ("W3", "rnn train step", make_w3_rnn, "steps/s", "rate"),
    ("W3", "gru train step", make_w3_gru, "steps/s", "rate"),
    ("W4", "per-op overhead", make_w4, "us/op", "time"),
    ("W5", "matmul 1024 fwd+bwd", make_w5, "GFLOP/s", "rate"),
    ("W6", "conv2d fwd+bwd", make_w6, "GFLOP/s", "rate"),
]
