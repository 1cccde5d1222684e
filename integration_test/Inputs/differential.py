"""Differential testing: random small transformers, compiled with every
combination of Mixer's exact rewrites on and off, against onnxruntime.

Each seed draws a model: hidden size, query heads and K/V heads (MHA, GQA
and MQA through repeat_kv, as exporters write them), 1-2 layers, Pre-LN,
Post-LN or RMSNorm blocks (the norms as ONNX ops, or written out op by op
as LLaMA's and opset-14 exporters do), attention written out op by op (scale by Div or
Mul, on the scores or on Q) or as ONNX's opset-23 Attention, no mask, a
padding mask, a causal mask or both, GELU or SiLU-gated MLPs, random
weights including the norms' scales and biases. Dynamic batch and
sequence: every compiled model runs at two shapes. Half the models with
decomposed attention apply rotate-half RoPE to Q and K as LLaMA's export
writes it (operands in random orders). The model is compiled with each of
the 128 combinations of --raise-attention, --raise-norms, --raise-rope,
--share-kv-heads, --fold-layernorm-to-rmsnorm, --fold-norm-affine and
--tile-attention
(--combos single: all on, all off, each one off alone), and every output
must be within rtol=atol=1e-4 of onnxruntime's.

    differential.py --workdir DIR --seeds 0 1 2 ...   (or --count N --first K)

Prints one line per failure (seed, combination, reason) and a summary; the
failing model is kept in DIR/seed<N>/model.onnx to reproduce.
"""

import argparse
import concurrent.futures
import itertools
import math
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REWRITES = ["raise-attention", "raise-norms", "raise-rope", "share-kv-heads",
            "fold-layernorm-to-rmsnorm", "fold-norm-affine", "tile-attention"]


class Graph:
    def __init__(self, rng):
        self.rng, self.nodes, self.inits, self.count = rng, [], [], 0

    def const(self, array, name=None):
        self.count += 1
        name = name or f"c{self.count}"
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, *shape, scale=None):
        scale = scale or 1 / math.sqrt(shape[0])
        return self.const((self.rng.standard_normal(shape) * scale).astype(np.float32))

    def op(self, kind, *inputs, **attrs):
        self.count += 1
        out = f"{kind.lower()}_{self.count}"
        self.nodes.append(helper.make_node(kind, list(inputs), [out],
                                           name=f"/{kind}_{self.count}", **attrs))
        return out


def draw(seed):
    """A random model configuration."""
    rng = np.random.default_rng(seed)
    hkv_options = {1: [1], 2: [1, 2], 4: [1, 2, 4], 8: [2, 4, 8]}
    hq = int(rng.choice([1, 2, 4, 8]))
    d = int(rng.choice([4, 8, 16]))
    return dict(
        seed=seed, hq=hq, hkv=int(rng.choice(hkv_options[hq])), head_dim=d,
        hidden=hq * d, layers=int(rng.integers(1, 3)),
        norm=str(rng.choice(["pre_ln", "post_ln", "rms"])),
        attention=str(rng.choice(["decomposed", "decomposed", "onnx"])),
        scale=str(rng.choice(["div", "mul", "query"])),
        mask=str(rng.choice(["none", "padding", "causal", "both"])),
        mlp=str(rng.choice(["gelu", "swiglu"])), vocab=37,
        norm_form=str(rng.choice(["onnx", "decomposed"])),
        # Rotate-half RoPE on Q and K as LLaMA's export writes it (decomposed
        # attention only), with random operand orders.
        rope=bool(rng.integers(0, 2)), rope_order=int(rng.integers(0, 4)))


def build(cfg):
    rng = np.random.default_rng(cfg["seed"] + 1000)
    g = Graph(rng)
    h, hq, hkv, d = cfg["hidden"], cfg["hq"], cfg["hkv"], cfg["head_dim"]
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731
    opset = 23 if cfg["attention"] == "onnx" or cfg["norm"] == "rms" else 17

    def linear(x, din, dout, bias=True):
        y = g.op("MatMul", x, g.weight(din, dout))
        return g.op("Add", y, g.weight(dout, scale=0.1)) if bias else y

    def mean(x):
        # ReduceMean over the last dim, keepdims; axes an input from opset 18.
        if opset >= 18:
            return g.op("ReduceMean", x, g.const(i64(-1)))
        return g.op("ReduceMean", x, axes=[-1])

    def norm(x):
        scale = g.const((1 + rng.standard_normal(h) * 0.2).astype(np.float32))
        decomposed = cfg["norm_form"] == "decomposed"
        if cfg["norm"] == "rms" and decomposed:
            # LLaMA's, as the TorchScript exporter writes it.
            inv = g.op("Div", g.const(np.float32(1)),
                       g.op("Sqrt", g.op("Add", mean(g.op("Pow", x, g.const(np.float32(2)))),
                                         g.const(np.float32(1e-5)))))
            return g.op("Mul", scale, g.op("Mul", x, inv))
        if cfg["norm"] == "rms":
            return g.op("RMSNormalization", x, scale, axis=-1, epsilon=1e-5)
        bias = g.weight(h, scale=0.2)
        if decomposed:
            # LayerNorm as opset-14 exports write it.
            c = g.op("Sub", x, mean(x))
            var = mean(g.op("Pow", c, g.const(np.float32(2))))
            y = g.op("Div", c, g.op("Sqrt", g.op("Add", var, g.const(np.float32(1e-5)))))
            return g.op("Add", g.op("Mul", y, scale), bias)
        return g.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=1e-5)

    seq = g.op("Gather", g.op("Shape", "input_ids"), g.const(np.array(1, np.int64)), axis=0)
    pos = g.op("Range", g.const(np.array(0, np.int64)), seq, g.const(np.array(1, np.int64)))
    x = g.op("Add", g.op("Gather", g.weight(cfg["vocab"], h, scale=1.0), "input_ids", axis=0),
             g.op("Gather", g.weight(64, h, scale=1.0), pos, axis=0))
    if cfg["norm"] == "post_ln":
        x = norm(x)
    additive = None
    if cfg["mask"] in ("padding", "both"):
        m = g.op("Cast", g.op("Unsqueeze", "attention_mask", g.const(i64(1, 2))),
                 to=TensorProto.FLOAT)
        additive = g.op("Mul", g.op("Sub", g.const(np.float32(1)), m), g.const(np.float32(-1e4)))
    causal = cfg["mask"] in ("causal", "both")
    later = g.op("Less", g.op("Unsqueeze", pos, g.const(i64(1))), pos)

    def heads(t, n):
        return g.op("Transpose", g.op("Reshape", t, g.const(i64(0, 0, n, d))), perm=[0, 2, 1, 3])

    def repeat_kv(t):
        if hkv == hq:
            return t
        # [B, Hkv, S, d] -> [B, Hkv, 1, S, d] -> [B, Hkv, G, S, d] -> [B, Hq, S, d]
        rep = g.op("Expand", g.op("Unsqueeze", t, g.const(i64(2))),
                   g.const(i64(1, hkv, hq // hkv, 1, d)))
        shape = g.op("Concat", g.op("Slice", g.op("Shape", t), g.const(i64(0)), g.const(i64(1))),
                     g.const(i64(hq)), g.op("Slice", g.op("Shape", t), g.const(i64(2)), g.const(i64(4))),
                     axis=0)
        return g.op("Reshape", rep, shape)

    use_rope = cfg.get("rope") and cfg["attention"] == "decomposed" and d % 2 == 0
    if use_rope:
        # cos/sin tables [64, d] with equal halves (cat(freqs, freqs)), rows
        # [0, seq) broadcast over batch and heads.
        freqs = np.outer(np.arange(64), 1.0 / 10000 ** (np.arange(0, d, 2) / d))
        emb = np.concatenate([freqs, freqs], axis=-1)
        tables = []
        for table in (np.cos(emb), np.sin(emb)):
            rows = g.op("Slice", g.const(table.astype(np.float32)), g.const(i64(0)),
                        g.op("Unsqueeze", seq, g.const(i64(0))), g.const(i64(0)))
            tables.append(g.op("Unsqueeze", rows, g.const(i64(0, 1))))
        cos_t, sin_t = tables

    def rope(t):
        x1 = g.op("Slice", t, g.const(i64(0)), g.const(i64(d // 2)), g.const(i64(-1)))
        x2 = g.op("Slice", t, g.const(i64(d // 2)), g.const(i64(d)), g.const(i64(-1)))
        rot = g.op("Concat", g.op("Neg", x2), x1, axis=-1)
        order = cfg["rope_order"]
        p = g.op("Mul", t, cos_t) if order & 1 else g.op("Mul", cos_t, t)
        r = g.op("Mul", rot, sin_t) if order & 2 else g.op("Mul", sin_t, rot)
        return g.op("Add", p, r) if order < 2 else g.op("Add", r, p)

    def attention(hidden):
        q, k, v = heads(linear(hidden, h, hq * d), hq), heads(linear(hidden, h, hkv * d), hkv), \
            heads(linear(hidden, h, hkv * d), hkv)
        if use_rope:
            q, k = rope(q), rope(k)
        if cfg["attention"] == "onnx":
            ins = [q, k, v]
            if additive is not None or causal:
                # onnxruntime wants the mask's query dim spelled out: a
                # [S, S] plane (-inf above the diagonal when causal) plus the
                # [B, 1, 1, S] padding mask.
                fill = np.float32(-np.inf) if causal else np.float32(0)
                mask = g.op("Where", later, g.const(fill), g.const(np.float32(0)))
                if additive is not None:
                    mask = g.op("Add", additive, mask)
                ins.append(mask)
            o = g.op("Attention", *ins)
        else:
            k, v = repeat_kv(k), repeat_kv(v)
            if cfg["scale"] == "query":
                q = g.op("Mul", q, g.const(np.float32(1 / math.sqrt(d))))
            s = g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2]))
            if cfg["scale"] == "div":
                s = g.op("Div", s, g.const(np.float32(math.sqrt(d))))
            elif cfg["scale"] == "mul":
                s = g.op("Mul", s, g.const(np.float32(1 / math.sqrt(d))))
            if additive is not None:
                s = g.op("Add", s, additive)
            if causal:
                s = g.op("Where", later, g.const(np.float32(-np.inf)), s)
            o = g.op("MatMul", g.op("Softmax", s, axis=-1), v)
        o = g.op("Reshape", g.op("Transpose", o, perm=[0, 2, 1, 3]), g.const(i64(0, 0, hq * d)))
        return linear(o, hq * d, h)

    def mlp(hidden):
        f = 2 * h
        if cfg["mlp"] == "gelu":
            u = linear(hidden, h, f)
            act = g.op("Mul", g.op("Mul", u, g.op("Add", g.op("Erf", g.op("Div", u, g.const(np.float32(math.sqrt(2))))),
                                              g.const(np.float32(1)))), g.const(np.float32(0.5)))
        else:
            gate = linear(hidden, h, f, bias=False)
            act = g.op("Mul", g.op("Mul", gate, g.op("Sigmoid", gate)), linear(hidden, h, f, bias=False))
        return linear(act, f, h)

    for _ in range(cfg["layers"]):
        if cfg["norm"] == "post_ln":
            x = norm(g.op("Add", x, attention(x)))
            x = norm(g.op("Add", x, mlp(x)))
        else:
            x = g.op("Add", x, attention(norm(x)))
            x = g.op("Add", x, mlp(norm(x)))
    if cfg["norm"] != "post_ln":
        x = norm(x)
    g.nodes.append(helper.make_node("Identity", [x], ["hidden"], name="/out"))
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])]
    if additive is not None:
        inputs.append(helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]))
    graph = helper.make_graph(g.nodes, "random", inputs,
                              [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "seq", h])],
                              g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10 if opset >= 21 else 8
    onnx.checker.check_model(model)
    return model


def feeds_for(cfg, model, batch, seq, rng):
    feeds = {"input_ids": rng.integers(0, cfg["vocab"], (batch, seq)).astype(np.int64)}
    if any(i.name == "attention_mask" for i in model.graph.input):
        mask = np.ones((batch, seq), np.int64)
        if seq > 1:
            mask[-1, rng.integers(1, seq):] = 0  # right padding in the last row
        feeds["attention_mask"] = mask
    return feeds


def save(directory, name, array):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name + ".npy")
    np.save(path, array)
    return path


def run_seed(seed, workdir, combos):
    import onnxruntime as ort

    cfg = draw(seed)
    work = os.path.join(workdir, f"seed{seed}")
    os.makedirs(work, exist_ok=True)
    model = build(cfg)
    model_path = os.path.join(work, "model.onnx")
    onnx.save(model, model_path)
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed + 7)
    cases = []
    for batch, seq in ((1, int(rng.integers(1, 6))), (int(rng.integers(2, 4)), int(rng.integers(7, 40)))):
        feeds = feeds_for(cfg, model, batch, seq, rng)
        case = os.path.join(work, f"b{batch}s{seq}")
        inputs = {k: save(os.path.join(case, "in"), k, v) for k, v in feeds.items()}
        save(os.path.join(case, "ref"), "hidden", session.run(None, feeds)[0])
        cases.append((case, inputs))
    failures = []
    for combo in combos:
        flags = [f"--{r}={'true' if on else 'false'}" for r, on in zip(REWRITES, combo)]
        tag = "".join("1" if on else "0" for on in combo)
        library = os.path.join(work, f"model{tag}.so")
        r = subprocess.run(["mixer-compile", model_path, "-o", library, *flags],
                           capture_output=True, text=True)
        if r.returncode != 0:
            failures.append(f"FAIL seed {seed} {tag} compile: {r.stderr.strip()[-300:]}")
            continue
        for case, inputs in cases:
            args = ["mixer-run", library, "--compare", os.path.join(case, "ref"),
                    "--rtol", "1e-4", "--atol", "1e-4", "--threads", "1"]
            for k, v in inputs.items():
                args += ["--input", f"{k}={v}"]
            r = subprocess.run(args, capture_output=True, text=True)
            if r.returncode != 0:
                failures.append(f"FAIL seed {seed} {tag} {os.path.basename(case)}: "
                                f"{(r.stdout + r.stderr).strip().splitlines()[-1][:300]}")
        os.remove(library)
    return seed, cfg, failures


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workdir", required=True)
    p.add_argument("--seeds", type=int, nargs="*")
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--count", type=int, default=4)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--combos", choices=["all", "single"], default="all",
                   help="all: every on/off combination of the rewrites; "
                        "single: all on, all off, and each one off alone")
    args = p.parse_args()
    seeds = args.seeds if args.seeds else list(range(args.first, args.first + args.count))
    if args.combos == "all":
        combos = list(itertools.product([True, False], repeat=len(REWRITES)))
    else:
        n = len(REWRITES)
        combos = [(True,) * n, (False,) * n] + [
            tuple(j != i for j in range(n)) for i in range(n)]
    failed = 0
    with concurrent.futures.ProcessPoolExecutor(args.jobs) as pool:
        for seed, cfg, failures in pool.map(run_seed, seeds,
                                            [args.workdir] * len(seeds),
                                            [combos] * len(seeds)):
            failed += bool(failures)
            for line in failures:
                print(line, f"[{cfg}]")
    print(f"differential: {len(seeds)} seeds x {len(combos)} rewrite combinations "
          f"vs onnxruntime: {failed} seeds failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
