//===- Utils.h - Helpers shared by the mixer rewrites -----------*- C++ -*-===//

#ifndef MIXER_LIB_DIALECT_MIXER_TRANSFORMS_UTILS_H
#define MIXER_LIB_DIALECT_MIXER_TRANSFORMS_UTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mixer {

/// An all-parallel generic with one result whose body is `a + b` of its two
/// inputs (both read; the output identity-mapped).
bool isAddition(mlir::linalg::GenericOp op);

/// A float constant: an arith.constant float or a splat tensor of floats.
std::optional<double> getScalarConstant(mlir::Value value);

/// The constant a body value of `op` stands for: a scalar defined outside
/// the body, or the block argument of an input that is a splat constant.
std::optional<double> getBodyConstant(mlir::linalg::GenericOp op,
                                      mlir::Value value);

/// A row-major `shape` seen as [outer, size, inner] around `dim`.
struct DimSplit {
  int64_t outer, size, inner;
};
DimSplit splitAround(llvm::ArrayRef<int64_t> shape, int64_t dim);

/// Whether `value` is an arith.constant of a static-shaped f32 tensor.
bool isF32Constant(mlir::Value value);

/// The first normalized dim of a mixer norm (layer_norm, rms_norm,
/// compressed_rms_norm); nothing for any other op.
std::optional<int64_t> getNormalizedAxis(mlir::Operation *op);

/// Whether operand `number` of `op` is a fresh init of a destination-style
/// op: a tensor.empty, or a linalg.fill of one. The token rewrites rebuild
/// such inits with their new token count instead of packing or gathering.
bool isFreshInit(mlir::Operation *op, unsigned number);

/// Whether `value` has exactly one reader other than shape queries
/// (tensor.dim).
bool hasOneReader(mlir::Value value);

/// The first normalized dim of a mixer norm (layer_norm, rms_norm,
/// compressed_rms_norm); nothing for any other op.
std::optional<int64_t> getNormalizedAxis(mlir::Operation *op);

/// Whether operand `number` of `op` is a fresh init of a destination-style
/// op: a tensor.empty, or a linalg.fill of one. The token rewrites rebuild
/// such inits with their new token count instead of packing or gathering.
bool isFreshInit(mlir::Operation *op, unsigned number);

/// The f32 values of a constant (dense or dense_resource), row-major.
std::optional<llvm::SmallVector<float>> readF32Constant(mlir::Attribute attr);

/// An arith.constant of `type` (f32) holding `values`, stored like `like`
/// (the constant it replaces): a dense_resource blob named `blobName` when
/// `like` is one, an inline dense attribute otherwise.
mlir::Value createF32Constant(mlir::OpBuilder &builder, mlir::Location loc,
                              mlir::RankedTensorType type,
                              llvm::ArrayRef<float> values,
                              mlir::Attribute like, llvm::StringRef blobName);

/// An all-parallel generic with one result (identity-mapped) whose body is a
/// single op of type `OpTy` yielded; null otherwise.
template <typename OpTy>
std::pair<mlir::linalg::GenericOp, OpTy> elementwise(mlir::Value value) {
  auto op = value.getDefiningOp<mlir::linalg::GenericOp>();
  if (!op || op->getNumResults() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() ||
      !llvm::hasSingleElement(op.getBody()->without_terminator()))
    return {};
  auto inner = llvm::dyn_cast<OpTy>(&op.getBody()->front());
  if (!inner ||
      op.getBody()->getTerminator()->getOperand(0) != inner->getResult(0))
    return {};
  return {op, inner};
}

/// Folds the body of `op` for one iteration whose block arguments have the
/// values in `values` (absent: unknown), with the ops' folders in order;
/// `index` gives the loop indices that linalg.index reads (absent: unknown).
/// `rule`, when given, is asked first for each single-result op, with its
/// operands' values (null where unknown), and may give the result. Returns
/// the yielded value, or null when it is unknown.
mlir::Attribute foldGenericBody(
    mlir::linalg::GenericOp op,
    llvm::DenseMap<mlir::Value, mlir::Attribute> values,
    llvm::ArrayRef<int64_t> index = {},
    llvm::function_ref<mlir::Attribute(mlir::Operation &,
                                       llvm::ArrayRef<mlir::Attribute>)>
        rule = {});

/// Evaluates tensors made at compile time element by element: constants
/// (dense or dense_resource), static slices and reshapes, fills, and
/// all-parallel linalg.generic ops whose body ops fold (linalg.index
/// included). Used to recognize masks that the exporter computed from
/// position ranges or constant tables (e.g. a causal mask).
class ElementEvaluator {
public:
  /// The element of `value` at `index`, or null when it is not known at
  /// compile time (a function argument, an unsupported op).
  mlir::Attribute at(mlir::Value value, llvm::ArrayRef<int64_t> index);

private:
  llvm::DenseMap<mlir::Value, mlir::ElementsAttr> constants;
  unsigned depth = 0;
};

/// The input operand of `op` whose block argument is `value`, if any.
mlir::OpOperand *inputOf(mlir::linalg::GenericOp op, mlir::Value value);

} // namespace mixer

#endif // MIXER_LIB_DIALECT_MIXER_TRANSFORMS_UTILS_H
