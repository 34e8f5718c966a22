"""Each example runs end to end with a tiny step count in a subprocess and writes its outputs."""
import gzip
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _has(mod):
    try:
        __import__(mod)
        return True
    except ImportError:
        return False


needs_mpl = pytest.mark.skipif(not _has("matplotlib"), reason="the examples plot with matplotlib")
needs_sklearn = pytest.mark.skipif(not _has("sklearn"),
                                   reason="without --data-dir the digit examples use scikit-learn")


def run(script, *args, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", NUMBAGRAD_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc.stdout


def _write_idx(path, arr):
    header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.astype(np.uint8).tobytes())


def _tiny_mnist(root):
    rng = np.random.default_rng(0)
    for stem, n in (("train", 40), ("t10k", 20)):
        _write_idx(root / f"{stem}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(root / f"{stem}-labels-idx1-ubyte.gz", np.arange(n) % 10)


@needs_mpl
@pytest.mark.skipif(not _has("mnist1d"), reason="the main job needs the mnist1d package")
def test_mnist1d_main_job(tmp_path):
    out = tmp_path / "out"
    stdout = run("mnist1d.py", "--models", "logistic", "mlp", "cnn", "gru", "--steps", 4,
                 "--eval-every", 2, "--quiet", "--out", out, tmp_path=tmp_path)
    assert "model" in stdout and "paper" in stdout and "train time" in stdout
    results = json.loads((out / "results.json").read_text())
    assert list(results) == ["logistic", "mlp", "cnn", "gru"]
    for name, paper in (("logistic", 32), ("mlp", 68), ("cnn", 94), ("gru", 91)):
        r = results[name]
        assert 0 <= r["test_accuracy"] <= 100 and r["train_seconds"] >= 0
        assert r["paper"] == paper and r["steps"] == 4
    assert results["cnn"]["parameters"] == 5210 and results["gru"]["parameters"] == 5134
    curves = json.loads((out / "curves.json").read_text())
    assert curves["mlp"]["step"] == [2, 4]
    assert (out / "mnist1d_curves.png").stat().st_size > 1000


@needs_mpl
@needs_sklearn
@pytest.mark.parametrize("script", ["mnist_mlp.py", "mnist_cnn.py"])
def test_digit_examples_on_bundled_digits(script, tmp_path):
    extra = ["--augment"] if script == "mnist_cnn.py" else []
    stdout = run(script, "--steps", 3, "--out", tmp_path / "o", *extra, tmp_path=tmp_path)
    assert "Total params" in stdout  # model.summary() printed first
    assert stdout.index("Total params") < stdout.index("test accuracy")
    assert "precision" in stdout and "recall" in stdout
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert np.asarray(metrics["confusion_matrix"]).sum() == 359
    assert (tmp_path / "o" / "confusion_matrix.png").stat().st_size > 1000


@needs_mpl
@pytest.mark.parametrize("script", ["mnist_mlp.py", "mnist_cnn.py"])
def test_digit_examples_on_mnist_idx_files(script, tmp_path):
    data = tmp_path / "mnist"
    data.mkdir()
    _tiny_mnist(data)
    stdout = run(script, "--data-dir", data, "--steps", 2, "--batch-size", 16,
                 "--out", tmp_path / "o", tmp_path=tmp_path)
    assert "MNIST, 40 train / 20 test images of shape (1, 28, 28)" in stdout
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert np.asarray(metrics["confusion_matrix"]).sum() == 20


def test_digit_example_missing_mnist_files_say_where(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(EXAMPLES / "mnist_mlp.py"), "--data-dir",
                           str(tmp_path)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode != 0 and "train-images-idx3-ubyte.gz" in proc.stderr


@needs_mpl
def test_char_rnn(tmp_path):
    out = tmp_path / "o"
    stdout = run("char_rnn.py", "--steps", 3, "--seq-len", 16, "--batch-size", 4,
                 "--hidden", 16, "--sample-length", 30, "--out", out, tmp_path=tmp_path)
    assert "--- sample" in stdout
    assert (out / "input.txt").read_text().startswith("Alice was beginning")
    sample = (out / "sample.txt").read_text()
    assert len(sample.rstrip("\n")) == 31  # the one-character prime + 30 sampled
    assert (out / "loss.png").stat().st_size > 1000
    assert json.loads((out / "results.json").read_text())["steps"] == 3
