"""Builds a binary ONNX model from ONNX's textual syntax embedded in a test.

Collects the lines of FILE that start with `// <PREFIX>:` (default ONNX),
parses them with onnx.parser, and writes the model to -o. Options add what
the text syntax cannot say compactly:
  --init NAME:2x3        a float32 initializer with deterministic random data
  --external-data FILE   store initializers in FILE next to the output model
  --truncate N           write only the first N bytes (a corrupt model)
  --no-check             skip onnx.checker (for deliberately invalid models)
"""

import argparse
import os
import sys

import numpy as np
import onnx
import onnx.checker
import onnx.numpy_helper
import onnx.parser


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--prefix", default="ONNX")
    p.add_argument("--init", action="append", default=[])
    p.add_argument("--external-data")
    p.add_argument("--truncate", type=int)
    p.add_argument("--no-check", action="store_true")
    args = p.parse_args()

    marker = f"// {args.prefix}:"
    lines = []
    with open(args.file) as f:
        for line in f:
            line = line.strip()
            if line.startswith(marker):
                lines.append(line[len(marker):])
    if not lines:
        sys.exit(f"no '{marker}' lines in {args.file}")
    model = onnx.parser.parse_model("\n".join(lines))

    rng = np.random.default_rng(0)
    for spec in args.init:
        name, dims = spec.split(":")
        shape = [int(d) for d in dims.split("x")]
        data = rng.standard_normal(shape).astype(np.float32)
        model.graph.initializer.append(onnx.numpy_helper.from_array(data, name))

    if not args.no_check:
        onnx.checker.check_model(model)
    if args.external_data:
        onnx.save_model(model, args.output, save_as_external_data=True,
                        all_tensors_to_one_file=True,
                        location=args.external_data, size_threshold=0)
        return
    data = model.SerializeToString()
    if args.truncate is not None:
        data = data[: args.truncate]
    with open(args.output, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
