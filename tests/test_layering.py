"""The dependency rules of DESIGN.md: kernels never import the engine, importing
autograd compiles nothing and does not pull in nn/optim, nn/optim use only public API."""
import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name
        elif isinstance(node, ast.ImportFrom):
            yield ("." * node.level) + (node.module or "")


def test_kernels_import_only_numpy_numba_and_each_other():
    for f in (ROOT / "autograd" / "kernels").glob("*.py"):
        for name in _imports(f):
            assert not name.startswith("..") and not name.startswith("autograd"), \
                f"{f.name} imports {name!r}: kernels must not import the engine"


def test_import_autograd_is_light():
    code = ("import sys, autograd; "
            "bad = [m for m in ('nn', 'optim', 'torch', 'matplotlib') "
            "if m in sys.modules] + (['numba'] if 'numba' in sys.modules else []); "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"import autograd pulled in: {out.stdout}"


def test_full_pytorch_spellings_resolve():
    import autograd
    assert autograd.autograd is autograd
    assert autograd.autograd.grad is autograd.grad
    assert autograd.autograd.Function is autograd.Function
