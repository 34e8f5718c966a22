# ruff: noqa: E501, I001
# Program: exact Gaussian-process regression, hyper-parameters trained by maximising the log
# marginal likelihood (Rasmussen & Williams, "Gaussian Processes for Machine Learning",
# Algorithm 2.1: Cholesky factor, two triangular solves, log-determinant from the diagonal).
# Written for numbagrad in plain PyTorch style; not copied from a public program (the
# public minimal PyTorch GP examples found carry no license); the changes for numbagrad are
# the import swap (marked "# was:") and the test hooks (marked "# added:").
# The test (test_programs.py) runs this file with ON_MODEL / LOSSES in its globals.
import math

import autograd as torch  # was: import torch
import nn  # was: import torch.nn as nn
import optim  # was: import torch.optim as optim

# added: hooks for the test: ON_MODEL(model) runs right after the model is built (the test copies
# the initial hyper-parameters there), LOSSES receives the training losses.
ON_MODEL = globals().get("ON_MODEL") or (lambda *models: None)
LOSSES = globals().setdefault("LOSSES", [])


class ExactGP(nn.Module):
    """Zero-mean GP with a squared-exponential kernel and Gaussian noise; positive
    hyper-parameters are stored as logs."""

    def __init__(self, length_scale=1.0, signal_scale=1.0, noise_scale=0.3):
        super().__init__()
        self.log_length_scale = nn.Parameter(torch.tensor(math.log(length_scale), dtype=torch.float64))
        self.log_signal_scale = nn.Parameter(torch.tensor(math.log(signal_scale), dtype=torch.float64))
        self.log_noise_scale = nn.Parameter(torch.tensor(math.log(noise_scale), dtype=torch.float64))

    def kernel(self, a, b):
        sq_dist = (a.unsqueeze(1) - b.unsqueeze(0)).pow(2).sum(-1)
        return self.log_signal_scale.exp().pow(2) * torch.exp(-0.5 * sq_dist / self.log_length_scale.exp().pow(2))

    def train_covariance(self, x):
        n = x.shape[0]
        return self.kernel(x, x) + (self.log_noise_scale.exp().pow(2) + 1e-6) * torch.eye(n, dtype=x.dtype)

    def negative_log_marginal_likelihood(self, x, y):
        """-log p(y | x) = 0.5 y^T K^-1 y + sum(log diag L) + n/2 log(2 pi), K = L L^T."""
        L = torch.linalg.cholesky(self.train_covariance(x))
        alpha = torch.linalg.solve_triangular(L, y.unsqueeze(-1), upper=False)  # L^-1 y
        data_fit = 0.5 * alpha.pow(2).sum()
        complexity = torch.log(torch.diagonal(L)).sum()
        return data_fit + complexity + 0.5 * x.shape[0] * math.log(2 * math.pi)

    def forward(self, x_train, y_train, x_test):
        """Posterior mean and variance at x_test."""
        L = torch.linalg.cholesky(self.train_covariance(x_train))
        k_star = self.kernel(x_train, x_test)
        alpha = torch.cholesky_solve(y_train.unsqueeze(-1), L)
        mean = (k_star.T @ alpha).squeeze(-1)
        v = torch.linalg.solve_triangular(L, k_star, upper=False)
        var = self.log_signal_scale.exp().pow(2) - v.pow(2).sum(0)
        return mean, var


torch.manual_seed(0)
n_train = 40
x_train = torch.rand(n_train, 1, dtype=torch.float64) * 8 - 4
y_train = torch.sin(1.5 * x_train[:, 0]) + 0.1 * torch.randn(n_train, dtype=torch.float64)
x_test = torch.linspace(-4, 4, 25, dtype=torch.float64).unsqueeze(-1)

model = ExactGP()
ON_MODEL(model)  # added: the test copies the initial weights here
optimizer = optim.Adam(model.parameters(), lr=0.05)

for step in range(60):
    optimizer.zero_grad()
    loss = model.negative_log_marginal_likelihood(x_train, y_train)
    loss.backward()
    optimizer.step()
    LOSSES.append(loss.item())  # added: the test's loss log
    if step % 20 == 0:
        print(f"step {step:3d}  nll {loss.item():.4f}  "
              f"length {model.log_length_scale.exp().item():.3f}  "
              f"noise {model.log_noise_scale.exp().item():.3f}")

model.eval()
with torch.no_grad():
    mean, var = model(x_train, y_train, x_test)
test_rmse = torch.sqrt(((mean - torch.sin(1.5 * x_test[:, 0])) ** 2).mean()).item()
print(f"test rmse {test_rmse:.4f}, mean predictive std {var.clamp(min=0).sqrt().mean().item():.4f}")
