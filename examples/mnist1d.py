"""The main job: reproduce the MNIST-1D benchmark table with numbagrad.

MNIST-1D (Greydanus, "Scaling down deep learning", 2020) is a 1-D stand-in for MNIST:
4000 training and 1000 test signals of length 40, generated offline by the authors'
``mnist1d`` package and cached as ``.npz``. This script trains the paper's four
models with the paper's protocol (Adam, lr 1e-2, batch 100, 8000 steps,
cross-entropy) and compares the final test accuracies with the paper's table.

Run::

    python examples/mnist1d.py                       # all four models, 8000 steps each
    python examples/mnist1d.py --models cnn gru --seed 1 --out runs/s1
    python examples/mnist1d.py --steps 200           # a quick smoke run

Writes to ``--out`` (default ``results/mnist1d``): ``results.json``
(``{"cnn": {"test_accuracy": 94.1, "train_seconds": ..., ...}, ...}``) and
``mnist1d_curves.png`` (train/test loss and test accuracy of every model).
The code is PyTorch code with the imports swapped (``import autograd as torch``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

# This file is called mnist1d.py and its folder is first on sys.path when run as a script:
# drop that folder so `import mnist1d` (the authors' data generator) finds the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import autograd as torch  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import optim  # noqa: E402
from autograd.datasets import load_mnist1d  # noqa: E402
from autograd.utils.data import DataLoader, TensorDataset  # noqa: E402

PAPER = {"logistic": 32.0, "mlp": 68.0, "cnn": 94.0, "gru": 91.0}


class Logistic(nn.Module):
    """Logistic regression: Linear 40 -> 10 on the raw signal."""

    def __init__(self, length: int = 40) -> None:
        super().__init__()
        self.linear = nn.Linear(length, 10)

    def forward(self, x):  # (B, 40) -> (B, 10)
        return self.linear(x)


class MLP(nn.Module):
    """40 -> 256 -> 256 -> 10 with ReLU and a residual connection on the middle layer."""

    def __init__(self, length: int = 40, hidden: int = 256) -> None:
        super().__init__()
        self.linear1 = nn.Linear(length, hidden)
        self.linear2 = nn.Linear(hidden, hidden)
        self.linear3 = nn.Linear(hidden, 10)

    def forward(self, x):  # (B, 40) -> (B, 10)
        h = self.linear1(x).relu()
        h = h + self.linear2(h).relu()
        return self.linear3(h)


class CNN(nn.Module):
    """Three strided Conv1d layers (25 channels) with ReLU, flatten, Linear 125 -> 10."""

    def __init__(self, channels: int = 25) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
        self.conv2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.linear = nn.Linear(channels * 5, 10)

    def forward(self, x):  # (B, 40) -> (B, 1, 40) -> 19 -> 10 -> 5 -> (B, 10)
        x = x.view(-1, 1, x.shape[-1])
        h = self.conv1(x).relu()
        h = self.conv2(h).relu()
        h = self.conv3(h).relu()
        return self.linear(h.view(h.shape[0], -1))


class GRU(nn.Module):
    """Bidirectional GRU (hidden 6, batch_first) over the 40 samples; all outputs -> Linear."""

    def __init__(self, hidden: int = 6, length: int = 40) -> None:
        super().__init__()
        self.gru = nn.GRU(1, hidden, batch_first=True, bidirectional=True)
        self.linear = nn.Linear(2 * hidden * length, 10)

    def forward(self, x):  # (B, 40) -> (B, 40, 1) -> (B, 40, 12) -> (B, 480) -> (B, 10)
        h, _ = self.gru(x.view(x.shape[0], x.shape[1], 1))
        return self.linear(h.reshape(h.shape[0], -1))


MODELS = {"logistic": Logistic, "mlp": MLP, "cnn": CNN, "gru": GRU}


def evaluate(model, x, y) -> tuple[float, float]:
    """(mean cross-entropy, accuracy in percent) on a full split, without a graph."""
    model.eval()
    with torch.no_grad():
        logits = model(x)
        loss = F.cross_entropy(logits, y).item()
        acc = (logits.argmax(1) == y).float().mean().item() * 100.0
    model.train()
    return loss, acc


def train_one(name: str, data: dict, steps: int, seed: int, batch_size: int = 100,
              lr: float = 1e-2, eval_every: int = 250, quiet: bool = False) -> dict:
    """Train one model with the paper's protocol; returns its metrics and curves."""
    torch.manual_seed(seed)
    model = MODELS[name]()
    opt = optim.Adam(model.parameters(), lr=lr)
    x_train, y_train = torch.tensor(data["x"], dtype=torch.float32), torch.tensor(data["y"])
    x_test, y_test = torch.tensor(data["x_test"], dtype=torch.float32), torch.tensor(data["y_test"])
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True,
                        drop_last=True, generator=torch.Generator().manual_seed(seed))
    curves = {"step": [], "train_loss": [], "test_loss": [], "test_acc": [], "train_acc": []}
    window, train_seconds, test_acc = [], 0.0, float("nan")
    bar = tqdm(total=steps, desc=f"{name:>8}", disable=quiet, dynamic_ncols=True,
               mininterval=0.5, file=sys.stdout)
    step, batches = 0, iter(loader)
    while step < steps:
        try:
            xb, yb = next(batches)
        except StopIteration:  # a new epoch: the loader reshuffles
            batches = iter(loader)
            continue
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        train_seconds += time.perf_counter() - t0
        step += 1
        window.append(loss.item())
        if step % eval_every == 0 or step == steps:
            test_loss, test_acc = evaluate(model, x_test, y_test)
            _, train_acc = evaluate(model, x_train, y_train)
            curves["step"].append(step)
            curves["train_loss"].append(float(np.mean(window)))
            curves["test_loss"].append(test_loss)
            curves["test_acc"].append(test_acc)
            curves["train_acc"].append(train_acc)
            window = []
        bar.update(1)
        if step % 25 == 0 or step == steps:
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False,
                            test_acc="-" if test_acc != test_acc else f"{test_acc:.1f}%")
    bar.close()
    return {"test_accuracy": round(curves["test_acc"][-1], 2),
            "train_accuracy": round(curves["train_acc"][-1], 2),
            "train_seconds": round(train_seconds, 3),
            "paper": PAPER[name], "steps": steps, "seed": seed,
            "parameters": sum(p.numel() for p in model.parameters()),
            "curves": curves}


def plot_curves(results: dict, path: Path) -> None:
    """Train/test loss and test accuracy for every model, one PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    for i, (name, r) in enumerate(results.items()):
        c, color = r["curves"], f"C{i}"
        ax_loss.plot(c["step"], c["train_loss"], color=color, label=f"{name} train")
        ax_loss.plot(c["step"], c["test_loss"], color=color, ls="--", label=f"{name} test")
        ax_acc.plot(c["step"], c["test_acc"], color=color, label=f"{name} ({r['test_accuracy']:.1f}%)")
        ax_acc.axhline(r["paper"], color=color, ls=":", lw=1)
    ax_loss.set(xlabel="step", ylabel="cross-entropy", title="MNIST-1D loss", yscale="log")
    ax_acc.set(xlabel="step", ylabel="test accuracy (%)",
               title="MNIST-1D test accuracy (dotted: paper)", ylim=(0, 100))
    ax_loss.legend(fontsize=7, ncol=2)
    ax_acc.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS),
                   help="models to train (default: all four)")
    p.add_argument("--steps", type=int, default=8000, help="training steps per model")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and batch order")
    p.add_argument("--out", default="results/mnist1d", help="output folder")
    p.add_argument("--data-root", default=None, help="MNIST-1D cache folder "
                   "(default ~/.cache/numbagrad or $NUMBAGRAD_CACHE)")
    p.add_argument("--eval-every", type=int, default=250, help="steps between evaluations")
    p.add_argument("--threads", type=int, default=1, help="threads for the kernels and BLAS "
                   "(default 1: these models are too small to gain from more)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    if args.steps < 1:
        p.error("--steps must be >= 1")
    torch.set_num_threads(max(1, min(args.threads, torch.get_num_threads())))

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_mnist1d(args.data_root)
    print(f"MNIST-1D: {len(data['y'])} train / {len(data['y_test'])} test signals of length "
          f"{data['x'].shape[1]}; Adam lr 1e-2, batch 100, {args.steps} steps, seed {args.seed}")
    results, t_start = {}, time.perf_counter()
    for name in args.models:
        results[name] = train_one(name, data, args.steps, args.seed,
                                  eval_every=min(args.eval_every, args.steps), quiet=args.quiet)
    total = time.perf_counter() - t_start

    print(f"\n{'model':<10}| {'ours':>6} | {'paper':>5} | {'train time':>10}")
    print("-" * 10 + "|" + "-" * 8 + "|" + "-" * 7 + "|" + "-" * 11)
    for name, r in results.items():
        print(f"{name:<10}| {r['test_accuracy']:5.1f}% | {r['paper']:4.0f}% | "
              f"{r['train_seconds']:9.1f}s")
    print(f"total wall time {total:.1f}s (threads {torch.get_num_threads()}, "
          f"cpus {os.cpu_count()})")

    plot_curves(results, out / "mnist1d_curves.png")
    summary = {name: {k: v for k, v in r.items() if k != "curves"} for name, r in results.items()}
    (out / "results.json").write_text(json.dumps(summary, indent=2) + "\n")
    (out / "curves.json").write_text(json.dumps({n: r["curves"] for n, r in results.items()}) + "\n")
    print(f"wrote {out / 'results.json'} and {out / 'mnist1d_curves.png'}")
    return summary


if __name__ == "__main__":
    main()
