# ruff: noqa: E501, I001, UP008, UP010, UP031, UP032, E402, F841
# Program: VAE with a learned MultivariateNormal prior: pytorch/examples vae/main.py (imports
# swapped) with torch.distributions: the encoder's q(z|x) is a MultivariateNormal with a diagonal
# scale_tril, the prior p(z) = N(m, L L^T) has a learned mean and lower-triangular scale, and the
# KL term is kl_divergence(q, p) (MultivariateNormal x MultivariateNormal) on rsample'd codes.
# The distribution code is ours, written PyTorch-style (marked "# changed:"/"# added:").
# Source: https://github.com/pytorch/examples, file vae/main.py,
# commit 77f55b912142e11fcfdf5b530231fb9c52f181e8.
#
# BSD 3-Clause License
#
# Copyright (c) 2017, Pytorch contributors
# All rights reserved.
#
# Redistribution and use in source and binary forms, with or without
# modification, are permitted provided that the following conditions are met:
#
# * Redistributions of source code must retain the above copyright notice, this
#   list of conditions and the following disclaimer.
#
# * Redistributions in binary form must reproduce the above copyright notice,
#   this list of conditions and the following disclaimer in the documentation
#   and/or other materials provided with the distribution.
#
# * Neither the name of the copyright holder nor the names of its
#   contributors may be used to endorse or promote products derived from
#   this software without specific prior written permission.
#
# THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
# AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
# IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
# DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
# FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
# DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
# SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
# CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
# OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
# OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
#
# Changes besides the imports (marked "# was:") are marked "# changed:" / "# added:" / "# removed:".
# The test (test_programs.py) runs this file with ARGV / ON_MODEL / LOSSES in its globals.
from __future__ import print_function
import argparse
import autograd as torch  # was: import torch
import autograd.utils.data  # was: import torch.utils.data
from autograd import nn, optim  # was: from torch import nn, optim
from autograd.nn import functional as F  # was: from torch.nn import functional as F
from autograd.distributions import MultivariateNormal, kl_divergence  # was: from torch.distributions import MultivariateNormal, kl_divergence
# removed: from torchvision import datasets, transforms / from torchvision.utils import save_image
import numpy as np  # added: the synthetic data set

# added: hooks for the test: ARGV replaces sys.argv, ON_MODEL(model) runs right after the model is
# built (the test copies weights there), LOSSES receives the training losses.
ARGV = globals().get("ARGV", ["--batch-size", "16", "--epochs", "3", "--log-interval", "1"])
ON_MODEL = globals().get("ON_MODEL") or (lambda *models: None)
LOSSES = globals().setdefault("LOSSES", [])
MC_KL = globals().setdefault("MC_KL", [])  # added: Monte-Carlo KL estimates of the test set


parser = argparse.ArgumentParser(description='VAE MNIST Example (learned MVN prior)')  # changed: description
parser.add_argument('--batch-size', type=int, default=128, metavar='N',
                    help='input batch size for training (default: 128)')
parser.add_argument('--epochs', type=int, default=10, metavar='N',
                    help='number of epochs to train (default: 10)')
parser.add_argument('--no-accel', action='store_true',
                    help='disables accelerator')
parser.add_argument('--seed', type=int, default=1, metavar='S',
                    help='random seed (default: 1)')
parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                    help='how many batches to wait before logging training status')
args = parser.parse_args(ARGV)  # changed: was parser.parse_args()

use_accel = not args.no_accel and torch.accelerator.is_available()

torch.manual_seed(args.seed)


if use_accel:
    device = torch.accelerator.current_accelerator()
else:
    device = torch.device("cpu")

print(f"Using device: {device}")

kwargs = {'num_workers': 1, 'pin_memory': True} if use_accel else {}
# changed: datasets.MNIST(..., transform=transforms.ToTensor()) is replaced by small synthetic
# "digits" in [0, 1] of the same shape (1 x 28 x 28): blurry strokes, 48 for training, 16 for test.
def _digits(n, seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28] / 27.0
    imgs = []
    for _ in range(n):
        a, b, c = rng.uniform(-1, 1, 3)
        imgs.append(np.exp(-((a * xx + b * yy + c * 0.5) ** 2) * 40.0))
    x = np.stack(imgs)[:, None].astype(np.float32)
    return torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(np.zeros(n, dtype=np.int64)))
train_loader = torch.utils.data.DataLoader(
    _digits(48, 0),
    batch_size=args.batch_size, shuffle=True, **kwargs)
test_loader = torch.utils.data.DataLoader(
    _digits(16, 1),
    batch_size=args.batch_size, shuffle=False, **kwargs)


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()

        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)
        # added: the learned prior N(prior_loc, L L^T), L = tril(prior_tril, -1) + diag(softplus)
        self.prior_loc = nn.Parameter(torch.zeros(20))
        self.prior_tril = nn.Parameter(torch.zeros(20, 20))

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    # removed: reparameterize(mu, logvar) (the posterior's rsample() draws mu + eps * std)

    # added: the two distributions of the ELBO
    def posterior(self, mu, logvar):
        return MultivariateNormal(mu, scale_tril=torch.diag_embed(torch.exp(0.5 * logvar)))

    def prior(self):
        diag = F.softplus(torch.diagonal(self.prior_tril) + 0.5413)   # softplus(0.5413) ~ 1
        scale_tril = torch.tril(self.prior_tril, diagonal=-1) + torch.diag_embed(diag)
        return MultivariateNormal(self.prior_loc, scale_tril=scale_tril)

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        q = self.posterior(mu, logvar)  # changed: was z = self.reparameterize(mu, logvar)
        z = q.rsample()
        return self.decode(z), q, z  # changed: was self.decode(z), mu, logvar


model = VAE().to(device)
ON_MODEL(model)  # added: the test copies the initial weights here
optimizer = optim.Adam(model.parameters(), lr=1e-3)


# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, q, z):  # changed: was (recon_x, x, mu, logvar)
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction='sum')

    # changed: the closed-form KL to a standard normal is replaced by the KL between the
    # posterior and the learned MultivariateNormal prior
    KLD = kl_divergence(q, model.prior()).sum()

    return BCE + KLD


def train(epoch):
    model.train()
    train_loss = 0
    for batch_idx, (data, _) in enumerate(train_loader):
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, q, z = model(data)  # changed: was recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, q, z)  # changed: was (..., mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        LOSSES.append(loss.item() / len(data))  # added: record the loss for the test
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader),
                loss.item() / len(data)))

    print('====> Epoch: {} Average loss: {:.4f}'.format(
          epoch, train_loss / len(train_loader.dataset)))


def test(epoch):
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for i, (data, _) in enumerate(test_loader):
            data = data.to(device)
            recon_batch, q, z = model(data)  # changed: was recon_batch, mu, logvar = model(data)
            test_loss += loss_function(recon_batch, data, q, z).item()  # changed: was (..., mu, logvar)
            # added: a Monte-Carlo check of the KL term: E_q[log q(z) - log p(z)]
            MC_KL.append((q.log_prob(z) - model.prior().log_prob(z)).mean().item())
            if i == 0:
                n = min(data.size(0), 8)
                comparison = torch.cat([data[:n],
                                      recon_batch.view(args.batch_size, 1, 28, 28)[:n]])
                # removed: save_image(comparison.cpu(), 'results/reconstruction_' + str(epoch) + '.png', nrow=n)

    test_loss /= len(test_loader.dataset)
    print('====> Test set loss: {:.4f}'.format(test_loss))

if __name__ == "__main__":
    for epoch in range(1, args.epochs + 1):
        train(epoch)
        test(epoch)
        with torch.no_grad():
            sample = model.prior().sample((64,)).to(device)  # changed: was torch.randn(64, 20): samples of the learned prior
            sample = model.decode(sample).cpu()
            # removed: save_image(sample.view(64, 1, 28, 28), 'results/sample_' + str(epoch) + '.png')
            sample.view(64, 1, 28, 28)  # added: the reshape the removed line did
