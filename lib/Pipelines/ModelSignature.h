//===- ModelSignature.h - The entry signature shared by the ABI passes ----===//
//
// How a tensor type maps to the ABI's dtype codes and the LLVM element type,
// and the module attributes through which mixer-prepare-model-entry hands the
// signature to mixer-emit-model-abi.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_LIB_PIPELINES_MODELSIGNATURE_H
#define MIXER_LIB_PIPELINES_MODELSIGNATURE_H

#include "mlir/IR/BuiltinTypes.h"

#include <optional>

namespace mixer {

/// Module attributes set by mixer-prepare-model-entry.
inline constexpr llvm::StringLiteral kEntryAttrName = "mixer.entry";
inline constexpr llvm::StringLiteral kSignatureAttrName = "mixer.signature";
/// The ranks of the inputs and of the outputs (i64 arrays).
inline constexpr llvm::StringLiteral kInputRanksAttrName = "mixer.input_ranks";
inline constexpr llvm::StringLiteral kOutputRanksAttrName =
    "mixer.output_ranks";
/// The byte size of each output's element (i64 array).
inline constexpr llvm::StringLiteral kOutputBytesAttrName =
    "mixer.output_element_bytes";

/// The mixer_dtype code of `type`, if the ABI has one.
std::optional<int> getABIDtype(mlir::Type type);

} // namespace mixer

#endif // MIXER_LIB_PIPELINES_MODELSIGNATURE_H
