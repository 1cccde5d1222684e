//===- MixerDialect.h - The mixer dialect -----------------------*- C++ -*-===//

#ifndef MIXER_DIALECT_MIXER_IR_MIXERDIALECT_H
#define MIXER_DIALECT_MIXER_IR_MIXERDIALECT_H

#include "mlir/IR/Dialect.h"

#include "mixer/Dialect/Mixer/IR/MixerDialect.h.inc"

namespace mixer {

/// A module attribute (a string of "key=value" lines) in which rewrites
/// leave what a report about a run needs (e.g. --mixer-remove-padding: which
/// input is the padding mask, and the FLOPs per token and per attention
/// pair). The CPU pipeline emits it into model.so as the optional
/// MIXER_ABI_REPORT_INFO_SYMBOL (mixer_abi.h); mixer-run --report reads it.
inline constexpr llvm::StringLiteral kReportInfoAttrName = "mixer.report_info";

} // namespace mixer

#endif // MIXER_DIALECT_MIXER_IR_MIXERDIALECT_H
