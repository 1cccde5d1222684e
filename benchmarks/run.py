"""Mixer's benchmark harness (see BENCHMARKS.md and benchmarks/README.md).

For every workload: build the ONNX model, compile it with Mixer (and with
IREE when installed), check every engine's outputs against onnxruntime
*before* timing, then time the engines in fresh processes, alternating them
for several rounds. Reports min / p50 / p90 latency, ratios to the peers
measured in the same run, and the fraction of this machine's measured FP32
peak (a tight FMA loop, benchmarks/machine/peak.c). Writes one JSON file per
run (machine info included) and a PNG drawn from it.

    benchmarks/run.py                 the standard workloads
    benchmarks/run.py --quick         a tiny BERT, GEMM and Mamba block, few runs (CI)
    benchmarks/run.py --only minilm   workloads whose name contains 'minilm'
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import models  # noqa: E402

TOOLS = os.environ.get("MIXER_TOOLS_DIR") or os.path.join(
    os.environ.get("MIXER_BUILD_DIR", os.path.join(ROOT, "build")), "bin")
MIXER_COMPILE = os.path.join(TOOLS, "mixer-compile")
MIXER_RUN = os.path.join(TOOLS, "mixer-run")
VENV_BIN = os.path.dirname(sys.executable)


# --- Workloads ---------------------------------------------------------------

def bert_flops(cfg, seq):
    h, f, layers = cfg["hidden"], cfg["ffn"], cfg["layers"]
    per_layer = 2 * seq * (4 * h * h + 2 * h * f) + 2 * 2 * seq * seq * h
    return layers * per_layer


def gemm_model(m, k, n):
    w = np.random.default_rng(0).standard_normal((k, n)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="/MatMul")], "gemm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
        [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def attention_model(hq, hkv, seq, d, causal, sq=None):
    """ONNX's opset-23 Attention on [1, H, S, d] tensors (GQA when hkv < hq);
    `sq` queries (default `seq`) against `seq` keys."""
    sq = sq or seq
    ins = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, h, s, d])
           for n, h, s in (("q", hq, sq), ("k", hkv, seq), ("v", hkv, seq))]
    graph = helper.make_graph(
        [helper.make_node("Attention", ["q", "k", "v"], ["o"], name="/Attention",
                          is_causal=int(causal))], "attention", ins,
        [helper.make_tensor_value_info("o", TensorProto.FLOAT, [1, hq, sq, d])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    model.ir_version = 10
    return model


def decomposed_attention_model(hq, hkv, seq, d, causal, sq=None):
    """The same attention written out op by op (what exporters emit):
    repeat_kv by Unsqueeze/Expand/Reshape, MatMul, Mul, a causal mask from
    Range/Less/Where, Softmax, MatMul. For engines without opset-23
    Attention (IREE)."""
    assert not (causal and sq), "causal decode is not written out here"
    sq = sq or seq
    g = models.Graph()
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731
    k, v = "k", "v"
    if hkv != hq:
        shape5 = g.const("rep_shape", i64(1, hkv, hq // hkv, seq, d))
        shape4 = g.const("heads_shape", i64(1, hq, seq, d))
        axes = g.const("axes2", i64(2))
        k = g.op("Reshape", g.op("Expand", g.op("Unsqueeze", k, axes), shape5), shape4)
        v = g.op("Reshape", g.op("Expand", g.op("Unsqueeze", v, axes), shape5), shape4)
    s = g.op("MatMul", "q", g.op("Transpose", k, perm=[0, 1, 3, 2]))
    s = g.op("Mul", s, g.const("scale", np.float32(1 / np.sqrt(d))))
    if causal:
        pos = g.op("Range", g.const("zero", np.array(0, np.int64)),
                   g.const("seq", np.array(seq, np.int64)),
                   g.const("one", np.array(1, np.int64)))
        later = g.op("Less", g.op("Unsqueeze", pos, g.const("axes1", i64(1))), pos)
        s = g.op("Where", later, g.const("neg_inf", np.float32(-np.inf)), s)
    g.nodes.append(helper.make_node("MatMul", [g.op("Softmax", s, axis=-1), v],
                                    ["o"], name="/MatMul_out"))
    ins = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, h, s, d])
           for n, h, s in (("q", hq, sq), ("k", hkv, seq), ("v", hkv, seq))]
    graph = helper.make_graph(
        g.nodes, "attention", ins,
        [helper.make_tensor_value_info("o", TensorProto.FLOAT, [1, hq, sq, d])],
        g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def norm_model(kind, rows, dim):
    """LayerNormalization or opset-23 RMSNormalization over the last dim of
    [1, rows, dim], with a random weight (and bias, for LayerNorm)."""
    rng = np.random.default_rng(4)
    inits = [numpy_helper.from_array(rng.standard_normal(dim).astype(np.float32), "w")]
    inputs = ["x", "w"]
    if kind == "LayerNormalization":
        inits.append(numpy_helper.from_array(rng.standard_normal(dim).astype(np.float32), "b"))
        inputs.append("b")
    graph = helper.make_graph(
        [helper.make_node(kind, inputs, ["y"], name=f"/{kind}", axis=-1, epsilon=1e-5)],
        "norm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, rows, dim])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, rows, dim])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    model.ir_version = 10
    return model


def attention_inputs(hq, hkv, seq, d, sq=None):
    rng = np.random.default_rng(2)
    return {n: rng.standard_normal((1, h, s, d)).astype(np.float32)
            for n, h, s in (("q", hq, sq or seq), ("k", hkv, seq), ("v", hkv, seq))}


def attention_flops(heads, seq, d, causal):
    # Q·Kᵀ and P·V; a causal mask leaves (S + 1) / 2S of the scores.
    flops = 4 * heads * seq * seq * d
    return flops * (seq + 1) / (2 * seq) if causal else flops


def mamba_flops(cfg, seq):
    # The four projections, the conv, and the scan's ~7 per (channel, state)
    # step (exp counted as one).
    dm, di, n, k, r = (cfg[x] for x in ("d_model", "d_inner", "d_state", "d_conv", "dt_rank"))
    proj = dm * 2 * di + di * (r + 2 * n) + r * di + di * dm
    return seq * (2 * proj + 2 * di * k + 7 * di * n)


def bert_inputs(cfg, batch, seq, lengths=None):
    """BERT inputs; with `lengths`, each row b right padded after lengths[b]."""
    rng = np.random.default_rng(0)
    mask = np.ones((batch, seq), np.int64)
    if lengths is not None:
        mask = (np.arange(seq)[None, :] < np.asarray(lengths)[:, None]).astype(np.int64)
    return {"input_ids": rng.integers(0, cfg["vocab"], (batch, seq)).astype(np.int64),
            "attention_mask": mask}


# What the sentence-embedding benchmark embeds (more than 128 word pieces).
PARAGRAPH = (
    "An ahead-of-time compiler for transformer models reads the network as "
    "a graph of tensor operations, recognizes the attention blocks, norms and "
    "rotary embeddings that exporters spell out one operation at a time, and "
    "rewrites them with what the research literature has learned: attention "
    "tiled so that the score matrix never leaves the cache, fewer query heads "
    "where the model tolerates it, padding tokens skipped altogether, and "
    "tokens that later layers barely look at dropped after the first few "
    "layers. The result is machine code that runs the same model faster on "
    "the same processor, and a report that says what each rewrite changed, "
    "how many operations it saved, and how far the outputs moved from those "
    "of the original model on a sample input. Engineers use it to ship "
    "sentence embeddings and image classifiers to servers without a GPU.")


def workloads(quick):
    """(name, build() -> (model, weights source[, model for IREE]), inputs,
    flops, threads, runs or None for the default[, extra mixer variants as
    (name, mixer-compile options)])."""
    out = []
    if quick:
        cfg = models.CONFIGS["tiny-bert"]
        out.append(("tiny-bert seq16", lambda: models.build("tiny-bert"),
                    bert_inputs(cfg, 1, 16), bert_flops(cfg, 16), [1], None))
        out.append(("gemm 64x64x64", lambda: (gemm_model(64, 64, 64), "random"),
                    {"x": np.ones((64, 64), np.float32)}, 2 * 64 ** 3, [1], None))
        tiny = models.MAMBA_TINY
        out.append(("tiny mamba block seq16",
                    lambda: (models.mamba_block("custom", tiny), "random", None,
                             models.mamba_block("scan", tiny)),
                    {"hidden": np.random.default_rng(7).standard_normal(
                        (1, 16, tiny["d_model"])).astype(np.float32)},
                    mamba_flops(tiny, 16), [1], None,
                    [NumpyReference("models.mamba_tiny_block_numpy")]))
        return out
    cfg = cfg_minilm = models.CONFIGS["minilm"]
    out.append(("minilm seq128", lambda: models.build("minilm"),
                bert_inputs(cfg, 1, 128), bert_flops(cfg, 128), [1, 2], None))
    # Padding removal (ByteTransformer): 16 sentences of lengths uniform in
    # [16, 512], padded to 512. FLOPs are those of the valid tokens only
    # (the useful work). The padded and unpadded Mixer runs are both
    # compiled for this shape; the unpadded one is checked at the valid
    # positions (it returns zeros at the padding, by design).
    lengths = np.random.default_rng(11).integers(16, 513, 16)
    shape = ["--input-shape=input_ids=16x512", "--input-shape=attention_mask=16x512"]
    out.append(("minilm batch16 varlen16-512 (padding removal)", lambda: models.build("minilm"),
                bert_inputs(cfg, 16, 512, lengths),
                sum(bert_flops(cfg, int(n)) for n in lengths), [2], 3,
                [("mixer padded static", shape),
                 ("mixer remove-padding", shape + ["--remove-padding"])]))
    # Token pruning (Zero-TPrune) and merging (ToMe), lossy: the same
    # static-shape model with and without --prune-tokens, at keep ratios
    # that cut ~35% of the FLOPs
    # (mixer-compile --report: DeiT-S 197 -> 138 -> 97 -> 68 tokens, 9.20 ->
    # 5.94 GFLOP, x0.646; MiniLM 128 -> 87 -> 59, 2.87 -> 1.85, x0.644). The
    # check line of a pruned variant gives its deviation (max |diff|, min
    # cosine similarity per row) from onnxruntime's unpruned outputs; its
    # "% of peak" counts the unpruned model's FLOPs (the work it replaces).
    vit = models.CONFIGS["deit-s"]
    pixels = np.random.default_rng(12).standard_normal((1, 3, 224, 224)).astype(np.float32)
    shape = ["--input-shape=pixel_values=1x3x224x224"]
    out.append(("deit-s batch1 (token pruning)", lambda: models.build("deit-s"),
                {"pixel_values": pixels}, 9197764608, [1, 2], 10,
                [("mixer static", shape),
                 ("mixer prune-tokens", shape + ["--prune-tokens=layers=3,6,9 keep=0.7"]),
                 ("mixer merge-tokens", shape + ["--prune-tokens=method=merge layers=3,6,9 keep=0.7"])]))
    # MiniLM embeds a real paragraph (its own WordPiece vocabulary, 128
    # tokens, no padding) when the real weights are there: the deviation of
    # a sentence embedding on text, not on random token ids.
    shape = ["--input-shape=input_ids=1x128", "--input-shape=attention_mask=1x128"]
    vocab = models.minilm_vocab()
    text_inputs = bert_inputs(cfg_minilm, 1, 128)
    if vocab is not None:
        ids, mask = models.wordpiece(PARAGRAPH, vocab, 128)
        text_inputs = {"input_ids": ids, "attention_mask": mask}
    out.append(("minilm-embed seq128 (token pruning)", lambda: models.build("minilm-embed"),
                text_inputs, bert_flops(cfg_minilm, 128), [1, 2], 20,
                [("mixer static", shape),
                 ("mixer prune-tokens", shape + ["--prune-tokens=layers=1,3 keep=0.68"]),
                 ("mixer merge-tokens", shape + ["--prune-tokens=method=merge layers=1,3 keep=0.68"])]))
    cfg = models.CONFIGS["bert-base"]
    out.append(("bert-base seq128", lambda: models.build("bert-base"),
                bert_inputs(cfg, 1, 128), bert_flops(cfg, 128), [2], None))
    # With Sparse Query Attention (lossy): 12 heads -> 6 (sSQA) and 3 (xSQA).
    out.append(("bert-base seq512", lambda: models.build("bert-base"),
                bert_inputs(cfg, 1, 512), bert_flops(cfg, 512), [2], None,
                [("mixer sqa h6", ["--reduce-query-heads=6"]),
                 ("mixer sqa h3", ["--reduce-query-heads=3"])]))
    for m, k, n in ((128, 384, 1536), (128, 1536, 384), (512, 512, 512),
                    (2048, 384, 1536)):
        rng = np.random.default_rng(1)
        out.append((f"gemm {m}x{k}x{n}",
                    lambda m=m, k=k, n=n: (gemm_model(m, k, n), "random"),
                    {"x": rng.standard_normal((m, k)).astype(np.float32)},
                    2 * m * k * n, [1, 2], None))
    # Attention alone (opset-23 Attention): head_dim 64; causal and not;
    # GQA 8:1 against MHA with the same query heads; SQA's fewer query heads
    # at a fixed K/V head count.
    for hq, hkv, seq, causal, runs in ((12, 12, 1024, False, None),
                                       (12, 12, 4096, True, 5),
                                       (16, 16, 2048, True, 5),
                                       (16, 2, 2048, True, 5),
                                       (8, 2, 2048, True, 5),
                                       (4, 2, 2048, True, 5)):
        kind = "mha" if hq == hkv else f"gqa {hq}:{hkv}"
        out.append((f"attention {kind} h{hq} s{seq}" + (" causal" if causal else ""),
                    lambda hq=hq, hkv=hkv, seq=seq, causal=causal:
                        (attention_model(hq, hkv, seq, 64, causal), "random",
                         decomposed_attention_model(hq, hkv, seq, 64, causal)),
                    attention_inputs(hq, hkv, seq, 64),
                    attention_flops(hq, seq, 64, causal), [2], runs))
    # A decode step (one query against a 4096-token cache, LLaMA's head
    # dim): GQA 32:8 reads 4x fewer K/V bytes than MHA 32:32; memory bound,
    # so % of the FLOP peak is small by nature.
    for hq, hkv in ((32, 32), (32, 8)):
        kind = "mha" if hq == hkv else f"gqa {hq}:{hkv}"
        out.append((f"attention {kind} decode kv4096 hd128",
                    lambda hq=hq, hkv=hkv:
                        (attention_model(hq, hkv, 4096, 128, False, sq=1), "random",
                         decomposed_attention_model(hq, hkv, 4096, 128, False, sq=1)),
                    attention_inputs(hq, hkv, 4096, 128, sq=1),
                    4 * hq * 4096 * 128, [2], 50))
    # The norm kernels alone, at GPT-2 small's width: what the LayerNorm ->
    # RMSNorm fold saves per norm (one statistic pass instead of two, no
    # centering, no affine once folded into the next linear layer). Memory
    # bound: the FLOP count is nominal (the normalization's ~5 per element).
    for kind, label in (("LayerNormalization", "layernorm"),
                        ("RMSNormalization", "rmsnorm")):
        out.append((f"{label} 2048x768",
                    lambda kind=kind: (norm_model(kind, 2048, 768), "random"),
                    {"x": np.random.default_rng(5).standard_normal((1, 2048, 768)).astype(np.float32)},
                    5 * 2048 * 768, [1], 100))
    # What the exact rewrites are worth: the same model with one turned off.
    # A Mamba block (BENCHMARKS.md: d_model 768, d_state 16, seq 2k): Mixer
    # compiles the ai.mixer::SelectiveScan form; onnxruntime cannot run that
    # op, so it runs (and is checked against) the same block with its scan
    # as an ONNX Scan loop, and numpy runs it vectorized (models.py). The
    # decode step advances the conv and SSM states by one token: its inputs
    # are the same size at any position, so its time does not depend on how
    # many tokens came before (unlike a KV cache).
    mcfg = models.MAMBA
    hidden = np.random.default_rng(7).standard_normal((1, 2048, mcfg["d_model"])).astype(np.float32)
    out.append(("mamba block seq2048",
                lambda: (models.mamba_block("custom"), "random (Mamba's initialization)",
                         models.mamba_block("scan"), models.mamba_block("scan")),
                {"hidden": hidden}, mamba_flops(mcfg, 2048), [1, 2], 5,
                [NumpyReference("models.mamba_block_numpy")]))
    rng = np.random.default_rng(8)
    feeds = {"hidden": hidden[:, :1],
             "conv_state": rng.standard_normal((1, mcfg["d_inner"], mcfg["d_conv"] - 1)).astype(np.float32),
             "ssm_state": rng.standard_normal((1, mcfg["d_inner"], mcfg["d_state"])).astype(np.float32)}
    out.append(("mamba block decode step",
                lambda: (models.mamba_decode("custom"), "random (Mamba's initialization)",
                         models.mamba_decode("onnx"), models.mamba_decode("onnx")),
                feeds, mamba_flops(mcfg, 1), [1, 2], 50,
                [NumpyReference("models.mamba_decode_numpy")]))
    cfg = models.CONFIGS["gpt2-small"]
    rng = np.random.default_rng(3)
    out.append(("gpt2-small body seq256 (LayerNorm fold)", lambda: models.build("gpt2-small"),
                {"input_ids": rng.integers(0, cfg["vocab"], (1, 256)).astype(np.int64)},
                bert_flops(cfg, 256), [2], 10,
                [("mixer no-norm-rewrites", ["--fold-layernorm-to-rmsnorm=false",
                                             "--fold-norm-affine=false"]),
                 ("mixer no-fold", ["--fold-layernorm-to-rmsnorm=false"]),
                 ("mixer no-affine-fold", ["--fold-norm-affine=false"]),
                 ("mixer compressed", ["--compressed-rmsnorm"]),
                 ("mixer no-tiling", ["--tile-attention=false"])]))
    # A decode step of the same model: one token against a 1023-token KV
    # cache (Hugging Face's past/present layout). Memory bound: every weight
    # and the whole cache are read once per token.
    rng = np.random.default_rng(6)
    feeds = {"input_ids": rng.integers(0, cfg["vocab"], (1, 1)).astype(np.int64)}
    for i in range(cfg["layers"]):
        for kind in ("key", "value"):
            feeds[f"past_{kind}_{i}"] = rng.standard_normal(
                (1, cfg["heads"], 1023, cfg["hidden"] // cfg["heads"])).astype(np.float32)
    out.append(("gpt2-small decode kv1023", lambda: models.build("gpt2-small-kv"), feeds,
                bert_flops(cfg, 1) + cfg["layers"] * 4 * cfg["hidden"] * 1024, [1, 2], 20))
    return out


# --- Machine -----------------------------------------------------------------

def machine_info(work):
    peak_bin = os.path.join(work, "peak")
    subprocess.run(["clang-22", "-O3", "-march=native",
                    os.path.join(HERE, "machine", "peak.c"), "-o", peak_bin],
                   check=True)
    runs = [json.loads(subprocess.run([peak_bin], capture_output=True, text=True,
                                      check=True).stdout) for _ in range(3)]
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "peak_gflops_per_thread": max(r["peak_gflops_per_thread"] for r in runs),
        "stream_gbytes_per_s": max(r["stream_gbytes_per_s"] for r in runs),
        "vector_lanes": runs[0]["vector_lanes"],
        "kernel": platform.release(),
    }


# --- Engines -----------------------------------------------------------------

ORT_TIMER = r"""
import json, sys, time
import numpy as np, onnxruntime as ort
model, threads, runs, inputs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
o = ort.SessionOptions()
o.intra_op_num_threads = threads
o.inter_op_num_threads = 1
o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
s = ort.InferenceSession(model, o, providers=["CPUExecutionProvider"])
feeds = {p.split("=", 1)[0]: np.load(p.split("=", 1)[1]) for p in inputs}
for _ in range(3):
    s.run(None, feeds)
times = []
for _ in range(runs):
    t = time.perf_counter()
    s.run(None, feeds)
    times.append((time.perf_counter() - t) * 1e3)
print(json.dumps(times))
"""


def summarize(times):
    times = sorted(times)
    return {"min_ms": times[0], "p50_ms": statistics.median(times),
            "p90_ms": times[min(len(times) - 1, int(0.9 * len(times)))],
            "runs": len(times)}


class ORT:
    name = "onnxruntime"

    def prepare(self, model_path, work, reference):
        self.model = model_path
        return 0.0

    def outputs(self, feeds):
        import onnxruntime as ort
        s = ort.InferenceSession(self.model, providers=["CPUExecutionProvider"])
        return s.run(None, feeds)

    def time(self, input_files, threads, runs):
        r = subprocess.run([sys.executable, "-c", ORT_TIMER, self.model,
                            str(threads), str(runs)] +
                           [f"{k}={v}" for k, v in input_files.items()],
                           capture_output=True, text=True, check=True)
        return json.loads(r.stdout)


NUMPY_TIMER = r"""
import json, sys, time, importlib
import numpy as np
sys.path.insert(0, sys.argv[1])
module, name = sys.argv[2].rsplit(".", 1)
fn = getattr(importlib.import_module(module), name)
runs = int(sys.argv[3])
feeds = {p.split("=", 1)[0]: np.load(p.split("=", 1)[1]) for p in sys.argv[4:]}
fn(**feeds)
times = []
for _ in range(runs):
    t = time.perf_counter()
    fn(**feeds)
    times.append((time.perf_counter() - t) * 1e3)
print(json.dumps(times))
"""


class NumpyReference:
    """A numpy implementation of a workload (`module.function` under
    benchmarks/, taking the inputs by name and returning outputs by name),
    where no peer runs the model's own ops. Its BLAS uses `threads`."""

    name = "numpy"

    def __init__(self, function):
        self.function = function

    def prepare(self, model_path, work, reference):
        return 0.0

    def check(self, input_files, reference_dir, rtol, atol, output_names):
        import importlib
        module, name = self.function.rsplit(".", 1)
        out = getattr(importlib.import_module(module), name)(
            **{k: np.load(v) for k, v in input_files.items()})
        worst = 0.0
        for n in output_names:
            want = np.load(os.path.join(reference_dir, n + ".npy"))
            if out[n].shape != want.shape or not np.allclose(out[n], want, rtol, atol):
                return False, [f"{n}: outputs differ from onnxruntime"]
            worst = max(worst, float(np.abs(out[n] - want).max()))
        return True, [f"max_abs={worst:.3g}"]

    def time(self, input_files, threads, runs):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                   OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        r = subprocess.run([sys.executable, "-c", NUMPY_TIMER, HERE, self.function,
                            str(runs)] + [f"{k}={v}" for k, v in input_files.items()],
                           capture_output=True, text=True, check=True, env=env)
        return json.loads(r.stdout)


# mixer-compile options that change the numbers: a variant compiled with
# one is timed without being held to onnxruntime's outputs, and its
# deviation from them is recorded instead.
LOSSY_OPTIONS = ("--reduce-query-heads=", "--mha-to-gqa=", "--prune-tokens=")


def zero_padding(reference_dir, mask_file):
    """A copy of the reference outputs with every [batch, seq, ...] output
    zeroed where the attention mask is 0 (what --remove-padding returns)."""
    mask = np.load(mask_file)
    out_dir = reference_dir + ".unpadded"
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(reference_dir):
        ref = np.load(os.path.join(reference_dir, name))
        if ref.shape[:2] == mask.shape:
            ref = np.where((mask != 0).reshape(mask.shape + (1,) * (ref.ndim - 2)), ref, 0)
        np.save(os.path.join(out_dir, name), ref)
    return out_dir


class Mixer:
    """Mixer, with its default pipeline or with extra mixer-compile options
    (a rewrite turned off, to measure what it is worth, or a lossy one)."""

    def __init__(self, options=(), name="mixer"):
        self.options, self.name = list(options), name
        self.lossy = any(o.startswith(LOSSY_OPTIONS) and o != "--reduce-query-heads=exact"
                         for o in self.options)
        # --remove-padding returns zeros at padded positions: compared with
        # the reference there zeroed.
        self.unpadded = "--remove-padding" in self.options

    def prepare(self, model_path, work, reference):
        self.library = os.path.join(work, self.name.replace(" ", "_") + ".so")
        t = time.perf_counter()
        subprocess.run([MIXER_COMPILE, model_path, "-o", self.library, *self.options],
                       check=True, capture_output=True, text=True)
        return time.perf_counter() - t

    def check(self, input_files, reference_dir, rtol, atol):
        if self.lossy:  # report the deviation, accept any
            rtol, atol = 1e30, 1e30
        if self.unpadded:
            reference_dir = zero_padding(reference_dir, input_files["attention_mask"])
        args = [MIXER_RUN, self.library, "--compare", reference_dir,
                "--rtol", str(rtol), "--atol", str(atol)]
        for k, v in input_files.items():
            args += ["--input", f"{k}={v}"]
        r = subprocess.run(args, capture_output=True, text=True)
        detail = r.stdout.strip().splitlines()[-1:] + r.stderr.strip().splitlines()[-1:]
        return r.returncode == 0, (["lossy:"] if self.lossy else []) + detail

    def time(self, input_files, threads, runs):
        args = [MIXER_RUN, self.library, "--benchmark", str(runs),
                "--threads", str(threads)]
        for k, v in input_files.items():
            args += ["--input", f"{k}={v}"]
        r = subprocess.run(args, capture_output=True, text=True, check=True)
        line = r.stdout.strip().splitlines()[-1]
        fields = dict(f.split("=") for f in line.split()[1:])
        # mixer-run reports min/p50/p90 only: keep them as three samples.
        return {k: float(fields[k]) for k in ("min", "p50", "p90")}


class IREE:
    name = "iree"
    # What IREE gets instead when it cannot import the workload's model.
    alternative = None

    @staticmethod
    def available():
        return shutil.which("iree-compile", path=VENV_BIN) is not None

    def prepare(self, model_path, work, reference):
        if self.alternative is not None:
            model_path = os.path.join(work, "model.iree.onnx")
            onnx.save(self.alternative, model_path)
        mlir = os.path.join(work, "model.iree.mlir")
        self.module = os.path.join(work, "model.vmfb")
        subprocess.run([os.path.join(VENV_BIN, "iree-import-onnx"), model_path,
                        "-o", mlir], check=True, capture_output=True)
        with open(mlir) as f:
            head = f.read(4096)
        self.function = head.split("func.func @", 1)[1].split("(", 1)[0]
        t = time.perf_counter()
        subprocess.run([os.path.join(VENV_BIN, "iree-compile"), mlir,
                        "--iree-hal-target-device=local",
                        "--iree-hal-local-target-device-backends=llvm-cpu",
                        "--iree-llvmcpu-target-cpu=host", "-o", self.module],
                       check=True, capture_output=True)
        return time.perf_counter() - t

    def check(self, input_files, reference_dir, rtol, atol, output_names):
        out = os.path.join(os.path.dirname(self.module), "iree_out")
        os.makedirs(out, exist_ok=True)
        args = [os.path.join(VENV_BIN, "iree-run-module"), f"--module={self.module}",
                "--device=local-task", f"--function={self.function}"]
        args += [f"--input=@{v}" for v in input_files.values()]
        args += [f"--output=@{os.path.join(out, n + '.npy')}" for n in output_names]
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0:
            return False, [f"iree-run-module exited with {r.returncode}: "
                           + r.stderr.strip()[-300:]]
        worst = 0.0
        for n in output_names:
            got, want = np.load(os.path.join(out, n + ".npy")), np.load(
                os.path.join(reference_dir, n + ".npy"))
            if got.shape != want.shape or not np.allclose(got, want, rtol, atol):
                return False, [f"{n}: outputs differ from onnxruntime"]
            worst = max(worst, float(np.abs(got - want).max()))
        return True, [f"max_abs={worst:.3g}"]

    def time(self, input_files, threads, runs):
        args = [os.path.join(VENV_BIN, "iree-benchmark-module"),
                f"--module={self.module}", "--device=local-task",
                f"--function={self.function}",
                f"--task_topology_max_group_count={threads}",
                f"--benchmark_repetitions={runs}", "--benchmark_min_time=1x",
                "--benchmark_min_warmup_time=0.2", "--benchmark_format=json"]
        args += [f"--input=@{v}" for v in input_files.values()]
        r = subprocess.run(args, capture_output=True, text=True, check=True)
        data = json.loads(r.stdout)
        scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}
        return [b["real_time"] * scale[b["time_unit"]] for b in data["benchmarks"]
                if b.get("run_type") == "iteration"]


# --- Driver ------------------------------------------------------------------

def run_workload(name, build, feeds, flops, thread_counts, runs, engines, args,
                 peak, variants=()):
    print(f"== {name}", flush=True)
    work = os.path.join(args.workdir, name.replace(" ", "_"))
    os.makedirs(work, exist_ok=True)
    # build() -> (model, weights[, model for IREE[, model for onnxruntime]]):
    # the alternatives replace ops those engines do not run.
    built = build()
    model, weights = built[:2]
    for engine in engines:
        if isinstance(engine, IREE):
            engine.alternative = built[2] if len(built) > 2 else None
    model_path = os.path.join(work, "model.onnx")
    onnx.save(model, model_path)
    ort_model_path = model_path
    if len(built) > 3 and built[3] is not None:
        ort_model_path = os.path.join(work, "model.onnxruntime.onnx")
        onnx.save(built[3], ort_model_path)
    input_files, reference_dir = {}, os.path.join(work, "reference")
    os.makedirs(reference_dir, exist_ok=True)
    for k, v in feeds.items():
        input_files[k] = os.path.join(work, f"{k}.npy")
        np.save(input_files[k], v)
    # variants: (name, mixer-compile options) for Mixer, or extra engines.
    engines = engines[:1] + [Mixer(v[1], v[0]) for v in variants if isinstance(v, tuple)] \
        + engines[1:] + [v for v in variants if not isinstance(v, tuple)]
    ort_engine = ORT()
    ort_engine.prepare(ort_model_path, work, None)
    output_names = [o.name for o in model.graph.output]
    for n, v in zip(output_names, ort_engine.outputs(feeds)):
        np.save(os.path.join(reference_dir, n + ".npy"), v)

    result = {"name": name, "weights": weights, "flops": flops, "engines": {}}
    if ort_model_path != model_path:
        result["onnxruntime_model"] = ("the same model in standard ONNX ops "
                                       "(onnxruntime does not run ai.mixer ops)")
    if len(built) > 2 and built[2] is not None:
        result["iree_model"] = (
            "the same model in standard ONNX ops (IREE imports no ai.mixer ops)"
            if ort_model_path != model_path else
            "the same attention decomposed into MatMul/Softmax "
            "(IREE does not import opset-23 Attention)")
    active = []
    for engine in engines:
        entry = {}
        try:
            entry["compile_s"] = engine.prepare(
                ort_model_path if isinstance(engine, ORT) else model_path, work,
                reference_dir)
        except subprocess.CalledProcessError as e:
            entry["error"] = f"compile failed: {(e.stderr or '')[-300:]}"
            result["engines"][engine.name] = entry
            print(f"   {engine.name}: {entry['error']}")
            continue
        if isinstance(engine, Mixer):
            ok, detail = engine.check(input_files, reference_dir, args.rtol, args.atol)
        elif isinstance(engine, (IREE, NumpyReference)):
            ok, detail = engine.check(input_files, reference_dir, args.rtol, args.atol,
                                      output_names)
        else:
            ok, detail = True, ["reference"]
        lossy = getattr(engine, "lossy", False)
        entry["matches_onnxruntime"] = ok and not lossy
        if lossy:
            entry["lossy"] = True
        entry["check"] = " ".join(detail)
        result["engines"][engine.name] = entry
        if not ok:
            print(f"   {engine.name}: WRONG OUTPUT, not timed: {entry['check']}")
            continue
        active.append(engine)

    result["threads"] = {}
    for threads in thread_counts:
        samples = {e.name: [] for e in active}
        for _ in range(args.rounds):
            for engine in active:  # alternate engines, fresh process each
                samples[engine.name].append(
                    engine.time(input_files, threads, runs or args.runs))
        row = {}
        for engine in active:
            s = samples[engine.name]
            if isinstance(s[0], dict):  # mixer-run's own min/p50/p90
                stats = {"min_ms": min(x["min"] for x in s),
                         "p50_ms": statistics.median(x["p50"] for x in s),
                         "p90_ms": statistics.median(x["p90"] for x in s),
                         "runs": (runs or args.runs) * args.rounds}
            else:
                stats = summarize([t for run in s for t in run])
            stats["gflops"] = flops / (stats["min_ms"] * 1e-3) / 1e9
            stats["percent_of_peak"] = 100 * stats["gflops"] / (peak * threads)
            row[engine.name] = stats
        for engine in active:
            for peer in active:
                if peer is not engine:
                    row[engine.name][f"speedup_vs_{peer.name}"] = (
                        row[peer.name]["min_ms"] / row[engine.name]["min_ms"])
        result["threads"][str(threads)] = row
        line = ", ".join(f"{n} {r['min_ms']:.3f} ms ({r['percent_of_peak']:.0f}% peak)"
                         for n, r in row.items())
        print(f"   {threads} thread(s): {line}", flush=True)
    return result


def plot(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    labels, series = [], {}
    for w in results["workloads"]:
        for threads, row in w.get("threads", {}).items():
            labels.append(w["name"].replace(" ", "\n") + f"\n{threads}T")
            for engine in ("mixer", "onnxruntime", "iree"):
                series.setdefault(engine, []).append(
                    row[engine]["percent_of_peak"] if engine in row else 0)
    fig, ax = plt.subplots(figsize=(max(8, len(labels) * 1.1), 4.5))
    width = 0.8 / max(1, len(series))
    for i, (engine, values) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(len(labels))], values, width, label=engine)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(labels))])
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_ylabel("% of measured FP32 peak (higher is better)")
    ax.set_title(f"{results['machine']['cpu']}, peak "
                 f"{results['machine']['peak_gflops_per_thread']:.0f} GFLOP/s per thread")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def markdown(results):
    """The results as a Markdown table (what benchmarks/README.md shows)."""
    lines = ["| workload | threads | mixer ms | onnxruntime ms | IREE ms | mixer % of peak | "
             "mixer vs onnxruntime | mixer vs IREE | mixer variants |",
             "|---|---|---|---|---|---|---|---|---|"]
    for w in results["workloads"]:
        for threads, row in w.get("threads", {}).items():
            def ms(engine):
                return f"{row[engine]['min_ms']:.3f}" if engine in row else "-"
            mixer = row.get("mixer", {})
            lines.append(
                f"| {w['name']} | {threads} | {ms('mixer')} | {ms('onnxruntime')} | "
                f"{ms('iree')} | {mixer.get('percent_of_peak', 0):.0f}% | "
                f"{mixer.get('speedup_vs_onnxruntime', 0):.2f}x | "
                + (f"{mixer['speedup_vs_iree']:.2f}x |" if "speedup_vs_iree" in mixer else "- |")
                + " " + ("; ".join(f"{n} {r['min_ms']:.3f} ms" for n, r in row.items()
                                   if n.startswith("mixer ")) or "-") + " |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", default="")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--atol", type=float, default=1e-4)
    p.add_argument("--no-iree", action="store_true")
    p.add_argument("--workdir", default=None)
    p.add_argument("--results", default=os.path.join(HERE, "results"))
    p.add_argument("--report", metavar="JSON",
                   help="print the table of an earlier run and redraw its plot")
    args = p.parse_args()
    if args.report:
        with open(args.report) as f:
            results = json.load(f)
        plot(results, args.report[:-5] + ".png")
        print(markdown(results))
        return 0
    if args.quick:
        args.runs, args.rounds = min(args.runs, 5), 1
    args.workdir = args.workdir or tempfile.mkdtemp(prefix="mixer-bench-")
    os.makedirs(args.workdir, exist_ok=True)

    engines = [Mixer(), ORT()]
    if not args.no_iree and IREE.available():
        engines.append(IREE())
    machine = machine_info(args.workdir)
    print(f"machine: {machine['cpu']}, {machine['cores']} cores, peak "
          f"{machine['peak_gflops_per_thread']:.1f} GFLOP/s per thread, "
          f"{machine['stream_gbytes_per_s']:.1f} GB/s copy", flush=True)
    print("engines: " + ", ".join(e.name for e in engines) +
          ("" if any(isinstance(e, IREE) for e in engines)
           else " (IREE not installed: pip install -r benchmarks/requirements.txt)"))
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    results = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
               "commit": commit, "machine": machine, "quick": args.quick,
               "method": {"runs": args.runs, "rounds": args.rounds,
                          "rtol": args.rtol, "atol": args.atol},
               "workloads": []}
    failed = False
    for name, build, feeds, flops, threads, runs, *variants in workloads(args.quick):
        if args.only and args.only not in name:
            continue
        w = run_workload(name, build, feeds, flops, threads, runs, engines, args,
                         machine["peak_gflops_per_thread"],
                         variants[0] if variants else ())
        failed |= not w["engines"].get("mixer", {}).get("matches_onnxruntime", False)
        results["workloads"].append(w)

    os.makedirs(args.results, exist_ok=True)
    stamp = "quick" if args.quick else datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(args.results, f"{stamp}.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    png = path[:-5] + ".png"
    print(markdown(results))
    print(f"results: {path}" + (f", {png}" if plot(results, png) else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
