"""Shared helpers of the end-to-end tests: write .npy files, compile with
mixer-compile, run with mixer-run and compare."""

import os
import re
import subprocess

import numpy as np


def file_name(tensor_name):
    """The file name mixer-run gives an output (see mixer-run --help)."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", tensor_name) or "_"
    return "_" + name[1:] if name.startswith(".") else name


def to_numpy(value):
    """A C-ordered numpy array of `value` (an array or an ONNX TensorProto),
    rank 0 kept; bfloat16 (no standard .npy dtype) widened to float32, which
    mixer-run rounds back for bf16 inputs and widens bf16 outputs to."""
    import onnx
    from onnx import numpy_helper

    if isinstance(value, onnx.TensorProto):
        value = numpy_helper.to_array(value)
    array = np.asarray(value)
    if array.dtype.name == "bfloat16":
        array = array.astype(np.float32)
    return np.require(array, requirements="C")


def save(directory, name, value):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, file_name(name) + ".npy")
    np.save(path, to_numpy(value))
    return path


def compile_model(model_path, library_path, *options):
    """Runs mixer-compile; returns the CompletedProcess."""
    return subprocess.run(["mixer-compile", model_path, "-o", library_path,
                           *options], capture_output=True, text=True)


def run_and_compare(library_path, inputs, expected, workdir, rtol, atol):
    """Runs the library on `inputs` (name -> array) and compares its outputs
    with `expected` (name -> array) through mixer-run --compare."""
    in_dir = os.path.join(workdir, "inputs")
    ref_dir = os.path.join(workdir, "expected")
    args = ["mixer-run", library_path, "--threads", "2"]
    for name, value in inputs.items():
        args += ["--input", f"{name}={save(in_dir, name, value)}"]
    for name, value in expected.items():
        save(ref_dir, name, value)
    args += ["--compare", ref_dir, "--rtol", str(rtol), "--atol", str(atol)]
    return subprocess.run(args, capture_output=True, text=True)
