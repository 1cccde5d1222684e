"""Writes a small Pre-LN decoder (GPT-2 layout) as ONNX with random weights,
including the LayerNorms' weights and biases, so that the LayerNorm ->
RMSNorm fold is checked on non-trivial affine parameters:

  x = tok[ids] + pos[arange]
  per layer: x = x + proj(attention(LN1(x)))
             x = x + down(gelu(up(LN2(x))))
  logits = LN_f(x) @ head

    python pre_ln_model.py OUT.onnx
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

D, H, F, V, L, P = 32, 2, 64, 50, 2, 64


def main():
    rng = np.random.default_rng(7)
    nodes, inits = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array, np.float32)
                                             if np.asarray(array).dtype.kind == "f"
                                             else np.asarray(array), name))
        return name

    def op(kind, *inputs, **attrs):
        out = f"{kind}_{len(nodes)}"
        nodes.append(helper.make_node(kind, list(inputs), [out], name=out, **attrs))
        return out

    def weight(*shape, scale=0.2):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def linear(x, din, dout, name):
        return op("Add", op("MatMul", x, const(name + ".w", weight(din, dout))),
                  const(name + ".b", weight(dout)))

    def layer_norm(x, name):
        return op("LayerNormalization", x, const(name + ".g", 1 + weight(D)),
                  const(name + ".beta", weight(D)), axis=-1, epsilon=1e-5)

    seq = op("Gather", op("Shape", "input_ids"), const("one", np.array(1, np.int64)), axis=0)
    pos = op("Range", const("zero", np.array(0, np.int64)), seq, const("step", np.array(1, np.int64)))
    x = op("Add", op("Gather", const("tok", weight(V, D, scale=1.0)), "input_ids", axis=0),
           op("Gather", const("pos", weight(P, D, scale=1.0)), pos, axis=0))
    heads = const("heads", np.array([0, 0, H, D // H], np.int64))
    merged = const("merged", np.array([0, 0, D], np.int64))
    for i in range(L):
        h = layer_norm(x, f"l{i}.ln1")
        q, k, v = (op("Transpose", op("Reshape", linear(h, D, D, f"l{i}.{n}"), heads),
                      perm=[0, 2, 1, 3]) for n in "qkv")
        s = op("Div", op("MatMul", q, op("Transpose", k, perm=[0, 1, 3, 2])),
               const(f"l{i}.sqrt_d", np.float32(np.sqrt(D // H))))
        a = op("Reshape", op("Transpose", op("MatMul", op("Softmax", s, axis=-1), v),
                             perm=[0, 2, 1, 3]), merged)
        x = op("Add", x, linear(a, D, D, f"l{i}.proj"))
        up = linear(layer_norm(x, f"l{i}.ln2"), D, F, f"l{i}.up")
        gelu = op("Mul", op("Mul", up, op("Add", op("Erf", op("Div", up, const(f"l{i}.s2", np.float32(np.sqrt(2))))),
                                          const(f"l{i}.one", np.float32(1)))), const(f"l{i}.half", np.float32(0.5)))
        x = op("Add", x, linear(gelu, F, D, f"l{i}.down"))
    nodes.append(helper.make_node("MatMul", [layer_norm(x, "lnf"), const("head", weight(D, V))],
                                  ["logits"], name="head"))
    graph = helper.make_graph(
        nodes, "pre_ln",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "seq", V])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[1])


if __name__ == "__main__":
    main()
