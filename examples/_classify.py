"""Shared pieces of the Keras-style digit examples (mnist_mlp.py, mnist_cnn.py).

Data: real MNIST from IDX files when ``--data-dir`` is given, else scikit-learn's
bundled 8x8 digits (no download either way). Reporting: accuracy, per-class
precision/recall/F1 (from ``autograd.metrics``) and a confusion-matrix PNG.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

import autograd as torch
import nn.functional as F
import optim
from autograd import datasets
from autograd.metrics import functional as M
from autograd.utils.data import DataLoader


def parser(description: str, epochs: tuple[int, int]) -> argparse.ArgumentParser:
    """Shared options; ``epochs`` = (default on the 8x8 digits, default on MNIST)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data-dir", default=None,
                   help="folder with the MNIST IDX files (train-images-idx3-ubyte.gz, ...); "
                        "default: scikit-learn's bundled 8x8 digits")
    p.add_argument("--epochs", type=int, default=None,
                   help=f"passes over the training set (default {epochs[0]} on the digits, "
                        f"{epochs[1]} on MNIST)")
    p.set_defaults(default_epochs=epochs)
    p.add_argument("--steps", type=int, default=None, help="stop after this many steps "
                   "(a quick smoke run)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="results/digits", help="output folder")
    return p


def load(data_dir, transform=None):
    """(train, test, name): MNIST from ``data_dir`` or the bundled 8x8 digits."""
    if data_dir:
        return (datasets.MNIST(data_dir, train=True, transform=transform),
                datasets.MNIST(data_dir, train=False), "MNIST")
    return (datasets.Digits(train=True, transform=transform), datasets.Digits(train=False),
            "scikit-learn 8x8 digits")


def fit(model, train, args) -> float:
    """Adam on cross-entropy; returns the training seconds."""
    if args.epochs is None:
        args.epochs = args.default_epochs[1 if args.data_dir else 0]
    opt = optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(train, batch_size=args.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(args.seed))
    total = len(loader) * args.epochs
    if args.steps is not None:
        total = min(total, args.steps)
    step, t0 = 0, time.perf_counter()
    bar = tqdm(total=total, desc="train", dynamic_ncols=True, mininterval=0.5, file=sys.stdout)
    model.train()
    for epoch in range(args.epochs):
        for x, y in loader:
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            bar.update(1)
            if step % 10 == 0:
                acc = (logits.argmax(1) == y).float().mean().item() * 100
                bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.3f}", acc=f"{acc:.1f}%",
                                refresh=False)
            if step >= total:
                break
        if step >= total:
            break
    bar.close()
    return time.perf_counter() - t0


def predict(model, test, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """(predicted labels, true labels) over the test set."""
    model.eval()
    preds, ys = [], []
    with torch.no_grad():
        for x, y in DataLoader(test, batch_size=batch_size):
            preds.append(model(x).argmax(1).numpy())
            ys.append(y.numpy())
    return np.concatenate(preds), np.concatenate(ys)


def report(pred: np.ndarray, true: np.ndarray, out: Path, title: str, seconds: float) -> dict:
    """Print accuracy and per-class precision/recall/F1; write confusion_matrix.png + metrics.json."""
    # autograd.metrics computes everything (scikit-learn's conventions: 0/0 counts as 0)
    kw = dict(task="multiclass", num_classes=10)
    cm = M.confusion_matrix(pred, true, **kw).numpy()
    per_class = {name: fn(pred, true, average="none", **kw).numpy().astype(np.float64)
                 for name, fn in (("precision", M.precision), ("recall", M.recall),
                                  ("f1", M.f1_score))}
    precision, recall, f1 = per_class["precision"], per_class["recall"], per_class["f1"]
    macro = [fn(pred, true, average="macro", **kw).item()
             for fn in (M.precision, M.recall, M.f1_score)]
    acc = M.accuracy(pred, true, **kw).item() * 100
    correct = int(np.trace(cm))
    print(f"\ntest accuracy: {acc:.2f}%  ({correct}/{int(cm.sum())}), "
          f"train time {seconds:.1f}s\n")
    print(f"{'class':>5} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}")
    for c in range(10):
        print(f"{c:>5} {precision[c]:9.3f} {recall[c]:7.3f} {f1[c]:6.3f} {int(cm[c].sum()):8d}")
    print(f"{'macro':>5} {macro[0]:9.3f} {macro[1]:7.3f} {macro[2]:6.3f} "
          f"{int(cm.sum()):8d}")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    im = ax.imshow(cm, cmap="Blues")
    for i in range(10):
        for j in range(10):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true",
           title=f"{title}: {acc:.1f}% correct")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(out / "confusion_matrix.png", dpi=120)
    plt.close(fig)
    metrics = {"test_accuracy": round(acc, 2), "train_seconds": round(seconds, 2),
               "precision": precision.round(4).tolist(), "recall": recall.round(4).tolist(),
               "f1": f1.round(4).tolist(), "confusion_matrix": cm.tolist()}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    print(f"\nwrote {out / 'confusion_matrix.png'} and {out / 'metrics.json'}")
    return metrics
