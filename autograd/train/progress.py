"""What ``fit``/``evaluate`` print: a tqdm bar per epoch, or one line per epoch.

``verbose=1`` draws a bar when someone is watching (a terminal, or a Jupyter kernel, where
tqdm's widget bar is used if ipywidgets is installed) and otherwise, as in a CI log or a
file, prints one line per epoch; ``verbose=2`` always prints one line per epoch;
``verbose=0`` prints nothing.
"""
from __future__ import annotations

import importlib.util
import sys
import time
from typing import Any

BAR, LINE, SILENT = "bar", "line", "silent"


def _in_jupyter() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    ip = shell.get_ipython()
    return ip is not None and hasattr(ip, "kernel")


def mode_for(verbose: Any, where: str) -> str:
    """The display mode for a Keras ``verbose`` value (0, 1, 2 or ``'auto'`` = 1)."""
    if verbose == "auto":
        verbose = 1
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"Model.{where}: verbose must be 0, 1, 2 or 'auto', got {verbose!r}")
    if verbose == 0:
        return SILENT
    if verbose == 2:
        return LINE
    tty = getattr(sys.stdout, "isatty", None)
    return BAR if (tty is not None and tty()) or _in_jupyter() else LINE


def format_logs(logs: dict[str, float]) -> str:
    """``loss: 0.1234 - accuracy: 0.9500`` (Keras's epoch-line format)."""
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


class Progress:
    """One epoch's (or one evaluation's) display.

    Args:
        mode: ``'bar'``, ``'line'`` or ``'silent'`` (see ``mode_for``).
        total: batches in the pass (None when unknown, e.g. an unsized loader).
        title: ``'Epoch 3/10'`` or ``'evaluate'``.
    """

    def __init__(self, mode: str, total: int | None, title: str) -> None:
        self.mode, self.total, self.title = mode, total, title
        self.start, self.done = time.perf_counter(), 0
        self.bar: Any = None
        if mode == BAR:
            if _in_jupyter() and importlib.util.find_spec("ipywidgets") is not None:
                from tqdm.notebook import tqdm
            else:
                from tqdm import tqdm
            self.bar = tqdm(total=total, desc=title, unit="batch", leave=True, file=sys.stdout,
                            dynamic_ncols=True, mininterval=0.2)

    def update(self, logs: dict[str, float]) -> None:
        """One more batch; ``logs`` are the running numbers."""
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(format_logs(logs), refresh=False)
            self.bar.update(1)

    def close(self, logs: dict[str, float]) -> None:
        """End of the pass: the final numbers (validation included) on the bar or one line."""
        if self.bar is not None:
            self.bar.set_postfix_str(format_logs(logs), refresh=False)
            self.bar.close()
        elif self.mode == LINE:
            secs = time.perf_counter() - self.start
            print(f"{self.title} - {self.done} batches - {secs:.1f}s - {format_logs(logs)}",
                  flush=True)
