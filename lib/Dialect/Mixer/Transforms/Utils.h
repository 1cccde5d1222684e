//===- Utils.h - Helpers shared by the mixer rewrites -----------*- C++ -*-===//

#ifndef MIXER_LIB_DIALECT_MIXER_TRANSFORMS_UTILS_H
#define MIXER_LIB_DIALECT_MIXER_TRANSFORMS_UTILS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mixer {

/// The f32 values of a constant (dense or dense_resource), row-major.
std::optional<llvm::SmallVector<float>> readF32Constant(mlir::Attribute attr);

} // namespace mixer

#endif // MIXER_LIB_DIALECT_MIXER_TRANSFORMS_UTILS_H
