"""examples/export_onnx.py runs end to end: it exports the MNIST-1D CNN and ONNX Runtime
reproduces our logits."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime", reason="the [onnx] extra is not installed")
pytest.importorskip("mnist1d", reason="the example generates MNIST-1D")

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "export_onnx.py"


def test_export_onnx_example(tmp_path):
    env = dict(os.environ, NUMBAGRAD_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, str(SCRIPT), "--steps", "20", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert (tmp_path / "mnist1d_cnn.onnx").stat().st_size > 20000  # 5210 float32 weights
    diffs = re.search(r"max abs difference (\S+) \(batch of 1: (\S+)\)", proc.stdout)
    assert diffs, proc.stdout
    assert float(diffs.group(1)) < 1e-4 and float(diffs.group(2)) < 1e-4
    accs = re.search(r"numbagrad (\S+)%, ONNX Runtime (\S+)%", proc.stdout)
    assert accs and accs.group(1) == accs.group(2)
