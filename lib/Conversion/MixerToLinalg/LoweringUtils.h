//===- LoweringUtils.h - Shared pieces of the mixer lowerings ---*- C++ -*-===//
//
// Small builders every mixer -> linalg lowering needs: dims, filled tensors,
// indexing maps that broadcast, and the accumulation type.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_LIB_CONVERSION_MIXERTOLINALG_LOWERINGUTILS_H
#define MIXER_LIB_CONVERSION_MIXERTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mixer::lowering {

using IteratorList = llvm::SmallVector<mlir::utils::IteratorType>;

/// `n` parallel iterators followed by `m` reduction ones.
IteratorList iterators(unsigned parallel, unsigned reduction = 0);

/// The scalar body of a linalg.generic.
using BodyFn = llvm::function_ref<void(mlir::OpBuilder &, mlir::Location,
                                       mlir::ValueRange)>;

/// A linalg.generic on tensors with one result, of `init`'s type.
mlir::Value buildGeneric(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::ValueRange ins, mlir::Value init,
                         llvm::ArrayRef<mlir::AffineMap> maps,
                         llvm::ArrayRef<mlir::utils::IteratorType> iterators,
                         BodyFn body);

/// The dims of `value` (static ones as attributes).
llvm::SmallVector<mlir::OpFoldResult> getDims(mlir::OpBuilder &b,
                                              mlir::Location loc,
                                              mlir::Value value);

/// A tensor of `dims` and `elementType` filled with `fillValue`.
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<mlir::OpFoldResult> dims,
                         mlir::Type elementType, mlir::Value fillValue);
/// An uninitialized tensor of `dims` and `elementType`.
mlir::Value createEmpty(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<mlir::OpFoldResult> dims,
                        mlir::Type elementType);

/// The indexing map that reads `operandType` (right-aligned against `numLoops`
/// loops whose leading `leadingDims` are absent from it) with NumPy broadcast:
/// the operand's static size-1 dims read index 0 when `loopSizes` says the
/// loop is not 1.
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx,
                             mlir::RankedTensorType operandType,
                             llvm::ArrayRef<int64_t> loopSizes);

/// The element type reductions accumulate in: f32 for 16-bit floats, the
/// type itself otherwise.
mlir::Type accumulatorType(mlir::Type elementType);

/// Converts a float scalar between float types (extension or truncation).
mlir::Value convertFloat(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value value, mlir::Type to);

/// A float constant of `type`.
mlir::Value floatConstant(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Type type, double value);

/// The product of `dims[from:]` as a float of `type`.
mlir::Value elementCount(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<mlir::OpFoldResult> dims, int64_t from,
                         mlir::Type type);

/// What attention scores are computed from: mixer.attention's operands, or
/// those of the ops that read its probabilities (mixer.token_importance).
struct ScoreOperands {
  mlir::Value query, key;
  mlir::Value mask, seqLens, offsets; ///< each optional
  mlir::FailureOr<double> scale;      ///< failure: 1/sqrt(dim 3) at run time
  bool causal = false;
};

/// Attention's softmax, not yet normalized: `probs` = exp(s - rowmax) of the
/// masked scores [batch, heads, seq_q, seq_kv] and `rowSum` [batch, heads,
/// seq_q] their sum (0 where a query sees no key), in the accumulator type.
struct Probabilities {
  mlir::Value probs, rowSum;
  llvm::SmallVector<mlir::OpFoldResult> scoreDims;
};

/// The reference lowering's scores and softmax (AttentionToLinalg.cpp), with
/// the heads grouped as mixer.attention groups them. Fails (an error at
/// `op`) on dynamic head counts.
mlir::FailureOr<Probabilities>
buildProbabilities(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *op,
                   const ScoreOperands &operands);

} // namespace mixer::lowering

#endif // MIXER_LIB_CONVERSION_MIXERTOLINALG_LOWERINGUTILS_H
