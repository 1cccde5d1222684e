# lit configuration that runs Mixer's gtest binaries (one lit test per gtest).

import os

import lit.formats

config.name = "Mixer-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.mixer_obj_root, "unittests")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
