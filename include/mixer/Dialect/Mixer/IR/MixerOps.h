//===- MixerOps.h - Operations of the mixer dialect -------------*- C++ -*-===//

#ifndef MIXER_DIALECT_MIXER_IR_MIXEROPS_H
#define MIXER_DIALECT_MIXER_IR_MIXEROPS_H

#include "mixer/Dialect/Mixer/IR/MixerDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "mixer/Dialect/Mixer/IR/MixerEnums.h.inc"

#define GET_OP_CLASSES
#include "mixer/Dialect/Mixer/IR/MixerOps.h.inc"

#endif // MIXER_DIALECT_MIXER_IR_MIXEROPS_H
