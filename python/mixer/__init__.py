"""Mixer from Python: compile ONNX models ahead of time and run them.

    import mixer
    model = mixer.compile("model.onnx")            # or bytes, or an onnx.ModelProto
    outputs = model.run({"input_ids": ids})        # numpy in, numpy out
    model = mixer.load("model.so")                 # a library compiled earlier

The keyword options of compile() are mixer-compile's: target, cpu, parallel,
opt_level, remarks, input_shape, the exact rewrites raise_attention,
raise_norms, raise_rope, share_kv_heads, fold_layernorm_to_rmsnorm, fold_norm_affine,
tile_attention,
and the head rewrites reduce_query_heads and mha_to_gqa. Every failure raises MixerError
with the compiler's diagnostics (naming the ONNX node) or the runtime's
message.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _mixer

__all__ = ["MixerError", "CompiledModel", "TensorSpec", "compile", "load"]

MixerError = _mixer.MixerError

# mixer_dtype codes (include/mixer/runtime/mixer_abi.h) and their numpy types.
# bf16 has no numpy type: it crosses as float32 (rounded to nearest even).
_DTYPES = {
    1: np.dtype(np.float32), 2: np.dtype(np.uint8), 3: np.dtype(np.int8),
    4: np.dtype(np.uint16), 5: np.dtype(np.int16), 6: np.dtype(np.int32),
    7: np.dtype(np.int64), 9: np.dtype(np.bool_), 10: np.dtype(np.float16),
    11: np.dtype(np.float64), 12: np.dtype(np.uint32), 13: np.dtype(np.uint64),
}
_BF16 = 16


@dataclass(frozen=True)
class TensorSpec:
    """One input or output of a compiled model."""

    name: str
    #: The numpy type of the values (float32 for bf16 tensors).
    dtype: np.dtype
    #: Sizes, None where the size is chosen at run time.
    shape: Tuple[Optional[int], ...]
    #: The model's element type, as mixer names it ("bf16" where it differs).
    element_type: str

    def __str__(self) -> str:
        dims = "x".join("?" if d is None else str(d) for d in self.shape)
        return f"{self.name}: {self.element_type} [{dims}]"


def _spec(entry) -> TensorSpec:
    name, code, shape = entry
    dtype = _DTYPES.get(code, np.dtype(np.float32))
    element = "bf16" if code == _BF16 else dtype.name
    return TensorSpec(name, dtype, tuple(None if d < 0 else d for d in shape), element)


def _to_bf16_bits(array: np.ndarray) -> np.ndarray:
    bits = np.asarray(array, dtype=np.float32, order="C").view(np.uint32)
    rounded = bits + 0x7FFF + ((bits >> 16) & 1)
    return (rounded >> 16).astype(np.uint16)


def _from_bf16_bits(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.uint32) << 16).view(np.float32)


class CompiledModel:
    """A model.so loaded for running. Create with compile() or load()."""

    def __init__(self, path: Union[str, os.PathLike], _keep: Any = None):
        self.path = os.fspath(path)
        self._model = _mixer.Model(self.path)
        self._keep = _keep  # the temporary directory of compile()
        self.inputs = [_spec(e) for e in self._model.inputs()]
        self.outputs = [_spec(e) for e in self._model.outputs()]

    def set_num_threads(self, threads: int) -> None:
        """Worker threads of later runs (OpenMP; all handles of the file)."""
        self._model.set_num_threads(int(threads))

    def run(self, inputs: Union[Mapping[str, Any], Sequence[Any], np.ndarray]
            ) -> Dict[str, np.ndarray]:
        """Runs once. `inputs`: a dict by input name, a sequence in
        signature order, or one array for a one-input model. Arrays are
        converted to each input's type. Returns {output name: array}."""
        if isinstance(inputs, np.ndarray) or np.isscalar(inputs):
            inputs = [inputs]
        if isinstance(inputs, Mapping):
            names = {spec.name for spec in self.inputs}
            unknown = sorted(set(inputs) - names)
            missing = [spec.name for spec in self.inputs if spec.name not in inputs]
            if unknown or missing:
                raise MixerError(
                    "inputs do not match the model's signature"
                    + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                    + (f"; missing: {', '.join(missing)}" if missing else "")
                    + f"; the model takes {', '.join(str(s) for s in self.inputs)}")
            values = [inputs[spec.name] for spec in self.inputs]
        else:
            values = list(inputs)
            if len(values) != len(self.inputs):
                raise MixerError(
                    f"the model takes {len(self.inputs)} inputs, got {len(values)}: "
                    + ", ".join(str(s) for s in self.inputs))
        buffers, codes, shapes = [], [], []
        for spec, value in zip(self.inputs, values):
            if spec.element_type == "bf16":
                array, code = _to_bf16_bits(np.asarray(value)), _BF16
            else:
                # (asarray, not ascontiguousarray, which makes 0-d arrays 1-d)
                array = np.asarray(value, dtype=spec.dtype, order="C")
                code = next(c for c, d in _DTYPES.items() if d == spec.dtype)
            buffers.append(array)
            codes.append(code)
            shapes.append(list(array.shape))
        results = self._model.run(buffers, codes, shapes)
        out = {}
        for spec, result in zip(self.outputs, results):
            array = np.asarray(result)  # zero-copy; keeps `result` alive
            if spec.element_type == "bf16":
                array = _from_bf16_bits(array)
            out[spec.name] = array
        return out

    __call__ = run

    def __repr__(self) -> str:
        ins = ", ".join(str(s) for s in self.inputs)
        outs = ", ".join(str(s) for s in self.outputs)
        return f"CompiledModel({self.path!r}: ({ins}) -> ({outs}))"


def _shape_spec(name: str, shape: Any) -> str:
    if isinstance(shape, str):
        return f"{name}={shape}"
    return f"{name}=" + "x".join(str(int(d)) for d in shape)


def compile(model: Any, target: str = "cpu", *, output: Optional[str] = None,
            cpu: str = "host", parallel: bool = True, opt_level: int = 3,
            remarks: bool = False,
            input_shape: Optional[Mapping[str, Any]] = None,
            raise_attention: bool = True, raise_norms: bool = True,
            raise_rope: bool = True, share_kv_heads: bool = True,
            fold_layernorm_to_rmsnorm: bool = True,
            fold_norm_affine: bool = True,
            tile_attention: bool = True,
            compressed_rmsnorm: bool = False,
            reduce_query_heads: Union[int, str, None] = None,
            mha_to_gqa: int = 0,
            remove_padding: bool = False,
            prune_tokens: Optional[str] = None) -> CompiledModel:
    """Compiles `model` ahead of time and loads the result.

    `model` is a path to an .onnx (or .mlir) file, the bytes of an ONNX
    model, or an onnx.ModelProto. `output` is where model.so goes (a
    temporary file, removed with the CompiledModel, by default). The other
    options are mixer-compile's: `cpu` ("host", "avx512", "avx2", "generic"
    or an LLVM CPU name), `parallel` (OpenMP threads), `opt_level` (0-3),
    `remarks` (print what the rewrites did and why some did not apply),
    `input_shape` ({input name: shape} to specialize dynamic dims, e.g.
    {"input_ids": (1, 128)}), and the exact rewrites, all on by default:
    `raise_attention`, `raise_norms`, `raise_rope`, `share_kv_heads`,
    `fold_layernorm_to_rmsnorm`, `fold_norm_affine`, `tile_attention`;
    `compressed_rmsnorm` (exact, off by default: Pre-CRMSNorm on a folded
    stream); and the head rewrites, off by default:
    `reduce_query_heads` (an int N: merge query heads down to N, lossy;
    "exact": drop only heads whose output projection is zero) and
    `mha_to_gqa` (N: mean-pool K/V heads down to N, lossy);
    `remove_padding` (off by default: run padded batches on their valid
    tokens only, with zeros at the padded positions of the outputs);
    `prune_tokens` (off by default: Zero-TPrune token pruning, lossy, with
    --mixer-prune-tokens's options, e.g. "layers=3,6,9 keep=0.7").
    Raises MixerError with the diagnostics when compilation fails."""
    if hasattr(model, "SerializeToString"):
        data, name = model.SerializeToString(), "model.onnx"
    elif isinstance(model, (bytes, bytearray, memoryview)):
        data, name = bytes(model), "model.onnx"
    else:
        name = os.fspath(model)
        try:
            with open(name, "rb") as f:
                data = f.read()
        except OSError as e:
            raise MixerError(f"cannot read {name}: {e.strerror}") from None
    keep = None
    if output is None:
        keep = tempfile.TemporaryDirectory(prefix="mixer-")
        output = os.path.join(keep.name, "model.so")
    shapes = [_shape_spec(n, s) for n, s in (input_shape or {}).items()]
    if reduce_query_heads == "exact":
        query_heads, dead_heads = 0, True
    elif reduce_query_heads is None:
        query_heads, dead_heads = 0, False
    elif isinstance(reduce_query_heads, int) and reduce_query_heads > 0:
        query_heads, dead_heads = reduce_query_heads, False
    else:
        raise MixerError(f"reduce_query_heads={reduce_query_heads!r} is "
                         "neither a positive head count nor 'exact'")
    if not isinstance(mha_to_gqa, int) or mha_to_gqa < 0:
        raise MixerError(f"mha_to_gqa={mha_to_gqa!r} is not a head count")
    messages = _mixer.compile(data, name, os.fspath(output), target, cpu,
                              bool(parallel), int(opt_level), bool(remarks), shapes,
                              raise_attention=bool(raise_attention),
                              raise_norms=bool(raise_norms),
                              raise_rope=bool(raise_rope),
                              share_kv_heads=bool(share_kv_heads),
                              fold_layernorm_to_rmsnorm=bool(fold_layernorm_to_rmsnorm),
                              fold_norm_affine=bool(fold_norm_affine),
                              tile_attention=bool(tile_attention),
                              compressed_rmsnorm=bool(compressed_rmsnorm),
                              reduce_query_heads=query_heads,
                              remove_dead_heads=dead_heads,
                              mha_to_gqa=mha_to_gqa,
                              remove_padding=bool(remove_padding),
                              prune_tokens=prune_tokens or "")
    if remarks and messages:
        print(messages.decode(errors="replace"), end="")
    return CompiledModel(output, _keep=keep)


def load(path: Union[str, os.PathLike]) -> CompiledModel:
    """Loads a model.so compiled earlier (by compile() or mixer-compile)."""
    return CompiledModel(path)
