#!/usr/bin/env bash
# The README's main command: set up, build, then compile a shipped ONNX model
# (a LLaMA-style decoder: RMSNorm, rotary embeddings, grouped-query attention
# with repeat_kv, SwiGLU; exported by PyTorch with dynamic batch and sequence,
# see python/mixer_models/export_test_models.py) into model.so, run it with
# mixer-run, and check its logits against onnxruntime.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MIXER_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"

model="$root/test/Target/ONNX/Models/llama_decoder.onnx"
python="$root/.venv/bin/python"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== mixer-compile $(basename "$model") -o model.so"
time "$build/bin/mixer-compile" "$model" -o "$out/model.so"

echo "== inputs (batch 2, 16 tokens) and the onnxruntime reference"
"$python" - "$model" "$out" <<'PY'
import os, sys
import numpy as np
import onnxruntime as ort
model, out = sys.argv[1:]
ids = np.random.default_rng(0).integers(0, 100, (2, 16)).astype(np.int64)
np.save(os.path.join(out, "input_ids.npy"), ids)
os.makedirs(os.path.join(out, "reference"))
(logits,) = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(
    None, {"input_ids": ids})
np.save(os.path.join(out, "reference", "logits.npy"), logits)
print(f"onnxruntime {ort.__version__}: logits {list(logits.shape)}")
PY

echo "== mixer-run model.so: outputs, agreement with onnxruntime, latency"
"$build/bin/mixer-run" "$out/model.so" --input "input_ids=$out/input_ids.npy" \
  --compare "$out/reference" --rtol 1e-4 --atol 1e-4 --benchmark 20
