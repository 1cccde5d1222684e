//===- Builders.cpp - IR building blocks of the op handlers ---------------===//

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mixer::onnx_import;

OpFoldResult mixer::onnx_import::getDim(OpBuilder &b, Location loc, Value value,
                                        int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.isDynamicDim(dim))
    return b.getIndexAttr(type.getDimSize(dim));
  return tensor::DimOp::create(b, loc, value, dim).getResult();
}

SmallVector<OpFoldResult> mixer::onnx_import::getDims(OpBuilder &b,
                                                      Location loc,
                                                      Value value) {
  SmallVector<OpFoldResult> dims;
  for (int64_t i = 0, e = cast<RankedTensorType>(value.getType()).getRank();
       i < e; ++i)
    dims.push_back(getDim(b, loc, value, i));
  return dims;
}

Value mixer::onnx_import::createEmpty(OpBuilder &b, Location loc,
                                      ArrayRef<OpFoldResult> dims,
                                      Type elementType) {
  return tensor::EmptyOp::create(b, loc, dims, elementType);
}

Value mixer::onnx_import::createScalar(OpBuilder &b, Location loc, Type type,
                                       double v) {
  if (auto f = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(f, v));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(v)));
}

Value mixer::onnx_import::castScalar(OpBuilder &b, Location loc, Value v,
                                     Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  auto fromF = dyn_cast<FloatType>(from);
  auto toF = dyn_cast<FloatType>(to);
  if (fromF && toF)
    return fromF.getWidth() < toF.getWidth()
               ? arith::ExtFOp::create(b, loc, to, v).getResult()
               : arith::TruncFOp::create(b, loc, to, v).getResult();
  if (fromF) {
    if (to.isInteger(1)) {
      Value zero = createScalar(b, loc, from, 0.0);
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, zero);
    }
    return arith::FPToSIOp::create(b, loc, to, v);
  }
  if (toF)
    return from.isInteger(1)
               ? arith::UIToFPOp::create(b, loc, to, v).getResult()
               : arith::SIToFPOp::create(b, loc, to, v).getResult();
  unsigned fromW = from.getIntOrFloatBitWidth(),
           toW = to.getIntOrFloatBitWidth();
  if (to.isInteger(1)) {
    Value zero = createScalar(b, loc, from, 0.0);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero);
  }
  if (fromW < toW)
    return from.isInteger(1)
               ? arith::ExtUIOp::create(b, loc, to, v).getResult()
               : arith::ExtSIOp::create(b, loc, to, v).getResult();
  return arith::TruncIOp::create(b, loc, to, v);
}

Value mixer::onnx_import::castTensor(NodeImporter &node, Value v,
                                     Type elementType) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getElementType() == elementType)
    return v;
  return *buildElementwise(node, v, elementType,
                           [&](OpBuilder &b, Location loc, ValueRange args) {
                             return castScalar(b, loc, args[0], elementType);
                           });
}

FailureOr<Value> mixer::onnx_import::buildElementwise(NodeImporter &node,
                                                      ValueRange operands,
                                                      Type resultElementType,
                                                      ScalarBodyFn body) {
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  int64_t rank = 0;
  for (Value v : operands)
    rank = std::max(rank, cast<RankedTensorType>(v.getType()).getRank());

  // Output dims: a static non-1 size wins; else a dynamic one; else 1.
  SmallVector<OpFoldResult> dims(rank, b.getIndexAttr(1));
  SmallVector<int64_t> staticDims(rank, 1);
  for (int64_t d = 0; d < rank; ++d) {
    Value dynamicSource;
    int64_t dynamicDim = -1;
    for (Value v : operands) {
      auto type = cast<RankedTensorType>(v.getType());
      int64_t vd = d - (rank - type.getRank());
      if (vd < 0)
        continue;
      int64_t size = type.getDimSize(vd);
      if (ShapedType::isDynamic(size)) {
        if (!dynamicSource) {
          dynamicSource = v;
          dynamicDim = vd;
        }
        continue;
      }
      if (size == 1)
        continue;
      if (staticDims[d] != 1 && staticDims[d] != size &&
          !ShapedType::isDynamic(staticDims[d]))
        return node.error() << "operands do not broadcast: dim " << d
                            << " is " << staticDims[d] << " in one and "
                            << size << " in another";
      staticDims[d] = size;
    }
    if (staticDims[d] != 1)
      dims[d] = b.getIndexAttr(staticDims[d]);
    else if (dynamicSource)
      dims[d] = getDim(b, loc, dynamicSource, dynamicDim);
  }

  SmallVector<AffineMap> maps;
  MLIRContext *ctx = b.getContext();
  for (Value v : operands) {
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<AffineExpr> exprs;
    for (int64_t vd = 0; vd < type.getRank(); ++vd) {
      int64_t d = vd + (rank - type.getRank());
      bool broadcast = type.getDimSize(vd) == 1 &&
                       getConstantIntValue(dims[d]) != std::optional<int64_t>(1);
      exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                : getAffineDimExpr(d, ctx));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = createEmpty(b, loc, dims, resultElementType);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), operands, init, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

FailureOr<SmallVector<int64_t>>
mixer::onnx_import::normalizeAxes(NodeImporter &node, ArrayRef<int64_t> axes,
                                  int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank)
      return node.error() << "axis " << axis
                          << " is out of range for rank " << rank;
    if (llvm::is_contained(result, a))
      return node.error() << "axis " << axis << " is repeated";
    result.push_back(a);
  }
  llvm::sort(result);
  return result;
}

ReductionLoops mixer::onnx_import::getReductionLoops(OpBuilder &b,
                                                    Location loc, Value input,
                                                    ArrayRef<int64_t> axes) {
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  MLIRContext *ctx = b.getContext();
  ReductionLoops loops;
  SmallVector<AffineExpr> resultExprs;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    loops.iterators.push_back(reduced ? utils::IteratorType::reduction
                                      : utils::IteratorType::parallel);
    if (!reduced) {
      loops.resultDims.push_back(getDim(b, loc, input, d));
      resultExprs.push_back(getAffineDimExpr(d, ctx));
    }
  }
  loops.resultMap = AffineMap::get(rank, 0, resultExprs, ctx);
  return loops;
}

Value mixer::onnx_import::keepReducedDims(OpBuilder &b, Location loc,
                                          Value reduced, Value input,
                                          ArrayRef<int64_t> axes) {
  SmallVector<OpFoldResult> dims;
  for (int64_t d = 0, e = cast<RankedTensorType>(input.getType()).getRank();
       d < e; ++d)
    dims.push_back(llvm::is_contained(axes, d) ? b.getIndexAttr(1)
                                               : getDim(b, loc, input, d));
  return reshapeTo(b, loc, reduced, dims);
}

Value mixer::onnx_import::buildReduction(NodeImporter &node, Value input,
                                         ArrayRef<int64_t> axes, bool keepDims,
                                         TypedAttr init, ScalarBodyFn combine) {
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  auto type = cast<RankedTensorType>(input.getType());
  ReductionLoops loops = getReductionLoops(b, loc, input, axes);
  Value empty = createEmpty(b, loc, loops.resultDims, type.getElementType());
  Value initValue = arith::ConstantOp::create(b, loc, init);
  Value filled =
      linalg::FillOp::create(b, loc, initValue, empty).getResult(0);
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext()),
      loops.resultMap};
  auto generic = linalg::GenericOp::create(
      b, loc, filled.getType(), input, filled, maps, loops.iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, combine(nb, nloc, args));
      });
  Value result = generic.getResult(0);
  return keepDims ? keepReducedDims(b, loc, result, input, axes) : result;
}

Value mixer::onnx_import::reshapeTo(OpBuilder &b, Location loc, Value value,
                                    ArrayRef<OpFoldResult> dims) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> staticDims;
  SmallVector<Value> dynamicDims;
  dispatchIndexOpFoldResults(dims, dynamicDims, staticDims);
  auto resultType = RankedTensorType::get(staticDims, type.getElementType());
  if (resultType == type)
    return value;
  SmallVector<Value> shapeValues;
  for (OpFoldResult d : dims)
    shapeValues.push_back(toIndexValue(b, loc, d));
  Value shape = tensor::FromElementsOp::create(
      b, loc,
      RankedTensorType::get({static_cast<int64_t>(dims.size())},
                            b.getIndexType()),
      shapeValues);
  return tensor::ReshapeOp::create(b, loc, resultType, value, shape);
}

Value mixer::onnx_import::transpose(OpBuilder &b, Location loc, Value value,
                                    ArrayRef<int64_t> permutation) {
  SmallVector<OpFoldResult> dims = getDims(b, loc, value);
  SmallVector<OpFoldResult> permuted;
  for (int64_t p : permutation)
    permuted.push_back(dims[p]);
  Value init = createEmpty(
      b, loc, permuted,
      cast<RankedTensorType>(value.getType()).getElementType());
  return linalg::TransposeOp::create(b, loc, value, init, permutation)
      .getResult()[0];
}

Value mixer::onnx_import::wrapIndex(OpBuilder &b, Location loc, Value index,
                                    Value data, int64_t dim) {
  Value i = index.getType().isIndex()
                ? index
                : arith::IndexCastOp::create(b, loc, b.getIndexType(), index)
                      .getResult();
  Value size = toIndexValue(b, loc, getDim(b, loc, data, dim));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  return arith::SelectOp::create(b, loc, negative,
                                 arith::AddIOp::create(b, loc, i, size), i);
}

/// Multiplies index OpFoldResults, folding constants.
OpFoldResult mixer::onnx_import::mulIndex(OpBuilder &b, Location loc,
                                          OpFoldResult x, OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x), cy = getConstantIntValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx * *cy);
  if (cx == 1)
    return y;
  if (cy == 1)
    return x;
  return arith::MulIOp::create(b, loc, toIndexValue(b, loc, x),
                               toIndexValue(b, loc, y))
      .getResult();
}

/// Normalizes elements to `index` OpFoldResults (constants stay attributes).
SmallVector<OpFoldResult>
mixer::onnx_import::asIndex(OpBuilder &b, Location loc,
                            ArrayRef<OpFoldResult> elems) {
  SmallVector<OpFoldResult> result;
  for (OpFoldResult e : elems) {
    if (std::optional<int64_t> c = getConstantIntValue(e)) {
      result.push_back(b.getIndexAttr(*c));
      continue;
    }
    Value v = cast<Value>(e);
    if (!v.getType().isIndex())
      v = arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
    result.push_back(v);
  }
  return result;
}
