# lit configuration of Mixer's end-to-end tests: compile with mixer-compile,
# run with mixer-run, compare with expected outputs (ONNX's node tests) or
# with onnxruntime (whole models).

import os

import lit.formats
import lit.util
from lit.llvm import llvm_config

config.name = "Mixer-Integration"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mixer_obj_root, "integration_test")

config.substitutions.append(("%mixer_src_root", config.mixer_src_root))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%mixer_tools_dir", config.mixer_tools_dir))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))

if lit.util.which(config.python_executable) and not os.system(
        f"{config.python_executable} -c 'import onnx, numpy' 2>/dev/null"):
    config.available_features.add("onnx")
if not os.system(f"{config.python_executable} -c 'import numpy' 2>/dev/null"):
    config.available_features.add("numpy")
if not os.system(f"{config.python_executable} -c 'import onnxruntime' 2>/dev/null"):
    config.available_features.add("onnxruntime")

# The Python package the build assembled (python/CMakeLists.txt).
python_package = os.path.join(config.mixer_obj_root, "python")
config.substitutions.append(("%mixer_python_package", python_package))
package_dir = os.path.join(python_package, "mixer")
if os.path.isdir(package_dir) and any(
        f.startswith("_mixer") for f in os.listdir(package_dir)):
    config.available_features.add("python-package")
if not os.system(f"{config.python_executable} -c 'import pytest' 2>/dev/null"):
    config.available_features.add("pytest")

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.mixer_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["mixer-compile", "mixer-run"],
                                   [config.mixer_tools_dir])
