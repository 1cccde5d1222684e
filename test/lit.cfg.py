# lit configuration of Mixer's FileCheck tests.

import os

import lit.formats
import lit.util
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "Mixer"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mixer_obj_root, "test")

config.substitutions.append(("%mixer_src_root", config.mixer_src_root))
config.substitutions.append(("%mixer_docs_dir", config.mixer_docs_dir))
config.substitutions.append(("%python", config.python_executable))
# Hand-written model.so files (unittests/Runtime/Fixtures) for mixer-run.
config.substitutions.append(("%mixer_fixtures", config.mixer_fixtures_dir))

# ONNX test models are written in ONNX's text syntax and built by a helper
# that needs the venv's onnx package.
config.substitutions.append(
    ("%onnx_from_text",
     f"{config.python_executable} {config.mixer_src_root}/test/Target/ONNX/Inputs/onnx_from_text.py"))
def python_can_import(modules):
    return lit.util.which(config.python_executable) and not os.system(
        f"{config.python_executable} -c 'import {modules}' 2>/dev/null")


if python_can_import("onnx, numpy"):
    config.available_features.add("onnx")
# mixer-run's tests write and read .npy files with numpy.
if python_can_import("numpy"):
    config.available_features.add("numpy")

# The external-project test configures and builds a CMake project.
if lit.util.which("cmake") and lit.util.which("ninja"):
    config.available_features.add("cmake")
config.substitutions.append(("%mixer_obj_root", config.mixer_obj_root))
config.substitutions.append(("%llvm_tools_dir", config.llvm_tools_dir))

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.mixer_tools_dir, config.llvm_tools_dir]
tools = [
    "mixer-opt",
    "mixer-translate",
    "mixer-compile",
    "mixer-run",
    ToolSubst("mlir-tblgen", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)
