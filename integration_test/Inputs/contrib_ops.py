"""ONNX Runtime's contrib attention ops (com.microsoft Attention and
MultiHeadAttention) through Mixer against onnxruntime itself, the op's
reference implementation. One model per variant, run at two lengths;
prints a line per run and a summary; exits 1 on any mismatch."""

import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

import mixer

HIDDEN, HEADS = 32, 4


def attention_model(variant):
    """com.microsoft Attention on [batch, seq, HIDDEN] with packed weights."""
    rng = np.random.default_rng(len(variant))
    sizes = (HIDDEN, HIDDEN, 2 * HIDDEN) if variant == "qkv_hidden_sizes" else (HIDDEN,) * 3
    w = (rng.standard_normal((HIDDEN, sum(sizes))) / np.sqrt(HIDDEN)).astype(np.float32)
    b = 0.1 * rng.standard_normal(sum(sizes)).astype(np.float32)
    inputs = ["x", "w", "b"]
    graph_inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", HIDDEN])]
    attrs = {"num_heads": HEADS}
    if variant in ("mask", "causal_mask"):
        inputs.append("mask")
        graph_inputs.append(helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "seq"]))
    if variant in ("causal", "causal_mask"):
        attrs["unidirectional"] = 1
    if variant == "scale":
        attrs["scale"] = 0.3
    if variant == "qkv_hidden_sizes":
        attrs["qkv_hidden_sizes"] = list(sizes)
    if variant == "attention_bias":
        inputs += ["", "", "bias_in"]
        graph_inputs.append(helper.make_tensor_value_info(
            "bias_in", TensorProto.FLOAT, [1, HEADS, "seq", "seq"]))
    node = helper.make_node("Attention", inputs, ["y"], domain="com.microsoft",
                            name="attention", **attrs)
    graph = helper.make_graph(
        [node], "attention", graph_inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "seq", sizes[2]])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    return graph


def mha_model(variant):
    rng = np.random.default_rng(7)
    bias = 0.1 * rng.standard_normal(3 * HIDDEN).astype(np.float32)
    inputs = ["q", "k", "v", "bias"]
    graph_inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", s, HIDDEN])
                    for n, s in (("q", "seq"), ("k", "kv"), ("v", "kv"))]
    if variant == "mha_padding":
        inputs.append("pad")
        graph_inputs.append(helper.make_tensor_value_info("pad", TensorProto.INT32, ["batch", "kv"]))
    node = helper.make_node("MultiHeadAttention", inputs, ["y"], domain="com.microsoft",
                            name="mha", num_heads=HEADS)
    return helper.make_graph(
        [node], "mha", graph_inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "seq", HIDDEN])],
        [numpy_helper.from_array(bias, "bias")])


def feeds(graph, batch, seq, rng):
    out = {}
    for vi in graph.input:
        dims = [d.dim_value if d.dim_value else {"batch": batch, "seq": seq, "kv": seq + 3}[d.dim_param]
                for d in vi.type.tensor_type.shape.dim]
        if vi.type.tensor_type.elem_type == TensorProto.INT32:
            # Right padding: each row keeps a prefix of at least one token.
            lengths = rng.integers(1, dims[1] + 1, dims[0])
            out[vi.name] = (np.arange(dims[1])[None, :] < lengths[:, None]).astype(np.int32)
        else:
            out[vi.name] = rng.standard_normal(dims).astype(np.float32)
    return out


def main():
    rng = np.random.default_rng(0)
    variants = [("attention " + v, attention_model(v)) for v in
                ("plain", "mask", "causal", "causal_mask", "scale", "qkv_hidden_sizes",
                 "attention_bias")]
    variants += [("multiheadattention " + v, mha_model(v)) for v in ("mha", "mha_padding")]
    failures, runs = 0, 0
    for name, graph in variants:
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                        helper.make_opsetid("com.microsoft", 1)])
        model.ir_version = 8
        session = ort.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        compiled = mixer.compile(model)
        for batch, seq in ((2, 5), (1, 37)):
            f = feeds(graph, batch, seq, rng)
            want = session.run(None, f)[0]
            got = compiled.run(f)["y"]
            err = float(np.max(np.abs(got - want) / (1e-4 + 1e-4 * np.abs(want))))
            ok = got.shape == want.shape and err <= 1.0
            failures += not ok
            runs += 1
            print(f"{name} batch {batch} seq {seq}: {'ok' if ok else 'FAIL'} (worst {err:.3f})")
    print(f"contrib attention: {len(variants)} variants, {runs} runs vs onnxruntime: {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
