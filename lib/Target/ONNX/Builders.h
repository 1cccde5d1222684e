//===- Builders.h - IR building blocks of the op handlers -------*- C++ -*-===//
//
// The few shapes of IR that many ONNX ops share: NumPy-broadcast elementwise
// linalg.generic, reductions over axes, and dimension queries.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_LIB_TARGET_ONNX_BUILDERS_H
#define MIXER_LIB_TARGET_ONNX_BUILDERS_H

#include "NodeImporter.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mixer::onnx_import {

/// Builds the scalar body of an elementwise op from the operands' scalars.
using ScalarBodyFn =
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                   mlir::ValueRange)>;

/// Broadcasts `operands` together under NumPy rules and applies `body` to
/// each element, producing `resultElementType`. A dim that is dynamic in
/// every operand where it is not 1 is assumed equal across them (as ONNX
/// shape inference would report). Fails, at the node, if two static dims
/// cannot broadcast.
mlir::FailureOr<mlir::Value> buildElementwise(NodeImporter &node,
                                              mlir::ValueRange operands,
                                              mlir::Type resultElementType,
                                              ScalarBodyFn body);

/// C[batch..., m, n] = sum_k A[batch..., m, k] * B[batch..., k, n] with
/// NumPy matmul semantics (1-D operands promoted and the added dim removed,
/// batch dims broadcast), as ONNX MatMul.
mlir::FailureOr<mlir::Value> buildMatMul(NodeImporter &node, mlir::Value a,
                                         mlir::Value b);

/// The size of dim `dim` of `value` as an OpFoldResult.
mlir::OpFoldResult getDim(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value value, int64_t dim);
/// All dims of `value`.
llvm::SmallVector<mlir::OpFoldResult> getDims(mlir::OpBuilder &b,
                                              mlir::Location loc,
                                              mlir::Value value);

/// An empty tensor of the given dims (static ones become part of the type).
mlir::Value createEmpty(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<mlir::OpFoldResult> dims,
                        mlir::Type elementType);

/// The loops of a reduction of `input` over `axes` (normalized): the result
/// dims, the result's indexing map and the iterator types.
struct ReductionLoops {
  llvm::SmallVector<mlir::OpFoldResult> resultDims;
  mlir::AffineMap resultMap;
  llvm::SmallVector<mlir::utils::IteratorType> iterators;
};
ReductionLoops getReductionLoops(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value input,
                                 llvm::ArrayRef<int64_t> axes);

/// Reinserts the reduced `axes` of `input` as size-1 dims of `reduced`.
mlir::Value keepReducedDims(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value reduced, mlir::Value input,
                            llvm::ArrayRef<int64_t> axes);

/// Reduces `input` over `axes` (normalized, sorted) with `combine`, starting
/// from `init`; keeps reduced dims as size 1 if `keepDims`.
mlir::Value buildReduction(NodeImporter &node, mlir::Value input,
                           llvm::ArrayRef<int64_t> axes, bool keepDims,
                           mlir::TypedAttr init, ScalarBodyFn combine);

/// Normalizes ONNX axes (negative from the end) for `rank`; reports out of
/// range and duplicate axes at the node. Returns them sorted.
mlir::FailureOr<llvm::SmallVector<int64_t>>
normalizeAxes(NodeImporter &node, llvm::ArrayRef<int64_t> axes, int64_t rank);

/// A constant scalar of `type` (float or integer) with value `v`.
mlir::Value createScalar(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Type type, double v);

/// Converts a scalar between element types with ONNX Cast semantics.
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       mlir::Type to);

/// Casts a tensor elementwise to `elementType` (no-op if it already is).
mlir::Value castTensor(NodeImporter &node, mlir::Value v,
                       mlir::Type elementType);

/// Reshapes `value` to `dims` (row-major, same number of elements).
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Value value,
                      llvm::ArrayRef<mlir::OpFoldResult> dims);

/// An ONNX index (any integer type) into dim `dim` of `data` as an `index`
/// value, negative indices counting from the end.
mlir::Value wrapIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value index,
                      mlir::Value data, int64_t dim);

/// Scalar bodies for float or integer operands (`a[0] op a[1]`, or `op a[0]`).
mlir::Value addBody(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange a);
mlir::Value subBody(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange a);
mlir::Value mulBody(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange a);
mlir::Value divBody(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange a);
mlir::Value minBody(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange a);
mlir::Value maxBody(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange a);
mlir::Value expBody(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange a);
mlir::Value logBody(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange a);

/// Multiplies index OpFoldResults, folding constants.
mlir::OpFoldResult mulIndex(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::OpFoldResult x, mlir::OpFoldResult y);

/// Normalizes shape elements to `index` OpFoldResults (constants stay
/// attributes, values are cast to index).
llvm::SmallVector<mlir::OpFoldResult>
asIndex(mlir::OpBuilder &b, mlir::Location loc,
        llvm::ArrayRef<mlir::OpFoldResult> elems);

/// linalg.transpose of `value` by `permutation`.
mlir::Value transpose(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Value value, llvm::ArrayRef<int64_t> permutation);

} // namespace mixer::onnx_import

#endif // MIXER_LIB_TARGET_ONNX_BUILDERS_H
