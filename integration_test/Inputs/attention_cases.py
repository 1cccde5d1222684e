"""Compiles mixer.attention in its variants (head grouping both ways, causal
with seq_q != seq_kv, boolean and additive masks, seq_lens, dynamic and
static shapes, sizes that leave partial tiles) and checks the outputs against
a numpy reference, at several sequence lengths from one compiled model.

The reference repeats K/V (or Q) heads explicitly and computes a
max-subtracted softmax over the visible keys; a row that sees no key is 0.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import mixer_testing  # noqa: E402


def reference(q, k, v, causal=False, mask=None, lens=None):
    hq, hkv = q.shape[1], k.shape[1]
    heads = max(hq, hkv)
    q = np.repeat(q, heads // hq, axis=1)
    k = np.repeat(k, heads // hkv, axis=1)
    v = np.repeat(v, heads // hkv, axis=1)
    s = (q @ k.transpose(0, 1, 3, 2)) / np.sqrt(q.shape[-1])
    sq, skv = s.shape[-2], s.shape[-1]
    visible = np.ones(s.shape, bool)
    if mask is not None:
        if mask.dtype == bool:
            visible &= np.broadcast_to(mask, s.shape)
        else:
            s = s + mask
    if causal:
        i = np.arange(sq)[:, None]
        j = np.arange(skv)[None, :]
        visible &= j <= i + (skv - sq)
    if lens is not None:
        visible &= np.arange(skv)[None, None, None, :] < lens[:, None, None, None]
    s = np.where(visible, s, -np.inf)
    m = s.max(-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    p = np.exp(s - m)
    l = p.sum(-1, keepdims=True)
    out = (p @ v) / np.where(l == 0, 1, l)
    return np.where(l == 0, 0, out).astype(np.float32)


def ty(shape):
    return "tensor<" + "x".join("?" if d is None else str(d) for d in shape) + "xf32>"


# name, (B, Hq, Hkv, d, dv), seq_q dynamic?, attributes / extra operands
CASES = [
    ("mha", (2, 4, 4, 32, 32), dict()),
    ("gqa_causal", (1, 8, 2, 64, 64), dict(causal=True)),
    ("mqa_causal_decode", (2, 4, 1, 16, 16), dict(causal=True, decode=True)),
    ("sqa_reverse", (1, 2, 8, 16, 24), dict()),
    ("additive_mask", (2, 4, 4, 16, 16), dict(mask="float")),
    ("bool_mask_lens", (2, 2, 2, 16, 16), dict(mask="bool", lens=True)),
    # GQA packs a group's query heads into one tile: with a padding mask and
    # lengths, as a decode step, and with more heads per group (64) than a
    # tile has rows (32).
    ("gqa_padding_lens", (2, 8, 2, 16, 16), dict(mask="float", lens=True)),
    ("gqa_decode", (2, 32, 8, 32, 32), dict(causal=True, decode=True)),
    ("mqa_wide_causal", (1, 64, 1, 16, 8), dict(causal=True)),
]


def module(name, dims, opts):
    b, hq, hkv, d, dv = dims
    heads = max(hq, hkv)
    qt, kt, vt = ty((b, hq, None, d)), ty((b, hkv, None, d)), ty((b, hkv, None, dv))
    ot = ty((b, heads, None, dv))
    args = [f"%q: {qt}", f"%k: {kt}", f"%v: {vt}"]
    operands, types = "%q, %k, %v", [qt, kt, vt]
    if opts.get("mask") == "float":
        mt = f"tensor<{b}x1x1x?xf32>"
        args.append(f"%m: {mt}")
        operands += " mask(%m)"
        types.append(mt)
    if opts.get("mask") == "bool":
        mt = "tensor<?x?xi1>"
        args.append(f"%m: {mt}")
        operands += " mask(%m)"
        types.append(mt)
    if opts.get("lens"):
        args.append(f"%lens: tensor<{b}xi32>")
        operands += " seq_lens(%lens)"
        types.append(f"tensor<{b}xi32>")
    attrs = " {causal}" if opts.get("causal") else ""
    return (f"func.func @main({', '.join(args)}) -> {ot} {{\n"
            f"  %o = mixer.attention {operands}{attrs} : ({', '.join(types)}) -> {ot}\n"
            f"  return %o : {ot}\n}}\n")


def inputs(dims, opts, seq, rng):
    b, hq, hkv, d, dv = dims
    sq = 1 if opts.get("decode") else seq
    skv = seq + 5 if opts.get("decode") or opts.get("causal") else seq
    feeds = [rng.standard_normal((b, hq, sq, d)).astype(np.float32),
             rng.standard_normal((b, hkv, skv, d)).astype(np.float32),
             rng.standard_normal((b, hkv, skv, dv)).astype(np.float32)]
    kwargs = dict(causal=opts.get("causal", False))
    if opts.get("mask") == "float":
        m = np.where(rng.random((b, 1, 1, skv)) < 0.2, -1e4, 0).astype(np.float32)
        feeds.append(m)
        kwargs["mask"] = m
    if opts.get("mask") == "bool":
        m = rng.random((sq, skv)) < 0.8
        m[0, :] = False  # a row that sees nothing
        feeds.append(m)
        kwargs["mask"] = m
    if opts.get("lens"):
        lens = np.array([skv, max(1, skv // 3)][:b], np.int32)
        feeds.append(lens)
        kwargs["lens"] = lens
    return feeds, reference(*feeds[:3], **kwargs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workdir", required=True)
    p.add_argument("--seq", type=int, nargs="+", default=[1, 37, 160, 300])
    args = p.parse_args()
    rng = np.random.default_rng(0)
    failures = runs = 0
    for name, dims, opts in CASES:
        work = os.path.join(args.workdir, name)
        os.makedirs(work, exist_ok=True)
        src = os.path.join(work, "model.mlir")
        with open(src, "w") as f:
            f.write(module(name, dims, opts))
        library = os.path.join(work, "model.so")
        r = mixer_testing.compile_model(src, library)
        if r.returncode != 0:
            print(f"FAIL {name}: compile: {r.stderr.strip()}")
            failures += 1
            continue
        for seq in args.seq:
            feeds, expected = inputs(dims, opts, seq, rng)
            names = [f"input{i}" for i in range(len(feeds))]
            r = mixer_testing.run_and_compare(
                library, dict(zip(names, feeds)), {"output0": expected},
                os.path.join(work, f"seq{seq}"), 1e-4, 1e-5)
            runs += 1
            status = "ok" if r.returncode == 0 else "FAIL"
            failures += r.returncode != 0
            last = (r.stdout.strip().splitlines() or [""])[-1]
            print(f"{status} {name} seq={seq}: {last} {r.stderr.strip()}")
    print(f"attention: {len(CASES)} variants, {runs} runs vs numpy: {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
