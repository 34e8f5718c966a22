"""Model.compile/fit/evaluate/predict on real small training runs."""
import copy

import numpy as np
import pytest

import autograd as torch
import nn
import nn.functional as F
import optim
from autograd import metrics
from autograd.train import History, Model
from autograd.utils.data import DataLoader, TensorDataset

from ._data import blobs, mlp


def _adam(params):
    return optim.Adam(params, lr=1e-2)


def _compiled(metrics_=("accuracy",), optimizer=_adam, loss="sparse_categorical_crossentropy",
              module=None):
    model = Model(module if module is not None else mlp())
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics_))
    return model


def test_fit_learns_and_history_records_every_epoch():
    x, y = blobs()
    model = _compiled()
    h = model.fit(x, y, epochs=6, batch_size=32, validation_split=0.2, verbose=0)
    assert isinstance(h, History) and model.history is h
    assert list(h.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(v) == 6 for v in h.history.values()) and h.epoch == list(range(6))
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]
    assert h.history["val_accuracy"][-1] > 0.9


def test_validation_split_holds_out_the_last_samples_and_evaluate_matches():
    x, y = blobs()
    model = _compiled()
    h = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    n_val = len(x) - int(np.floor(len(x) * 0.75))
    loss, acc = model.evaluate(x[-n_val:], y[-n_val:], verbose=0)
    assert loss == pytest.approx(h.history["val_loss"][-1], rel=1e-6)
    assert acc == pytest.approx(h.history["val_accuracy"][-1], rel=1e-6)
    d = model.evaluate(x[-n_val:], y[-n_val:], verbose=0, return_dict=True)
    assert d == {"loss": loss, "accuracy": acc}


def test_fit_is_the_plain_pytorch_loop():
    """Same start, no shuffling: fit's weights equal a hand-written loop's after 2 epochs."""
    x, y = blobs(n=100)
    module = mlp()
    twin = copy.deepcopy(module)
    model = Model(module)
    model.compile(optimizer=optim.SGD(module.parameters(), lr=0.1, momentum=0.9),
                  loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    opt = optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    xt, yt = torch.tensor(x.astype(np.float32)), torch.tensor(y)
    for _ in range(2):
        for s in range(0, 100, 16):
            loss = F.cross_entropy(twin(xt[s:s + 16]), yt[s:s + 16])
            opt.zero_grad()
            loss.backward()
            opt.step()
    for (k, a), (_, b) in zip(module.state_dict().items(), twin.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


def test_predict_returns_numpy_logits_independent_of_batch_size():
    x, y = blobs()
    model = _compiled()
    model.fit(x, y, epochs=3, verbose=0)
    p = model.predict(x)
    assert isinstance(p, np.ndarray) and p.shape == (300, 3) and p.dtype == np.float32
    np.testing.assert_allclose(model.predict(torch.tensor(x), batch_size=7), p, rtol=1e-6,
                               atol=1e-6)
    _, acc = model.evaluate(x, y, verbose=0)
    assert acc == pytest.approx(float((p.argmax(1) == y).mean()), abs=1e-7)
    with torch.no_grad():
        model.module.eval()
        direct = model.module(torch.tensor(x.astype(np.float32))).numpy()
    np.testing.assert_allclose(p, direct, rtol=1e-5, atol=1e-6)


def test_epoch_metrics_are_whole_epoch_values_not_batch_means():
    x, y = blobs(n=203)
    f1 = metrics.F1Score(task="multiclass", num_classes=3, average="macro")

    def error_rate(out, target):
        return (out.argmax(1) != target).float().mean()

    model = _compiled(metrics_=("accuracy", "precision", f1, error_rate))
    model.fit(x, y, epochs=2, verbose=0)
    logs = model.evaluate(x, y, batch_size=10, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "accuracy", "precision", "f1_score", "error_rate"]
    pred = torch.tensor(model.predict(x))
    yt = torch.tensor(y)
    fn = metrics.functional
    assert logs["precision"] == pytest.approx(float(fn.precision(
        pred, yt, task="multiclass", num_classes=3, average="macro")), abs=1e-6)
    assert logs["f1_score"] == pytest.approx(float(fn.f1_score(
        pred, yt, task="multiclass", num_classes=3, average="macro")), abs=1e-6)
    assert logs["error_rate"] == pytest.approx(1 - logs["accuracy"], abs=1e-6)


def test_dataloader_and_dataset_inputs():
    x, y = blobs()
    ds = TensorDataset(torch.tensor(x.astype(np.float32)), torch.tensor(y))
    model = _compiled()
    h = model.fit(DataLoader(ds, batch_size=25, shuffle=True), epochs=3, verbose=0,
                  validation_data=DataLoader(ds, batch_size=50))
    assert len(h.history["val_accuracy"]) == 3 and h.history["val_accuracy"][-1] > 0.9
    h2 = model.fit(ds, epochs=1, batch_size=30, validation_split=0.1, verbose=0)
    assert set(h2.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert model.evaluate(ds, verbose=0)[1] == pytest.approx(
        model.evaluate(x, y, verbose=0)[1])
    assert model.predict(DataLoader(ds, batch_size=64)).shape == (300, 3)


def test_binary_crossentropy_with_labels_shaped_n():
    x, y = blobs(classes=2)
    model = _compiled(module=mlp(classes=1), loss="binary_crossentropy",
                      metrics_=("accuracy", "recall"))
    h = model.fit(x, y, epochs=5, verbose=0)
    assert h.history["accuracy"][-1] > 0.9 and h.history["recall"][-1] > 0.85
    p = model.predict(x)
    assert p.shape == (300, 1)
    _, acc, _ = model.evaluate(x, y, verbose=0)
    assert acc == pytest.approx(float(((p[:, 0] > 0) == y).mean()), abs=1e-7)


def test_categorical_crossentropy_with_one_hot_targets():
    x, y = blobs()
    onehot = np.eye(3, dtype=np.float32)[y]
    model = _compiled()
    model.compile(optimizer=_adam, loss="categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, onehot, epochs=4, verbose=0)
    assert h.history["accuracy"][-1] > 0.9
    sparse = Model(copy.deepcopy(model.module))
    sparse.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    assert sparse.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, onehot, verbose=0),
                                                             rel=1e-4)


def test_regression_with_mse_and_mae():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4))
    # shape (N,) against an (N, 1) output; noise keeps the residuals well above float32 eps
    y = x @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.25 + rng.normal(0, 0.1, 256)
    model = Model(nn.Linear(4, 1))
    model.compile(optimizer=optim.Adam(model.parameters(), lr=0.05), loss="mse", metrics=["mae"])
    h = model.fit(x, y, epochs=40, batch_size=32, verbose=0)
    assert h.history["loss"][-1] < 0.02 and h.history["loss"][0] > 1.0
    loss, mae = model.evaluate(x, y, verbose=0)
    p = model.predict(x)[:, 0]
    assert loss == pytest.approx(float(np.mean((p - y) ** 2)), rel=1e-3)
    assert mae == pytest.approx(float(np.mean(np.abs(p - y))), rel=1e-3)


def test_same_seed_same_history_and_shuffle_changes_order():
    x, y = blobs()
    runs = []
    for _ in range(2):
        torch.manual_seed(3)
        runs.append(_compiled().fit(x, y, epochs=2, verbose=0).history)
    assert runs[0] == runs[1]
    torch.manual_seed(3)
    unshuffled = _compiled().fit(x, y, epochs=2, shuffle=False, verbose=0).history
    assert unshuffled["loss"] != runs[0]["loss"]


def test_float64_and_tensor_inputs_are_cast_to_the_parameter_dtype():
    x, y = blobs(n=64)
    model = _compiled()
    model.fit(torch.tensor(x), torch.tensor(y), epochs=1, verbose=0)   # float64 Tensor
    assert model.predict(x).dtype == np.float32
    double = Model(mlp().double())
    double.compile("adam", "sparse_categorical_crossentropy")
    double.fit(x.astype(np.float32), y, epochs=1, verbose=0)
    assert double.predict(x).dtype == np.float64
    assert isinstance(double.evaluate(x, y, verbose=0), float)   # no metrics: a bare loss


def test_verbose_modes_print_one_line_per_epoch_when_not_a_terminal(capsys):
    x, y = blobs(n=64)
    model = _compiled()
    model.fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    for verbose in (1, 2):   # pytest's captured stdout is not a TTY: 1 falls back to lines
        model.fit(x, y, epochs=3, verbose=verbose, validation_split=0.25)
        lines = capsys.readouterr().out.strip().splitlines()
        assert [ln.split(" - ")[0] for ln in lines] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
        assert all("loss: " in ln and "val_accuracy: " in ln for ln in lines)
    model.evaluate(x, y)
    assert capsys.readouterr().out.startswith("evaluate - 2 batches")


def test_history_plot_has_a_panel_per_quantity():
    pytest.importorskip("matplotlib", reason="History.plot draws with matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x, y = blobs(n=64)
    h = _compiled().fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    fig = h.plot()
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[1].get_ydata(), h.history["val_loss"])
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    plt.close(fig)


def test_optimizer_names_get_kerass_learning_rates_and_factories_work():
    model = Model(mlp())
    model.compile(optimizer="sgd", loss="mse")
    assert isinstance(model.optimizer, optim.SGD) and model.optimizer.param_groups[0]["lr"] == 0.01
    model.compile(optimizer="RMSprop", loss="mse")
    assert isinstance(model.optimizer, optim.RMSprop)
    assert model.optimizer.param_groups[0]["lr"] == 1e-3
    model.compile(optimizer=lambda ps: optim.AdamW(ps, lr=0.5), loss=nn.CrossEntropyLoss(),
                  metrics="accuracy")
    assert isinstance(model.optimizer, optim.AdamW) and model.optimizer.param_groups[0]["lr"] == 0.5
    x, y = blobs(n=64)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)   # CrossEntropyLoss: sparse accuracy
    assert set(logs) == {"loss", "accuracy"}


def test_save_and_load_weights_round_trip(tmp_path):
    x, y = blobs(n=64)
    model = _compiled()
    model.fit(x, y, epochs=1, verbose=0)
    model.save_weights(tmp_path / "w.pt")
    other = Model(mlp())
    other.load_weights(tmp_path / "w.pt")
    np.testing.assert_array_equal(other.predict(x), model.predict(x))


def test_verbose_1_draws_a_bar_per_epoch_on_a_terminal(monkeypatch):
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    x, y = blobs(n=64)
    _compiled().fit(x, y, epochs=2, batch_size=16, validation_split=0.25)
    finals = [ln for ln in term.getvalue().replace("\r", "\n").splitlines() if "100%" in ln]
    assert [ln.split(":")[0] for ln in finals] == ["Epoch 1/2", "Epoch 2/2"]
    assert all("3/3" in ln and "loss: " in ln and "val_accuracy: " in ln for ln in finals)
