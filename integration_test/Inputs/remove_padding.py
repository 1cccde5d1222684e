"""--remove-padding end to end: BERT-style (additive (1 - m) * -10000 mask,
Post-LN) and GPT-style (causal, plus (1 - m) * finfo.min, Pre-LN) models
compiled once padded and once with padding removal. For batches that mix
lengths 1 ... 512, left and right padded, the unpadded model's outputs at
valid positions must equal the padded model's within 1e-5 and be exactly
zero at padded positions; the GPT-style outputs are also checked against
onnxruntime. Each compiled model runs several batch compositions (the packed
token count is dynamic). Also: int64, int32, bool and float masks, and a
model whose mask is used in another way (left padded, with a remark).
Prints a line per check and a summary; exits 1 on any failure."""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto

sys.path.insert(0, os.path.join(sys.argv[1], "benchmarks"))
import models  # noqa: E402

import mixer  # noqa: E402

BATCH, SEQ = 8, 512
TINY = dict(layers=2, hidden=64, heads=4, ffn=128, vocab=100, positions=512)
failures = 0
checks = 0


def masks(rng):
    """Batch compositions: lengths from 1 to 512, even rows right padded,
    odd rows left padded; one with holes inside the rows."""
    fixed = [1, 512, 37, 300, 128, 2, 511, 64]
    compositions = [fixed, list(rng.integers(1, SEQ + 1, BATCH)), [SEQ] * BATCH]
    out = []
    for lengths in compositions:
        m = np.zeros((BATCH, SEQ), np.int64)
        for b, n in enumerate(lengths):
            if b % 2:
                m[b, SEQ - n:] = 1
            else:
                m[b, :n] = 1
        out.append(m)
    holes = (rng.random((BATCH, SEQ)) < 0.7).astype(np.int64)
    holes[:, 0] = 1
    out.append(holes)
    return out


def check(name, ok, detail):
    global failures, checks
    checks += 1
    failures += not ok
    print(f"{'ok' if ok else 'FAIL'}: {name}: {detail}")


def with_mask_type(model, elem):
    """The model with its attention_mask input of ONNX type `elem` (the
    graph casts it to float)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for i in m.graph.input:
        if i.name == "attention_mask":
            i.type.tensor_type.elem_type = elem
    return m


def compare(name, model, output, mask_dtype=np.int64, reference=None):
    shape = {"input_ids": (BATCH, SEQ), "attention_mask": (BATCH, SEQ)}
    padded = mixer.compile(model, input_shape=shape)
    packed = mixer.compile(model, input_shape=shape, remove_padding=True)
    rng = np.random.default_rng(0)
    for i, m in enumerate(masks(rng)):
        ids = rng.integers(0, TINY["vocab"], (BATCH, SEQ)).astype(np.int64)
        feed = {"input_ids": ids, "attention_mask": m.astype(mask_dtype)}
        want = padded.run(feed)[output]
        got = packed.run(feed)[output]
        valid = m.astype(bool)
        diff = float(np.abs(got[valid] - want[valid]).max())
        pad = float(np.abs(got[~valid]).max()) if (~valid).any() else 0.0
        check(f"{name} batch {i} ({int(valid.sum())} of {valid.size} tokens)",
              diff <= 1e-5 and pad == 0.0,
              f"max |unpadded - padded| at tokens {diff:.2e}, max |out| at padding {pad:.1e}")
        if reference is not None:
            ref = reference(feed)[0]
            rdiff = float(np.abs(got[valid] - ref[valid]).max())
            check(f"{name} batch {i} vs onnxruntime", rdiff <= 1e-4,
                  f"max |unpadded - onnxruntime| at tokens {rdiff:.2e}")


bert = models.bert(TINY, models.random_weights(TINY))
compare("bert int64 mask", bert, "last_hidden_state")
compare("bert int32 mask", with_mask_type(bert, TensorProto.INT32),
        "last_hidden_state", np.int32)
compare("bert bool mask", with_mask_type(bert, TensorProto.BOOL),
        "last_hidden_state", np.bool_)
compare("bert float mask", with_mask_type(bert, TensorProto.FLOAT),
        "last_hidden_state", np.float32)

gpt = models.gpt(TINY, padding_mask=True)
try:
    import onnxruntime as ort
    session = ort.InferenceSession(gpt.SerializeToString())
    reference = lambda feed: session.run(None, feed)  # noqa: E731
except ImportError:
    reference = None
compare("gpt", gpt, "hidden_states", reference=reference)

# Sentence-transformers' mean pooling: sum(h * m) / clip(sum(m), 1e-9). The
# product is 0 at the padding, so the pooling reads it unpacked: the model
# runs packed, and its embeddings equal the padded model's and
# onnxruntime's.
meanpool = onnx.ModelProto()
meanpool.CopyFrom(bert)
g = meanpool.graph
mk = onnx.helper.make_node
g.initializer.extend([
    onnx.numpy_helper.from_array(np.array([-1], np.int64), "pool_last"),
    onnx.numpy_helper.from_array(np.array([1], np.int64), "pool_seq"),
    onnx.numpy_helper.from_array(np.array(1e-9, np.float32), "pool_eps")])
g.node.extend([
    mk("Unsqueeze", ["attention_mask", "pool_last"], ["pool_m3"], name="/pool/Unsqueeze"),
    mk("Shape", ["last_hidden_state"], ["pool_shape"], name="/pool/Shape"),
    mk("Expand", ["pool_m3", "pool_shape"], ["pool_mexp"], name="/pool/Expand"),
    mk("Cast", ["pool_mexp"], ["pool_mf"], to=TensorProto.FLOAT, name="/pool/Cast"),
    mk("Mul", ["last_hidden_state", "pool_mf"], ["pool_prod"], name="/pool/Mul"),
    mk("ReduceSum", ["pool_prod", "pool_seq"], ["pool_sum"], keepdims=0, name="/pool/ReduceSum"),
    mk("ReduceSum", ["pool_mf", "pool_seq"], ["pool_count"], keepdims=0, name="/pool/ReduceSum_1"),
    mk("Clip", ["pool_count", "pool_eps"], ["pool_clipped"], name="/pool/Clip"),
    mk("Div", ["pool_sum", "pool_clipped"], ["sentence_embedding"], name="/pool/Div")])
del g.output[:]
g.output.append(onnx.helper.make_tensor_value_info(
    "sentence_embedding", TensorProto.FLOAT, ["batch", 64]))
onnx.checker.check_model(meanpool)
shape = {"input_ids": (BATCH, SEQ), "attention_mask": (BATCH, SEQ)}
padded = mixer.compile(meanpool, input_shape=shape)
try:
    # (The remark says that it runs packed: remove-padding.test checks it.)
    packed = mixer.compile(meanpool, input_shape=shape, remove_padding=True,
                           remarks=True)
    sys.stdout.flush()
except mixer.MixerError as e:
    packed = None
    check("mean pooling model compiles", False, str(e))
if packed is not None:
    session = ort.InferenceSession(meanpool.SerializeToString()) \
        if reference is not None else None
    rng = np.random.default_rng(1)
    for i, m in enumerate(masks(rng)):
        ids = rng.integers(0, TINY["vocab"], (BATCH, SEQ)).astype(np.int64)
        feed = {"input_ids": ids, "attention_mask": m}
        got = packed.run(feed)["sentence_embedding"]
        want = padded.run(feed)["sentence_embedding"]
        diff = float(np.abs(got - want).max())
        check(f"mean pooling batch {i} ({int(m.sum())} of {m.size} tokens)",
              diff <= 1e-5, f"max |unpadded - padded| {diff:.2e}")
        if session is not None:
            ref = session.run(None, feed)[0]
            rdiff = float(np.abs(got - ref).max())
            check(f"mean pooling batch {i} vs onnxruntime", rdiff <= 1e-4,
                  f"max |unpadded - onnxruntime| {rdiff:.2e}")

# A model whose outputs pool over every position (padding included) is left
# padded: the compile says why, and the outputs are unchanged.
pooled = onnx.ModelProto()
pooled.CopyFrom(bert)
g = pooled.graph
g.node.append(onnx.helper.make_node("ReduceMean", ["last_hidden_state"], ["pooled"],
                                    axes=[1], keepdims=0, name="/pool"))
g.output.append(onnx.helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", 64]))
pooled.opset_import[0].version = 17
shape = {"input_ids": (2, 16), "attention_mask": (2, 16)}
try:
    mixer.compile(pooled, input_shape=shape, remove_padding=True, remarks=True)
    check("pooled model compiles", True, "left padded")
except mixer.MixerError as e:
    check("pooled model compiles", False, str(e))

print(f"remove-padding: {checks} checks, {failures} failed")
sys.exit(1 if failures else 0)
