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
