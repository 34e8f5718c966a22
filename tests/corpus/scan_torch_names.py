"""Collect every ``torch`` name that public PyTorch programs use, for coverage tests.

Reads the local git mirrors of ``pytorch/examples``, ``karpathy/nanoGPT``,
``karpathy/minGPT`` and ``karpathy/makemore`` (no network), parses each ``.py`` file
with :mod:`ast`, and records every dotted path reached from ``torch``: attribute chains
on a name bound to a torch module (``torch.x``, ``nn.X``, ``F.f``, ``optim.X``,
``th.x`` after ``import torch as th``, ...) and names imported with
``from torch... import name``. Method calls on tensors are out of scope: a chain stops
at the first call or subscript (``torch.randn(3).view`` records ``torch.randn``).

Usage (from the repository root)::

    .venv/bin/python tests/corpus/scan_torch_names.py          # rewrite torch_names.json
    .venv/bin/python tests/corpus/scan_torch_names.py --check  # exit 1 if it would change

The output, ``tests/corpus/torch_names.json``, maps each name (PyTorch spelling) to the
sorted list of ``repo:path`` files that use it; ``tests/corpus/test_corpus_names.py``
checks that every name resolves in numbagrad.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import warnings
from pathlib import Path

MIRRORS = Path("/work/.mirror")
REPOS = ("pytorch+examples", "karpathy+nanoGPT", "karpathy+minGPT", "karpathy+makemore")
OUT = Path(__file__).with_name("torch_names.json")

# Directories (prefixes of ``repo:path``) not scanned, each needing a feature the README
# lists as out of scope.
SKIPPED_DIRS = {
    "pytorch+examples:distributed/": "distributed training (torch.distributed, RPC, FSDP)",
    "pytorch+examples:cpp/": "the C++ frontend (LibTorch); the .py files there only "
                             "export TorchScript models",
    "pytorch+examples:fx/": "torch.fx graph capture and transformation",
    "pytorch+examples:mnist_hogwild/": "multi-process training with torch.multiprocessing "
                                       "and shared-memory parameters",
    "pytorch+examples:docs/": "the Sphinx configuration of the examples' website, not a "
                              "PyTorch program",
}


def _files(repo: str) -> list[tuple[str, str]]:
    """(``repo:path``, source) of every scanned .py file of one mirror."""
    git = ["git", "-C", str(MIRRORS / repo / "repo")]
    names = subprocess.run(git + ["ls-tree", "-r", "--name-only", "HEAD"], check=True,
                           capture_output=True, text=True).stdout.split("\n")
    out = []
    for path in sorted(n for n in names if n.endswith(".py")):
        key = f"{repo}:{path}"
        if any(key.startswith(d) for d in SKIPPED_DIRS):
            continue
        src = subprocess.run(git + ["show", f"HEAD:{path}"], check=True,
                             capture_output=True).stdout.decode("utf-8", "replace")
        out.append((key, src))
    return out


def _dotted(node: ast.expr) -> list[str] | None:
    """``a.b.c`` as ``['a', 'b', 'c']``; None when the chain does not start at a name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def names_in(source: str) -> set[str]:
    """The torch paths one file's source uses (empty if it does not parse)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(source)
    except SyntaxError:
        return set()
    aliases: dict[str, str] = {}  # local name -> torch path it is bound to
    found: set[str] = set()
    for node in ast.walk(tree):  # imports first, wherever they are (functions included)
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "torch" or a.name.startswith("torch."):
                    if a.asname:
                        aliases[a.asname] = a.name
                    else:
                        aliases["torch"] = "torch"
                    if a.name != "torch":
                        found.add(a.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
                node.module == "torch" or node.module.startswith("torch.")):
            for a in node.names:
                if a.name == "*":
                    continue
                path = f"{node.module}.{a.name}"
                aliases[a.asname or a.name] = path
                found.add(path)
    if not aliases:
        return found
    inner: set[int] = set()  # attribute nodes that are part of a longer chain
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner.add(id(node.value))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or id(node) in inner:
            continue
        parts = _dotted(node)
        if parts and parts[0] in aliases:
            found.add(".".join([aliases[parts[0]], *parts[1:]]))
    return found


def scan() -> dict[str, list[str]]:
    """name -> sorted ``repo:path`` files using it, over every mirror."""
    usage: dict[str, set[str]] = {}
    for repo in REPOS:
        for key, src in _files(repo):
            for name in names_in(src):
                usage.setdefault(name, set()).add(key)
    return {name: sorted(files) for name, files in sorted(usage.items())}


def main(argv: list[str]) -> int:
    text = json.dumps(scan(), indent=1, sort_keys=True) + "\n"
    if "--check" in argv:
        same = OUT.exists() and OUT.read_text() == text
        print("up to date" if same else f"{OUT} is out of date; rerun without --check")
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {len(json.loads(text))} names to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
