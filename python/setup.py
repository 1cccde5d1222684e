"""Packages the mixer module that the project's CMake build assembled.

`pip install ./python` (from the repository root, after scripts/setup.sh or
a CMake build) installs the pure-Python sources together with the extension
module and the runtime library from the build tree: MIXER_BUILD_DIR, or
../build next to this file. The extension links Debian's libMLIR/libLLVM
from /usr/lib/llvm-22 at run time.
"""

import glob
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("MIXER_BUILD_DIR", os.path.join(HERE, "..", "build"))


class BuildWithExtension(build_py):
    def run(self):
        super().run()
        built = os.path.join(BUILD, "python", "mixer")
        binaries = glob.glob(os.path.join(built, "_mixer*.so")) + glob.glob(
            os.path.join(built, "libMixerRuntime.so"))
        if len(binaries) < 2:
            raise SystemExit(
                f"the mixer extension is not built in {built}: run "
                "scripts/setup.sh (or set MIXER_BUILD_DIR to a Mixer build)")
        target = os.path.join(self.build_lib, "mixer")
        for path in binaries:
            shutil.copy2(path, target)


setup(packages=["mixer"], package_data={"mixer": ["py.typed", "*.pyi"]},
      cmdclass={"build_py": BuildWithExtension}, zip_safe=False)
