"""Generates mamba_lm.weights, the external-data file of the committed Mamba
models (test/Target/ONNX/Models/mamba_lm*.onnx), instead of committing 5.7 MB.

The three .onnx files (written by export_mamba_models.py) fix the layout: each
external initializer's offset, length and shape. This script fills every
distinct offset with deterministic values (numpy's PCG64, seeded from the
tensor's name in mamba_lm.onnx) drawn like Mamba's initialization, by name:

  embedding.weight      N(0, 1)
  norms.*, norm_f       1 + N(0, 0.1)
  blocks.*.A_log        log(1 .. d_state) per channel (so A = -(1 .. d_state))
  blocks.*.dt_bias      softplus^-1 of dt, log-uniform in [1e-3, 0.1]
  blocks.*.D            1 + N(0, 0.1)
  blocks.*.conv1d.*     U(-1/2, 1/2)  (nn.Conv1d's bound for a kernel of 4)
  MatMul weights        U(-1/sqrt(in), 1/sqrt(in))  (nn.Linear's)

(the exported LM head, a MatMul weight, is drawn on its own: the generated
model's head is not tied to the embedding). The result is checked against a
SHA-256 fixed here, so a change in the values is an error, not a silent new
model. Idempotent: a file with the right hash is left alone; the write goes
to a temporary file renamed into place, so concurrent callers are safe.

    python python/mixer_models/mamba_weights.py [MODELS_DIR]
"""

import hashlib
import math
import os
import sys
import tempfile
import zlib

import numpy as np
import onnx

WEIGHTS = "mamba_lm.weights"
MODELS = ("mamba_lm.onnx", "mamba_lm_decode.onnx", "mamba_lm_unrolled.onnx")
SHA256 = "c2109fd18a1c995650dc6bbfd42f4b73ad70100d3e0eb4c4f2f3af3a20bd0882"
DEFAULT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "test", "Target", "ONNX", "Models")


def values(name, shape):
    """The float32 values of the initializer `name` of `shape`."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    if name == "embedding.weight":
        v = rng.standard_normal(shape)
    elif name.startswith("norm") or name.endswith(".D"):
        v = 1 + 0.1 * rng.standard_normal(shape)
    elif name.endswith(".A_log"):
        v = np.log(np.broadcast_to(np.arange(1, shape[1] + 1), shape))
    elif name.endswith(".dt_bias"):
        dt = np.exp(rng.random(shape) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3))
        v = dt + np.log(-np.expm1(-dt))
    elif ".conv1d." in name:
        v = rng.uniform(-0.5, 0.5, shape)
    elif name.startswith("onnx::MatMul"):
        bound = 1 / math.sqrt(shape[0])
        v = rng.uniform(-bound, bound, shape)
    else:
        raise ValueError(f"{WEIGHTS}: no rule for initializer '{name}'")
    return np.ascontiguousarray(v, dtype=np.float32)


def layout(directory):
    """(offset, length, name, shape) of every distinct external tensor, named
    as mamba_lm.onnx (the first model to use it) names it."""
    seen = {}
    for model_name in MODELS:
        model = onnx.load(os.path.join(directory, model_name), load_external_data=False)
        for init in model.graph.initializer:
            if init.data_location != onnx.TensorProto.EXTERNAL:
                continue
            info = {e.key: e.value for e in init.external_data}
            if info.get("location") != WEIGHTS:
                raise ValueError(f"{model_name}: '{init.name}' is not in {WEIGHTS}")
            offset, length = int(info["offset"]), int(info["length"])
            seen.setdefault(offset, (offset, length, init.name, tuple(init.dims)))
    return sorted(seen.values())


def generate(directory=DEFAULT_DIR, expected=SHA256):
    """Writes DIRECTORY/mamba_lm.weights unless it is already right; returns
    its path. `expected=None` (a fresh export) accepts any hash and prints
    it, for SHA256 above."""
    path = os.path.join(directory, WEIGHTS)
    if expected and os.path.exists(path):
        with open(path, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() == expected:
                return path
    blob = bytearray()
    for offset, length, name, shape in layout(directory):
        data = values(name, shape).tobytes()
        if len(data) != length:
            raise ValueError(f"{WEIGHTS}: '{name}' {shape} is {len(data)} bytes, "
                             f"the models say {length}")
        blob.extend(b"\0" * (offset - len(blob)))
        blob.extend(data)
    digest = hashlib.sha256(blob).hexdigest()
    if expected is None:
        print(f"{WEIGHTS}: SHA-256 {digest}")
    elif digest != expected:
        raise ValueError(f"{WEIGHTS}: generated SHA-256 {digest}, expected {expected} "
                         "(the models' layout or the generation rules changed)")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".mamba_lm.weights.")
    with os.fdopen(fd, "wb") as f:
        f.write(blob)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


if __name__ == "__main__":
    print(generate(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DIR))
