"""``Model``: Keras's compile/fit/evaluate/predict/summary around a plain ``nn.Module``.

The module is not changed: ``Model(module)`` only drives it, and ``model.module`` is the
same object a PyTorch loop would train (so the two styles mix freely).
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

from . import _data, _metrics
from .callbacks import Callback, History
from .losses import Loss, get_loss, get_optimizer
from .progress import Progress, mode_for

__all__ = ["Model"]


class _CallbackList:
    """Calls one hook on every callback in order."""

    def __init__(self, callbacks: list[Callback]) -> None:
        self.callbacks = callbacks

    def __getattr__(self, hook: str) -> Callable[..., None]:
        def call(*args: Any) -> None:
            for cb in self.callbacks:
                getattr(cb, hook)(*args)
        return call


class Model:
    """Keras-style training for an ``nn.Module``.

    Example::

        >>> from autograd.train import Model
        >>> model = Model(nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(),
        ...                             nn.Linear(64, 10)))
        >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
        ...               metrics=["accuracy"])
        >>> history = model.fit(x_train, y_train, epochs=5, validation_split=0.1)
        >>> loss, acc = model.evaluate(x_test, y_test)
        >>> logits = model.predict(x_test)          # NumPy (N, 10)

    Losses by name take logits (Keras's ``from_logits=True``): end a classifier with
    ``nn.Linear``, not a softmax (see ``autograd.train.losses``).

    Args:
        module: the ``nn.Module`` to train; its ``forward`` takes one batch Tensor
            ``(N, *sample_shape)`` and returns one Tensor ``(N, ...)``.

    Attributes:
        module: the wrapped module.
        optimizer: the optimizer built by ``compile``.
        history: the ``History`` of the last ``fit``.
        stop_training: set to True (e.g. by a callback) to end ``fit`` after this batch.
    """

    def __init__(self, module: Any) -> None:
        nn: Any = importlib.import_module("nn")  # see losses.py for why by name
        if not isinstance(module, nn.Module):
            raise TypeError(f"Model: expected an nn.Module, got {type(module).__name__}")
        self.module = module
        self.optimizer: Any = None  # an optim.Optimizer after compile
        self.loss: Loss | None = None
        self.metrics: list[_metrics.EpochMetric] = []
        self.history: History | None = None
        self.stop_training = False
        self._sample: tuple[tuple[int, ...], np.dtype] | None = None  # one input's shape, dtype

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the module (``model(x)`` is ``model.module(x)``)."""
        return self.module(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Model({self.module!r})"

    def parameters(self) -> Any:
        """The module's parameters."""
        return self.module.parameters()

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None) -> None:
        """Choose the optimizer, the loss and the metrics.

        Args:
            optimizer: a name (``'adam'``, ``'sgd'``, ``'rmsprop'``, ``'adamw'``,
                ``'adagrad'``, ``'adadelta'``, ``'adamax'``, ``'nadam'``; Keras's default
                learning rate for that name), an ``optim.Optimizer`` over this module's
                parameters, or a callable ``params -> Optimizer``.
            loss: a Keras name (``'sparse_categorical_crossentropy'``,
                ``'categorical_crossentropy'``, ``'binary_crossentropy'``, ``'mse'``,
                ``'mae'``), an ``nn`` loss module, or ``fn(output, target) -> 0-d Tensor``.
            metrics: names (``'accuracy'``, ``'precision'``, ``'recall'``, ``'f1'``,
                ``'mse'``, ``'mae'``), ``autograd.metrics`` objects or callables.

        Raises:
            ValueError: an unknown name, a missing loss, or an optimizer over other
                parameters.
        """
        self.loss = get_loss(loss)
        self.metrics = _metrics.build(metrics, self.loss)
        self.optimizer = get_optimizer(optimizer, list(self.module.parameters()))

    def _require_compiled(self, where: str) -> Loss:
        if self.loss is None or self.optimizer is None:
            raise RuntimeError(f"Model.{where}: call model.compile(optimizer=..., loss=...) first")
        return self.loss

    # ------------------------------------------------------------------ helpers
    def _float_dtype(self) -> np.dtype:
        for p in self.module.parameters():
            if p.is_floating_point():
                return np.dtype(p.dtype)
        return np.dtype(autograd.get_default_dtype())

    def _input(self, xb: Any) -> Tensor:
        x = _data.as_tensor(xb)
        fd = self._float_dtype()
        if x.is_floating_point() and np.dtype(x.dtype) != fd:
            x = x.to(fd)
        if self._sample is None:
            self._sample = (tuple(x.shape[1:]), np.dtype(x.dtype))
        return x

    def _forward(self, x: Tensor, where: str) -> Tensor:
        out = self.module(x)
        if not isinstance(out, Tensor):
            raise TypeError(f"Model.{where}: the module must return one Tensor, got "
                            f"{type(out).__name__}; wrap it so forward returns the output the "
                            "loss compares with the target")
        return out

    def _pairs(self, x: Any, y: Any, batch_size: int, shuffle: bool, where: str) -> Any:
        return _data.batches(x, y, batch_size, shuffle, self._float_dtype(), where)

    def _copy_weights(self) -> dict:
        with autograd.no_grad():
            return {k: v.clone() for k, v in self.module.state_dict().items()}

    def _run(self, loader: Any, where: str, progress: Progress | None, train: bool,
             calls: _CallbackList | None = None) -> dict[str, float]:
        """One pass over ``loader``: trains when ``train``; returns the pass's mean loss and
        metrics (loss averaged over samples, as Keras does)."""
        loss_spec = self._require_compiled(where)
        for m in self.metrics:
            m.reset()
        total, count = 0.0, 0
        logs: dict[str, float] = {}
        self.module.train(train)
        for i, batch in enumerate(loader):
            if calls is not None:
                calls.on_train_batch_begin(i, {})
            xb, yb = _data.split_batch(batch, where)
            x = self._input(xb)
            with autograd.set_grad_enabled(train):
                out = self._forward(x, where)
                y = loss_spec.prepare_target(yb, out, self._float_dtype())
                loss = loss_spec.fn(out, y)
            if not isinstance(loss, Tensor) or loss.numel() != 1:
                raise ValueError(f"Model.{where}: the loss must return one number (a 0-d Tensor), "
                                 f"got {getattr(loss, 'shape', type(loss).__name__)}")
            if train:
                assert self.optimizer is not None
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
            n = int(x.shape[0])
            total += float(loss.item()) * n
            count += n
            with autograd.no_grad():
                out = out.detach()
                for m in self.metrics:
                    m.update(out, y)
            logs = {"loss": total / count, **{m.name: m.value() for m in self.metrics}}
            if progress is not None:
                progress.update(logs)
            if calls is not None:
                calls.on_train_batch_end(i, logs)
            if train and self.stop_training:
                break
        if count == 0:
            raise ValueError(f"Model.{where}: the data gave no batches")
        return logs

    # ------------------------------------------------------------------ fit
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Any = 1, callbacks: list[Callback] | None = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
            initial_epoch: int = 0) -> History:
        """Train for ``epochs`` passes over the data (Keras's argument order and defaults).

        Args:
            x: inputs ``(N, *sample_shape)`` as a NumPy array or Tensor; or a ``Dataset``
                (batched here) or a ``DataLoader`` (used as it is; ``batch_size`` and
                ``shuffle`` then do nothing) of ``(input, target)`` pairs.
            y: targets ``(N, ...)`` when ``x`` is an array (class indices for the sparse
                cross-entropy, floats for the others).
            batch_size: samples per step (default 32).
            epochs: the epoch to stop at (runs ``initial_epoch .. epochs - 1``).
            verbose: 0 silent, 1 a progress bar per epoch (one line per epoch when the
                output is not a terminal or notebook), 2 one line per epoch.
            callbacks: ``Callback`` objects (EarlyStopping, ModelCheckpoint, ...).
            validation_split: hold out this LAST share of the samples (before shuffling)
                and report ``val_loss``/``val_<metric>`` on it after each epoch.
            validation_data: ``(x_val, y_val)``, a Dataset or a DataLoader; wins over
                ``validation_split``.
            shuffle: reshuffle the training samples each epoch (autograd's global
                generator, so ``autograd.manual_seed`` makes runs repeatable).
            initial_epoch: the epoch to start from (to resume).

        Returns:
            The ``History`` (also kept as ``model.history``).
        """
        self._require_compiled("fit")
        batch_size = _data.check_batch_size(batch_size, "fit")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"Model.fit: epochs must be a non-negative integer, got {epochs!r}")
        if validation_data is not None:
            x_val, y_val = _data.unpack_validation(validation_data)
            val: Any = self._pairs(x_val, y_val, batch_size, False, "fit (validation_data)")
        else:
            x, y, held = _data.split_validation(x, y, validation_split)
            val = None if held is None else self._pairs(held if y is None else held[0],
                                                        None if y is None else held[1],
                                                        batch_size, False, "fit (validation)")
        train = self._pairs(x, y, batch_size, shuffle, "fit")
        mode = mode_for(verbose, "fit")
        history = History()
        cbs = list(callbacks or [])
        for cb in cbs:
            if not isinstance(cb, Callback):
                raise TypeError(f"Model.fit: callbacks must be Callback objects, got "
                                f"{type(cb).__name__}")
        calls = _CallbackList([*cbs, history])  # History last: it records what others added
        steps = len(train) if hasattr(train, "__len__") else None
        for cb in calls.callbacks:
            cb.set_model(self)
            cb.set_params({"epochs": epochs, "steps": steps, "verbose": verbose})
        self.stop_training = False
        self.history = history
        calls.on_train_begin({})
        logs: dict[str, float] = {}
        for epoch in range(initial_epoch, epochs):
            calls.on_epoch_begin(epoch, {})
            progress = Progress(mode, steps, f"Epoch {epoch + 1}/{epochs}")
            logs = self._run(train, "fit", progress, train=True, calls=calls)
            if val is not None:
                val_logs = self._run(val, "fit (validation)", None, train=False)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            progress.close(logs)
            calls.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        calls.on_train_end(logs)
        return history

    # ------------------------------------------------------------------ evaluate / predict
    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: Any = 1, return_dict: bool = False) -> Any:
        """Loss and metrics on the data, in eval mode without gradients.

        Args:
            x, y: as in ``fit``.
            batch_size: samples per batch (default 32).
            verbose: 0 silent, 1 a bar (or one line when not interactive), 2 one line.
            return_dict: return ``{'loss': ..., 'accuracy': ...}``.

        Returns:
            The loss (a float) without metrics, else ``[loss, *metrics]`` in compile's
            order (Keras's convention); a dict with ``return_dict=True``.
        """
        self._require_compiled("evaluate")
        batch_size = _data.check_batch_size(batch_size, "evaluate")
        data = self._pairs(x, y, batch_size, False, "evaluate")
        progress = Progress(mode_for(verbose, "evaluate"),
                            len(data) if hasattr(data, "__len__") else None, "evaluate")
        logs = self._run(data, "evaluate", progress, train=False)
        progress.close(logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = 0) -> np.ndarray:
        """The module's outputs for ``x``, batch by batch, in eval mode without gradients.

        Args:
            x: inputs ``(N, *sample_shape)`` (array or Tensor), or a Dataset/DataLoader
                (of ``(input, target)`` pairs or of inputs alone).
            batch_size: samples per batch (default 32).
            verbose: 1 shows a bar.

        Returns:
            A NumPy array ``(N, ...)`` of raw outputs (logits for a classifier: take
            ``.argmax(1)`` for classes, or a softmax for probabilities).
        """
        batch_size = _data.check_batch_size(batch_size, "predict")
        data: Any = _data.batches(x, None, batch_size, False, self._float_dtype(), "predict",
                                  need_y=False)
        progress = Progress(mode_for(verbose, "predict"),
                            len(data) if hasattr(data, "__len__") else None, "predict")
        outs = []
        self.module.eval()
        with autograd.no_grad():
            for batch in data:
                xb = batch[0] if isinstance(batch, (tuple, list)) else batch
                outs.append(self._forward(self._input(xb), "predict").numpy())
                progress.update({})
        progress.close({})
        if not outs:
            raise ValueError("Model.predict: the data gave no batches")
        return np.concatenate(outs, axis=0)

    # ------------------------------------------------------------------ weights
    def save_weights(self, filepath: str | os.PathLike[str]) -> None:
        """Save ``module.state_dict()`` with ``autograd.save`` (safetensors-based)."""
        autograd.save(self.module.state_dict(), filepath)

    def load_weights(self, filepath: str | os.PathLike[str]) -> None:
        """Load weights saved by ``save_weights`` or by a ``ModelCheckpoint`` (either kind)."""
        obj = autograd.load(filepath)
        if isinstance(obj, dict) and isinstance(obj.get("model"), dict) and "epoch" in obj:
            obj = obj["model"]  # a full ModelCheckpoint: {'model', 'optimizer', 'epoch'}
        self.module.load_state_dict(obj)

    # ------------------------------------------------------------------ summary
    def summary(self, input_shape: Any = None, dtype: Any = None,
                print_fn: Callable[[str], Any] | None = print) -> str | None:
        """Keras-style table of layers, output shapes (batch shown as 1) and parameters.

        Prints the table with ``print_fn`` and returns None, as Keras does (so
        ``model.summary()`` at the end of a notebook cell shows it once); with
        ``print_fn=None`` it returns the table as a string instead.

        Unlike ``nn.Module.summary`` (which takes the full shape), ``input_shape`` here
        is ONE sample's shape WITHOUT the batch dimension, as in Keras's ``input_shape=``
        and torchsummary: ``(64,)`` for 64 features, ``(1, 8, 8)`` for a 1-channel 8x8
        image. After ``fit``/``evaluate``/``predict`` it may be omitted (the data's sample
        shape is used).

        Raises:
            ValueError: no shape known yet; or a shape that includes the batch dimension
                (the data's sample shape with one more leading number, or a shape on which
                the forward fails while its tail works).
        """
        known = self._sample
        if input_shape is None:
            if known is None:
                raise ValueError("Model.summary: pass input_shape, one sample's shape without the "
                                 "batch dimension (e.g. (64,) or (1, 8, 8)), or call fit/evaluate "
                                 "/predict first")
            input_shape, dtype = known[0], dtype if dtype is not None else known[1]
        if isinstance(input_shape, int):
            input_shape = (input_shape,)
        shape = tuple(int(s) for s in input_shape)
        hint = (f"Model.summary: input_shape={shape} looks like it includes the batch dimension; "
                f"Model.summary takes one sample's shape, e.g. {shape[1:]} "
                "(nn.Module.summary is the one that takes the full shape)")
        if known is not None and len(shape) == len(known[0]) + 1 and shape[1:] == known[0]:
            raise ValueError(hint)
        try:
            text = self.module.summary((1, *shape), dtype=dtype, print_fn=print_fn)
        except Exception as e:
            if len(shape) >= 2 and self._forward_works(shape[1:], dtype):
                raise ValueError(hint) from e
            raise ValueError(f"Model.summary: the forward pass failed on a zero batch of shape "
                             f"{(1, *shape)} (input_shape={shape} without the batch dimension): "
                             f"{type(e).__name__}: {e}") from e
        return text if print_fn is None else None

    def _forward_works(self, shape: tuple[int, ...], dtype: Any) -> bool:
        training = [m.training for m in self.module.modules()]
        try:
            self.module.eval()
            with autograd.no_grad():
                self.module(autograd.zeros(1, *shape, dtype=dtype))
            return True
        except Exception:
            return False
        finally:
            for m, t in zip(self.module.modules(), training):
                m.training = t
