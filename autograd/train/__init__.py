"""Keras-style training on top of plain ``nn.Module``\\ s (optional; ``nn.Module`` is unchanged).

``Model(module)`` wraps a module with Keras's ``compile``/``fit``/``evaluate``/``predict``/
``summary``; the callbacks are Keras's (``EarlyStopping``, ``ModelCheckpoint``,
``ReduceLROnPlateau``, ``CSVLogger``) and ``fit`` returns a ``History``.

Why a wrapper and not methods on ``nn.Module``: a PyTorch user's module keeps exactly
PyTorch's behaviour and API, while a Keras user gets the calls they know;
``model.module`` is the same object, so a hand-written loop and ``fit`` can be mixed.

Example::

    >>> import nn
    >>> from autograd.train import Model, EarlyStopping
    >>> model = Model(nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)))
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
    ...               metrics=["accuracy"])
    >>> history = model.fit(x, y, epochs=10, validation_split=0.2,
    ...                     callbacks=[EarlyStopping(patience=2, restore_best_weights=True)])
    >>> history.plot()

Losses by name take logits (Keras's ``from_logits=True``); see ``autograd.train.losses``.
"""
from .callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    ModelCheckpoint,
    ReduceLROnPlateau,
)
from .model import Model

__all__ = ["Model", "History", "Callback", "EarlyStopping", "ModelCheckpoint",
           "ReduceLROnPlateau", "CSVLogger"]
