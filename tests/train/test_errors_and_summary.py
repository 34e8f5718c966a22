"""Clear errors for the usual mistakes, and Model.summary's shape rule (no batch dimension)."""
import numpy as np
import pytest

import autograd as torch
import nn
import optim
from autograd.train import History, Model
from autograd.utils.data import DataLoader, TensorDataset

from ._data import blobs, mlp


def _model(metrics=("accuracy",), loss="sparse_categorical_crossentropy", module=None):
    model = Model(module if module is not None else mlp())
    model.compile(optimizer="adam", loss=loss, metrics=list(metrics))
    return model


def test_compile_errors():
    model = Model(mlp())
    with pytest.raises(RuntimeError, match=r"call model.compile\(optimizer=..., loss=...\) first"):
        model.fit(*blobs(n=10))
    with pytest.raises(ValueError, match="unknown loss 'sparse_crossentropy'; known names: "
                                         "binary_crossentropy, categorical_crossentropy"):
        model.compile("adam", "sparse_crossentropy")
    with pytest.raises(ValueError, match="loss is required"):
        model.compile("adam")
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'"):
        model.compile("adamm", "mse")
    with pytest.raises(ValueError, match="unknown metric 'auc'"):
        model.compile("adam", "mse", metrics=["auc"])
    with pytest.raises(ValueError, match="metric 'accuracy' needs a classification loss, not 'mse'"):
        model.compile("adam", "mse", metrics=["accuracy"])
    with pytest.raises(ValueError, match="holds none of the model's parameters"):
        model.compile(optim.Adam(mlp().parameters()), "mse")
    with pytest.raises(TypeError, match="optimizer must be a name"):
        model.compile(3, "mse")
    with pytest.raises(ValueError, match="must be unique and not 'loss'"):
        model.compile("adam", "mse", metrics=["mae", "mae"])
    with pytest.raises(TypeError, match="expected an nn.Module, got function"):
        Model(lambda x: x)


def test_data_errors():
    x, y = blobs(n=20)
    model = _model()
    with pytest.raises(ValueError, match=r"same number of samples, got x \(20, 8\) and y \(19,\)"):
        model.fit(x, y[:-1], verbose=0)
    with pytest.raises(ValueError, match="y is required when x is an array"):
        model.fit(x, verbose=0)
    ds = TensorDataset(torch.tensor(x), torch.tensor(y))
    with pytest.raises(ValueError, match="y must be None when x is a DataLoader"):
        model.fit(DataLoader(ds), y, verbose=0)
    with pytest.raises(ValueError, match="validation_split is not supported when x is a DataLoader"):
        model.fit(DataLoader(ds), validation_split=0.1, verbose=0)
    with pytest.raises(ValueError, match=r"validation_split must be in \[0, 1\), got 1.0"):
        model.fit(x, y, validation_split=1.0, verbose=0)
    with pytest.raises(ValueError, match="leaves an empty training or validation set"):
        model.fit(x, y, validation_split=0.99, verbose=0)
    with pytest.raises(ValueError, match="validation_data must be a pair"):
        model.fit(x, y, validation_data=(x, y, y), verbose=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        model.fit(x, y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="verbose must be 0, 1, 2 or 'auto', got 3"):
        model.fit(x, y, verbose=3)
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        model.fit(x, y, epochs=2.5, verbose=0)
    with pytest.raises(ValueError, match="each batch must be an \\(input, target\\) pair"):
        model.fit(DataLoader(TensorDataset(torch.tensor(x)), batch_size=4), verbose=0)
    with pytest.raises(TypeError, match="expected a numeric NumPy array or Tensor"):
        model.fit(x, ["a"] * 19 + [None], verbose=0)


def test_target_errors():
    x, y = blobs(n=20)
    with pytest.raises(ValueError, match="targets must be class indices, got non-integer floats"):
        _model().fit(x, y + 0.5, verbose=0)
    with pytest.raises(ValueError, match=r"target shape \(20, 2\) does not match the output shape "
                                         r"\(20, 3\)"):
        _model(metrics=(), loss="mse").fit(x, np.zeros((20, 2)), verbose=0, batch_size=20)
    # float labels that are whole numbers are fine (a common NumPy habit)
    _model().fit(x, y.astype(np.float64), verbose=0)


def test_module_must_return_one_tensor():
    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(8, 3)

        def forward(self, x):
            return self.lin(x), x

    x, y = blobs(n=20)
    with pytest.raises(TypeError, match="the module must return one Tensor, got tuple"):
        _model(module=Pair()).fit(x, y, verbose=0)


def test_per_class_metric_object_is_refused_with_a_hint():
    from autograd import metrics
    x, y = blobs(n=20)
    model = _model(metrics=[metrics.Recall(task="multiclass", num_classes=3, average="none")])
    with pytest.raises(ValueError, match="gives 3 numbers .* use an average such as 'macro'"):
        model.fit(x, y, verbose=0)


def test_history_plot_before_fit():
    with pytest.raises(ValueError, match="nothing recorded yet"):
        History().plot()


def _cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 4 * 4, 10))


def test_summary_takes_one_samples_shape_without_the_batch_dimension():
    model = Model(_cnn())
    text = model.summary((1, 8, 8), print_fn=None)
    assert text == model.module.summary((1, 1, 8, 8), print_fn=None)
    assert "[1, 4, 8, 8]" in text and "Total params: 690" in text
    assert Model(mlp()).summary(8, print_fn=None) == mlp().summary((1, 8), print_fn=None)


def test_summary_errors_name_the_rule():
    model = Model(_cnn())
    with pytest.raises(ValueError, match="pass input_shape, one sample's shape without the batch"):
        model.summary()
    # a 4-d shape makes the conv see a 5-d batch: the tail (1, 8, 8) works, so say so
    with pytest.raises(ValueError, match=r"input_shape=\(32, 1, 8, 8\) looks like it includes the "
                                         r"batch dimension.*e\.g\. \(1, 8, 8\)"):
        model.summary((32, 1, 8, 8))
    with pytest.raises(ValueError, match=r"forward pass failed on a zero batch of shape "
                                         r"\(1, 3, 8, 8\)"):
        model.summary((3, 8, 8))


def test_summary_after_fit_knows_the_sample_shape_and_catches_a_batch_dimension(capsys):
    x, y = blobs(n=40)
    model = _model()
    model.fit(x, y, verbose=0)
    assert model.summary(print_fn=None) == model.summary((8,), print_fn=None)
    # an MLP would run on (1, 40, 8) silently; the data's sample shape catches it
    with pytest.raises(ValueError, match=r"input_shape=\(40, 8\) looks like it includes the batch"):
        model.summary((40, 8))
    assert model.summary() is None   # printed, not returned (Keras): shown once in a notebook
    assert "Total params: 195" in capsys.readouterr().out
