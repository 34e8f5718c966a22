"""Export a model, run the file in ONNX Runtime, compare with our forward pass."""
from __future__ import annotations

import io

import numpy as np
import onnx
import onnxruntime as ort

import autograd as torch


def export_bytes(model, args, **kw) -> bytes:
    """The exported model file as bytes (``torch.onnx.export`` into a BytesIO)."""
    buf = io.BytesIO()
    assert torch.onnx.export(model, args, buf, **kw) is None
    return buf.getvalue()


def session(data: bytes) -> ort.InferenceSession:
    """An ONNX Runtime CPU session for the file."""
    return ort.InferenceSession(data, providers=["CPUExecutionProvider"])


def ours(model, *xs) -> list[np.ndarray]:
    """Our outputs in eval mode, flattened to arrays."""
    model.eval()
    with torch.no_grad():
        out = model(*xs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o.numpy() for o in outs]


def check_matches(model, inputs, names, batches, batch_axis=0, rtol=1e-4, atol=1e-5):
    """Export at ``inputs`` with the batch axis dynamic, then compare ONNX Runtime with our
    forward at every input tuple of ``batches`` (different batch sizes). Returns the model."""
    dyn = {n: {batch_axis: "batch"} for n in names + ["output"]}
    data = export_bytes(model, tuple(inputs), input_names=names, dynamic_axes=dyn)
    proto = onnx.load_from_string(data)
    onnx.checker.check_model(proto, full_check=True)
    sess = session(data)
    for xs in [inputs] + list(batches):
        got = sess.run(None, {n: x.numpy() for n, x in zip(names, xs)})
        want = ours(model, *xs)
        assert got[0].shape == want[0].shape
        np.testing.assert_allclose(got[0], want[0], rtol=rtol, atol=atol)
    return proto
