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


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute_imports(path: pathlib.Path):
    """The modules ``path`` imports, relative imports resolved to absolute names."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for name in _imports(path):
        level = len(name) - len(name.lstrip("."))
        if level:
            base = package[:len(package) - level + 1]
            rest = name[level:]
            yield ".".join(base + ([rest] if rest else []))
        else:
            yield name


def test_kernels_import_only_numpy_numba_each_other_and_the_runtime():
    kernels = ROOT / "autograd" / "kernels"
    files = list(kernels.rglob("*.py"))
    assert len(files) > 5
    for f in files:
        for name in _absolute_imports(f):
            ok = (not name.startswith("autograd") or name.startswith("autograd.kernels")
                  or name == "autograd.runtime")
            assert ok, f"{f.relative_to(ROOT)} imports {name!r}: kernels must not import the engine"


def test_runtime_imports_no_engine_module():
    for name in _absolute_imports(ROOT / "autograd" / "runtime.py"):
        assert not name.startswith("autograd") or name.startswith("autograd.kernels"), name


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


def test_torch_style_full_paths_import_the_same_modules():
    code = ("import autograd as torch, autograd.nn, autograd.nn.functional as F2, "
            "autograd.optim.lr_scheduler as L, autograd.utils.data as D; "
            "import nn, nn.functional, optim.lr_scheduler; "
            "assert torch.nn is nn and F2 is nn.functional and L is optim.lr_scheduler; "
            "assert torch.nn.Linear is nn.Linear and torch.optim.Adam is optim.Adam; "
            "assert torch.utils.data.DataLoader is D.DataLoader; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_pytorch_script_runs_after_the_import_swap(tmp_path):
    """A typical PyTorch training script, imports swapped, runs and learns."""
    script = '''
import autograd as torch
import nn
import nn.functional as F
import optim
from autograd.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X = torch.randn(256, 20)
y = (X @ torch.randn(20, 3)).argmax(dim=1)
loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 64)
        self.bn = nn.BatchNorm1d(64)
        self.drop = nn.Dropout(0.1)
        self.fc2 = nn.Linear(64, 3)

    def forward(self, x):
        return self.fc2(self.drop(F.relu(self.bn(self.fc1(x.view(-1, 20))))))

model = Net()
opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
sched = optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
for epoch in range(10):
    model.train()
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    sched.step()
model.eval()
with torch.no_grad():
    out = model(X)
    _, pred = torch.max(out, 1)
    acc = (pred == y).sum().item() / y.size(0)
torch.save({"model": model.state_dict(), "opt": opt.state_dict()}, CKPT)
ck = torch.load(CKPT)
m2 = Net()
m2.load_state_dict(ck["model"])
m2.eval()
with torch.no_grad():
    assert torch.allclose(m2(X), out)
assert acc > 0.95, acc
assert sched.get_last_lr()[0] == 0.025
print("ok")
'''
    path = tmp_path / "script.py"
    path.write_text(script.replace("CKPT", repr(str(tmp_path / "ckpt.pt"))))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr


def test_imports_work_when_importlib_util_is_not_loaded_yet():
    """A regular (non-editable) install loads no ``.pth`` import hook, so ``importlib.util``
    is not imported yet when ``autograd`` installs its alias finder: the finder must not
    import anything (it recursed without end). ``-S`` reproduces that start-up."""
    import numpy
    site = str(pathlib.Path(numpy.__file__).resolve().parents[1])
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {site!r}]; "
            "assert 'importlib.util' not in sys.modules; "
            "import autograd, json, nn, optim, autograd.nn.functional, autograd.optim; "
            "import email.utils; print('ok')")
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]


def test_nn_names_a_foreign_autograd_package(tmp_path):
    """If another distribution (HIPS autograd) overwrote ``autograd/``, ``import nn`` says so
    and how to repair it, instead of ``cannot import name 'Tensor'``."""
    fake = tmp_path / "autograd"
    fake.mkdir()
    (fake / "__init__.py").write_text("grad = None\n")  # HIPS autograd's top-level names
    for package in ("nn", "optim"):
        code = (f"import sys; sys.path[:0] = [{str(tmp_path)!r}, {str(ROOT)!r}]; import {package}")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=tmp_path)
        assert out.returncode != 0
        assert "ImportError" in out.stderr and "not numbagrad's" in out.stderr, out.stderr[-2000:]
        assert "pip install --force-reinstall" in out.stderr, out.stderr[-2000:]


def _top_level_imports(path: pathlib.Path):
    """Absolute names imported at module level (not inside functions) by ``path``,
    ``from X import name`` counted as ``X.name`` when that is a module of ours."""
    tree = ast.parse(path.read_text())
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield module
            for a in node.names:
                yield f"{module}.{a.name}"


def test_core_modules_import_each_other_without_a_cycle():
    """tensor, node, function, engine and ops form a DAG at import time (Tensor reaches the
    ops through one lazy accessor instead of a module-level None patched later)."""
    files = {_module_name(f): f for f in (ROOT / "autograd").rglob("*.py")
             if "kernels" not in f.parts}
    graph = {m: {n for n in _top_level_imports(f) if n in files and n != m}
             for m, f in files.items()}
    # a package's __init__ runs before its modules: importing autograd.ops.x imports autograd.ops
    for m in list(graph):
        graph[m] = {p for n in graph[m] for p in [n] + [n.rsplit(".", k)[0] for k in
                    range(1, n.count("."))] if p in files and p != m and not m.startswith(p + ".")}
    state: dict = {}

    def visit(m, path):
        if state.get(m) == "done":
            return
        assert state.get(m) != "active", "import cycle: " + " -> ".join(path + [m])
        state[m] = "active"
        for n in sorted(graph[m]):
            visit(n, path + [m])
        state[m] = "done"

    for m in sorted(graph):
        visit(m, [])
    assert "autograd.engine" in graph and "autograd.node" in graph["autograd.engine"]


def test_no_module_patches_another_modules_globals():
    for f in (ROOT / "autograd").rglob("*.py"):
        for node in ast.parse(f.read_text()).body:
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
            for t in targets:
                assert not isinstance(t, ast.Attribute), \
                    f"{f.relative_to(ROOT)}:{node.lineno} assigns {ast.unparse(t)} at import time"
