"""Tiny models trained on tiny problems reach a stated loss."""
import numpy as np

import autograd
import nn
import nn.functional as F
import optim


def test_mlp_learns_two_spirals_subset():
    """A 2-16-16-2 MLP with Adam fits 64 points of two interleaved half-moons:
    cross-entropy below 0.05 within 300 full-batch steps."""
    autograd.manual_seed(0)
    rng = np.random.default_rng(0)
    t = rng.uniform(0, np.pi, 32)
    a = np.stack([np.cos(t), np.sin(t)], 1)
    b = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)
    x = autograd.tensor(np.concatenate([a, b]).astype(np.float32))
    y = autograd.tensor(np.repeat([0, 1], 32))
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(),
                          nn.Linear(16, 2))
    opt = optim.Adam(model.parameters(), lr=0.03)
    for _ in range(300):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    acc = (model(x).argmax(1) == y).float().mean().item()
    assert acc == 1.0


def test_cnn_with_batchnorm_fits_a_tiny_image_task():
    """Conv2d + BatchNorm2d + MaxPool2d + Linear separates 32 8x8 images of vertical
    vs horizontal bars: cross-entropy below 0.1 within 60 SGD steps."""
    autograd.manual_seed(0)
    rng = np.random.default_rng(1)
    imgs = rng.normal(0, 0.3, (32, 1, 8, 8)).astype(np.float32)
    labels = np.arange(32) % 2
    for i in range(32):
        k = rng.integers(1, 7)
        if labels[i]:
            imgs[i, 0, :, k] += 2
        else:
            imgs[i, 0, k, :] += 2
    x, y = autograd.tensor(imgs), autograd.tensor(labels)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 2))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(60):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.1
    model.eval()
    assert (model(x).argmax(1) == y).float().mean().item() == 1.0


def test_regression_with_mse_and_layernorm():
    """A Linear layer recovers a linear map with MSELoss + SGD: MSE below 1e-3 in 200 steps."""
    autograd.manual_seed(0)
    x = autograd.randn(64, 3)
    w = autograd.tensor([[1.5], [-2.0], [0.5]])
    y = x @ w + 0.3
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        loss = nn.MSELoss()(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 1e-3
