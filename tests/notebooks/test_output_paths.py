"""Examples and notebooks never write into the repository tree: each example's default
output folder is its own, under the git-ignored results/; the notebooks save to temporary
folders. Notebook 02's confusion matrix labels every class and has a colour bar."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WRITERS = ["char_rnn.py", "mnist1d.py", "mnist_cnn.py", "mnist_mlp.py"]


def _default_out(script: str) -> str:
    src = (ROOT / "examples" / script).read_text()
    # a script's own set_defaults(out=...) wins over the shared parser's default
    found = re.findall(r'set_defaults\(out="([^"]+)"\)', src) or \
        re.findall(r'add_argument\("--out", default="([^"]+)"', src)
    assert len(found) == 1, f"{script}: expected one default --out, found {found}"
    return found[0]


def test_each_example_writes_to_its_own_results_folder():
    outs = {s: _default_out(s) for s in WRITERS}
    assert all(o.startswith("results/") for o in outs.values()), outs
    assert len(set(outs.values())) == len(outs), outs
    # examples that write files are exactly those with an --out option
    for script in sorted((ROOT / "examples").glob("*.py")):
        src = script.read_text()
        if re.search(r"savefig|write_text|torch\.save\(|open\([^)]*['\"]w", src):
            assert script.name in WRITERS or script.name == "_classify.py", script.name


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs a git checkout")
def test_results_folders_are_git_ignored():
    paths = [_default_out(s) + "/x.png" for s in WRITERS]
    proc = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.stdout.split() == paths


def _code(name: str) -> str:
    nbformat = pytest.importorskip("nbformat", reason="notebook tests need nbformat")
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_notebooks_save_only_to_temporary_folders():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        code = _code(path.name)
        # a path given as a string literal is relative to the notebook's folder
        literal = re.findall(r"(?:torch\.save\([^\n]*?,\s*|savefig\(\s*|\.save\(\s*)(['\"][^'\"]*)", code)
        assert not literal, f"{path.name} writes {literal} next to itself"
        if "torch.save(" in code:
            assert "tempfile.mkdtemp()" in code, path.name


def test_notebook_02_confusion_matrix_labels_every_class_with_colour_bar():
    """autograd.metrics computes it (no private copy of the metric); every class is labelled."""
    code = _code("02_mlp_and_cnn.ipynb")
    cell = code[code.index("cm = confusion_matrix("):]
    cell = cell[:cell.index("plt.show()")]
    assert "colorbar(" in cell
    assert "set_xticks(range(10))" in cell and "set_yticks(range(10))" in cell
