"""The layering rules of ``nn`` and ``optim``, read from the source with ``ast``:

* they import only public ``autograd`` names, plus the one internal module
  ``autograd._inplace`` through which every in-place write to a Tensor goes;
* they never touch a Tensor's internal slots (``_data``, ``_vbox``, ...);
* ``nn``'s modules import each other without a cycle at module level, and
  ``nn.functional`` does not import ``nn.modules`` at all.

Each checker is also run on a snippet of the code as it was before these rules
(``tests/test_layering_nn_optim.py::test_*_catches_*``), so none of them can pass vacuously.
"""
from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("nn", "optim")
ALLOWED_PRIVATE = "autograd._inplace"
TENSOR_SLOTS = frozenset({"_data", "_vbox", "_rg", "_hooks", "_bump"})


def _sources(*packages: str) -> list[pathlib.Path]:
    return sorted(f for p in packages for f in (ROOT / p).rglob("*.py"))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _private_path(dotted: str) -> bool:
    """A dotted ``autograd`` path with a private component, other than the allowed one."""
    parts = dotted.split(".")
    return parts[0] == "autograd" and dotted != ALLOWED_PRIVATE and any(map(_private, parts))


def _attr_chain(node: ast.AST) -> list[str] | None:
    """``a.b.c`` as ["a", "b", "c"]; None when the chain does not start at a name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id] + parts[::-1]


def private_autograd_uses(source: str) -> list[str]:
    """Every import (or ``autograd.x._y`` attribute chain, or ``import_module`` string)
    that names a private autograd module or name, as ``"line: what"``."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        found = []
        if isinstance(node, ast.Import):
            found = [a.name for a in node.names if _private_path(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.split(".")[0] == "autograd":
            found = [f"{node.module}.{a.name}" for a in node.names
                     if _private_path(f"{node.module}.{a.name}")]
        elif isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Del):
            chain = _attr_chain(node)
            if chain and chain[0] == "autograd":
                for i in range(2, len(chain) + 1):
                    if _private_path(".".join(chain[:i])):
                        found = [".".join(chain)]
                        break
        elif isinstance(node, ast.Call) and node.args and \
                isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            fn = _attr_chain(node.func) or []
            if fn[-1:] in (["import_module"], ["__import__"]) and \
                    _private_path(node.args[0].value):
                found = [node.args[0].value]
        bad += [(node.lineno, node.col_offset, name) for name in found]
    return [f"{line}: {name}" for line, _, name in sorted(bad)]


_REFLECT = {"getattr", "setattr", "hasattr", "delattr", "__getattribute__", "__setattr__",
            "__delattr__"}


def tensor_slot_uses(source: str) -> list[str]:
    """Every attribute access (``t._data``, or ``getattr(t, "_vbox")`` and friends) that
    reaches a Tensor internal slot, as ``"line: slot"``."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in TENSOR_SLOTS:
            bad.append((node.lineno, node.col_offset, f".{node.attr}"))
        elif isinstance(node, ast.Call):
            fn = _attr_chain(node.func) or []
            if fn[-1:] and fn[-1] in _REFLECT:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and arg.value in TENSOR_SLOTS:
                        bad.append((node.lineno, node.col_offset,
                                    f"{fn[-1]}(..., {arg.value!r})"))
    return [f"{line}: {what}" for line, _, what in sorted(bad)]


@pytest.mark.parametrize("path", _sources(*PACKAGES), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_only_public_autograd_names(path):
    bad = private_autograd_uses(path.read_text())
    assert not bad, (f"{path.relative_to(ROOT)} uses private autograd names (only "
                     f"`from autograd import _inplace` is allowed): {bad}")


@pytest.mark.parametrize("path", _sources(*PACKAGES), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_tensor_internal_slots(path):
    bad = tensor_slot_uses(path.read_text())
    assert not bad, (f"{path.relative_to(ROOT)} touches Tensor internals; read with "
                     f"_inplace.array(t), write with _inplace.writing/copy_into/set_storage: "
                     f"{bad}")


def test_private_import_check_catches_the_old_code():
    old = """
from autograd.ops.loss import _legacy_reduction, cross_entropy
from autograd.tensor import _wrap
import autograd._secret
from autograd import _inplace, Tensor
import autograd._inplace
def f():
    from autograd.ops.loss import _legacy_reduction
    return autograd.ops.loss._legacy_reduction, importlib.import_module("autograd._x")
"""
    bad = private_autograd_uses(old)
    assert [b.split(": ")[1] for b in bad] == [
        "autograd.ops.loss._legacy_reduction", "autograd.tensor._wrap", "autograd._secret",
        "autograd.ops.loss._legacy_reduction", "autograd.ops.loss._legacy_reduction",
        "autograd._x"]
    assert private_autograd_uses("from autograd.kernels import optim as _k\n"
                                 "from autograd.ops.linear import linear as _linear\n"
                                 "from autograd import _inplace\n"
                                 "from .optimizer import _empty\n") == []


def test_slot_check_catches_the_old_code():
    old = """
def _write(tensor, values):
    tensor._data[...] = values
    tensor._vbox[0] += 1
    g = getattr(tensor, "_rg")
    object.__setattr__(tensor, "_hooks", None)
    return tensor._bump()
"""
    assert [b.split(": ")[1] for b in tensor_slot_uses(old)] == [
        "._data", "._vbox", "getattr(..., '_rg')", "__setattr__(..., '_hooks')", "._bump"]
    assert tensor_slot_uses("x = _inplace.array(t)\nwith _inplace.writing(t) as a:\n"
                            "    a[...] = 0\nm._parameters\n") == []


# ----------------------------------------------------------------- import graph of nn
def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: pathlib.Path) -> bool:
    return path.name == "__init__.py"


def _imports_at(tree: ast.Module, module_level_only: bool) -> list[ast.stmt]:
    """Import statements run when the module is imported (class bodies included,
    function bodies not) or, with ``module_level_only=False``, anywhere."""
    found = []

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if module_level_only and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                        ast.Lambda)):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def import_graph(files: dict[str, tuple[str, bool]], module_level_only: bool = True
                 ) -> dict[str, set[str]]:
    """``{module: {modules of the same tree it imports}}`` from ``{module: (source,
    is_package)}``. An import of ``a.b.c`` also runs ``a.b``'s ``__init__``: that edge is
    kept unless ``a.b`` is a package the importer is inside (always initialised first)."""
    known = set(files)
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, (source, is_pkg) in files.items():
        package = mod.split(".") if is_pkg else mod.split(".")[:-1]
        targets = []
        for node in _imports_at(ast.parse(source), module_level_only):
            if isinstance(node, ast.Import):
                targets += [a.name for a in node.names]
                continue
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                base_name = ".".join(base + (node.module.split(".") if node.module else []))
            else:
                base_name = node.module or ""
            for a in node.names:
                sub = f"{base_name}.{a.name}"
                targets.append(sub if sub in known else base_name)
        inside = {".".join(mod.split(".")[:i]) for i in range(1, len(mod.split(".")))}
        for t in targets:
            parts = t.split(".")
            for i in range(1, len(parts) + 1):
                name = ".".join(parts[:i])
                if name in known and name != mod and (name == t or name not in inside):
                    graph[mod].add(name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or None when it is acyclic."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def dfs(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = dfs(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = dfs(node)
            if cycle:
                return cycle
    return None


def _nn_files() -> dict[str, tuple[str, bool]]:
    return {_module_name(f): (f.read_text(), _is_package(f)) for f in _sources("nn")}


def test_nn_has_no_import_cycle_at_module_level():
    graph = import_graph(_nn_files())
    assert graph["nn.modules.attention"] >= {"nn.functional", "nn.modules.module"}
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle inside nn: {' -> '.join(cycle)}"


def test_nn_functional_does_not_import_nn_modules():
    graph = import_graph(_nn_files(), module_level_only=False)
    assert not {m for m in graph["nn.functional"] if m.startswith("nn.modules")}, \
        f"nn.functional imports {sorted(graph['nn.functional'])}"


def test_cycle_check_catches_a_cycle():
    files = {
        "nn": ("from .modules import Linear\nfrom . import functional\n", True),
        "nn.functional": ("import numpy\ndef f():\n    from .modules.attention import sdpa\n",
                          False),
        "nn.modules": ("from .attention import MHA\nfrom .linear import Linear\n", True),
        "nn.modules.linear": ("from .. import functional as F\n", False),
        "nn.modules.attention": ("from ..functional import dropout\n"
                                 "from . import linear\n", False),
        "nn.utils": ("from .summary import summary\n", True),
        "nn.utils.summary": ("from ..modules.linear import Linear\n", False),
    }
    graph = import_graph(files)
    assert graph["nn.modules.attention"] == {"nn.functional", "nn.modules.linear"}
    assert graph["nn.utils.summary"] == {"nn.modules", "nn.modules.linear"}
    assert find_cycle(graph) is None  # the call-time import does not count at module level
    assert "nn.modules.attention" in import_graph(files, module_level_only=False)["nn.functional"]
    files["nn.modules.linear"] = ("from ..utils import summary\n", False)
    assert find_cycle(import_graph(files)) == [
        "nn.modules", "nn.modules.attention", "nn.modules.linear", "nn.utils",
        "nn.utils.summary", "nn.modules"]
