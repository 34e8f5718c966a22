"""Keras-style CNN on digits: Conv 32 3x3 -> MaxPool 2 -> Conv 64 3x3 -> MaxPool 2 -> Dense 10.

Run::

    python examples/mnist_cnn.py                          # scikit-learn's bundled 8x8 digits
    python examples/mnist_cnn.py --data-dir ~/data/mnist  # real MNIST from the IDX files
    python examples/mnist_cnn.py --augment                # random crop + rotation per sample

On 28x28 MNIST the convolutions are 'valid' (28 -> 26 -> 13 -> 11 -> 5, so Dense 1600 -> 10),
as in the Keras example; the 8x8 digits are too small for that, so there they pad by 1
(8 -> 8 -> 4 -> 4 -> 2, Dense 256 -> 10). Prints ``model.summary()`` first and, at the end,
accuracy, per-class precision/recall/F1, and writes ``confusion_matrix.png`` to ``--out``
(default ``results/mnist_cnn``, git-ignored).
"""


from pathlib import Path

from _classify import fit, load, parser, predict, report

import autograd as torch
import nn
from autograd.utils import transforms as T

# Small models: threads cost more than they save on their matrices, and on a busy
# machine spinning BLAS workers make every step many times slower.
torch.set_num_threads(1)


def make_model(size: int) -> nn.Module:
    """The Keras CNN for ``size x size`` single-channel images."""
    pad = 0 if size >= 28 else 1
    s = (size + 2 * pad - 2) // 2
    s = (s + 2 * pad - 2) // 2
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=pad), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=pad), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(64 * s * s, 10),
    )


def main(argv=None) -> dict:
    p = parser(__doc__.split("\n")[0], epochs=(30, 3))
    p.set_defaults(out="results/mnist_cnn")  # each example its own (git-ignored) folder
    p.add_argument("--augment", action="store_true",
                   help="RandomCrop(padding) + RandomRotation(10 degrees) per training sample")
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    size = 28 if args.data_dir else 8
    aug = None
    if args.augment:
        g = torch.Generator().manual_seed(args.seed)
        aug = T.Compose([T.RandomCrop(size, padding=max(1, size // 14), generator=g),
                         T.RandomRotation(10, generator=g)])
    train, test, name = load(args.data_dir, transform=aug)
    shape = tuple(train[0][0].shape)
    model = make_model(shape[-1])
    print(f"data: {name}, {len(train)} train / {len(test)} test images of shape {shape}"
          f"{', augmented' if aug else ''}")
    model.summary((1,) + shape)
    seconds = fit(model, train, args)
    pred, true = predict(model, test)
    return report(pred, true, Path(args.out), f"CNN on {name}", seconds)


if __name__ == "__main__":
    main()
