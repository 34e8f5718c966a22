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


def make_w7(L):
    """W7: small GPT training step: vocab 65, d 128, 4 heads, 4 blocks, T 64, batch 16, AdamW."""
    nn, F, torch = L.nn, L.F, L.torch
    vocab, d, heads, blocks, T, B = 65, 128, 4, 4, 64, 16
    rng = np.random.default_rng(1)
    idx = torch.from_numpy(rng.integers(0, vocab, (B, T)))
    tgt = torch.from_numpy(rng.integers(0, vocab, (B, T)))
    torch.manual_seed(0)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.ln2 = nn.LayerNorm(d)
            self.fc = nn.Linear(d, 4 * d)
            self.out = nn.Linear(4 * d, d)

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
            q = q.view(b, t, heads, c // heads).transpose(1, 2)
            k = k.view(b, t, heads, c // heads).transpose(1, 2)
            v = v.view(b, t, heads, c // heads).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            y = y.transpose(1, 2).contiguous().view(b, t, c)
            x = x + self.proj(y)
            return x + self.out(F.gelu(self.fc(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, d)
            self.pos = nn.Embedding(T, d)
            self.blocks = nn.ModuleList([Block() for _ in range(blocks)])
            self.ln_f = nn.LayerNorm(d)
            self.head = nn.Linear(d, vocab, bias=False)

        def forward(self, i):
            x = self.tok(i) + self.pos(torch.arange(i.shape[1]))
            for blk in self.blocks:
                x = blk(x)
            return self.head(self.ln_f(x))

    model = GPT()
    opt = L.optim.AdamW(model.parameters(), lr=3e-4)

    def step():
        opt.zero_grad()
        logits = model(idx)
        loss = F.cross_entropy(logits.view(-1, vocab), tgt.view(-1))
        loss.backward()
        opt.step()
    return step, 1.0


def make_w8(L):
    """W8: DCGAN step at 32x32, batch 32: D on real and fake, D step, G step; two Adams."""
    nn, torch = L.nn, L.torch
    (real_a,) = _data(0, (32, 3, 32, 32))
    real = torch.from_numpy(np.tanh(real_a))
    torch.manual_seed(0)
    G = nn.Sequential(
        nn.ConvTranspose2d(64, 128, 4, 1, 0, bias=False), nn.BatchNorm2d(128), nn.ReLU(True),
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(True),
        nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(True),
        nn.ConvTranspose2d(32, 3, 4, 2, 1, bias=False), nn.Tanh())
    D = nn.Sequential(
        nn.Conv2d(3, 32, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(32, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(128, 1, 4, 1, 0, bias=False), nn.Sigmoid())
    opt_d = L.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = L.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    (noise_a,) = _data(2, (32, 64, 1, 1))
    noise = torch.from_numpy(noise_a)
    ones = torch.ones(32)
    zeros = torch.zeros(32)
    bce = nn.BCELoss()

    def step():
        D.zero_grad()
        err_real = bce(D(real).view(-1), ones)
        err_real.backward()
        fake = G(noise)
        err_fake = bce(D(fake.detach()).view(-1), zeros)
        err_fake.backward()
        opt_d.step()
        G.zero_grad()
        err_g = bce(D(fake).view(-1), ones)
        err_g.backward()
        opt_g.step()
    return step, 1.0


def make_w9(L):
    """W9: ResNet-style training step, x[32,3,32,32], SGD momentum 0.9, weight decay 5e-4."""
    nn, F, torch = L.nn, L.F, L.torch
    (xa,) = _data(0, (32, 3, 32, 32))
    x = torch.from_numpy(xa)
    y = torch.from_numpy(np.random.default_rng(1).integers(0, 10, 32))
    torch.manual_seed(0)

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

        def forward(self, inp):
            out = F.relu(self.bn1(self.conv1(inp)))
            out = self.bn2(self.conv2(out))
            short = inp if self.down is None else self.down(inp)
            return F.relu(out + short)

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32),
                                      nn.ReLU())
            self.layers = nn.Sequential(BasicBlock(32, 32, 1), BasicBlock(32, 64, 2),
                                        BasicBlock(64, 128, 2))
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(128, 10)

        def forward(self, inp):
            out = self.pool(self.layers(self.stem(inp)))
            return self.fc(torch.flatten(out, 1))

    model = ResNet()
    opt = L.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step, 1.0


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
    ("W7", "gpt train step", make_w7, "steps/s", "rate"),
    ("W8", "dcgan train step", make_w8, "steps/s", "rate"),
    ("W9", "resnet train step", make_w9, "steps/s", "rate"),
]
