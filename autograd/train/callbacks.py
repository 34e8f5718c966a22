"""Keras-style callbacks for ``Model.fit``: History, EarlyStopping, ModelCheckpoint,
ReduceLROnPlateau, CSVLogger, and the ``Callback`` base to write your own.

As in Keras, ``epoch`` passed to the hooks counts from 0 and ``logs`` is the dict of the
epoch's numbers (``loss``, metrics, ``val_loss``, ``val_<metric>``); callbacks may add
keys to it (ReduceLROnPlateau adds ``learning_rate``), which History then records.
"""
from __future__ import annotations

import csv
import math
import os
import warnings
from typing import TYPE_CHECKING, Any

import autograd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .model import Model

__all__ = ["Callback", "History", "EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau",
           "CSVLogger"]


class Callback:
    """Base class: override any ``on_*`` hook. ``self.model`` is the ``Model`` being fit and
    ``self.params`` holds ``epochs`` and ``steps`` (batches per epoch)."""

    def __init__(self) -> None:
        self.model: Model | None = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Model) -> None:
        """Called by ``fit`` before training starts."""
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        """Called by ``fit`` with ``{'epochs': ..., 'steps': ..., 'verbose': ...}``."""
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Before the first epoch."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """After the last epoch (also after an early stop)."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """At the start of epoch ``epoch`` (0-based)."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """At the end of an epoch, with training and validation numbers in ``logs``."""

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before a training batch (0-based index within the epoch)."""

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After a training batch, with the epoch's running numbers in ``logs``."""


class History(Callback):
    """Records every epoch's ``logs``; ``fit`` returns it.

    Attributes:
        history: ``{'loss': [...], 'accuracy': [...], 'val_loss': [...], ...}``, one value
            per epoch.
        epoch: the 0-based epoch numbers that ran.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.history, self.epoch = {}, []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)

    def plot(self, keys: list[str] | None = None) -> Figure:
        """One panel per quantity (loss, each metric), training and validation curves.

        Args:
            keys: the quantities to draw (default: every key without the ``val_`` prefix).

        Returns:
            The matplotlib ``Figure`` (end the notebook line with ``;`` to show it once).
        """
        import matplotlib.pyplot as plt

        if not self.history:
            raise ValueError("History.plot: nothing recorded yet (fit has not run an epoch)")
        names = keys if keys is not None else \
            [k for k in self.history if not k.startswith("val_")]
        unknown = [k for k in names if k not in self.history]
        if unknown:
            raise KeyError(f"History.plot: no such quantities {unknown}; recorded: "
                           f"{sorted(self.history)}")
        fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.2), squeeze=False)
        epochs = [e + 1 for e in self.epoch]
        for ax, name in zip(axes[0], names):
            ax.plot(epochs, self.history[name], marker=".", label="train")
            if f"val_{name}" in self.history:
                ax.plot(epochs, self.history[f"val_{name}"], marker=".", label="validation")
                ax.legend()
            ax.set_xlabel("epoch")
            ax.set_title(name)
        fig.tight_layout()
        return fig


class _Monitor(Callback):
    """Shared 'is this better' logic of the callbacks that watch one quantity."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{type(self).__name__}: mode must be 'auto', 'min' or 'max', "
                             f"got {mode!r}")
        if mode == "auto":
            # Keras's rule: accuracy-like quantities grow, everything else shrinks
            higher = ("acc", "auc", "precision", "recall", "f1", "fbeta", "r2")
            mode = "max" if any(h in monitor.lower() for h in higher) else "min"
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(float(min_delta))
        self.best = math.inf if mode == "min" else -math.inf

    def _better(self, current: float, reference: float) -> bool:
        if self.mode == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta

    def _current(self, logs: dict | None) -> float | None:
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{type(self).__name__} conditioned on metric `{self.monitor}` which is "
                          f"not available. Available metrics are: {','.join(logs or {})}",
                          UserWarning, stacklevel=3)
            return None
        return float(value)


class EarlyStopping(_Monitor):
    """Stop ``fit`` when ``monitor`` has not improved for ``patience`` epochs (Keras's rule).

    Args:
        monitor: the logs key to watch (``'val_loss'``, ``'val_accuracy'``, ``'loss'`` ...).
        min_delta: an improvement must beat the best value by more than this.
        patience: epochs without improvement before stopping.
        verbose: 1 prints a line when it stops and when it restores weights.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (max for accuracy-like names).
        baseline: training stops unless the quantity beats this within ``patience`` epochs.
        restore_best_weights: at the end of training, load the weights of the best epoch
            (whether or not training stopped early, as Keras 3 does).
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False) -> None:
        super().__init__(monitor, mode, min_delta)
        self.patience, self.verbose, self.baseline = int(patience), verbose, baseline
        self.restore_best_weights = restore_best_weights
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best_weights: dict | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        current = self._current(logs)
        if current is None:
            return
        assert self.model is not None
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model._copy_weights()
        self.wait += 1
        if self._better(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model._copy_weights()
            if self.baseline is None or self._better(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            assert self.model is not None
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.module.load_state_dict(self.best_weights)


class ModelCheckpoint(_Monitor):
    """Save the model at the end of every epoch, or only when ``monitor`` improved.

    Files are our safetensors-based checkpoints (``autograd.save``; loading never runs
    code). ``filepath`` may hold ``str.format`` fields filled from ``epoch`` (1-based) and
    the logs, e.g. ``"ckpt/epoch{epoch:02d}-{val_loss:.3f}.pt"``.

    Args:
        filepath: where to save (folders are created).
        monitor: the logs key compared by ``save_best_only``.
        verbose: 1 prints a line at each save.
        save_best_only: save only when ``monitor`` improved on the best so far.
        save_weights_only: True saves ``module.state_dict()`` only; False (Keras's default)
            saves ``{'model': state_dict, 'optimizer': optimizer.state_dict(), 'epoch': n}``
            so ``fit(..., initial_epoch=n)`` can resume. ``Model.load_weights`` reads both.
        mode: ``'min'``, ``'max'`` or ``'auto'``.
    """

    def __init__(self, filepath: str | os.PathLike[str], monitor: str = "val_loss",
                 verbose: int = 0, save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto") -> None:
        super().__init__(monitor, mode, 0.0)
        self.filepath = os.fspath(filepath)
        self.verbose, self.save_best_only = verbose, save_best_only
        self.save_weights_only = save_weights_only

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        assert self.model is not None
        logs = logs or {}
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as e:
            raise KeyError(f"ModelCheckpoint: cannot format filepath {self.filepath!r} with epoch "
                           f"and the logs keys {sorted(logs)}: {e}") from e
        if self.save_best_only:
            current = self._current(logs)
            if current is None or not self._better(current, self.best):
                if current is not None and self.verbose > 0:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            opt = self.model.optimizer
            autograd.save({"model": self.model.module.state_dict(),
                           "optimizer": opt.state_dict() if opt is not None else {},
                           "epoch": epoch + 1}, path)


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate of every parameter group by ``factor`` when ``monitor``
    has not improved for ``patience`` epochs (Keras's rule: absolute ``min_delta``).
    Adds ``learning_rate`` (of the first group) to the logs.

    Args:
        monitor: the logs key to watch.
        factor: new_lr = lr * factor, in (0, 1).
        patience: epochs without improvement before reducing.
        verbose: 1 prints a line at each reduction.
        mode: ``'min'``, ``'max'`` or ``'auto'``.
        min_delta: an improvement must beat the best value by more than this.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the learning rate never goes below this.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0) -> None:
        if not 0.0 < factor < 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor}")
        super().__init__(monitor, mode, min_delta)
        self.factor, self.patience, self.verbose = float(factor), int(patience), verbose
        self.cooldown, self.min_lr = int(cooldown), float(min_lr)
        self.wait, self.cooldown_counter = 0, 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.wait, self.cooldown_counter = 0, 0
        self.best = math.inf if self.mode == "min" else -math.inf

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        assert self.model is not None and self.model.optimizer is not None
        groups = self.model.optimizer.param_groups
        if logs is not None:
            logs["learning_rate"] = float(groups[0]["lr"])
        current = self._current(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._better(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience:
                for g in groups:
                    old = float(g["lr"])
                    if old > self.min_lr:
                        g["lr"] = max(old * self.factor, self.min_lr)
                        if self.verbose > 0:
                            print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                                  f"to {g['lr']:.4g}.")
                self.cooldown_counter, self.wait = self.cooldown, 0


class CSVLogger(Callback):
    """Write one CSV row per epoch: ``epoch`` (0-based, as Keras) then the logs keys sorted.

    Args:
        filename: the CSV file (folders are created).
        separator: the column separator.
        append: add to an existing file (no second header) instead of overwriting it.
    """

    def __init__(self, filename: str | os.PathLike[str], separator: str = ",",
                 append: bool = False) -> None:
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self._file: Any = None
        self._writer: Any = None
        self._keys: list[str] | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        folder = os.path.dirname(self.filename)
        if folder:
            os.makedirs(folder, exist_ok=True)
        has_rows = self.append and os.path.exists(self.filename) and \
            os.path.getsize(self.filename) > 0
        self._file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self._keys, self._writer = None, None
        self._write_header = not has_rows

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self._keys is None:
            self._keys = sorted(logs)
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch", *self._keys],
                                          delimiter=self.sep)
            if self._write_header:
                self._writer.writeheader()
        row = {"epoch": epoch, **{k: logs.get(k, "NA") for k in self._keys}}
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
