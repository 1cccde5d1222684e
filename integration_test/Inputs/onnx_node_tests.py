"""Compiles and runs every ONNX backend node test that Mixer imports, and
compares the outputs with the tests' own expected outputs.

The test cases come from the installed onnx package's generators (the suite
shipped as onnx/backend/test/data/node), each with its model, inputs and
expected outputs. For every case:
  - the importer refuses it with a deliberate diagnostic (unsupported op,
    run-time shape operand, type or feature): not run, counted by class;
  - otherwise mixer-compile must build model.so and mixer-run must reproduce
    every output within the tolerance: rtol 1e-3 and atol 1e-5 (ONNX's
    backend-test rtol; atol widened from 1e-7 for float32 round-off), and
    for 16-bit float outputs two units in the last place (f16: rtol 2e-3,
    atol 1e-3; bf16: rtol 1.6e-2, atol 1e-2), since Mixer may round
    intermediate values differently from the reference.
Known deviations are listed in EXCLUDED with the reason, and printed.
Prints one line per failure, the exclusions, and a summary line; exits
non-zero on any failure.
"""

import argparse
import collections
import concurrent.futures
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(__file__))
import mixer_testing  # noqa: E402

# Deliberate refusals at import (the importer test checks the same classes).
REFUSALS = [
    ("unsupported-op", "unsupported ONNX op"),
    ("needs-constant", "must be a constant"),
    ("needs-constant", "must be constants"),
    ("needs-constant", "must be computable at compile time"),
    ("unsupported-type", "unsupported element type"),
    ("unsupported-type", "unsupported data type"),
    ("unsupported-type", "is not a tensor"),
    ("unsupported-feature", "not supported"),
    ("no-default-opset", "imports no ai.onnx opset"),
]

# Cases that import but whose results differ on purpose, with the reason.
EXCLUDED = {
}


def tolerance(outputs):
    """(rtol, atol) for a case: the loosest its output types need."""
    names = {str(getattr(o, "dtype", "")) for o in outputs}
    if "bfloat16" in names:
        return 1.6e-2, 1e-2
    if "float16" in names:
        return 2e-3, 1e-3
    return 1e-3, 1e-5


def classify_refusal(stderr):
    for kind, text in REFUSALS:
        if text in stderr:
            return kind
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workdir", required=True)
    p.add_argument("-j", type=int, default=os.cpu_count() or 2)
    p.add_argument("--filter", default="", help="only cases whose name has this")
    args = p.parse_args()

    warnings.simplefilter("ignore")
    import numpy as np
    import onnx.backend.test.case.node as node_cases

    cases = [c for c in node_cases.collect_testcases(None)
             if c.model is not None and args.filter in c.name]
    os.makedirs(args.workdir, exist_ok=True)

    def run(case):
        work = os.path.join(args.workdir, case.name)
        os.makedirs(work, exist_ok=True)
        model_path = os.path.join(work, "model.onnx")
        with open(model_path, "wb") as f:
            f.write(case.model.SerializeToString())
        library = os.path.join(work, "model.so")
        r = mixer_testing.compile_model(model_path, library)
        if r.returncode != 0:
            kind = classify_refusal(r.stderr) if r.returncode > 0 else None
            if kind:
                return case, "refused", kind
            lines = r.stderr.strip().splitlines() or ["no message"]
            return case, "fail", f"compile: {lines[0]}"
        graph = case.model.graph
        initializers = {t.name for t in graph.initializer}
        input_names = [i.name for i in graph.input if i.name not in initializers]
        output_names = [o.name for o in graph.output]
        for n, (inputs, outputs) in enumerate(case.data_sets):
            feeds = dict(zip(input_names, inputs))
            expected = dict(zip(output_names, outputs))
            rtol, atol = tolerance(outputs)
            r = mixer_testing.run_and_compare(
                library, feeds, expected, os.path.join(work, f"set{n}"),
                rtol, atol)
            if r.returncode != 0:
                lines = (r.stderr.strip() or r.stdout.strip()).splitlines()
                msg = next((l for l in lines if "error" in l), lines[-1] if lines else "no message")
                return case, "fail", f"run: {msg}"
        return case, "pass", None

    counts = collections.Counter()
    refused = collections.Counter()
    failures, excluded = [], []
    with concurrent.futures.ThreadPoolExecutor(args.j) as pool:
        for case, status, detail in pool.map(run, cases):
            if status == "fail" and case.name in EXCLUDED:
                excluded.append(f"{case.name}: {EXCLUDED[case.name]}")
                continue
            counts[status] += 1
            if status == "refused":
                refused[detail] += 1
            elif status == "fail":
                failures.append(f"{case.name}: {detail}")

    for line in sorted(failures):
        print("FAIL", line)
    for line in sorted(excluded):
        print("EXCLUDED", line)
    for kind, n in sorted(refused.items()):
        print(f"refused at import, {kind}: {n}")
    summary = (f"node tests: {len(cases)} cases, {counts['pass']} compiled, ran "
               f"and matched, {counts['refused']} refused at import, "
               f"{len(excluded)} excluded, {len(failures)} failed")
    print(summary)
    print(summary, file=sys.stderr)  # for the test log (scripts/test.sh)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
