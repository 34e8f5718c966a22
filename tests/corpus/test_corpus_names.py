"""Every ``torch`` name that public PyTorch programs use resolves in numbagrad.

``torch_names.json`` (written by ``scan_torch_names.py`` from local mirrors of
pytorch/examples, nanoGPT, minGPT and makemore) lists each name with the files using it.
After the import swap (``torch`` -> ``autograd``, so ``torch.nn`` -> ``autograd.nn``,
``torch.utils.data.dataloader`` -> ``autograd.utils.data.dataloader``) every name must
resolve, by attribute access or by importing a submodule, except those in
:data:`NOT_COVERED`. A NOT_COVERED name that starts to resolve fails the test, so the
list only shrinks. ``python tests/corpus/test_corpus_names.py`` prints the coverage.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

NAMES: dict[str, list[str]] = json.loads(
    (Path(__file__).with_name("torch_names.json")).read_text())

_DISTRIBUTED = "multi-process training here is torch.distributed on MPI (README)"
_SPARSE = "sparse tensors are out of scope (README: Not covered)"
_PICKLED = ("only used to torch.load a pickled whole model (word_language_model), which "
            "checkpoints here cannot hold: save model.state_dict()")
NOT_COVERED: dict[str, str] = {
    # process spawning (imagenet, mnist_hogwild): launch with mpiexec instead
    "torch.multiprocessing": _DISTRIBUTED + "; no torch.multiprocessing",
    "torch.multiprocessing.spawn": _DISTRIBUTED + "; no torch.multiprocessing",
    # sparse tensors (gcn, gat)
    "torch.sparse_coo_tensor": _SPARSE,
    "torch.spmm": _SPARSE,
    # other PyTorch subsystems numbagrad does not have
    "torch.profiler.ProfilerActivity.CPU": "torch.profiler is not implemented (nanoGPT bench.py)",
    "torch.profiler.ProfilerActivity.CUDA": "torch.profiler is not implemented",
    "torch.profiler.profile": "torch.profiler is not implemented",
    "torch.profiler.schedule": "torch.profiler is not implemented",
    "torch.profiler.tensorboard_trace_handler": "torch.profiler is not implemented",
    "torch.utils.tensorboard.SummaryWriter": "TensorBoard logging is not implemented "
                                             "(makemore; it needs the tensorboard package)",
    "torch.hub.download_url_to_file": "downloads pretrained weights over the network "
                                      "(fast_neural_style/download_saved_models.py)",
    "torch.hub._download_url_to_file": "downloads over the network",
    "torch.utils.model_zoo._download_url_to_file": "downloads over the network",
    # PyTorch-internal module paths (word_language_model allowlists them for torch.load)
    "torch.nn.modules.activation.MultiheadAttention": "our MultiheadAttention lives in "
                                                      "another module; " + _PICKLED,
    "torch.nn.modules.linear.NonDynamicallyQuantizableLinear": "a quantization detail of "
                                                               "PyTorch's attention; " + _PICKLED,
}


def resolve(name: str) -> Any:
    """The object ``name`` (PyTorch spelling) stands for in numbagrad, by attribute access
    from ``autograd`` or, failing that, by importing the submodule; raises on failure."""
    parts = name.split(".")
    if parts[0] != "torch":
        raise ValueError(f"not a torch name: {name}")
    obj: Any = importlib.import_module("autograd")
    module = "autograd"
    for part in parts[1:]:
        module = f"{module}.{part}"
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module(module)
    return obj


def _resolves(name: str) -> bool:
    try:
        resolve(name)
    except (AttributeError, ImportError):
        return False
    return True


def coverage() -> dict[str, Any]:
    """Counts: names total/covered/not covered, files total/fully covered."""
    missing = {n for n in NAMES if not _resolves(n)}
    files = {f for fs in NAMES.values() for f in fs}
    partial = {f for n in missing for f in NAMES[n]}
    return {"names": len(NAMES), "covered": len(NAMES) - len(missing),
            "not_covered": sorted(missing), "files": len(files),
            "files_fully_covered": len(files - partial)}


@pytest.mark.parametrize("name", sorted(set(NAMES) - set(NOT_COVERED)))
def test_name_resolves(name):
    try:
        resolve(name)
    except (AttributeError, ImportError) as exc:
        pytest.fail(f"{name} (used by {', '.join(NAMES[name][:3])}) does not resolve: {exc}")


@pytest.mark.parametrize("name", sorted(NOT_COVERED))
def test_not_covered_list_is_honest(name):
    assert name in NAMES, f"{name} is in NOT_COVERED but no scanned file uses it"
    assert not _resolves(name), f"{name} resolves now: remove it from NOT_COVERED"


def test_data_submodule_spellings():
    """``from torch.utils.data.dataloader import DataLoader`` and friends swap cleanly and
    give the same classes as ``torch.utils.data``."""
    from autograd.utils.data.dataloader import DataLoader, default_collate
    from autograd.utils.data.dataset import Dataset, random_split
    from autograd.utils.data.distributed import DistributedSampler
    from autograd.utils.data.sampler import RandomSampler

    import autograd.utils.data as data
    assert (DataLoader, default_collate, Dataset, random_split, DistributedSampler,
            RandomSampler) == (data.DataLoader, data.default_collate, data.Dataset,
                               data.random_split, data.DistributedSampler, data.RandomSampler)


def test_name_list_is_up_to_date():
    """The committed list matches a fresh scan (skipped where the mirrors are absent)."""
    import subprocess
    import sys
    script = Path(__file__).with_name("scan_torch_names.py")
    if not Path("/work/.mirror/pytorch+examples/repo").exists():
        pytest.skip("the corpus mirrors are not available here")
    out = subprocess.run([sys.executable, str(script), "--check"], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr


if __name__ == "__main__":
    print(json.dumps(coverage(), indent=1))
