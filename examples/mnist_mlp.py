"""Keras-style MLP on digits: Flatten -> Dense 128 (ReLU) -> Dense 10 (softmax), Adam.

Run::

    python examples/mnist_mlp.py                          # scikit-learn's bundled 8x8 digits
    python examples/mnist_mlp.py --data-dir ~/data/mnist  # real MNIST from the IDX files

The softmax lives in the loss: the model returns logits and ``F.cross_entropy``
applies log-softmax (numerically safer than a softmax layer followed by a log).
Prints ``model.summary()`` first and, at the end, accuracy, per-class
precision/recall/F1, and writes ``confusion_matrix.png`` to ``--out`` (default
``results/mnist_mlp``, git-ignored).
"""


from pathlib import Path

from _classify import fit, load, parser, predict, report

import autograd as torch
import nn

# Small models: threads cost more than they save on their matrices, and on a busy
# machine spinning BLAS workers make every step many times slower.
torch.set_num_threads(1)


def main(argv=None) -> dict:
    p = parser(__doc__.split("\n")[0], epochs=(20, 5))
    p.set_defaults(out="results/mnist_mlp")  # each example its own (git-ignored) folder
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    train, test, name = load(args.data_dir)
    shape = tuple(train[0][0].shape)  # (1, H, W)
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(shape[1] * shape[2], 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )
    print(f"data: {name}, {len(train)} train / {len(test)} test images of shape {shape}")
    model.summary((1,) + shape)
    seconds = fit(model, train, args)
    pred, true = predict(model, test)
    return report(pred, true, Path(args.out), f"MLP on {name}", seconds)


if __name__ == "__main__":
    main()
