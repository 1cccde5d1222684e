//===- Transforms.h - CPU code generation building blocks -------*- C++ -*-===//
//
// The rewrites behind the CPU code generation passes, as functions another
// compiler can call on its own IR.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_CODEGEN_CPU_TRANSFORMS_H
#define MIXER_CODEGEN_CPU_TRANSFORMS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mixer {

/// The tiles of a contraction kernel: `rows` output rows times
/// `vectorsPerRow` vectors of `vectorWidth` f32 lanes accumulate in
/// registers over a block of `reductionBlock` reduction steps; a parallel
/// iteration covers `rowBlock` rows of one column panel. Outputs narrower
/// than a tile get fewer vectors per row and more rows (up to `maxRows`).
struct ContractionKernelOptions {
  int64_t vectorWidth = 16;
  int64_t rows = 4;
  int64_t vectorsPerRow = 4;
  int64_t maxRows = 8;
  int64_t rowBlock = 64;
  int64_t reductionBlock = 128;
};

/// Lowers a contraction on buffers (`C[..] += A[..] * B[..]`, f32) to a
/// register-blocked FMA kernel: an `scf.parallel` over the outer parallel
/// dims and the register tiles (a serial loop nest when the op is already in
/// an `scf.parallel`), and in each tile a loop over the reduction
/// dims that broadcasts one element of the scalar operand per row and loads
/// `vectorsPerRow` vectors of the vector operand. The output's innermost dim
/// must be the innermost, unit-stride dim of exactly one input; partial tiles
/// use masked loads and stores. The sum over the reduction dims runs in the
/// same order as the loop form, so the result is exact. Fails (leaving `op`
/// untouched) when the op does not have that form. Returns the outermost
/// loop.
mlir::FailureOr<mlir::Operation *>
lowerContractionToVectorKernel(mlir::RewriterBase &rewriter,
                               mlir::linalg::LinalgOp op,
                               const ContractionKernelOptions &options);

} // namespace mixer

#endif // MIXER_CODEGEN_CPU_TRANSFORMS_H
