"""Exports the Mamba models that Mixer's tests import (python/mixer_models/
mamba.py): one MambaLM (d_model 256, d_state 16, 3 layers, vocab 256,
random weights, seed 0) as

  mamba_lm.onnx           prefill, ai.mixer::SelectiveScan, dynamic batch/seq
  mamba_lm_decode.onnx    one decode step, states in and out
  mamba_lm_unrolled.onnx  prefill of 8 tokens, the recurrence unrolled into
                          standard ONNX ops (what exporters make without the
                          custom op; onnxruntime runs it)

The three share one external-data file, mamba_lm.weights, which holds each
distinct tensor once. Only the .onnx files are committed: the values in
mamba_lm.weights come from mamba_weights.py (deterministic, by tensor name,
Mamba's initialization), which the tests run to make the file; this script
fixes the layout and then makes it the same way (update
mamba_weights.SHA256 with the hash it prints). Run with Debian's python3 (python3-torch 1.13, CPU):

    /usr/bin/python3 python/mixer_models/export_mamba_models.py OUTDIR
"""

import hashlib
import os
import sys

import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mamba  # noqa: E402
import mamba_weights  # noqa: E402

WEIGHTS = "mamba_lm.weights"


def share_weights(paths, outdir):
    """Moves every initializer of the models into one file, each distinct
    tensor once (the exporters name and fold them differently per model)."""
    offsets, blob = {}, bytearray()
    models = [onnx.load(p) for p in paths]
    for model in models:
        for init in model.graph.initializer:
            raw = numpy_helper.to_array(init).tobytes()
            if len(raw) < 1024:  # small constants stay inline
                continue
            key = (init.data_type, tuple(init.dims), hashlib.sha256(raw).hexdigest())
            if key not in offsets:
                blob.extend(b"\0" * (-len(blob) % 64))
                offsets[key] = len(blob)
                blob.extend(raw)
            init.ClearField("raw_data")
            del init.float_data[:]
            del init.int64_data[:]
            init.data_location = onnx.TensorProto.EXTERNAL
            del init.external_data[:]
            for k, v in (("location", WEIGHTS), ("offset", str(offsets[key])),
                         ("length", str(len(raw)))):
                entry = init.external_data.add()
                entry.key, entry.value = k, v
    with open(os.path.join(outdir, WEIGHTS), "wb") as f:
        f.write(blob)
    for model, path in zip(models, paths):
        onnx.save(model, path)
        print(f"wrote {path} ({os.path.getsize(path)} bytes)")
    print(f"wrote {WEIGHTS} ({len(blob)} bytes)")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = mamba.MambaLM(d_model=256, n_layers=3, vocab=256, d_state=16)
    paths = [os.path.join(out, n) for n in
             ("mamba_lm.onnx", "mamba_lm_decode.onnx", "mamba_lm_unrolled.onnx")]
    mamba.export_prefill(model, paths[0])
    mamba.export_decode(model, paths[1])
    mamba.export_prefill(model, paths[2], custom_op=False, seq=8)
    share_weights(paths, out)
    mamba_weights.generate(out, expected=None)


if __name__ == "__main__":
    main()
