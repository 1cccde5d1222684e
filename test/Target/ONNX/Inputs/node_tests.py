"""Imports every ONNX backend node test model with mixer-translate.

The models come from the onnx package's own test generators (the same suite
as onnx/backend/test/data/node). Each model either imports and verifies, or
is refused with one of the importer's deliberate diagnostics, counted by
class:
  unsupported-op    the model uses an op the importer has no handler for
  needs-constant    an operand that fixes shapes (axes, shape, starts/ends,
                    split, k) is a run-time input; Mixer compiles shapes ahead
                    of time and needs it constant or computable from shapes
  unsupported-type  unsigned, string, 8-bit float, sequence... types
  unsupported-feature  an attribute or output the handler refuses by name
                    (training outputs, soft-capping, sliding windows, ...)
  no-default-opset  ai.onnx.ml / training-only models
Anything else, and any crash, fails. Prints the classes and one summary line,
and exits non-zero on failure.
"""

import argparse
import collections
import concurrent.futures
import os
import re
import subprocess
import sys
import warnings


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--translate", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("-j", type=int, default=os.cpu_count() or 2)
    args = p.parse_args()

    warnings.simplefilter("ignore")
    import onnx.backend.test.case.node as node_cases

    os.makedirs(args.workdir, exist_ok=True)
    cases = [c for c in node_cases.collect_testcases(None) if c.model is not None]

    def run(case):
        path = os.path.join(args.workdir, case.name + ".onnx")
        with open(path, "wb") as f:
            f.write(case.model.SerializeToString())
        r = subprocess.run([args.translate, "--import-onnx", path, "-o", os.devnull],
                           capture_output=True, text=True)
        return case, r

    classes = [
        ("unsupported-op", re.compile(r"unsupported ONNX ops?: ")),
        ("needs-constant", re.compile(r"must be (a )?constants?\b|must be computable at compile time")),
        ("unsupported-type", re.compile(r"unsupported (element|data) type|is not a tensor")),
        ("unsupported-feature", re.compile(r"not supported")),
        ("no-default-opset", re.compile(r"imports no ai.onnx opset")),
    ]
    imported, failed = 0, []
    refused = collections.Counter()
    ops = collections.Counter()
    with concurrent.futures.ThreadPoolExecutor(args.j) as pool:
        for case, r in pool.map(run, cases):
            if r.returncode < 0:
                failed.append(f"{case.name}: crashed (signal {-r.returncode})")
                continue
            if r.returncode == 0:
                imported += 1
                continue
            kind = next((k for k, rx in classes if rx.search(r.stderr)), None)
            if kind is None:
                first = r.stderr.strip().splitlines()[0] if r.stderr.strip() else "no message"
                failed.append(f"{case.name}: {first}")
                continue
            refused[kind] += 1
            if kind == "unsupported-op":
                listed = r.stderr.split("unsupported ONNX op", 1)[1].split(": ", 1)[1]
                for op in re.findall(r"([\w.:]+) \(\d+ nodes?", listed):
                    ops[op] += 1

    for line in sorted(failed):
        print("FAIL", line)
    for kind, n in sorted(refused.items()):
        print(f"refused, {kind}: {n}")
    print("unsupported ops (models): " +
          ", ".join(f"{op} {n}" for op, n in sorted(ops.items())))
    print(f"node tests: {len(cases)} models, {imported} imported and verified, "
          f"{sum(refused.values())} refused with a diagnostic, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
