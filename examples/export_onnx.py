"""Export the MNIST-1D CNN of examples/mnist1d.py to ONNX and run it in ONNX Runtime.

Trains the CNN briefly (``--steps``, Adam as in mnist1d.py), exports it with
``torch.onnx.export`` (batch dimension symbolic through ``dynamic_axes``), then runs the
file in ONNX Runtime on the whole test set and on a single signal, printing the largest
absolute difference from our own outputs and both accuracies.

    python examples/export_onnx.py --steps 300 --out results/export_onnx

Needs the ``[onnx]`` extra (``pip install -e ".[onnx]"``) and the MNIST-1D generator.
The code is PyTorch code with the imports swapped (``import autograd as torch``).
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve().parent
# this folder would shadow the `mnist1d` package (examples/mnist1d.py) when run as a script
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import autograd as torch  # noqa: E402
import nn.functional as F  # noqa: E402
import optim  # noqa: E402
from autograd.datasets import load_mnist1d  # noqa: E402


def _mnist1d_example():
    """examples/mnist1d.py as a module (its CNN model builder)."""
    spec = importlib.util.spec_from_file_location("_mnist1d_example", _HERE / "mnist1d.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=300, help="training steps before export")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--opset", type=int, default=17, help="ONNX opset to declare")
    p.add_argument("--out", default="results/export_onnx", help="output folder")
    p.add_argument("--data-root", default=None, help="MNIST-1D cache folder")
    args = p.parse_args(argv)
    import onnxruntime as ort  # the [onnx] extra

    torch.manual_seed(args.seed)
    data = load_mnist1d(args.data_root)
    x, y = torch.tensor(data["x"], dtype=torch.float32), torch.tensor(data["y"])
    x_test = torch.tensor(data["x_test"], dtype=torch.float32)
    model = _mnist1d_example().CNN()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(args.seed)
    for _ in range(args.steps):
        idx = torch.tensor(rng.integers(0, len(y), 100))
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "mnist1d_cnn.onnx"
    torch.onnx.export(model, (x_test[:8],), path, input_names=["signal"],
                      output_names=["logits"], opset_version=args.opset,
                      dynamic_axes={"signal": {0: "batch"}, "logits": {0: "batch"}})
    print(f"wrote {path} ({path.stat().st_size} bytes, opset {args.opset})")

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        ours = model(x_test).numpy()
    theirs = session.run(None, {"signal": x_test.numpy()})[0]
    one = session.run(None, {"signal": x_test[:1].numpy()})[0]
    diff = float(np.abs(ours - theirs).max())
    diff_one = float(np.abs(ours[:1] - one).max())
    acc_ours = float((ours.argmax(1) == data["y_test"]).mean() * 100)
    acc_ort = float((theirs.argmax(1) == data["y_test"]).mean() * 100)
    print(f"ONNX Runtime vs numbagrad on {len(theirs)} test signals: max abs difference "
          f"{diff:.3g} (batch of 1: {diff_one:.3g})")
    print(f"test accuracy after {args.steps} steps: numbagrad {acc_ours:.1f}%, "
          f"ONNX Runtime {acc_ort:.1f}%")
    return {"max_abs_diff": diff, "max_abs_diff_batch1": diff_one, "accuracy": acc_ours,
            "accuracy_onnxruntime": acc_ort, "path": str(path)}


if __name__ == "__main__":
    main()
