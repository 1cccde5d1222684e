//===- Npy.h - NumPy .npy files as runtime tensors --------------*- C++ -*-===//
//
// The subset of the .npy format (numpy.lib.format) that mixer-run needs:
// versions 1.0, 2.0 and 3.0, C order, little-endian numbers of the dtypes in
// npyDtypes(). bf16 has no NumPy dtype, so bf16 tensors are written as
// float32. Every complaint names the file.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_TOOLS_MIXER_RUN_NPY_H
#define MIXER_TOOLS_MIXER_RUN_NPY_H

#include "mixer/runtime/mixer_runtime.h"

#include <string>

namespace mixer::run {

/// Reads the .npy file at `path` into `out`; false with `error` set when the
/// file is missing, malformed, truncated, big-endian, Fortran-ordered or of a
/// dtype the runtime does not know.
bool readNpy(const std::string &path, runtime::TensorPtr &out,
             std::string &error);

/// Writes `tensor` to `path` as a version 1.0 .npy file; false with `error`
/// set when the file cannot be written.
bool writeNpy(const std::string &path, const mixer_tensor &tensor,
              std::string &error);

} // namespace mixer::run

#endif // MIXER_TOOLS_MIXER_RUN_NPY_H
