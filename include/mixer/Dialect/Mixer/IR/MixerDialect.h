//===- MixerDialect.h - The mixer dialect -----------------------*- C++ -*-===//

#ifndef MIXER_DIALECT_MIXER_IR_MIXERDIALECT_H
#define MIXER_DIALECT_MIXER_IR_MIXERDIALECT_H

#include "mlir/IR/Dialect.h"

#include "mixer/Dialect/Mixer/IR/MixerDialect.h.inc"

#endif // MIXER_DIALECT_MIXER_IR_MIXERDIALECT_H
