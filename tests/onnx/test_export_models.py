"""torch.onnx.export of whole models: the file passes onnx.checker, runs in ONNX Runtime and
matches our outputs (rtol 1e-4) at the traced batch size and another one (dynamic_axes)."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx", reason="the [onnx] extra is not installed")
pytest.importorskip("onnxruntime", reason="the [onnx] extra is not installed")

import autograd as torch  # noqa: E402
import nn  # noqa: E402

from ._helpers import check_matches, export_bytes, session  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_mlp_with_dropout_and_log_softmax():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 16),
                          nn.Tanh(), nn.Linear(16, 4), nn.LogSoftmax(dim=-1))
    check_matches(model, [torch.randn(3, 8)], ["x"], [[torch.randn(11, 8)]])


def _cnn_with_batchnorm():
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, stride=2, padding=(1, 0), groups=2, bias=False), nn.BatchNorm2d(8),
        nn.LeakyReLU(0.1), nn.AvgPool2d(2, ceil_mode=False), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(8, 5))
    for m in model.modules():  # eval-mode statistics that are not the identity
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(8))
            m.running_var.copy_(torch.rand(8) + 0.5)
            with torch.no_grad():
                m.weight.copy_(torch.rand(8) + 0.5)
                m.bias.copy_(torch.randn(8))
    return model


def test_cnn_with_batchnorm_eval_statistics():
    model = _cnn_with_batchnorm()
    model.train()  # export traces in eval mode and switches back
    export_bytes(model, (torch.randn(2, 3, 16, 16),))
    assert all(m.training for m in model.modules())
    check_matches(model, [torch.randn(2, 3, 16, 16)], ["image"], [[torch.randn(5, 3, 16, 16)]])


class _Recurrent(nn.Module):
    """Embedding -> recurrent layers (batch_first) -> last step -> Linear."""

    def __init__(self, cell, bidirectional=False, layers=2):
        super().__init__()
        self.emb = nn.Embedding(20, 6)
        self.rnn = cell(6, 10, num_layers=layers, batch_first=True, bidirectional=bidirectional)
        self.fc = nn.Linear(10 * (2 if bidirectional else 1), 3)

    def forward(self, tokens):
        out, _ = self.rnn(self.emb(tokens))
        return self.fc(out[:, -1])


@pytest.mark.parametrize("cell, bidirectional, layers", [
    (nn.GRU, False, 2), (nn.GRU, True, 1), (nn.LSTM, True, 2), (nn.RNN, False, 1)])
def test_recurrent_classifier(cell, bidirectional, layers):
    model = _Recurrent(cell, bidirectional, layers)
    check_matches(model, [torch.randint(0, 20, (4, 7))], ["tokens"],
                  [[torch.randint(0, 20, (9, 7))], [torch.randint(0, 20, (1, 7))]])


@pytest.mark.parametrize("batch_first, norm_first, activation", [
    (True, False, "relu"), (False, True, "gelu")])
def test_transformer_encoder_block(batch_first, norm_first, activation):
    layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.1, activation=activation,
                                       batch_first=batch_first, norm_first=norm_first)
    axis = 0 if batch_first else 1
    shape = (2, 5, 16) if batch_first else (5, 2, 16)
    other = (6, 5, 16) if batch_first else (5, 6, 16)
    check_matches(layer, [torch.randn(*shape)], ["src"], [[torch.randn(*other)]],
                  batch_axis=axis)


def test_mnist1d_cnn_from_examples():
    spec = importlib.util.spec_from_file_location("_mnist1d_example", EXAMPLES / "mnist1d.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.CNN()
    check_matches(model, [torch.randn(8, 40)], ["signal"],
                  [[torch.randn(100, 40)], [torch.randn(1, 40)]])


def test_mnist1d_gru_from_examples():
    spec = importlib.util.spec_from_file_location("_mnist1d_example", EXAMPLES / "mnist1d.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    check_matches(module.GRU(), [torch.randn(4, 40)], ["signal"], [[torch.randn(9, 40)]])


def test_conv_transpose_conv1d_and_pooling():
    model = nn.Sequential(
        nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1),
        nn.GELU(approximate="tanh"), nn.AvgPool2d(2), nn.Flatten(2),       # (B, 4, 25)
        nn.Conv1d(4, 6, 3, padding=2, dilation=2), nn.SiLU(), nn.MaxPool1d(2),
        nn.Conv1d(6, 6, 3, groups=3, stride=2), nn.AdaptiveAvgPool1d(1), nn.Flatten(),
        nn.Softmax(dim=1))
    check_matches(model, [torch.randn(2, 3, 5, 5)], ["x"], [[torch.randn(3, 3, 5, 5)]])


def test_multihead_attention_with_mask_and_sdpa():
    class Attn(nn.Module):
        def __init__(self):
            super().__init__()
            self.mha = nn.MultiheadAttention(8, 2, batch_first=True)
            self.q = nn.Linear(8, 8)

        def forward(self, x):
            causal = torch.triu(torch.ones(x.shape[1], x.shape[1], dtype=torch.bool), 1)
            a, _ = self.mha(x, x, x, attn_mask=causal)
            q = self.q(x).unsqueeze(1)
            b = nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True).squeeze(1)
            return a + b

    check_matches(Attn(), [torch.randn(2, 4, 8)], ["x"], [[torch.randn(5, 4, 8)]])


def test_float64_model():
    model = nn.Sequential(nn.Linear(4, 6), nn.Sigmoid(), nn.Linear(6, 2)).double()
    check_matches(model, [torch.randn(3, 4, dtype=torch.float64)], ["x"],
                  [[torch.randn(7, 4, dtype=torch.float64)]], rtol=1e-10, atol=1e-12)
    assert np.dtype(model[0].weight.dtype) == np.float64


@pytest.mark.parametrize("act", [nn.PReLU(6), nn.Hardswish(), nn.Hardsigmoid(), nn.Hardshrink(0.3),
                                 nn.Threshold(0.1, 20.0), nn.ReLU6(), nn.ELU(), nn.Softplus(2.0),
                                 nn.Mish(), nn.LogSigmoid(), nn.GELU(), nn.Softsign()],
                         ids=lambda m: type(m).__name__)
def test_activations_with_numpy_masks_and_groupnorm(act):
    # PReLU, hardswish, ... pick their branch with a NumPy mask of the input's values: the
    # tracer follows it, so a mask of other values is right too (4x larger values below
    # cross hardswish's +-3 kinks)
    model = nn.Sequential(nn.Conv2d(4, 6, 3), act, nn.GroupNorm(3, 6))
    check_matches(model, [torch.randn(2, 4, 6, 6)], ["x"], [[torch.randn(3, 4, 6, 6) * 4]])


def test_lstm_with_given_state_as_nested_inputs_and_outputs():
    # word_language_model's export: model(tokens, (h0, c0)) -> (logits, (h_n, c_n))
    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(14, 8)
            self.rnn = nn.LSTM(8, 8, num_layers=2)
            self.out = nn.Linear(8, 14)

        def forward(self, tokens, hidden):
            y, hidden = self.rnn(self.emb(tokens), hidden)
            return nn.functional.log_softmax(self.out(y), dim=-1), hidden

    model = LM()
    tokens = torch.randint(0, 14, (6, 2))
    state = (torch.randn(2, 2, 8), torch.randn(2, 2, 8))
    data = export_bytes(model, (tokens, state))
    got = session(data).run(None, {"input_0": tokens.numpy(), "input_1": state[0].numpy(),
                                   "input_2": state[1].numpy()})
    y, (h, c) = model.eval()(tokens, state)
    for g, w in zip(got, (y, h, c)):
        np.testing.assert_allclose(g, w.detach().numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("opset", [11, 13])
def test_gru_classifier_at_older_opsets(opset):
    model = _Recurrent(nn.GRU, True, 2)
    tokens = torch.randint(0, 20, (3, 5))
    data = export_bytes(model, (tokens,), opset_version=opset)
    got = session(data).run(None, {"input": tokens.numpy()})[0]
    np.testing.assert_allclose(got, model.eval()(tokens).detach().numpy(), rtol=1e-4, atol=1e-6)
