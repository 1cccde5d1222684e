//===- LoweringUtils.cpp - Shared pieces of the mixer lowerings -----------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;

namespace mixer::lowering {

IteratorList iterators(unsigned parallel, unsigned reduction) {
  IteratorList list(parallel, utils::IteratorType::parallel);
  list.append(reduction, utils::IteratorType::reduction);
  return list;
}

Value buildGeneric(OpBuilder &b, Location loc, ValueRange ins, Value init,
                   ArrayRef<AffineMap> maps,
                   ArrayRef<utils::IteratorType> iterators, BodyFn body) {
  return linalg::GenericOp::create(b, loc, init.getType(), ins, init, maps,
                                   iterators, body)
      .getResult(0);
}

SmallVector<OpFoldResult> getDims(OpBuilder &b, Location loc, Value value) {
  return tensor::getMixedSizes(b, loc, value);
}

Value createEmpty(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> dims,
                  Type elementType) {
  return tensor::EmptyOp::create(b, loc, dims, elementType);
}

Value createFilled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> dims,
                   Type elementType, Value fillValue) {
  Value empty = createEmpty(b, loc, dims, elementType);
  return linalg::FillOp::create(b, loc, fillValue, empty).getResult(0);
}

AffineMap broadcastMap(MLIRContext *ctx, RankedTensorType operandType,
                       ArrayRef<int64_t> loopSizes) {
  int64_t numLoops = loopSizes.size();
  int64_t rank = operandType.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t loop = numLoops - rank + d;
    if (operandType.getDimSize(d) == 1 && loopSizes[loop] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(loop, ctx));
  }
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

Type accumulatorType(Type elementType) {
  if (elementType.getIntOrFloatBitWidth() < 32)
    return Float32Type::get(elementType.getContext());
  return elementType;
}

Value convertFloat(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, to, value);
  return arith::TruncFOp::create(b, loc, to, value);
}

Value floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value elementCount(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> dims,
                   int64_t from, Type type) {
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (OpFoldResult dim : dims.drop_front(from))
    count = arith::MulIOp::create(
        b, loc, count, getValueOrCreateConstantIndexOp(b, loc, dim));
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
  return arith::SIToFPOp::create(b, loc, type, asInt);
}

} // namespace mixer::lowering
