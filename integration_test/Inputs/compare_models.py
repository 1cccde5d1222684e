"""Compiles ONNX models once each and checks them against onnxruntime at
several batch and sequence sizes from the same model.so.

Inputs are made from each model's signature: integer inputs named like a
mask get ones with the tail of every row but the first padded out (0), other
integer inputs are token ids in [0, --vocab), float inputs are standard
normal. Dynamic dims named batch get --batch, "past" dims get --past, every
other dynamic dim each of --seq. Each output must satisfy
|mixer - ort| <= atol + rtol * |ort| (default 1e-4 both).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import mixer_testing  # noqa: E402


def make_inputs(model, batch, seq, past, vocab, rng):
    import numpy as np
    from onnx import helper

    initializers = {t.name for t in model.graph.initializer}
    feeds = {}
    for value in model.graph.input:
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        dtype = helper.tensor_dtype_to_np_dtype(tensor.elem_type)
        shape = []
        for dim in tensor.shape.dim:
            if dim.HasField("dim_value"):
                shape.append(dim.dim_value)
            elif "batch" in dim.dim_param:
                shape.append(batch)
            elif "past" in dim.dim_param:
                shape.append(past)
            else:
                shape.append(seq)
        if np.issubdtype(dtype, np.integer) and "mask" in value.name:
            array = np.ones(shape, dtype)
            if array.ndim == 2 and shape[1] > 1:
                array[1:, shape[1] // 2 + 1:] = 0  # right padding
        elif np.issubdtype(dtype, np.integer):
            array = rng.integers(0, vocab, shape).astype(dtype)
        else:
            array = rng.standard_normal(shape).astype(dtype)
        feeds[value.name] = array
    return feeds


def main():
    p = argparse.ArgumentParser()
    p.add_argument("models", nargs="+")
    p.add_argument("--workdir", required=True)
    p.add_argument("--seq", type=int, nargs="+", default=[1, 7, 16])
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--past", type=int, default=5)
    p.add_argument("--vocab", type=int, default=100)
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--atol", type=float, default=1e-4)
    p.add_argument("--compile-option", action="append", default=[],
                   help="extra mixer-compile option (repeatable)")
    args = p.parse_args()

    import numpy as np
    import onnx
    import onnxruntime as ort

    failures = 0
    for path in args.models:
        name = os.path.splitext(os.path.basename(path))[0]
        work = os.path.join(args.workdir, name)
        os.makedirs(work, exist_ok=True)
        library = os.path.join(work, "model.so")
        r = mixer_testing.compile_model(path, library, *args.compile_option)
        if r.returncode != 0:
            print(f"FAIL {name}: compile: {r.stderr.strip()}")
            failures += 1
            continue
        model = onnx.load(path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(path, options,
                                       providers=["CPUExecutionProvider"])
        output_names = [o.name for o in session.get_outputs()]
        rng = np.random.default_rng(0)
        for seq in args.seq:
            feeds = make_inputs(model, args.batch, seq, args.past, args.vocab, rng)
            expected = dict(zip(output_names, session.run(None, feeds)))
            r = mixer_testing.run_and_compare(
                library, feeds, expected, os.path.join(work, f"seq{seq}"),
                args.rtol, args.atol)
            status = "ok" if r.returncode == 0 else "FAIL"
            failures += r.returncode != 0
            detail = (r.stdout + r.stderr).strip().replace("\n", "; ")
            print(f"{status} {name} batch={args.batch} seq={seq}: {detail}")
    summary = (f"models: {len(args.models)} models x {len(args.seq)} sequence "
               f"lengths vs onnxruntime (rtol {args.rtol}, atol {args.atol}): "
               f"{failures} failed")
    print(summary)
    print(summary, file=sys.stderr)  # for the test log (scripts/test.sh)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
