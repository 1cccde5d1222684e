"""End-to-end checks of Mamba models (python/mixer_models/mamba.py):

  prefill   the ai.mixer::SelectiveScan model against ONNX's reference
            evaluator, its SelectiveScan run by numpy (selective_scan below),
            at several lengths: logits and every layer's final states;
  unrolled  the exporter's unrolled recurrence (standard ops only) against
            onnxruntime, and the custom-op model against the same outputs;
  decode    a prompt through the prefill model, then token by token through
            the decode model with the states fed back: every step's logits
            and the states equal the prefill model's on the whole sequence;
  op        single SelectiveScan nodes against the numpy scan: lengths
            across and inside the lowering's 64-step chunks, channel counts
            that make blocks of 16, 8 and 1, with and without each optional
            input, f32 and f16.

Prints one line per check and a summary; exits 1 on any mismatch.
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun

import mixer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python", "mixer_models"))
import mamba_weights  # noqa: E402  (makes the models' external data)


def softplus(v):
    return np.where(v > 20, v, np.log1p(np.exp(np.minimum(v, 20))))


def selective_scan(x, delta, A, B, C, D=None, z=None, delta_bias=None,
                   state=None, delta_softplus=0):
    """mixer.selective_scan in numpy: a loop over time, vectorized over
    batch x channels x state (float64 inside)."""
    x, delta, A, B, C = (np.asarray(v, np.float64) for v in (x, delta, A, B, C))
    dt = delta + (0 if delta_bias is None else delta_bias)
    if delta_softplus:
        dt = softplus(dt)
    batch, length, channels = x.shape
    h = (np.zeros((batch, channels, A.shape[1])) if state is None
         else np.asarray(state, np.float64))
    y = np.empty_like(x)
    for t in range(length):
        dt_t = dt[:, t, :, None]
        h = np.exp(dt_t * A) * h + dt_t * B[:, t, None, :] * x[:, t, :, None]
        y[:, t] = np.einsum("bcn,bn->bc", h, C[:, t])
    if D is not None:
        y += D * x
    if z is not None:
        y *= z / (1 + np.exp(-z))
    return y.astype(np.float32), h.astype(np.float32)


class SelectiveScan(OpRun):
    op_domain = "ai.mixer"

    def _run(self, x, delta, A, B, C, D=None, z=None, delta_bias=None,
             initial_state=None, delta_softplus=0):
        return selective_scan(x, delta, A, B, C, D, z, delta_bias,
                              initial_state, delta_softplus)


def scan_model(batch, seq, channels, d_state, dtype, optional, softplus):
    """One ai.mixer SelectiveScan node; `optional` names the optional inputs
    given (D, z, delta_bias, initial_state)."""
    from onnx import TensorProto, helper
    elem = TensorProto.FLOAT16 if dtype == np.float16 else TensorProto.FLOAT
    shapes = {"x": [batch, seq, channels], "delta": [batch, seq, channels],
              "A": [channels, d_state], "B": [batch, seq, d_state],
              "C": [batch, seq, d_state], "D": [channels], "z": [batch, seq, channels],
              "delta_bias": [channels], "initial_state": [batch, channels, d_state]}
    names = ["x", "delta", "A", "B", "C", "D", "z", "delta_bias", "initial_state"]
    used = [n for n in names if n in names[:5] or n in optional]
    node_inputs = [n if n in used else "" for n in names]
    while node_inputs[-1] == "":
        node_inputs.pop()
    node = helper.make_node("SelectiveScan", node_inputs, ["y", "h"], domain="ai.mixer",
                            delta_softplus=int(softplus), name="scan")
    graph = helper.make_graph(
        [node], "scan", [helper.make_tensor_value_info(n, elem, shapes[n]) for n in used],
        [helper.make_tensor_value_info("y", elem, shapes["x"]),
         helper.make_tensor_value_info("h", elem, shapes["initial_state"])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("ai.mixer", 1)])
    model.ir_version = 8
    rng = np.random.default_rng(seq * 131 + channels)
    feeds = {}
    for n in used:
        v = rng.standard_normal(shapes[n])
        if n == "A":
            v = -np.exp(0.5 * v)
        if n == "delta" and not softplus:
            v = 0.1 * np.abs(v)
        feeds[n] = v.astype(dtype)
    return model, feeds


def check_ops(failures):
    cases = [  # batch, seq, channels, d_state, dtype, optional inputs, softplus
        (2, 130, 24, 4, np.float32, ("D", "z", "delta_bias", "initial_state"), True),
        (1, 64, 16, 16, np.float32, (), False),
        (3, 1, 40, 8, np.float32, ("initial_state",), True),
        (1, 70, 5, 3, np.float32, ("D", "delta_bias"), True),
        (2, 33, 32, 16, np.float16, ("D", "z", "delta_bias", "initial_state"), True),
    ]
    for batch, seq, channels, d_state, dtype, optional, softplus in cases:
        model, feeds = scan_model(batch, seq, channels, d_state, dtype, optional, softplus)
        f64 = {k: v.astype(np.float64) for k, v in feeds.items()}
        y, h = selective_scan(f64["x"], f64["delta"], f64["A"], f64["B"], f64["C"],
                              f64.get("D"), f64.get("z"), f64.get("delta_bias"),
                              f64.get("initial_state"), softplus)
        got = mixer.compile(model).run(feeds)
        tol = 2e-2 if dtype == np.float16 else 1e-4
        compare(f"op b{batch} s{seq} c{channels} n{d_state} {np.dtype(dtype).name} "
                f"[{' '.join(optional) or 'no optional inputs'}]"
                f"{' softplus' if softplus else ''}",
                {k: v.astype(np.float32) for k, v in got.items()}, {"y": y, "h": h},
                tol, failures)


def compare(name, got, want, tol, failures):
    worst = 0.0
    for key, ref in want.items():
        out = got[key]
        if out.shape != ref.shape:
            failures.append(f"{name}: {key} shape {out.shape} != {ref.shape}")
            return
        worst = max(worst, float(np.max(np.abs(out - ref) / (tol + tol * np.abs(ref)))))
    status = "ok" if worst <= 1.0 else "FAIL"
    if worst > 1.0:
        failures.append(name)
    print(f"{name}: {status} ({len(want)} outputs, worst |err| / (atol + rtol |ref|) = {worst:.3f})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("models", help="directory with mamba_lm*.onnx")
    parser.add_argument("--tol", type=float, default=1e-4)
    args = parser.parse_args()
    path = lambda n: os.path.join(args.models, n)  # noqa: E731
    mamba_weights.generate(args.models)
    rng = np.random.default_rng(0)
    failures = []

    prefill = mixer.compile(path("mamba_lm.onnx"))
    reference = ReferenceEvaluator(path("mamba_lm.onnx"), new_ops=[SelectiveScan])
    names = [o.name for o in onnx.load(path("mamba_lm.onnx"),
                                       load_external_data=False).graph.output]
    vocab = prefill.outputs[0].shape[-1]
    for batch, length in ((1, 1), (2, 7), (2, 64)):
        ids = rng.integers(0, vocab, (batch, length))
        want = dict(zip(names, reference.run(None, {"input_ids": ids})))
        compare(f"prefill batch {batch} seq {length} vs reference evaluator",
                prefill.run({"input_ids": ids}), want, args.tol, failures)

    import onnxruntime as ort
    unrolled_path = path("mamba_lm_unrolled.onnx")
    session = ort.InferenceSession(unrolled_path, providers=["CPUExecutionProvider"])
    ids = rng.integers(0, vocab, (2, 8))
    want = dict(zip(names, session.run(None, {"input_ids": ids})))
    compare("unrolled seq 8 vs onnxruntime",
            mixer.compile(unrolled_path).run({"input_ids": ids}), want,
            args.tol, failures)
    compare("custom op seq 8 vs onnxruntime on the unrolled export",
            prefill.run({"input_ids": ids}), want, args.tol, failures)

    decode = mixer.compile(path("mamba_lm_decode.onnx"))
    prompt, steps = 5, 12
    ids = rng.integers(0, vocab, (2, prompt + steps))
    full = prefill.run({"input_ids": ids})
    out = prefill.run({"input_ids": ids[:, :prompt]})
    states = [out[n] for n in names[1:]]
    worst_step = []
    for t in range(prompt, prompt + steps):
        feed = {"input_ids": ids[:, t:t + 1]}
        feed.update({"past_" + n: s for n, s in zip(names[1:], states)})
        step = decode.run(feed)
        states = [step["present_" + n] for n in names[1:]]
        worst_step.append(np.max(np.abs(step["logits"][:, 0] - full["logits"][:, t])))
        compare(f"decode step {t}", {"logits": step["logits"][:, 0]},
                {"logits": full["logits"][:, t]}, args.tol, failures)
    compare(f"decode states after {prompt}+{steps} tokens",
            dict(zip(names[1:], states)), {n: full[n] for n in names[1:]},
            args.tol, failures)

    check_ops(failures)
    print(f"mamba: {len(failures)} failed")
    for f in failures:
        print(f"FAIL {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
