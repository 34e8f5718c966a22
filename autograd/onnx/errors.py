"""The errors ``autograd.onnx.export`` raises (PyTorch's ``torch.onnx.errors`` names)."""
from __future__ import annotations

__all__ = ["OnnxExporterError", "UnsupportedOperatorError"]


class OnnxExporterError(RuntimeError):
    """Export failed for a reason other than an unsupported op (e.g. a value the tracer
    cannot follow)."""


class UnsupportedOperatorError(OnnxExporterError):
    """The traced forward used an op that has no ONNX mapping; the message names the op."""

    def __init__(self, name: str, detail: str = "") -> None:
        self.name = name
        msg = (f"Exporting the operator '{name}' to ONNX is not supported by numbagrad's "
               f"exporter")
        super().__init__(msg + (f": {detail}" if detail else "") + ".")
