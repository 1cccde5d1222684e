"""End-to-end checks of the head rewrites (--reduce-query-heads, --mha-to-gqa).

One attention block (Q/K/V projections, attention with a padding mask, the
output projection) is built as ONNX with known weights, compiled with the
Python package and run:

- exact (`reduce_query_heads="exact"`): a model whose output projection
  ignores some heads gives outputs identical to the default compile, and
  matches onnxruntime;
- lossy SQA (`reduce_query_heads=N`) and GQA conversion (`mha_to_gqa=N`):
  the outputs equal a numpy model with the *merged weights* (query columns
  averaged per group, K/V columns averaged when pooled, output rows summed
  per group), which is what the rewrites claim to be, and differ from the
  original model (they are lossy).

The models are also written to --workdir for mixer-compile --report.
"""

import argparse
import math
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import mixer

E, D = 32, 8  # model width, head dim


def make_weights(hq, hkv, seed, dead=()):
    rng = np.random.default_rng(seed)
    w = lambda *s: (rng.standard_normal(s) / math.sqrt(s[0])).astype(np.float32)  # noqa: E731
    b = lambda n: (rng.standard_normal(n) * 0.1).astype(np.float32)  # noqa: E731
    weights = dict(wq=w(E, hq * D), bq=b(hq * D), wk=w(E, hkv * D), bk=b(hkv * D),
                   wv=w(E, hkv * D), bv=b(hkv * D), wo=w(hq * D, E), bo=b(E))
    for h in dead:
        weights["wo"][h * D:(h + 1) * D] = 0
    return weights


def build(weights, hq, hkv, decomposed):
    """x [B, S, E], mask [B, S] (1 keeps) -> y [B, S, E]."""
    nodes, inits = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(kind, *ins, **attrs):
        out = f"t{len(nodes)}"
        nodes.append(helper.make_node(kind, list(ins), [out], name=f"/{kind}_{len(nodes)}", **attrs))
        return out

    for name, value in weights.items():
        const(name, value)
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731

    def heads(t, n):
        return op("Transpose", op("Reshape", t, const(f"shape{len(inits)}", i64(0, 0, n, D))),
                  perm=[0, 2, 1, 3])

    q = heads(op("Add", op("MatMul", "x", "wq"), "bq"), hq)
    k = heads(op("Add", op("MatMul", "x", "wk"), "bk"), hkv)
    v = heads(op("Add", op("MatMul", "x", "wv"), "bv"), hkv)
    m = op("Cast", op("Unsqueeze", "mask", const("axes", i64(1, 2))), to=TensorProto.FLOAT)
    additive = op("Mul", op("Sub", const("one", np.float32(1)), m), const("big", np.float32(-1e4)))
    if decomposed:
        assert hq == hkv
        s = op("MatMul", q, op("Transpose", k, perm=[0, 1, 3, 2]))
        s = op("Add", op("Mul", s, const("scale", np.float32(1 / math.sqrt(D)))), additive)
        o = op("MatMul", op("Softmax", s, axis=-1), v)
    else:
        o = op("Attention", q, k, v, additive)
    o = op("Reshape", op("Transpose", o, perm=[0, 2, 1, 3]), const("merged", i64(0, 0, hq * D)))
    y = op("Add", op("MatMul", o, "wo"), "bo")
    nodes.append(helper.make_node("Identity", [y], ["y"], name="/out"))
    graph = helper.make_graph(
        nodes, "attention_block",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", E]),
         helper.make_tensor_value_info("mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "seq", E])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    model.ir_version = 10
    onnx.checker.check_model(model)
    return model


def reference(weights, hq, hkv, x, mask):
    """mixer.attention's semantics (any Hq, Hkv where one divides the other)
    in numpy, followed by the output projection."""
    batch, seq, _ = x.shape
    split = lambda t, n: t.reshape(batch, seq, n, D).transpose(0, 2, 1, 3)  # noqa: E731
    q = split(x @ weights["wq"] + weights["bq"], hq)
    k = split(x @ weights["wk"] + weights["bk"], hkv)
    v = split(x @ weights["wv"] + weights["bv"], hkv)
    additive = (1 - mask[:, None, None, :].astype(np.float32)) * -1e4
    hout = max(hq, hkv)
    out = np.empty((batch, hout, seq, D), np.float64)
    for h in range(hout):
        qh = h if hq >= hkv else h // (hkv // hq)
        kh = h // (hq // hkv) if hq >= hkv else h
        s = q[:, qh] @ k[:, kh].transpose(0, 2, 1) / math.sqrt(D) + additive[:, 0]
        p = np.exp(s - s.max(-1, keepdims=True))
        out[:, h] = (p / p.sum(-1, keepdims=True)) @ v[:, kh]
    merged = out.transpose(0, 2, 1, 3).reshape(batch, seq, hout * D)
    return merged @ weights["wo"] + weights["bo"]


def group_mean(w, heads, groups):
    """Columns of `heads` head blocks -> `groups` blocks, each the mean."""
    return w.reshape(*w.shape[:-1], groups, heads // groups, D).mean(-2).reshape(*w.shape[:-1], groups * D)


def merge_queries(weights, hq, hkv, n):
    """The weights --reduce-query-heads=n claims to be equivalent to."""
    merged = dict(weights)
    merged["wq"], merged["bq"] = group_mean(weights["wq"], hq, n), group_mean(weights["bq"], hq, n)
    if hkv > n:
        for name in ("wk", "bk", "wv", "bv"):
            merged[name] = group_mean(weights[name], hkv, n)
    # The output rows of each group are summed: every merged head stands in
    # for the hq / n heads it replaces.
    merged["wo"] = weights["wo"].reshape(n, hq // n, D, E).sum(1).reshape(n * D, E)
    return merged, n, min(hkv, n)


def pool_kv(weights, hq, hkv, n):
    """The weights --mha-to-gqa=n claims to be equivalent to."""
    pooled = dict(weights)
    for name in ("wk", "bk", "wv", "bv"):
        pooled[name] = group_mean(weights[name], hkv, n)
    return pooled, hq, n


def inputs(seed, batch=2, seq=12):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, seq, E)).astype(np.float32)
    mask = np.ones((batch, seq), np.int64)
    mask[-1, seq - 5:] = 0
    return {"x": x, "mask": mask}


def max_error(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def check_lossy(label, model, weights, hq, hkv, feeds, equivalent, **options):
    got = mixer.compile(model, **options).run(feeds)["y"]
    expected = reference(*equivalent, feeds["x"], feeds["mask"])
    original = reference(weights, hq, hkv, feeds["x"], feeds["mask"])
    err, change = max_error(got, expected), max_error(got, original)
    ok = err <= 1e-4 and change > 1e-3
    print(f"{label}: {'ok' if ok else 'FAIL'} (vs merged weights {err:.2g}, "
          f"vs the original model {change:.2g})")
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    feeds = inputs(7)
    ok = True

    # Exact: heads 1 and 3 of an MHA block are dead.
    import onnxruntime as ort
    w = make_weights(4, 4, seed=1, dead=(1, 3))
    model = build(w, 4, 4, decomposed=True)
    onnx.save(model, os.path.join(args.workdir, "mha_dead_heads.onnx"))
    default = mixer.compile(model).run(feeds)["y"]
    exact = mixer.compile(model, reduce_query_heads="exact").run(feeds)["y"]
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    err = max_error(exact, session.run(None, feeds)[0])
    same = np.array_equal(exact, default)
    ok &= same and err <= 1e-5
    print(f"exact dead-head removal: {'ok' if same and err <= 1e-5 else 'FAIL'} "
          f"(identical to the default compile: {same}, vs onnxruntime {err:.2g})")

    # Lossy: MHA 4:4 -> 2 (symmetric SQA), GQA 8:2 -> 4 (SQA) and -> 1
    # (xSQA, K/V pooled too), MHA 4:4 -> GQA 4:2.
    w = make_weights(4, 4, seed=2)
    mha = build(w, 4, 4, decomposed=True)
    onnx.save(mha, os.path.join(args.workdir, "mha.onnx"))
    ok &= check_lossy("reduce_query_heads=2 on MHA 4:4", mha, w, 4, 4, feeds,
                      merge_queries(w, 4, 4, 2), reduce_query_heads=2)
    ok &= check_lossy("mha_to_gqa=2 on MHA 4:4", mha, w, 4, 4, feeds,
                      pool_kv(w, 4, 4, 2), mha_to_gqa=2)
    w = make_weights(8, 2, seed=3)
    gqa = build(w, 8, 2, decomposed=False)
    onnx.save(gqa, os.path.join(args.workdir, "gqa.onnx"))
    ok &= check_lossy("reduce_query_heads=4 on GQA 8:2", gqa, w, 8, 2, feeds,
                      merge_queries(w, 8, 2, 4), reduce_query_heads=4)
    ok &= check_lossy("reduce_query_heads=1 on GQA 8:2", gqa, w, 8, 2, feeds,
                      merge_queries(w, 8, 2, 1), reduce_query_heads=1)

    for bad in (dict(reduce_query_heads="some"), dict(reduce_query_heads=0), dict(mha_to_gqa=-1)):
        try:
            mixer.compile(mha, **bad)
            print(f"{bad}: FAIL (accepted)")
            ok = False
        except mixer.MixerError as e:
            print(f"{bad}: refused: {e}")
    print("head rewrites:", "all ok" if ok else "FAILED")


if __name__ == "__main__":
    main()
