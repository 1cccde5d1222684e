//===- Utils.cpp - Helpers shared by the mixer rewrites -------------------===//

#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

bool mixer::isAddition(linalg::GenericOp op) {
  if (!op || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() ||
      !llvm::hasSingleElement(op.getBody()->without_terminator()))
    return false;
  auto add = dyn_cast<arith::AddFOp>(&op.getBody()->front());
  Block *body = op.getBody();
  return add && body->getTerminator()->getOperand(0) == add.getResult() &&
         ((add.getLhs() == body->getArgument(0) &&
           add.getRhs() == body->getArgument(1)) ||
          (add.getLhs() == body->getArgument(1) &&
           add.getRhs() == body->getArgument(0)));
}

mixer::DimSplit mixer::splitAround(ArrayRef<int64_t> shape, int64_t dim) {
  DimSplit split{1, shape[dim], 1};
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
    if (d < dim)
      split.outer *= shape[d];
    else if (d > dim)
      split.inner *= shape[d];
  return split;
}

bool mixer::isF32Constant(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getElementType().isF32() && type.hasStaticShape() &&
         matchPattern(value, m_Constant());
}

bool mixer::hasOneReader(Value value) {
  return llvm::count_if(value.getUsers(), [](Operation *user) {
           return !isa<tensor::DimOp>(user);
         }) == 1;
}

std::optional<double> mixer::getScalarConstant(Value value) {
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValueAsDouble();
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr))
    if (dense.isSplat())
      return dense.getSplatValue<APFloat>().convertToDouble();
  return std::nullopt;
}

std::optional<double> mixer::getBodyConstant(linalg::GenericOp op,
                                             Value value) {
  auto arg = dyn_cast<BlockArgument>(value);
  if (!arg || arg.getOwner() != op.getBody())
    return getScalarConstant(value);
  if (arg.getArgNumber() >= op.getNumDpsInputs())
    return std::nullopt;
  return getScalarConstant(op.getDpsInputOperand(arg.getArgNumber())->get());
}

std::optional<SmallVector<float>> mixer::readF32Constant(Attribute attr) {
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements || !elements.getElementType().isF32())
    return std::nullopt;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(elements)) {
    ArrayRef<char> bytes = resource.getData();
    if (bytes.size() != elements.getNumElements() * sizeof(float))
      return std::nullopt;
    SmallVector<float> values(elements.getNumElements());
    std::memcpy(values.data(), bytes.data(), bytes.size());
    return values;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(elements))
    return llvm::to_vector(dense.getValues<float>());
  return std::nullopt;
}

Value mixer::createF32Constant(OpBuilder &builder, Location loc,
                               RankedTensorType type, ArrayRef<float> values,
                               Attribute like, StringRef blobName) {
  Attribute attr;
  if (isa<DenseResourceElementsAttr>(like))
    attr = DenseResourceElementsAttr::get(
        type, blobName, HeapAsmResourceBlob::allocateAndCopyInferAlign(values));
  else
    attr = DenseElementsAttr::get(type, values);
  return arith::ConstantOp::create(builder, loc, cast<TypedAttr>(attr));
}

OpOperand *mixer::inputOf(linalg::GenericOp op, Value value) {
  auto arg = dyn_cast<BlockArgument>(value);
  if (!arg || arg.getOwner() != op.getBody() ||
      arg.getArgNumber() >= op.getNumDpsInputs())
    return nullptr;
  return op.getDpsInputOperand(arg.getArgNumber());
}
