"""Writes the ONNX fixtures of test/io_onnx.test.ts: small MLPs exported by torch.onnx.export (the
TorchScript exporter of torch 1.13, opsets 13 and 17) and graphs built with onnx.helper for what torch
1.13 cannot write (the opset-18 dynamo style, Gelu of opset 20, a tf2onnx-style Keras MLP, external
data, float_data initializers, negative axis attributes), plus a few graphs simdnn must refuse.

Each fixture is `<name>.onnx` beside `<name>.json` holding a fixed input batch (4 rows, seeded) and the
output PyTorch computes in float32, so the tests compare simdnn against PyTorch, not against itself.

Run with Debian's interpreter (torch 1.13, onnx 1.12):  /usr/bin/python3 scripts/onnx_fixtures.py
"""
import json
import math
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "onnx")
IN, H1, H2, OUTF = 5, 7, 6, 3
ROWS = 4


def batch(seed, shape):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(*shape, generator=g) * 6 - 3).float()


def write_case(name, x, y, extra=None):
    case = {"input": x.tolist(), "inputShape": list(x.shape), "output": y.tolist()}
    case.update(extra or {})
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(case, f, separators=(",", ":"))


def export_torch(name, model, opset, x):
    """Exports `model` (eval mode) with a dynamic batch axis and records torch's output on `x`."""
    model.eval()
    path = os.path.join(OUT, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(model, x, path, opset_version=opset, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
        y = model(x)
    write_case(name, x, y, {"opset": opset, "producer": "pytorch"})


def randomize_norm(m):
    """Non-trivial affine parameters and running statistics, so a swapped tensor shows."""
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, (torch.nn.BatchNorm1d, torch.nn.LayerNorm)):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.5, 0.5)
            if isinstance(mod, torch.nn.BatchNorm1d):
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 2.0)
            if isinstance(mod, torch.nn.PReLU):
                mod.weight.uniform_(0.05, 0.5)
    return m


def mlp(*middle, last=None):
    """Linear(5→7), the given modules, Linear(7→3), then `last` when given."""
    layers = [torch.nn.Linear(IN, H1), *middle, torch.nn.Linear(H1, OUTF)]
    if last is not None:
        layers.append(last)
    return randomize_norm(torch.nn.Sequential(*layers))


TORCH_CASES = {
    "relu_softmax": lambda: mlp(torch.nn.ReLU(), last=torch.nn.Softmax(dim=-1)),
    "leaky_relu": lambda: mlp(torch.nn.LeakyReLU(0.07)),
    "prelu": lambda: mlp(torch.nn.PReLU()),
    "prelu_channels": lambda: mlp(torch.nn.PReLU(H1)),
    "elu": lambda: mlp(torch.nn.ELU(alpha=0.8)),
    "selu": lambda: mlp(torch.nn.SELU()),
    "sigmoid": lambda: mlp(torch.nn.Sigmoid()),
    "tanh": lambda: mlp(torch.nn.Tanh()),
    "hardsigmoid": lambda: mlp(torch.nn.Hardsigmoid()),
    "hardswish": lambda: mlp(torch.nn.Hardswish()),
    "relu6": lambda: mlp(torch.nn.ReLU6()),
    "softplus": lambda: mlp(torch.nn.Softplus()),
    "softsign": lambda: mlp(torch.nn.Softsign()),
    "gelu": lambda: mlp(torch.nn.GELU()),
    "gelu_tanh": lambda: mlp(torch.nn.GELU(approximate="tanh")),
    "silu": lambda: mlp(torch.nn.SiLU()),
    "mish": lambda: mlp(torch.nn.Mish()),
    "layernorm": lambda: mlp(torch.nn.LayerNorm(H1), torch.nn.ReLU()),
    "batchnorm": lambda: mlp(torch.nn.BatchNorm1d(H1), torch.nn.ReLU()),
    "dropout": lambda: mlp(torch.nn.ReLU(), torch.nn.Dropout(0.3)),
    "log_softmax": lambda: mlp(torch.nn.Tanh(), last=torch.nn.LogSoftmax(dim=1)),
    # in == out: a kernel loaded without its transpose gives a different answer instead of a shape error
    "no_bias": lambda: torch.nn.Sequential(torch.nn.Linear(IN, H1, bias=False), torch.nn.ReLU(), torch.nn.Linear(H1, OUTF, bias=False)),
    "square": lambda: randomize_norm(torch.nn.Sequential(torch.nn.Linear(IN, IN), torch.nn.ReLU(), torch.nn.Linear(IN, IN))),
}


def torch_fixtures():
    for i, (name, make) in enumerate(sorted(TORCH_CASES.items())):
        for opset in (13, 17):
            torch.manual_seed(100 + i)
            export_torch(f"{name}_op{opset}", make(), opset, batch(7, (ROWS, IN)))
    torch.manual_seed(99)
    flat = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(10, H1), torch.nn.ReLU(), torch.nn.Linear(H1, OUTF))
    export_torch("flatten_op13", flat, 13, batch(8, (ROWS, 2, 5)))
    # Hardtanh(0, 1.5) exports as Clip(0, 1.5): Keras' ReLU with max_value 1.5 (reluMax); inputs wide enough
    # to reach both ends of the clip
    torch.manual_seed(98)
    export_torch("hardtanh_op13", mlp(torch.nn.Hardtanh(0.0, 1.5)), 13, batch(9, (ROWS, IN)))

    class ViewMLP(torch.nn.Module):
        """x.view(x.size(0), -1) exported without a dynamic axis: a Reshape to the fixed batch size."""
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(10, OUTF)

        def forward(self, x):
            return torch.sigmoid(self.fc(x.view(x.size(0), -1)))

    torch.manual_seed(98)
    model, x = ViewMLP().eval(), batch(15, (ROWS, 2, 5))
    with torch.no_grad():
        torch.onnx.export(model, x, os.path.join(OUT, "view_fixed_batch_op13.onnx"), opset_version=13, input_names=["x"], output_names=["y"])
        write_case("view_fixed_batch_op13", x, model(x), {"opset": 13, "producer": "pytorch"})


# ---------------------------------------------------------------- hand-built graphs


def rng_weights(seed, *shape):
    return np.random.default_rng(seed).uniform(-0.8, 0.8, size=shape).astype(np.float32)


def init(name, array, float_data=False):
    if float_data:  # float_data instead of raw_data, as some producers write
        return helper.make_tensor(name, TensorProto.FLOAT, array.shape, array.flatten().tolist())
    return numpy_helper.from_array(array, name)


def io_info(name, features):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", *features])


def save_graph(name, nodes, inits, opset, features=(IN,), out_features=(OUTF,), producer="onnx.helper", external=None):
    graph = helper.make_graph(nodes, name, [io_info("x", features)], [io_info("y", out_features)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name=producer, producer_version="1.0")
    model.ir_version = 8
    if opset <= 17:  # onnx 1.12's checker knows opsets up to 17
        onnx.checker.check_model(model)
    if external:
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        onnx.save_model(model, os.path.join(folder, "model.onnx"), save_as_external_data=True,
                        all_tensors_to_one_file=True, location=external, size_threshold=0)
    else:
        onnx.save_model(model, os.path.join(OUT, name + ".onnx"))


def t(a):
    return torch.from_numpy(a)


def dynamo18():
    """torch ≥ 2.9's dynamo exporter: MatMul + Add with the weight Transpose'd from [out, in], LayerNorm
    both as the opset-17 op and as the ReduceMean decomposition with axes as an input (opset 18)."""
    w1, b1 = rng_weights(1, H1, IN), rng_weights(2, H1)
    g1, be1 = rng_weights(3, H1) + 1, rng_weights(4, H1)
    w2, b2 = rng_weights(5, H2, H1), rng_weights(6, H2)
    g2, be2 = rng_weights(7, H2) + 1, rng_weights(8, H2)
    w3, b3 = rng_weights(9, OUTF, H2), rng_weights(10, OUTF)
    inits = [init(n, a) for n, a in [("l1.weight", w1), ("l1.bias", b1), ("ln1.weight", g1), ("ln1.bias", be1), ("l2.weight", w2),
                                     ("l2.bias", b2), ("ln2.weight", g2), ("ln2.bias", be2), ("l3.weight", w3), ("l3.bias", b3)]]
    inits += [init("axes", np.array([-1], dtype=np.int64)), init("two", np.array(2, dtype=np.float32)), init("eps", np.array(1e-5, dtype=np.float32))]
    N = helper.make_node
    nodes = [
        N("Transpose", ["l1.weight"], ["w1t"], perm=[1, 0]), N("MatMul", ["x", "w1t"], ["mm1"]), N("Add", ["mm1", "l1.bias"], ["h1"]),
        N("LayerNormalization", ["h1", "ln1.weight", "ln1.bias"], ["n1"], axis=-1, epsilon=1e-5), N("Relu", ["n1"], ["r1"]),
        N("Transpose", ["l2.weight"], ["w2t"], perm=[1, 0]), N("MatMul", ["r1", "w2t"], ["mm2"]), N("Add", ["l2.bias", "mm2"], ["h2"]),
        N("ReduceMean", ["h2", "axes"], ["mean"], keepdims=1), N("Sub", ["h2", "mean"], ["d"]), N("Pow", ["d", "two"], ["d2"]),
        N("ReduceMean", ["d2", "axes"], ["var"], keepdims=1), N("Add", ["var", "eps"], ["ve"]), N("Sqrt", ["ve"], ["sd"]),
        N("Div", ["d", "sd"], ["nrm"]), N("Mul", ["nrm", "ln2.weight"], ["sc"]), N("Add", ["sc", "ln2.bias"], ["n2"]),
        N("Tanh", ["n2"], ["a2"]),
        N("Transpose", ["l3.weight"], ["w3t"], perm=[1, 0]), N("MatMul", ["a2", "w3t"], ["mm3"]), N("Add", ["mm3", "l3.bias"], ["y"]),
    ]
    save_graph("dynamo_op18", nodes, inits, 18, producer="pytorch")
    x = batch(9, (ROWS, IN))
    F = torch.nn.functional
    h = F.relu(F.layer_norm(F.linear(x, t(w1), t(b1)), (H1,), t(g1), t(be1), 1e-5))
    h = torch.tanh(F.layer_norm(F.linear(h, t(w2), t(b2)), (H2,), t(g2), t(be2), 1e-5))
    write_case("dynamo_op18", x, F.linear(h, t(w3), t(b3)), {"opset": 18, "producer": "pytorch"})


def gelu20():
    """Gelu as one operator (opset 20), both approximations, after Gemm with transB=1 and alpha/beta."""
    w1, b1, w2, b2, w3, b3 = rng_weights(11, H1, IN), rng_weights(12, H1), rng_weights(13, H2, H1), rng_weights(14, H2), rng_weights(15, OUTF, H2), rng_weights(16, OUTF)
    N = helper.make_node
    nodes = [
        N("Gemm", ["x", "w1", "b1"], ["h1"], transB=1, alpha=0.5, beta=2.0), N("Gelu", ["h1"], ["a1"]),
        N("Gemm", ["a1", "w2", "b2"], ["h2"], transB=1), N("Gelu", ["h2"], ["a2"], approximate="tanh"),
        N("Gemm", ["a2", "w3", "b3"], ["y"], transB=1),
    ]
    save_graph("gelu_op20", nodes, [init(n, a) for n, a in [("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2), ("w3", w3), ("b3", b3)]], 20)
    x = batch(10, (ROWS, IN))
    F = torch.nn.functional
    h = F.gelu(F.linear(x, t(w1) * 0.5, t(b1) * 2.0))
    h = F.gelu(F.linear(h, t(w2), t(b2)), approximate="tanh")
    write_case("gelu_op20", x, F.linear(h, t(w3), t(b3)), {"opset": 20})


def keras_tf2onnx(float_data=False, name="keras_tf2onnx_op13", external=None):
    """tf2onnx's Keras Dense: MatMul with an [in, out] kernel, Add of the bias, Identity, Relu, Softmax(axis −1)."""
    k1, b1, k2, b2 = rng_weights(21, IN, H1), rng_weights(22, H1), rng_weights(23, H1, OUTF), rng_weights(24, OUTF)
    N = helper.make_node
    nodes = [
        N("MatMul", ["x", "dense/kernel"], ["mm1"]), N("Add", ["mm1", "dense/bias"], ["h1"]), N("Relu", ["h1"], ["r1"]),
        N("Identity", ["r1"], ["r1i"]), N("MatMul", ["r1i", "dense_1/kernel"], ["mm2"]), N("Add", ["mm2", "dense_1/bias"], ["h2"]),
        N("Softmax", ["h2"], ["y"], axis=-1),
    ]
    inits = [init(n, a, float_data) for n, a in [("dense/kernel", k1), ("dense/bias", b1), ("dense_1/kernel", k2), ("dense_1/bias", b2)]]
    save_graph(name, nodes, inits, 13, producer="tf2onnx", external=external)
    x = batch(11, (ROWS, IN))
    h = torch.relu(x @ t(k1) + t(b1))
    write_case(name if not external else os.path.join(name, "model"), x, torch.softmax(h @ t(k2) + t(b2), dim=-1), {"opset": 13})


def older_opsets():
    """Opset 10: Clip's bounds as attributes, Softmax's default axis 1 on a [batch, F] input. Opset 13: a
    flattening Reshape([0, −1]) of a 3-D input, Dropout with its ratio input, MatMul + Add with the bias first."""
    w1, b1, w2, b2 = rng_weights(41, H1, IN), rng_weights(42, H1), rng_weights(43, OUTF, H1), rng_weights(44, OUTF)
    N = helper.make_node
    nodes = [N("Gemm", ["x", "w1", "b1"], ["h"], transB=1), N("Clip", ["h"], ["r"], min=0.0, max=6.0), N("Gemm", ["r", "w2", "b2"], ["z"], transB=1), N("Softmax", ["z"], ["y"])]
    save_graph("clip_attrs_op10", nodes, [init(n, a) for n, a in [("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2)]], 10)
    x = batch(12, (ROWS, IN)) * 3
    F = torch.nn.functional
    write_case("clip_attrs_op10", x, torch.softmax(F.linear(torch.clamp(F.linear(x, t(w1), t(b1)), 0, 6), t(w2), t(b2)), dim=1), {"opset": 10})

    k1, c1, k2, c2 = rng_weights(45, 10, H1), rng_weights(46, H1), rng_weights(47, H1, OUTF), rng_weights(48, OUTF)
    nodes = [N("Reshape", ["x", "flat"], ["f"]), N("MatMul", ["f", "k1"], ["m1"]), N("Add", ["c1", "m1"], ["h"]),
             N("Dropout", ["h", "ratio"], ["d"]), N("Relu", ["d"], ["r"]), N("MatMul", ["r", "k2"], ["m2"]), N("Add", ["m2", "c2"], ["z"]),
             N("LogSoftmax", ["z"], ["y"], axis=-1)]
    inits = [init(n, a) for n, a in [("k1", k1), ("c1", c1), ("k2", k2), ("c2", c2)]]
    inits += [init("flat", np.array([0, -1], dtype=np.int64)), init("ratio", np.array(0.25, dtype=np.float32))]
    save_graph("reshape_dropout_op13", nodes, inits, 13, features=(2, 5))
    x = batch(13, (ROWS, 2, 5))
    h = torch.relu(x.reshape(ROWS, -1) @ t(k1) + t(c1))
    write_case("reshape_dropout_op13", x, torch.log_softmax(h @ t(k2) + t(c2), dim=-1), {"opset": 13})


def defaults_op13():
    """Attribute defaults: HardSigmoid (alpha 0.2 → tfjs' hard_sigmoid), Clip with only a min (relu), LeakyRelu (0.01)."""
    w1, b1, w2, b2, w3, b3 = rng_weights(51, H1, IN), rng_weights(52, H1), rng_weights(53, H2, H1), rng_weights(54, H2), rng_weights(55, OUTF, H2), rng_weights(56, OUTF)
    N = helper.make_node
    nodes = [N("Gemm", ["x", "w1", "b1"], ["h1"], transB=1), N("HardSigmoid", ["h1"], ["a1"]), N("Gemm", ["a1", "w2", "b2"], ["h2"], transB=1),
             N("Clip", ["h2", "zero"], ["a2"]), N("Gemm", ["a2", "w3", "b3"], ["h3"], transB=1), N("LeakyRelu", ["h3"], ["y"])]
    inits = [init(n, a) for n, a in [("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2), ("w3", w3), ("b3", b3)]] + [init("zero", np.array(0, dtype=np.float32))]
    save_graph("defaults_op13", nodes, inits, 13)
    x = batch(14, (ROWS, IN)) * 2
    F = torch.nn.functional
    h = torch.clamp(0.2 * F.linear(x, t(w1), t(b1)) + 0.5, 0, 1)
    h = torch.relu(F.linear(h, t(w2), t(b2)))
    write_case("defaults_op13", x, F.leaky_relu(F.linear(h, t(w3), t(b3)), 0.01), {"opset": 13})


def refusals():
    N = helper.make_node
    w, b = rng_weights(31, H1, IN), rng_weights(32, H1)
    # x + Linear(x) needs x twice: not a chain
    w_sq, b_sq = rng_weights(33, IN, IN), rng_weights(34, IN)
    nodes = [N("Gemm", ["x", "w", "b"], ["h"], name="fc", transB=1), N("Add", ["x", "h"], ["y"], name="residual_add")]
    save_graph("refuse_residual", nodes, [init("w", w_sq), init("b", b_sq)], 13, out_features=(IN,))
    conv_w = rng_weights(35, 2, 1, 3)
    nodes = [N("Conv", ["x", "cw"], ["c"], name="conv1", kernel_shape=[3]), N("Flatten", ["c"], ["y"], axis=1)]
    graph = helper.make_graph(nodes, "conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, IN])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 6])], [init("cw", conv_w)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
    model.ir_version = 8
    onnx.save_model(model, os.path.join(OUT, "refuse_conv.onnx"))
    # float64 weights: simdnn loads float32 models only
    nodes = [N("Gemm", ["x", "w", "b"], ["y"], name="fc64", transB=1)]
    graph = helper.make_graph(nodes, "double", [io_info("x", (IN,))], [io_info("y", (H1,))], [init("w", w.astype(np.float64)), init("b", b.astype(np.float64))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
    model.ir_version = 8
    onnx.save_model(model, os.path.join(OUT, "refuse_double.onnx"))
    # attributes and constants simdnn cannot import exactly
    ws = [init("w", w), init("b", b)]
    save_graph("refuse_transa", [N("Gemm", ["x", "w", "b"], ["y"], name="fc_t", transA=1)], ws, 13, out_features=(H1,))
    # Clip(0, 5) is a ReLU clipped at 5 (reluMax); a lower bound other than 0 has no simdnn layer
    lo, hi = init("lo", np.array(-1, dtype=np.float32)), init("hi", np.array(5, dtype=np.float32))
    save_graph("refuse_clip", [N("Gemm", ["x", "w", "b"], ["h"], transB=1), N("Clip", ["h", "lo", "hi"], ["y"], name="clip5")], ws + [lo, hi], 13, out_features=(H1,))
    # GELU-tanh decomposition with 0.0447 where 0.044715 belongs: looks like gelu_new, is not
    c = lambda name, v: N("Constant", [], [name], value=numpy_helper.from_array(np.array(v, dtype=np.float32), name))
    nodes = [N("Gemm", ["x", "w", "b"], ["h"], transB=1), N("Mul", ["h", "h"], ["h2"]), N("Mul", ["h2", "h"], ["h3"]), c("k", 0.0447),
             N("Mul", ["h3", "k"], ["a"], name="cubic_term"), N("Add", ["h", "a"], ["s"]), c("r", math.sqrt(2 / math.pi)), N("Mul", ["s", "r"], ["u"]),
             N("Tanh", ["u"], ["th"]), c("one", 1.0), N("Add", ["th", "one"], ["p"]), N("Mul", ["h", "p"], ["q"]), c("half", 0.5), N("Mul", ["q", "half"], ["y"])]
    save_graph("refuse_gelu_constant", nodes, ws, 13, out_features=(H1,))
    nodes = [N("Gemm", ["x", "w", "b"], ["h"], transB=1), N("Selu", ["h"], ["y"], name="selu_custom", alpha=1.5)]
    save_graph("refuse_selu_alpha", nodes, ws, 13, out_features=(H1,))
    # a [7, 5] weight after a [7, 5] one: 7 features reach a layer that takes 5
    nodes = [N("Gemm", ["x", "w", "b"], ["h"], transB=1), N("Gemm", ["h", "w", "b"], ["y"], name="fc_mismatch", transB=1)]
    save_graph("refuse_shape", nodes, ws, 13, out_features=(H1,))
    graph = helper.make_graph([N("Gemm", ["x", "w", "b"], ["h"], transB=1), N("Add", ["h", "x2"], ["y"], name="join")], "two",
                              [io_info("x", (IN,)), io_info("x2", (H1,))], [io_info("y", (H1,))], ws)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
    model.ir_version = 8
    onnx.save_model(model, os.path.join(OUT, "refuse_two_inputs.onnx"))
    graph = helper.make_graph([N("Gemm", ["x", "w_missing", "b"], ["y"], name="fc_missing", transB=1)], "missing", [io_info("x", (IN,))], [io_info("y", (H1,))], [init("b", b)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
    model.ir_version = 8
    onnx.save_model(model, os.path.join(OUT, "refuse_missing_weight.onnx"))
    graph = helper.make_graph([N("FusedGemm", ["x", "w", "b"], ["y"], name="fused", domain="com.microsoft", transB=1)], "ms", [io_info("x", (IN,))], [io_info("y", (H1,))], ws)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)], producer_name="onnxruntime")
    model.ir_version = 8
    onnx.save_model(model, os.path.join(OUT, "refuse_domain.onnx"))
    save_graph("refuse_softmax_axis", [N("Gemm", ["x", "w", "b"], ["h"], transB=1), N("Softmax", ["h"], ["y"], name="softmax_batch", axis=0)], ws, 13, out_features=(H1,))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    torch_fixtures()
    dynamo18()
    gelu20()
    keras_tf2onnx()
    keras_tf2onnx(float_data=True, name="float_data_op13")
    keras_tf2onnx(name="external", external="model.onnx.data")
    older_opsets()
    defaults_op13()
    refusals()
    print("wrote", len([f for f in os.listdir(OUT) if f.endswith(".onnx")]), "fixtures to", os.path.normpath(OUT))
