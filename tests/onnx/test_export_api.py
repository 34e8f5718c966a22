"""torch.onnx.export's contract: opset, dynamic_axes, names, file targets, errors, and the
engine left as it was."""
import io

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="the [onnx] extra is not installed")
ort = pytest.importorskip("onnxruntime", reason="the [onnx] extra is not installed")

import autograd as torch  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
from autograd.node import Op  # noqa: E402

from ._helpers import export_bytes, ours, session  # noqa: E402


def _mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def _dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def test_resolves_as_torch_onnx_export():
    import autograd.onnx
    assert torch.onnx.export is autograd.onnx.export
    assert issubclass(torch.onnx.errors.UnsupportedOperatorError, RuntimeError)


@pytest.mark.parametrize("opset", [None, 11, 13, 17, 18])
def test_declares_exactly_the_requested_opset(opset):
    kw = {} if opset is None else {"opset_version": opset}
    model = nn.Sequential(_mlp(), nn.Softmax(dim=0), nn.Flatten(0))
    proto = onnx.load_from_string(export_bytes(model, (torch.randn(2, 4),), **kw))
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", opset or 17)]
    onnx.checker.check_model(proto, full_check=True)
    x = torch.randn(2, 4)
    got = session(proto.SerializeToString()).run(None, {"input": x.numpy()})[0]
    np.testing.assert_allclose(got, ours(model, x)[0], rtol=1e-5)


def test_softmax_over_a_middle_dim_in_opset_11():
    # before opset 13 ONNX's Softmax flattened the dims from ``axis`` on: moved last instead
    model = nn.Softmax(dim=1)
    x = torch.randn(2, 3, 4)
    sess = session(export_bytes(model, (x,), opset_version=11))
    np.testing.assert_allclose(sess.run(None, {"input": x.numpy()})[0], ours(model, x)[0],
                               rtol=1e-5)


def test_bad_opset_is_refused():
    with pytest.raises(torch.onnx.OnnxExporterError, match="opset_version"):
        export_bytes(_mlp(), (torch.randn(2, 4),), opset_version=7)


def test_dynamic_axes_marks_exactly_the_named_dims():
    model = nn.Conv2d(3, 2, 3)
    data = export_bytes(model, (torch.randn(2, 3, 8, 9),), input_names=["img"],
                        output_names=["feat"], dynamic_axes={"img": {0: "batch", 3: "width"},
                                                             "feat": [0]})
    proto = onnx.load_from_string(data)
    assert _dims(proto.graph.input[0]) == ["batch", 3, 8, "width"]
    assert _dims(proto.graph.output[0]) == ["feat_dynamic_axes_1", 2, 6, 7]
    x = torch.randn(4, 3, 8, 12)  # both named dims changed
    got = session(data).run(None, {"img": x.numpy()})[0]
    np.testing.assert_allclose(got, ours(model, x)[0], rtol=1e-4, atol=1e-6)


def test_without_dynamic_axes_every_dim_is_fixed():
    data = export_bytes(_mlp(), (torch.randn(2, 4),))
    proto = onnx.load_from_string(data)
    assert _dims(proto.graph.input[0]) == [2, 4]
    assert _dims(proto.graph.output[0]) == [2, 3]
    with pytest.raises(Exception, match="(?i)dimension|shape"):
        session(data).run(None, {"input": np.zeros((5, 4), np.float32)})


def test_dynamic_axes_name_must_exist():
    with pytest.raises(torch.onnx.OnnxExporterError, match="'nope'"):
        export_bytes(_mlp(), (torch.randn(2, 4),), dynamic_axes={"nope": {0: "b"}})


def test_names_several_inputs_and_outputs_and_kwargs():
    class Two(nn.Module):
        def forward(self, a, b, scale=1.0):
            return a * b * scale, (a - b).sum(dim=1, keepdim=True), (a + b).amax(0)

    a, b = torch.randn(3, 4), torch.randn(3, 4)
    data = export_bytes(Two(), (a, b, {"scale": 2.0}), input_names=["a"])
    proto = onnx.load_from_string(data)
    assert [i.name for i in proto.graph.input] == ["a", "input_1"]
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1", "output_2"]
    got = session(data).run(None, {"a": a.numpy(), "input_1": b.numpy()})
    for g, w in zip(got, (a * b * 2.0, (a - b).sum(1, keepdim=True), (a + b).amax(0))):
        np.testing.assert_allclose(g, w.numpy(), rtol=1e-5)


def test_writes_a_path_and_returns_the_proto_without_f(tmp_path):
    model, x = _mlp(), torch.randn(2, 4)
    path = tmp_path / "m.onnx"
    assert torch.onnx.export(model, (x,), str(path)) is None
    proto = torch.onnx.export(model, x)  # f=None: the ModelProto (args may be one Tensor)
    assert isinstance(proto, onnx.ModelProto)
    assert onnx.load(str(path)).graph.node == proto.graph.node
    assert len(proto.graph.initializer) == 4  # two weights, two biases, each stored once


def test_private_export_returns_the_output(tmp_path):
    model, x = _mlp(), torch.randn(2, 4)
    out = torch.onnx._export(model, x, tmp_path / "m.onnx", opset_version=11)
    np.testing.assert_allclose(out.detach().numpy(), ours(model, x)[0], rtol=1e-6)
    assert onnx.load(str(tmp_path / "m.onnx")).opset_import[0].version == 11


class _Cumprod(nn.Module):
    def forward(self, x):
        return F.selu(x.sort(1).values).cumprod(1).relu()


def _engine():
    import autograd.ops
    return (Op.__dict__["apply"], autograd.ops.gt, torch.gt, autograd.ops.where, torch.where,
            autograd.ops.getitem, autograd.ops.masked_fill, F.embedding, autograd.ops.sort,
            torch.topk, autograd.ops.floor_divide, autograd.ops.div, F.selu, F.softshrink)


def test_unsupported_op_names_the_op_and_restores_the_engine():
    model = _Cumprod()
    model.train()
    before = _engine()
    with pytest.raises(torch.onnx.errors.UnsupportedOperatorError, match="'cumprod'"):
        export_bytes(model, (torch.randn(2, 3),))
    after = _engine()
    assert all(a is b for a, b in zip(before, after)) and model.training


def test_custom_function_on_the_inputs_is_refused_by_name():
    class Twice(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class M(nn.Module):
        def forward(self, x):
            return Twice.apply(x) + 1

    with pytest.raises(torch.onnx.errors.UnsupportedOperatorError, match="Twice"):
        export_bytes(M(), (torch.randn(2, 3),))


def test_output_independent_of_inputs_is_refused():
    class Const(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(3))

        def forward(self, x):
            return self.w * 2

    with pytest.raises(torch.onnx.OnnxExporterError, match="does not depend"):
        export_bytes(Const(), (torch.randn(2, 3),))


@pytest.mark.parametrize("opset", [11, 17])  # axes as attributes before 13, inputs from 13
def test_data_dependent_masks_comparisons_and_indexing_are_traced(opset):
    class M(nn.Module):
        def forward(self, x):
            y = torch.where(x > 0, x * 2, -x).masked_fill(x < -1, 0.0)
            y = y + (x != 0.5).float() + (~(x >= 1) & (x <= 2)).to(x.dtype)
            parts = torch.split(y, 2, dim=1)
            z = torch.cat([parts[1], parts[0][:, :1]], dim=1)
            z = torch.stack([z, z.exp().log1p()], dim=-1)[..., 1]
            z = nn.functional.pad(z, (1, 2)).clamp(-0.5, 3.0)
            return z.mean(dim=1, keepdim=True) * z[:, None, 1:3].sqrt().abs().sum(-1)

    x = torch.randn(3, 4)
    x2 = torch.randn(6, 4)
    data = export_bytes(M(), (x,), dynamic_axes={"input": {0: "b"}, "output": {0: "b"}},
                        opset_version=opset)
    sess = session(data)
    for xx in (x, x2):  # a baked-in mask would be wrong for other values
        np.testing.assert_allclose(sess.run(None, {"input": xx.numpy()})[0],
                                   ours(M(), xx)[0], rtol=1e-5, atol=1e-6)


def test_file_object_target():
    buf = io.BytesIO()
    torch.onnx.export(_mlp(), (torch.randn(1, 4),), buf)
    assert onnx.load_from_string(buf.getvalue()).producer_name == "numbagrad"


def test_indexing_by_traced_indices_and_refusing_masks():
    class Pick(nn.Module):
        def forward(self, x, idx):
            return x[:, idx] * 2

    x, idx = torch.randn(3, 5), torch.tensor([4, 0, 2])
    data = export_bytes(Pick(), (x, idx), input_names=["x", "idx"])
    got = session(data).run(None, {"x": x.numpy(), "idx": np.array([1, 1, 3])})[0]
    np.testing.assert_allclose(got, x.numpy()[:, [1, 1, 3]] * 2, rtol=1e-6)

    class Mask(nn.Module):
        def forward(self, x):
            return x[x > 0]

    with pytest.raises(torch.onnx.errors.UnsupportedOperatorError, match="'getitem'.*mask"):
        export_bytes(Mask(), (x,))


def test_values_computed_outside_the_engine_are_refused():
    class NumpyMask(nn.Module):
        def forward(self, x):
            keep = torch.from_numpy(np.ascontiguousarray(x.detach().numpy() > 0))
            return torch.where(keep, x, x * 0.1)

    with pytest.raises(torch.onnx.OnnxExporterError, match="Where.*changes with the input"):
        export_bytes(NumpyMask(), (torch.randn(3, 4),))


def test_data_dependent_control_flow_is_refused():
    class Branch(nn.Module):
        def forward(self, x):
            return x * 2 if bool(x[0, 0] > 0) else x.exp()

    x = torch.tensor([[1.0, -1.0], [-2.0, -3.0]])
    with pytest.raises(torch.onnx.OnnxExporterError, match="depends on the input values"):
        export_bytes(Branch(), (x,))
