"""Callbacks on real training runs: EarlyStopping, ModelCheckpoint, ReduceLROnPlateau,
CSVLogger and a user Callback."""
import csv

import numpy as np
import pytest

import autograd as torch
import optim
from autograd.train import (
    Callback,
    CSVLogger,
    EarlyStopping,
    Model,
    ModelCheckpoint,
    ReduceLROnPlateau,
)

from ._data import blobs, mlp


def _model(lr=1e-2, cls=optim.Adam):
    model = Model(mlp())
    model.compile(optimizer=lambda ps: cls(ps, lr=lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


class _BlowUpAt(Callback):
    """From ``epoch`` on, a huge learning rate wrecks the weights: the best epoch is earlier."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            for g in self.model.optimizer.param_groups:
                g["lr"] = 50.0


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    x, y = blobs()
    model = _model(lr=0.0, cls=optim.SGD)   # the loss cannot improve after epoch 0
    stop = EarlyStopping(monitor="loss", patience=2)
    h = model.fit(x, y, epochs=20, shuffle=False, callbacks=[stop], verbose=0)
    assert len(h.history["loss"]) == 3 and stop.stopped_epoch == 2
    learning = _model()
    h = learning.fit(x, y, epochs=6, batch_size=300, shuffle=False, verbose=0,
                     callbacks=[EarlyStopping(monitor="loss", patience=0)])
    assert len(h.history["loss"]) == 6   # full-batch Adam keeps improving: no stop


def test_early_stopping_min_delta_and_max_mode():
    x, y = blobs()
    h = _model().fit(x, y, epochs=20, verbose=0, validation_split=0.2,
                     callbacks=[EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.5)])
    # accuracy is 'max' mode; no epoch can beat the first by 0.5 once it is above 0.5
    assert 2 <= len(h.history["loss"]) < 20


def test_restore_best_weights_and_checkpoints_of_every_epoch(tmp_path):
    x, y = blobs()
    model = _model()
    stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True, verbose=1)
    ckpt = ModelCheckpoint(tmp_path / "ep{epoch:02d}.pt", save_weights_only=True)
    h = model.fit(x, y, epochs=12, validation_split=0.2, verbose=0,
                  callbacks=[_BlowUpAt(4), stop, ckpt])
    val = h.history["val_loss"]
    best = int(np.argmin(val))
    assert best < len(val) - 1, "the run must get worse after its best epoch for this test"
    assert stop.best_epoch == best
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"ep{e + 1:02d}.pt" for e in h.epoch]
    saved = torch.load(tmp_path / f"ep{best + 1:02d}.pt")
    for k, v in model.module.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), saved[k].numpy(), err_msg=k)
    n_val = len(x) - int(np.floor(len(x) * 0.8))
    assert model.evaluate(x[-n_val:], y[-n_val:], verbose=0)[0] == pytest.approx(min(val), rel=1e-6)


def test_checkpoint_save_best_only_and_resume_from_a_full_checkpoint(tmp_path, capsys):
    x, y = blobs()
    model = _model()
    ckpt = ModelCheckpoint(tmp_path / "best.pt", monitor="val_accuracy", save_best_only=True,
                           verbose=1)
    h = model.fit(x, y, epochs=6, validation_split=0.2, verbose=0, callbacks=[_BlowUpAt(3), ckpt])
    acc = h.history["val_accuracy"]
    improvements = sum(a > max(acc[:i], default=-np.inf) for i, a in enumerate(acc))
    out = capsys.readouterr().out
    assert out.count("saving model to") == improvements
    assert out.count("did not improve") == len(acc) - improvements
    full = torch.load(tmp_path / "best.pt")
    assert set(full) == {"model", "optimizer", "epoch"}
    assert full["epoch"] == int(np.argmax(acc)) + 1   # first epoch reaching the maximum
    resumed = _model()
    resumed.load_weights(tmp_path / "best.pt")
    resumed.optimizer.load_state_dict(full["optimizer"])
    n_val = len(x) - int(np.floor(len(x) * 0.8))
    assert resumed.evaluate(x[-n_val:], y[-n_val:], verbose=0)[1] == pytest.approx(max(acc))
    h2 = resumed.fit(x, y, epochs=full["epoch"] + 2, initial_epoch=full["epoch"], verbose=0)
    assert h2.epoch == [full["epoch"], full["epoch"] + 1]


def test_reduce_lr_on_plateau_cuts_the_rate_and_logs_it():
    x, y = blobs()
    model = _model(lr=1e-9, cls=optim.SGD)   # a plateau: the loss moves by far less than 1e-4
    cb = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_lr=2e-10)
    h = model.fit(x, y, epochs=6, callbacks=[cb], verbose=0)
    assert h.history["learning_rate"] == pytest.approx([1e-9, 1e-9, 5e-10, 2.5e-10, 2e-10, 2e-10],
                                                             rel=1e-9, abs=0)
    assert model.optimizer.param_groups[0]["lr"] == pytest.approx(2e-10, rel=1e-9, abs=0)


def test_reduce_lr_cooldown():
    x, y = blobs(n=60)
    model = _model(lr=1e-9, cls=optim.SGD)
    cb = ReduceLROnPlateau(monitor="loss", factor=0.1, patience=1, cooldown=2)
    h = model.fit(x, y, epochs=7, callbacks=[cb], verbose=0)
    # Keras's order: the cooldown counter drops before the check, so its last epoch already
    # counts towards patience: reductions after epochs 1, 3 and 5 (cooldown=0 would cut every
    # epoch, see the test above: here epochs 2 and 4 are skipped)
    assert h.history["learning_rate"] == pytest.approx(
        [1e-9, 1e-9, 1e-10, 1e-10, 1e-11, 1e-11, 1e-12], rel=1e-9, abs=0)


def test_csv_logger_writes_one_row_per_epoch_and_appends(tmp_path):
    x, y = blobs()
    model = _model()
    path = tmp_path / "logs" / "train.csv"
    h = model.fit(x, y, epochs=3, validation_split=0.2, verbose=0, callbacks=[CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    for i, r in enumerate(rows[1:]):
        assert float(r[2]) == pytest.approx(h.history["loss"][i], rel=1e-12)
        assert float(r[3]) == pytest.approx(h.history["val_accuracy"][i], rel=1e-12)
    model.fit(x, y, epochs=2, validation_split=0.2, verbose=0,
              callbacks=[CSVLogger(path, separator=";", append=True)])
    text = path.read_text().splitlines()
    assert len(text) == 6 and text[0].startswith("epoch,") and text[4].startswith("0;")


def test_a_user_callback_sees_every_hook_and_can_stop_training():
    x, y = blobs(n=100)
    seen = []

    class Spy(Callback):
        def on_train_begin(self, logs=None):
            seen.append(("train_begin", self.params["epochs"], self.params["steps"]))

        def on_epoch_begin(self, epoch, logs=None):
            seen.append(("epoch_begin", epoch))

        def on_train_batch_begin(self, batch, logs=None):
            seen.append(("batch_begin", batch))

        def on_train_batch_end(self, batch, logs=None):
            seen.append(("batch_end", batch, sorted(logs)))
            if batch == 1:
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            seen.append(("epoch_end", epoch))

        def on_train_end(self, logs=None):
            seen.append(("train_end",))

    h = _model().fit(x, y, epochs=5, batch_size=10, callbacks=[Spy()], verbose=0)
    assert seen == [("train_begin", 5, 10), ("epoch_begin", 0), ("batch_begin", 0),
                    ("batch_end", 0, ["accuracy", "loss"]), ("batch_begin", 1),
                    ("batch_end", 1, ["accuracy", "loss"]), ("epoch_end", 0), ("train_end",)]
    assert h.epoch == [0]


def test_missing_monitor_warns_like_keras():
    x, y = blobs(n=60)
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        _model().fit(x, y, epochs=1, callbacks=[EarlyStopping()], verbose=0)


def test_callback_argument_errors():
    with pytest.raises(ValueError, match="factor must be in"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.raises(ValueError, match="mode must be"):
        EarlyStopping(mode="up")
    x, y = blobs(n=60)
    with pytest.raises(TypeError, match="callbacks must be Callback objects"):
        _model().fit(x, y, callbacks=[lambda: None], verbose=0)
    with pytest.raises(KeyError, match="cannot format filepath"):
        _model().fit(x, y, verbose=0, callbacks=[ModelCheckpoint("{val_auc}.pt")])
