//===- Epilogue.h - Elementwise consumers fused into kernel stores -*- C++ -*-===//
//
// A contraction's result is usually consumed by one elementwise op (bias
// add, GELU, residual add, scaling) before anything else reads it. The
// kernel can apply that op to its accumulator vectors and store the final
// values, so the raw product never goes through memory.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_LIB_CODEGEN_CPU_EPILOGUE_H
#define MIXER_LIB_CODEGEN_CPU_EPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mixer {

/// An elementwise op that reads a contraction's output once, at the same
/// position it writes.
struct Epilogue {
  mlir::linalg::GenericOp op;
  /// Which input of `op` is the contraction's output.
  unsigned accumulatorInput;
};

/// The elementwise consumer of `contraction`'s output buffer that can be
/// applied in its kernel: all-parallel, identity maps for that buffer and its
/// own output, a body of vectorizable arith/math ops, every other input read
/// contiguously along the innermost dim or broadcast along it, coming later
/// in the same block with only side-effect-free ops between them, and
/// writing a buffer that the contraction does not read. The contraction's
/// output must have no reader but the two ops. On success, the ops between
/// the two move above the contraction (so that the kernel may use the
/// consumer's operands).
std::optional<Epilogue> findEpilogue(mlir::linalg::LinalgOp contraction);

/// Stores `acc` (the contraction's values at the output position `position`,
/// `acc`'s lanes along the innermost dim) through the epilogue: loads the
/// other inputs there, applies the body to vectors, and writes the result
/// to the epilogue's output. `mask` (may be null) selects the valid lanes.
void emitEpilogueStore(mlir::OpBuilder &b, mlir::Location loc,
                       const Epilogue &epilogue,
                       mlir::ArrayRef<mlir::Value> position, mlir::Value acc,
                       mlir::Value mask);

} // namespace mixer

#endif // MIXER_LIB_CODEGEN_CPU_EPILOGUE_H
