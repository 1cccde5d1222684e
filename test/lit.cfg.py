# lit configuration of Mixer's FileCheck tests.

import os

import lit.formats
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
