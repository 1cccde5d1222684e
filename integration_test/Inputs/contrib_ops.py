"""ONNX Runtime's contrib attention ops (com.microsoft Attention,
MultiHeadAttention and GroupQueryAttention) through Mixer against onnxruntime itself, the op's
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


GQA_HQ, GQA_HKV, GQA_D = 4, 2, 8


def gqa_model(variant):
    """com.microsoft GroupQueryAttention: 'prompt' (no cache, right padded
    batch via seqlens_k), 'decode' (batch 1, a 6-token cache, one new
    token), 'packed' (one packed QKV input), 'scale'."""
    f, i32 = TensorProto.FLOAT, TensorProto.INT32
    batch = 1 if variant == "decode" else "batch"
    vi = helper.make_tensor_value_info
    attrs = {"num_heads": GQA_HQ, "kv_num_heads": GQA_HKV}
    if variant == "scale":
        attrs["scale"] = 0.2
    if variant == "packed":
        ins = ["qkv", "", ""]
        graph_inputs = [vi("qkv", f, [batch, "seq", (GQA_HQ + 2 * GQA_HKV) * GQA_D])]
    else:
        ins = ["q", "k", "v"]
        graph_inputs = [vi("q", f, [batch, "seq", GQA_HQ * GQA_D]),
                        vi("k", f, [batch, "seq", GQA_HKV * GQA_D]),
                        vi("v", f, [batch, "seq", GQA_HKV * GQA_D])]
    if variant == "decode":
        ins += ["past_key", "past_value"]
        graph_inputs += [vi(n, f, [1, GQA_HKV, "past", GQA_D]) for n in ("past_key", "past_value")]
    else:
        ins += ["", ""]
    ins += ["seqlens_k", "total_sequence_length"]
    graph_inputs += [vi("seqlens_k", i32, [batch]), vi("total_sequence_length", i32, [])]
    node = helper.make_node("GroupQueryAttention", ins, ["y", "present_key", "present_value"],
                            domain="com.microsoft", name="gqa", **attrs)
    outputs = [vi("y", f, [batch, "seq", GQA_HQ * GQA_D]),
               vi("present_key", f, [batch, GQA_HKV, "total", GQA_D]),
               vi("present_value", f, [batch, GQA_HKV, "total", GQA_D])]
    graph = helper.make_graph([node], "gqa", graph_inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    return model


def gqa_feeds(variant, batch, seq, rng):
    """Inputs and, per batch row, its number of valid query rows."""
    if variant == "decode":
        past = 6
        feeds = {n: rng.standard_normal((1, seq, h * GQA_D)).astype(np.float32)
                 for n, h in (("q", GQA_HQ), ("k", GQA_HKV), ("v", GQA_HKV))}
        feeds["past_key"] = rng.standard_normal((1, GQA_HKV, past, GQA_D)).astype(np.float32)
        feeds["past_value"] = rng.standard_normal((1, GQA_HKV, past, GQA_D)).astype(np.float32)
        lengths = np.array([past + seq])
    else:
        lengths = rng.integers(1, seq + 1, batch)
        lengths[0] = seq
        if variant == "packed":
            feeds = {"qkv": rng.standard_normal((batch, seq, (GQA_HQ + 2 * GQA_HKV) * GQA_D)).astype(np.float32)}
        else:
            feeds = {n: rng.standard_normal((batch, seq, h * GQA_D)).astype(np.float32)
                     for n, h in (("q", GQA_HQ), ("k", GQA_HKV), ("v", GQA_HKV))}
    feeds["seqlens_k"] = (lengths - 1).astype(np.int32)
    feeds["total_sequence_length"] = np.array(int(lengths.max()), np.int32)
    valid = lengths if variant != "decode" else np.array([seq])
    return feeds, valid


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
    # GroupQueryAttention: every output (the attention at each row's valid
    # queries, the present K/V caches) against onnxruntime's.
    gqa_variants = ("prompt", "packed", "scale", "decode")
    for variant in gqa_variants:
        model = gqa_model(variant)
        session = ort.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        compiled = mixer.compile(model)
        shapes = ((1, 1), (1, 3)) if variant == "decode" else ((2, 5), (3, 37))
        for batch, seq in shapes:
            f, valid = gqa_feeds(variant, batch, seq, rng)
            want = session.run(None, f)
            got = compiled.run(f)
            worst = 0.0
            ok = True
            for name, w in zip(("y", "present_key", "present_value"), want):
                g = got[name]
                if g.shape != w.shape:
                    ok = False
                    continue
                if name == "y":  # rows past a row's length are padding
                    keep = np.arange(w.shape[1])[None, :] < valid[:, None]
                    g, w = g[keep], w[keep]
                worst = max(worst, float(np.max(np.abs(g - w) / (1e-4 + 1e-4 * np.abs(w)))))
            ok = ok and worst <= 1.0
            failures += not ok
            runs += 1
            print(f"groupqueryattention {variant} batch {batch} seq {seq}: "
                  f"{'ok' if ok else 'FAIL'} (worst {worst:.3f})")
    print(f"contrib attention: {len(variants) + len(gqa_variants)} variants, {runs} runs vs onnxruntime: {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
