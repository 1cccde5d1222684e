"""Decode-step time of a Mamba LM against the length of its history.

Runs the committed Mamba LM (test/Target/ONNX/Models/mamba_lm*.onnx,
d_model 256, d_state 16, 3 layers) through Mixer's Python package: a prompt
of H tokens through the prefill model, then STEPS single-token steps through
the decode model with the states fed back, for H in 1k, 4k and 16k. A
transformer's step reads a KV cache that grows with H; Mamba's reads states
of a fixed size, so the step time should not change. Prints the median and
p90 step time per H, and checks the first step's logits against the prefill
model run on H + 1 tokens.

    PYTHONPATH=build/python .venv/bin/python benchmarks/mamba_decode_history.py
"""

import argparse
import json
import os
import statistics
import time

import numpy as np

import sys

import mixer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "test", "Target", "ONNX", "Models")
sys.path.insert(0, os.path.join(ROOT, "python", "mixer_models"))
import mamba_weights  # noqa: E402  (makes the models' external data)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--histories", default="1024,4096,16384")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    mamba_weights.generate(MODELS)
    prefill = mixer.compile(os.path.join(MODELS, "mamba_lm.onnx"))
    decode = mixer.compile(os.path.join(MODELS, "mamba_lm_decode.onnx"))
    prefill.set_num_threads(args.threads)
    decode.set_num_threads(args.threads)
    names = [o.name for o in prefill.outputs][1:]
    rng = np.random.default_rng(0)
    results = []
    for history in (int(h) for h in args.histories.split(",")):
        ids = rng.integers(0, 256, (1, history + 1))
        out = prefill.run({"input_ids": ids[:, :history]})
        states = {"past_" + n: out[n] for n in names}
        first = decode.run({"input_ids": ids[:, history:], **states})
        full = prefill.run({"input_ids": ids})["logits"][:, -1]
        err = float(np.abs(first["logits"][:, 0] - full).max())
        times = []
        token = ids[:, history:]
        for _ in range(args.steps):
            t = time.perf_counter()
            step = decode.run({"input_ids": token, **states})
            times.append((time.perf_counter() - t) * 1e3)
            states = {"past_" + n: step["present_" + n] for n in names}
        times.sort()
        row = {"history": history, "p50_ms": statistics.median(times),
               "p90_ms": times[int(0.9 * len(times))], "first_step_max_abs_err": err}
        results.append(row)
        print(f"history {history:6d}: decode step p50 {row['p50_ms']:.3f} ms, "
              f"p90 {row['p90_ms']:.3f} ms ({args.threads} thread(s)); first step vs "
              f"prefill of {history + 1} tokens: max |err| {err:.2e}", flush=True)
    print(json.dumps(results))
    # The timing is reported, never asserted; a first step that disagrees
    # with the full run is an error.
    return 1 if any(r["first_step_max_abs_err"] > 1e-4 for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
