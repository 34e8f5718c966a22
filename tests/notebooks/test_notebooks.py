"""Execute every tutorial notebook top to bottom (nbclient, this interpreter's ipykernel)."""
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="notebook tests need nbformat")
nbclient = pytest.importorskip("nbclient", reason="notebook tests need nbclient")
pytest.importorskip("ipykernel", reason="notebook tests need ipykernel")
pytest.importorskip("matplotlib", reason="the notebooks plot with matplotlib")
pytest.importorskip("mnist1d", reason="the notebooks use MNIST-1D (pip install mnist1d)")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """Headless plots, a private MNIST-1D cache, and the kernel on this very interpreter."""
    from ipykernel.kernelspec import write_kernel_spec

    root = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(path=root / "kernels" / "numbagrad-test", overrides={
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "numbagrad test kernel"})
    keys = ("MPLBACKEND", "NUMBAGRAD_CACHE", "JUPYTER_PATH")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["NUMBAGRAD_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(root), saved["JUPYTER_PATH"]]))
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def test_all_notebooks_present():
    assert [p.name for p in PATHS] == ["01_tensors_and_autograd.ipynb", "02_mlp_and_cnn.ipynb",
                                       "03_recurrent.ipynb", "04_metalearning_learning_rate.ipynb",
                                       "05_keras_style.ipynb"]


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path, kernel_env, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="numbagrad-test",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name} rendered no figure"
    # nothing written next to the notebook (in the repository, that is notebooks/): files
    # go to a temporary folder or a git-ignored results/
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "results") == [], path.name
    if path.name.startswith("01_"):  # the graph drawing renders, with or without Graphviz
        svgs = [o["data"]["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {})]
        assert svgs and "MeanBackward" in svgs[0] and "TanhBackward" in svgs[0]
