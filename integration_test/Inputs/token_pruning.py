"""--prune-tokens (Zero-TPrune and ToMe) end to end, against a numpy reference.

A tiny ViT (CLS pooling) and a tiny BERT with sentence-transformers' mean
pooling (batch 2, 24 tokens, row 1 padded at its last 7) run in numpy
(float64, weights read from the ONNX initializers), with the pruning the
pass implements: at attention number l (from 0, in program order) on N
tokens the importance is token_pruning_ref.zero_tprune_importance of that
attention's query and key heads (and its mask on the kept tokens), the kept
tokens K = protect + llround(keep * (N - protect)) are top_tokens of it,
the attention computes only the kept queries and everything after it (the
residual stream, the mask, the pooling) runs on the kept tokens in order.

Checks: the unpruned numpy forward equals onnxruntime; mixer's pruned
outputs equal the numpy pruned forward for several configurations (the
selection margins, the gap between the K-th and the (K+1)-th score, are
printed: a near tie could flip a selection between float32 and float64);
keep=1.0 equals the unpruned model; keep=0.5 changes the outputs; and
mixer.token_importance / top_tokens / gather_tokens in isolation against
token_pruning_ref.

Then method=merge (ToMe, token_pruning_ref.tome_merge_plan /
merge_tokens): at attention l on N tokens with sizes s (1 before the first
merge) the plan merges r = N - K tokens (K as above) by bipartite soft
matching on that attention's key heads; the attention computes all N
queries, and its output, the residual stream, the mask and the pooling
mask are merged into the N - r slots as size-weighted means (the sizes
summed); every later attention adds log s to the scores of its keys, and
mean pooling's sums weight each token by its size. On the tiny ViT and the
tiny BERT without padding (mask all ones): mixer against the numpy merged
forward for several configurations (margins printed: the r-th against the
(r+1)-th best match, and each merged token's best against its second-best
similarity), and method=merge keep=1.0 is the unpruned model.

Prints a line per check and a summary; exits 1 on any failure.

    token_pruning.py MIXER_SRC_ROOT [--skip-merge]

--skip-merge runs the importance checks only.
"""

import argparse

import math
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("root", help="the mixer source tree")
parser.add_argument("--skip-merge", action="store_true", help="skip the method=merge (ToMe) checks")
args = parser.parse_args()
ROOT = args.root
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
sys.path.insert(0, os.path.join(ROOT, "integration_test", "Inputs"))
import models  # noqa: E402
import token_pruning_ref as ref  # noqa: E402

import mixer  # noqa: E402

failures = 0
checks = 0
# A selection whose K-th and (K+1)-th scores are closer than this
# (relative; for merges, similarities closer than this, absolute) may
# differ between float32 and float64.
NEAR_TIE = 1e-5


def check(name, ok, detail):
    global failures, checks
    checks += 1
    failures += not ok
    print(f"{'ok' if ok else 'FAIL'}: {name}: {detail}", flush=True)


# ----------------------------------------------------------------------------
# Pruning options, as --mixer-prune-tokens reads them.

def parse_options(text):
    opts = dict(method="importance", layers=[], keep=[], protect=1, iterations=3)
    for item in (text or "").split():
        key, value = item.split("=")
        if key in ("layers", "keep"):
            opts[key] = [(int if key == "layers" else float)(v) for v in value.split(",")]
        elif key == "method":
            assert value in ("importance", "merge"), value
            opts[key] = value
        else:
            opts[key] = int(value)
    assert len(opts["keep"]) in (1, len(opts["layers"])), opts
    return opts


def kept_count(n, keep, protect):
    # std::llround (half away from zero) for keep * (n - protect) >= 0.
    count = protect + int(math.floor(keep * (n - protect) + 0.5))
    return min(max(count, max(protect, 1)), n)


class Pruner:
    """method=importance. Per attention op (counted in program order): the
    tokens to keep, or None; records the selection margins. The forwards
    call bias (the attention's mask), reduce (after the attention: its
    output and what else runs on the tokens) and token_weights (pooling)."""

    def __init__(self, text):
        self.opts = parse_options(text)
        assert self.opts["method"] == "importance", text
        self.attention = 0
        self.selections = []  # (layer, K, N, kept [B, K], relative gap)

    def bias(self, mask):
        return mask

    def reduce(self, q, k, mask, *tensors):
        kept = self.select(q, k, mask)
        if kept is None:
            return tensors
        return tuple(ref.gather_tokens(t, kept, 1) for t in tensors)

    def token_weights(self, m):
        return m

    def margin(self):
        return min(gap for *_, gap in self.selections)

    def describe(self):
        return describe(self.selections)

    def plans(self):
        return "numpy kept " + "; ".join(
            f"layer {layer}: {kept.tolist()}" for layer, _, _, kept, _ in self.selections)

    def select(self, q, k, mask):
        layer = self.attention
        self.attention += 1
        layers = self.opts["layers"]
        if layer not in layers:
            return None
        keeps = self.opts["keep"]
        ratio = keeps[0] if len(keeps) == 1 else keeps[layers.index(layer)]
        protect = self.opts["protect"]
        n = q.shape[2]
        count = kept_count(n, ratio, protect)
        s = ref.zero_tprune_importance(q, k, mask, iterations=self.opts["iterations"])
        kept = ref.top_tokens(s, count, protect)
        # The margin: per row, the K-th best unprotected score against the
        # (K+1)-th. Exact ties (masked keys: both 0) are decided by index in
        # both float32 and float64 and are not near ties.
        gap = math.inf
        if count < n:
            for row in s[:, protect:]:
                ordered = np.sort(row)[::-1]
                a, b = ordered[count - protect - 1], ordered[count - protect]
                if a != b:
                    gap = min(gap, (a - b) / max(abs(a), 1e-30))
        self.selections.append((layer, count, n, kept, gap))
        return kept


def describe(selections):
    return "; ".join(f"layer {layer}: {k} of {n} kept, margin {gap:.1e}"
                     for layer, k, n, _, gap in selections)


class Merger:
    """method=merge (ToMe). Per attention op: at a listed layer the plan of
    its key heads merges the attention output and the other tensors; the
    token sizes are tracked for the later attentions (log s added to their
    scores) and the pooling (weights s)."""

    def __init__(self, text):
        self.opts = parse_options(text)
        assert self.opts["method"] == "merge", text
        self.attention = 0
        self.sizes = None  # [B, N], None while all 1
        self.merges = []  # (layer, M, N, dst [B, N], nm gap, best-match gap)

    def bias(self, mask):
        if self.sizes is None:
            return mask
        log = np.log(self.sizes)[:, None, None, :]
        return log if mask is None else mask + log

    def reduce(self, q, k, mask, *tensors):
        layer = self.attention
        self.attention += 1
        layers = self.opts["layers"]
        if layer not in layers:
            return tensors
        keeps = self.opts["keep"]
        ratio = keeps[0] if len(keeps) == 1 else keeps[layers.index(layer)]
        protect = self.opts["protect"]
        batch, n = k.shape[0], k.shape[2]
        dst, count = ref.tome_merge_plan(k, n - kept_count(n, ratio, protect), protect)
        sizes = np.ones((batch, n)) if self.sizes is None else self.sizes
        out = tuple(ref.merge_tokens(t, dst, count, sizes, normalize=True) for t in tensors)
        self.sizes = ref.merge_tokens(sizes, dst, count)
        # The margins: per row, the r-th best match (nm) against the
        # (r+1)-th, and for each merged token its best similarity against
        # its second best (a near tie could change the plan in float32).
        r = n - count
        a, b, sim = ref.tome_similarity(k, protect)
        nm_gap = match_gap = math.inf
        if r > 0:
            for row in sim:
                nm = row.max(1)
                ordered = np.sort(nm)[::-1]
                if r < len(a):
                    nm_gap = min(nm_gap, ordered[r - 1] - ordered[r])
                if len(b) > 1:
                    for i in np.argsort(-nm, kind="stable")[:r]:
                        best, second = np.sort(row[i])[::-1][:2]
                        match_gap = min(match_gap, best - second)
        self.merges.append((layer, count, n, dst, nm_gap, match_gap))
        return out

    def token_weights(self, m):
        return m if self.sizes is None else m * self.sizes

    def margin(self):
        return min(min(g1, g2) for *_, g1, g2 in self.merges)

    def describe(self):
        return "; ".join(f"layer {layer}: {n} -> {m} tokens, margins {g1:.1e} (r-th vs (r+1)-th "
                         f"match), {g2:.1e} (best vs second-best match)"
                         for layer, m, n, _, g1, g2 in self.merges)

    def plans(self):
        return "numpy dst " + "; ".join(f"layer {layer}: {dst.tolist()}"
                                        for layer, _, _, dst, _, _ in self.merges)


# ----------------------------------------------------------------------------
# Numpy forwards, float64, weights from the ONNX initializers.

def initializers(model):
    return {t.name: numpy_helper.to_array(t).astype(np.float64)
            if numpy_helper.to_array(t).dtype == np.float32 else numpy_helper.to_array(t)
            for t in model.graph.initializer}


_erf = np.vectorize(math.erf)


def gelu(x):
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def layer_norm(x, g, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * g + b


def split_heads(x, heads):
    b, n, h = x.shape
    return x.reshape(b, n, heads, h // heads).transpose(0, 2, 1, 3)


def attention(q, k, v, mask):
    """[B, H, N, D] -> [B, N, H * D], softmax(q k^T / sqrt(D) + mask) v."""
    s = np.einsum("bhid,bhjd->bhij", q, k) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = s + mask
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    o = np.einsum("bhij,bhjd->bhid", p, v)
    b, heads, n, d = o.shape
    return o.transpose(0, 2, 1, 3).reshape(b, n, heads * d)


def vit_numpy(w, cfg, pixels, prune=None):
    """models.vit in numpy: logits [B, classes]."""
    prune = prune or Pruner("")
    h, heads, patch = cfg["hidden"], cfg["heads"], cfg["patch"]
    x = np.asarray(pixels, np.float64)
    b, c, size, _ = x.shape
    g = size // patch
    # Conv with kernel = stride = patch, as a matmul over the patches.
    patches = x.reshape(b, c, g, patch, g, patch).transpose(0, 2, 4, 1, 3, 5).reshape(b, g * g, -1)
    x = patches @ w["patch_embed.w"].reshape(h, -1).T + w["patch_embed.b"]
    x = np.concatenate([np.broadcast_to(w["cls_token"], (b, 1, h)), x], axis=1) + w["pos_embed"]
    for i in range(cfg["layers"]):
        p = f"blocks.{i}."
        a = layer_norm(x, w[p + "norm1.g"], w[p + "norm1.beta"], 1e-6)
        q, k, v = (split_heads(a @ w[p + n + ".w"] + w[p + n + ".b"], heads) for n in "qkv")
        ctx = attention(q, k, v, prune.bias(None))
        ctx, x = prune.reduce(q, k, None, ctx, x)
        x = x + ctx @ w[p + "attn.proj.w"] + w[p + "attn.proj.b"]
        m = layer_norm(x, w[p + "norm2.g"], w[p + "norm2.beta"], 1e-6)
        x = x + gelu(m @ w[p + "mlp.fc1.w"] + w[p + "mlp.fc1.b"]) @ w[p + "mlp.fc2.w"] + w[p + "mlp.fc2.b"]
    cls = layer_norm(x, w["norm.g"], w["norm.beta"], 1e-6)[:, 0]
    return cls @ w["head.w"] + w["head.b"]


def bert_numpy(w, cfg, ids, attention_mask, prune=None):
    """models.bert(pooling="mean") in numpy: sentence_embedding [B, hidden]."""
    prune = prune or Pruner("")
    heads = cfg["heads"]
    n = ids.shape[1]
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][np.arange(n)][None]
         + w["token_type_row"])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], 1e-12)
    m = attention_mask.astype(np.float64)  # [B, N], gathered / merged with the tokens
    for i in range(cfg["layers"]):
        p = f"encoder.layer.{i}."

        def linear(v, name):
            return v @ w[p + name + ".weight.T"] + w[p + name + ".bias"]

        additive = ((1 - m) * -10000.0)[:, None, None, :]
        q, k, v = (split_heads(linear(x, "attention.self." + n), heads)
                   for n in ("query", "key", "value"))
        ctx = attention(q, k, v, prune.bias(additive))
        ctx, x, m = prune.reduce(q, k, additive, ctx, x, m)
        x = layer_norm(linear(ctx, "attention.output.dense") + x,
                       w[p + "attention.output.LayerNorm.weight"],
                       w[p + "attention.output.LayerNorm.bias"], 1e-12)
        f = gelu(linear(x, "intermediate.dense"))
        x = layer_norm(linear(f, "output.dense") + x, w[p + "output.LayerNorm.weight"],
                       w[p + "output.LayerNorm.bias"], 1e-12)
    tw = prune.token_weights(m)  # the mask, times the token sizes after a merge
    e = (x * tw[..., None]).sum(1) / np.maximum(tw.sum(1), 1e-9)[:, None]
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)


# ----------------------------------------------------------------------------
# The models.

VIT_CFG = models.CONFIGS["tiny-vit"]
BERT_CFG = models.CONFIGS["tiny-bert"]
BATCH, SEQ, PADDING = 2, 24, 7

vit_model = models.vit(VIT_CFG, seed=0)
bert_model = models.bert(BERT_CFG, models.random_weights(BERT_CFG), pooling="mean")
rng = np.random.default_rng(0)
pixels = rng.standard_normal((BATCH, 3, VIT_CFG["image"], VIT_CFG["image"])).astype(np.float32)
ids = rng.integers(0, BERT_CFG["vocab"], (BATCH, SEQ)).astype(np.int64)
mask = np.ones((BATCH, SEQ), np.int64)
mask[1, SEQ - PADDING:] = 0

cases = {
    "tiny-vit": dict(
        model=vit_model, output="logits",
        feed={"pixel_values": pixels}, shape={"pixel_values": pixels.shape},
        numpy=lambda prune=None: vit_numpy(initializers(vit_model), VIT_CFG, pixels, prune),
        configs=["layers=0 keep=0.5", "layers=0,1 keep=0.7,0.5 iterations=1",
                 "layers=1 keep=0.3 protect=2"]),
    "tiny-bert-mean": dict(
        model=bert_model, output="sentence_embedding",
        feed={"input_ids": ids, "attention_mask": mask},
        shape={"input_ids": ids.shape, "attention_mask": mask.shape},
        numpy=lambda prune=None: bert_numpy(initializers(bert_model), BERT_CFG, ids, mask, prune),
        configs=["layers=0 keep=0.6", "layers=0,1 keep=0.8,0.5 iterations=2"]),
}

import onnxruntime as ort  # noqa: E402


def check_numpy_forward(name, case):
    session = ort.InferenceSession(case["model"].SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    want = session.run(None, case["feed"])[0]
    got = case["numpy"]()
    diff = float(np.abs(got - want).max())
    check(f"{name} numpy forward vs onnxruntime", diff <= 1e-4,
          f"max |numpy - onnxruntime| {diff:.2e}")
    return want


def check_config(name, case, options, prune):
    """mixer with prune_tokens=options against the numpy forward with
    `prune` (a Pruner or a Merger of the same options)."""
    want = case["numpy"](prune)
    try:
        got = mixer.compile(case["model"], input_shape=case["shape"],
                            prune_tokens=options).run(case["feed"])[case["output"]]
    except mixer.MixerError as e:
        check(f"{name} '{options}'", False, f"does not compile: {str(e).strip()} "
              f"(numpy: {prune.describe()})")
        return
    diff = float(np.abs(got - want).max())
    ok = diff <= 1e-4 and got.shape == want.shape
    detail = f"max |mixer - numpy| {diff:.2e} ({prune.describe()})"
    if not ok and prune.margin() < NEAR_TIE:
        detail += " [a near tie: the selection may differ in float32]"
    if not ok:
        detail += "; " + prune.plans()
    check(f"{name} '{options}'", ok, detail)


for name, case in cases.items():
    # The numpy forward is the model.
    want = check_numpy_forward(name, case)

    unpruned = mixer.compile(case["model"], input_shape=case["shape"]).run(case["feed"])[case["output"]]
    diff = float(np.abs(unpruned - want).max())
    check(f"{name} unpruned mixer vs onnxruntime", diff <= 1e-4,
          f"max |mixer - onnxruntime| {diff:.2e}")

    for options in case["configs"]:
        check_config(name, case, options, Pruner(options))

    # keep=1.0 keeps every token: the unpruned model.
    full = mixer.compile(case["model"], input_shape=case["shape"],
                         prune_tokens="layers=0 keep=1.0").run(case["feed"])[case["output"]]
    diff = float(np.abs(full - unpruned).max())
    check(f"{name} keep=1.0 is the unpruned model", diff <= 1e-5,
          f"max |keep=1.0 - unpruned| {diff:.2e}")

    # keep=0.5 drops tokens: the outputs change, a little.
    half = mixer.compile(case["model"], input_shape=case["shape"],
                         prune_tokens="layers=0 keep=0.5").run(case["feed"])[case["output"]]
    diff = float(np.abs(half - unpruned).max())
    cos = ref.cosine_similarity(half, unpruned)
    check(f"{name} keep=0.5 changes the outputs", diff > 1e-6,
          f"max |pruned - unpruned| {diff:.2e}, cosine similarity "
          + ", ".join(f"{c:.4f}" for c in cos))


# ----------------------------------------------------------------------------
# The ops in isolation: token_importance (GQA: 4 query heads, 2 kv heads,
# masked keys), top_tokens, gather_tokens.

IMPORTANCE = """
func.func @main(%q: tensor<2x4x10x8xf32>, %k: tensor<2x2x10x8xf32>, %m: tensor<2x1x1x10xf32>,
                %x: tensor<2x3x10x5xf32>)
    -> (tensor<2x10xf32>, tensor<2x6xi64>, tensor<2x3x6x5xf32>) {
  %s = mixer.token_importance %q, %k mask(%m) {iterations = 3 : i64} : (tensor<2x4x10x8xf32>, tensor<2x2x10x8xf32>, tensor<2x1x1x10xf32>) -> tensor<2x10xf32>
  %t = mixer.top_tokens %s {count = 6 : i64, protect = 2 : i64} : (tensor<2x10xf32>) -> tensor<2x6xi64>
  %g = mixer.gather_tokens %x, %t {dim = 2 : i64} : (tensor<2x3x10x5xf32>, tensor<2x6xi64>) -> tensor<2x3x6x5xf32>
  return %s, %t, %g : tensor<2x10xf32>, tensor<2x6xi64>, tensor<2x3x6x5xf32>
}
"""

with tempfile.TemporaryDirectory(prefix="token-pruning-") as tmp:
    path = os.path.join(tmp, "imp.mlir")
    with open(path, "w") as f:
        f.write(IMPORTANCE)
    ops = mixer.compile(path)
    rng = np.random.default_rng(3)
    q = rng.standard_normal((2, 4, 10, 8)).astype(np.float32)
    k = rng.standard_normal((2, 2, 10, 8)).astype(np.float32)
    m = np.zeros((2, 1, 1, 10), np.float32)
    m[0, ..., [3, 7]] = -10000
    m[1, ..., 6:] = -10000
    x = rng.standard_normal((2, 3, 10, 5)).astype(np.float32)
    s, t, g = ops.run([q, k, m, x]).values()
    want_s = ref.zero_tprune_importance(q, k, m, iterations=3)
    want_t = ref.top_tokens(want_s, 6, 2)
    # No near ties in the selection (the 4th and 5th best unprotected).
    ordered = np.sort(want_s[:, 2:], axis=1)[:, ::-1]
    margin = float(((ordered[:, 3] - ordered[:, 4]) / ordered[:, 3]).min())
    rel = float((np.abs(s - want_s) / np.abs(want_s).clip(1e-30)).max())
    check("token_importance vs token_pruning_ref",
          np.allclose(s, want_s, rtol=1e-5, atol=1e-7),
          f"max relative diff {rel:.2e} (scores at masked keys: "
          f"{float(np.abs(s[0, [3, 7]]).max()):.1e}, {float(np.abs(s[1, 6:]).max()):.1e})")
    check("top_tokens vs token_pruning_ref", t.dtype == np.int64 and (t == want_t).all(),
          f"kept {t.tolist()}, reference {want_t.tolist()}, margin {margin:.1e}")
    want_g = ref.gather_tokens(x, t, 2)
    check("gather_tokens vs token_pruning_ref", g.shape == want_g.shape and (g == want_g).all(),
          f"shape {list(g.shape)}, max diff {float(np.abs(g - want_g).max()):.1e}")


# ----------------------------------------------------------------------------
# method=merge (ToMe): the tiny ViT and the tiny BERT without padding (the
# plan does not look at the mask: padded tokens would merge like any other).

unpadded = np.ones((BATCH, SEQ), np.int64)
merge_cases = {
    "tiny-vit": dict(cases["tiny-vit"], configs=[
        "method=merge layers=0 keep=0.7", "method=merge layers=0,1 keep=0.8,0.6 protect=1"]),
    "tiny-bert-mean (no padding)": dict(
        cases["tiny-bert-mean"], feed={"input_ids": ids, "attention_mask": unpadded},
        numpy=lambda prune=None: bert_numpy(initializers(bert_model), BERT_CFG, ids, unpadded, prune),
        configs=["method=merge layers=0 keep=0.7", "method=merge layers=0,1 keep=0.8 protect=1"],
        new_feed=True),
}

for name, case in (() if args.skip_merge else merge_cases.items()):
    if case.get("new_feed"):
        check_numpy_forward(name, case)
    for options in case["configs"]:
        check_config(name, case, options, Merger(options))

    # keep=1.0 merges nothing: the unpruned model.
    unpruned = mixer.compile(case["model"], input_shape=case["shape"]).run(case["feed"])[case["output"]]
    try:
        full = mixer.compile(case["model"], input_shape=case["shape"],
                             prune_tokens="method=merge layers=0 keep=1.0").run(case["feed"])[case["output"]]
    except mixer.MixerError as e:
        check(f"{name} method=merge keep=1.0 is the unpruned model", False,
              f"does not compile: {str(e).strip()}")
        continue
    diff = float(np.abs(full - unpruned).max())
    check(f"{name} method=merge keep=1.0 is the unpruned model", diff <= 1e-5,
          f"max |keep=1.0 - unpruned| {diff:.2e}")

# Bad options are a MixerError naming the option, from the Python API too;
# so is a model that cannot be pruned (its output has every token).
for options, expected in (("layers=x keep=0.5", "--prune-tokens='layers=x keep=0.5'"),
                          ("method=tome layers=0 keep=0.5", "unknown method='tome'")):
    try:
        mixer.compile(vit_model, input_shape={"pixel_values": (BATCH, 3, VIT_CFG["image"], VIT_CFG["image"])},
                      prune_tokens=options)
        check(f"prune_tokens={options!r} is refused", False, "it compiled")
    except mixer.MixerError as e:
        check(f"prune_tokens={options!r} is refused", expected in str(e),
              str(e).strip().splitlines()[-1])

print(f"token-pruning: {checks} checks, {failures} failed")
sys.exit(1 if failures else 0)
