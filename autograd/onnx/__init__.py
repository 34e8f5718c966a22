"""``torch.onnx``: export a model to an ONNX file.

``export(model, args, f, input_names=..., output_names=..., dynamic_axes=...,
opset_version=17)`` traces one eval-mode forward pass through the engine's ops and writes
an ONNX model that ``onnx.checker`` accepts and ONNX Runtime runs. Importing this module
needs nothing extra; ``export`` needs the ``onnx`` package (the ``numbagrad[onnx]`` extra)
and is loaded on first use.
"""
from __future__ import annotations

import importlib
from typing import Any

from . import errors
from .errors import OnnxExporterError, UnsupportedOperatorError

__all__ = ["OnnxExporterError", "UnsupportedOperatorError", "errors", "export"]


def __getattr__(name: str) -> Any:
    """``export`` (and PyTorch 1.x's private ``_export``), imported on first use."""
    if name in ("export", "_export"):
        try:
            module = importlib.import_module(f"{__name__}._exporter")
        except ImportError as exc:
            if exc.name is None or not exc.name.startswith("onnx"):
                raise
            raise ImportError(f"torch.onnx.{name} needs the onnx package: pip install "
                              f"'numbagrad[onnx]' (or pip install onnx)") from exc
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
