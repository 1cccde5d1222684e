//===- ReductionOps.cpp - ONNX reductions, softmax, scans, top-k ----------===//

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;
using namespace mixer::onnx_import;

//===----------------------------------------------------------------------===//
// Reductions, softmax
//===----------------------------------------------------------------------===//

namespace {
enum class Reduce { Sum, Mean, Max, Min, SumSquare, L1, L2 };
} // namespace

/// Reads the axes of a reduction: from the `axes` input (ReduceSum since 13,
/// the others since 18) or the `axes` attribute.
template <Reduce R>
static LogicalResult importReduce(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 2)))
    return failure();
  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  Type element = type.getElementType();
  SmallVector<int64_t> axes;
  if (node.hasInput(1)) {
    std::optional<SmallVector<int64_t>> given = node.constantInts(1);
    if (!given)
      return node.error() << "axes must be a constant";
    axes = *given;
  } else if (auto attr = node.intsAttr("axes")) {
    axes = *attr;
  }
  if (axes.empty()) {
    if (node.intAttr("noop_with_empty_axes", 0)) {
      node.setOutput(0, input);
      return success();
    }
    for (int64_t d = 0; d < type.getRank(); ++d)
      axes.push_back(d);
  }
  FailureOr<SmallVector<int64_t>> normalized =
      normalizeAxes(node, axes, type.getRank());
  if (failed(normalized))
    return failure();
  bool keepDims = node.intAttr("keepdims", 1) != 0;
  OpBuilder &b = node.builder();
  TypedAttr init;
  ScalarBodyFn combine = nullptr;
  bool isF = isa<FloatType>(element);
  auto combineSum = [](OpBuilder &nb, Location l, ValueRange a) {
    return addBody(nb, l, {a[0], a[1]});
  };
  auto combineMax = [](OpBuilder &nb, Location l, ValueRange a) {
    return maxBody(nb, l, {a[0], a[1]});
  };
  auto combineMin = [](OpBuilder &nb, Location l, ValueRange a) {
    return minBody(nb, l, {a[0], a[1]});
  };
  // The norms accumulate x*x or |x| (floats: a Normalize's ReduceL2).
  auto combineSquare = [](OpBuilder &nb, Location l, ValueRange a) {
    return addBody(nb, l, {mulBody(nb, l, {a[0], a[0]}), a[1]});
  };
  auto combineAbs = [](OpBuilder &nb, Location l, ValueRange a) {
    return addBody(nb, l, {math::AbsFOp::create(nb, l, a[0]), a[1]});
  };
  bool isNorm = R == Reduce::SumSquare || R == Reduce::L1 || R == Reduce::L2;
  if (isNorm && !isF)
    return node.error() << node.opType() << " needs a float input";
  switch (R) {
  case Reduce::SumSquare:
  case Reduce::L1:
  case Reduce::L2:
    init = b.getFloatAttr(element, 0.0);
    combine = R == Reduce::L1 ? ScalarBodyFn(combineAbs)
                              : ScalarBodyFn(combineSquare);
    break;
  case Reduce::Sum:
  case Reduce::Mean:
    init = isF ? TypedAttr(b.getFloatAttr(element, 0.0))
               : TypedAttr(b.getIntegerAttr(element, 0));
    combine = combineSum;
    break;
  case Reduce::Max:
    init = isF ? TypedAttr(b.getFloatAttr(
                     element, -std::numeric_limits<double>::infinity()))
               : TypedAttr(b.getIntegerAttr(
                     element, APInt::getSignedMinValue(
                                  element.getIntOrFloatBitWidth())));
    combine = combineMax;
    break;
  case Reduce::Min:
    init = isF ? TypedAttr(b.getFloatAttr(
                     element, std::numeric_limits<double>::infinity()))
               : TypedAttr(b.getIntegerAttr(
                     element, APInt::getSignedMaxValue(
                                  element.getIntOrFloatBitWidth())));
    combine = combineMin;
    break;
  }
  Value result = buildReduction(node, input, *normalized, keepDims, init, combine);
  if (R == Reduce::L2)
    result = *buildElementwise(
        node, {result}, element, [](OpBuilder &nb, Location l, ValueRange a) {
          return math::SqrtOp::create(nb, l, a[0]).getResult();
        });
  if (R == Reduce::Mean) {
    if (!isF)
      return node.error() << "ReduceMean needs a float input";
    // Divide by the number of reduced elements.
    Location loc = node.loc();
    Value count = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t axis : *normalized)
      count = arith::MulIOp::create(
          b, loc, count, toIndexValue(b, loc, getDim(b, loc, input, axis)));
    Value countF = arith::UIToFPOp::create(
        b, loc, element,
        arith::IndexCastUIOp::create(b, loc, b.getI64Type(), count));
    Value countTensor = tensor::FromElementsOp::create(
        b, loc, RankedTensorType::get({}, element), countF);
    result = *buildElementwise(node, {result, countTensor}, element, divBody);
  }
  node.setOutput(0, result);
  return success();
}

/// Softmax / LogSoftmax along one axis (opset 13 semantics).
template <bool Log>
static LogicalResult importSoftmax(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  if (!isa<FloatType>(type.getElementType()))
    return node.error() << "input must be float";
  FailureOr<SmallVector<int64_t>> axis =
      normalizeAxes(node, {node.intAttr("axis", -1)}, type.getRank());
  if (failed(axis))
    return failure();
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  Value init = createEmpty(b, loc, getDims(b, loc, input), type.getElementType());
  Value softmax = linalg::SoftmaxOp::create(b, loc, type, input, init,
                                            (*axis)[0])
                      .getResult()[0];
  if (!Log) {
    node.setOutput(0, softmax);
    return success();
  }
  // log(softmax(x)) = x - max - log(sum(exp(x - max))), computed stably.
  Type element = type.getElementType();
  auto max = buildReduction(
      node, input, *axis, /*keepDims=*/true,
      b.getFloatAttr(element, -std::numeric_limits<double>::infinity()),
      [](OpBuilder &nb, Location l, ValueRange a) {
        return maxBody(nb, l, {a[0], a[1]});
      });
  Value shifted = *buildElementwise(node, {input, max}, element, subBody);
  Value exps = *buildElementwise(node, shifted, element, expBody);
  Value sum = buildReduction(node, exps, *axis, /*keepDims=*/true,
                             b.getFloatAttr(element, 0.0),
                             [](OpBuilder &nb, Location l, ValueRange a) {
                               return addBody(nb, l, {a[0], a[1]});
                             });
  Value logSum = *buildElementwise(node, sum, element, logBody);
  node.setOutput(0, *buildElementwise(node, {shifted, logSum}, element, subBody));
  return success();
}

/// CumSum along a constant axis: out[..i..] = sum over j <= i (j < i when
/// exclusive; reversed: j >= i) of x[..j..], as a masked reduction.
static LogicalResult importCumSum(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  Value x = node.input(0);
  auto type = cast<RankedTensorType>(x.getType());
  std::optional<SmallVector<int64_t>> axisValue = node.constantInts(1);
  if (!axisValue || axisValue->size() != 1)
    return node.error() << "axis must be a constant scalar";
  FailureOr<SmallVector<int64_t>> axisOr =
      normalizeAxes(node, *axisValue, type.getRank());
  if (failed(axisOr))
    return failure();
  int64_t axis = (*axisOr)[0], rank = type.getRank();
  bool exclusive = node.intAttr("exclusive", 0) != 0;
  bool reverse = node.intAttr("reverse", 0) != 0;
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  MLIRContext *ctx = b.getContext();
  // Loops: the rank dims of the output, then j (reduction) along `axis`.
  SmallVector<AffineExpr> inExprs, outExprs;
  for (int64_t d = 0; d < rank; ++d) {
    inExprs.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
    outExprs.push_back(getAffineDimExpr(d, ctx));
  }
  SmallVector<utils::IteratorType> iterators(rank + 1,
                                             utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  Type element = type.getElementType();
  Value init = linalg::FillOp::create(b, loc, createScalar(b, loc, element, 0.0),
                                      createEmpty(b, loc, getDims(b, loc, x),
                                                  element))
                   .getResult(0);
  // The j loop's bound comes from the input map (x[.., j, ..]).
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), x, init,
      {AffineMap::get(rank + 1, 0, inExprs, ctx),
       AffineMap::get(rank + 1, 0, outExprs, ctx)},
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value i = linalg::IndexOp::create(nb, nloc, axis);
        Value j = linalg::IndexOp::create(nb, nloc, rank);
        arith::CmpIPredicate pred =
            reverse ? (exclusive ? arith::CmpIPredicate::ugt
                                 : arith::CmpIPredicate::uge)
                    : (exclusive ? arith::CmpIPredicate::ult
                                 : arith::CmpIPredicate::ule);
        Value take = arith::CmpIOp::create(nb, nloc, pred, j, i);
        Value sum = addBody(nb, nloc, {args[1], args[0]});
        linalg::YieldOp::create(
            nb, nloc,
            arith::SelectOp::create(nb, nloc, take, sum, args[1]).getResult());
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

/// ArgMax / ArgMin along one axis: a reduction carrying (value, index).
template <bool Max>
static LogicalResult importArgReduce(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  FailureOr<SmallVector<int64_t>> axisOr =
      normalizeAxes(node, {node.intAttr("axis", 0)}, rank);
  if (failed(axisOr))
    return failure();
  int64_t axis = (*axisOr)[0];
  bool keepDims = node.intAttr("keepdims", 1) != 0;
  bool selectLast = node.intAttr("select_last_index", 0) != 0;
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  MLIRContext *ctx = b.getContext();
  ReductionLoops loops = getReductionLoops(b, loc, input, {axis});
  SmallVector<OpFoldResult> &outDims = loops.resultDims;
  bool isF = isa<FloatType>(element);
  double start = Max ? -std::numeric_limits<double>::infinity()
                     : std::numeric_limits<double>::infinity();
  TypedAttr initAttr =
      isF ? TypedAttr(b.getFloatAttr(element, start))
          : TypedAttr(b.getIntegerAttr(
                element, Max ? APInt::getSignedMinValue(
                                   element.getIntOrFloatBitWidth())
                             : APInt::getSignedMaxValue(
                                   element.getIntOrFloatBitWidth())));
  Value values = linalg::FillOp::create(
                     b, loc, arith::ConstantOp::create(b, loc, initAttr).getResult(),
                     createEmpty(b, loc, outDims, element))
                     .getResult(0);
  Value indices =
      linalg::FillOp::create(b, loc, createScalar(b, loc, b.getI64Type(), 0),
                             createEmpty(b, loc, outDims, b.getI64Type()))
          .getResult(0);
  AffineMap outMap = loops.resultMap;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{values.getType(), indices.getType()}, input,
      ValueRange{values, indices},
      {AffineMap::getMultiDimIdentityMap(rank, ctx), outMap, outMap},
      loops.iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value i = arith::IndexCastOp::create(
            nb, nloc, nb.getI64Type(), linalg::IndexOp::create(nb, nloc, axis));
        Value better;
        if (isF)
          better = arith::CmpFOp::create(
              nb, nloc,
              Max ? (selectLast ? arith::CmpFPredicate::OGE
                                : arith::CmpFPredicate::OGT)
                  : (selectLast ? arith::CmpFPredicate::OLE
                                : arith::CmpFPredicate::OLT),
              args[0], args[1]);
        else
          better = arith::CmpIOp::create(
              nb, nloc,
              Max ? (selectLast ? arith::CmpIPredicate::sge
                                : arith::CmpIPredicate::sgt)
                  : (selectLast ? arith::CmpIPredicate::sle
                                : arith::CmpIPredicate::slt),
              args[0], args[1]);
        Value v = arith::SelectOp::create(nb, nloc, better, args[0], args[1]);
        Value idx = arith::SelectOp::create(nb, nloc, better, i, args[2]);
        linalg::YieldOp::create(nb, nloc, ValueRange{v, idx});
      });
  Value result = generic.getResult(1);
  if (keepDims)
    result = keepReducedDims(b, loc, result, input, {axis});
  node.setOutput(0, result);
  return success();
}

/// TopK along one axis with a constant k, exactly and without sorting
/// networks: rank[i] = #{j : x[j] beats x[i]} (ties broken by index, so
/// ranks are a permutation), then output p takes the element of rank p.
/// O(n^2 + n k) per row: correct for any size, cheap for short axes.
static LogicalResult importTopK(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  Value x = node.input(0);
  auto type = cast<RankedTensorType>(x.getType());
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  std::optional<SmallVector<int64_t>> kValue = node.constantInts(1);
  if (!kValue || kValue->size() != 1 || (*kValue)[0] < 0)
    return node.error() << "k must be a constant non-negative scalar";
  int64_t k = (*kValue)[0];
  FailureOr<SmallVector<int64_t>> axisOr =
      normalizeAxes(node, {node.intAttr("axis", -1)}, rank);
  if (failed(axisOr))
    return failure();
  int64_t axis = (*axisOr)[0];
  if (!type.isDynamicDim(axis) && k > type.getDimSize(axis))
    return node.error() << "k = " << k << " exceeds the axis size "
                        << type.getDimSize(axis);
  bool largest = node.intAttr("largest", 1) != 0;
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  MLIRContext *ctx = b.getContext();
  bool isF = isa<FloatType>(element);
  Type i64Type = b.getI64Type();

  // Loops (dims..., j): j runs along `axis` as the competitor of i.
  SmallVector<AffineExpr> selfExprs, otherExprs;
  for (int64_t d = 0; d < rank; ++d) {
    selfExprs.push_back(getAffineDimExpr(d, ctx));
    otherExprs.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
  }
  AffineMap self = AffineMap::get(rank + 1, 0, selfExprs, ctx);
  AffineMap other = AffineMap::get(rank + 1, 0, otherExprs, ctx);
  SmallVector<utils::IteratorType> iterators(rank + 1,
                                             utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  Value ranks = linalg::FillOp::create(b, loc, createScalar(b, loc, i64Type, 0),
                                       createEmpty(b, loc, getDims(b, loc, x),
                                                   i64Type))
                    .getResult(0);
  ranks = linalg::GenericOp::create(
              b, loc, ranks.getType(), ValueRange{x, x}, ranks,
              {self, other, self}, iterators,
              [&](OpBuilder &nb, Location nloc, ValueRange a) {
                Value i = linalg::IndexOp::create(nb, nloc, axis);
                Value j = linalg::IndexOp::create(nb, nloc, rank);
                Value strictly, equal;
                if (isF) {
                  strictly = arith::CmpFOp::create(
                      nb, nloc,
                      largest ? arith::CmpFPredicate::OGT
                              : arith::CmpFPredicate::OLT,
                      a[1], a[0]);
                  equal = arith::CmpFOp::create(nb, nloc,
                                                arith::CmpFPredicate::OEQ, a[1],
                                                a[0]);
                } else {
                  strictly = arith::CmpIOp::create(
                      nb, nloc,
                      largest ? arith::CmpIPredicate::sgt
                              : arith::CmpIPredicate::slt,
                      a[1], a[0]);
                  equal = arith::CmpIOp::create(nb, nloc,
                                                arith::CmpIPredicate::eq, a[1],
                                                a[0]);
                }
                Value earlier = arith::CmpIOp::create(
                    nb, nloc, arith::CmpIPredicate::ult, j, i);
                Value beats = arith::OrIOp::create(
                    nb, nloc, strictly,
                    arith::AndIOp::create(nb, nloc, equal, earlier));
                Value one = arith::ExtUIOp::create(nb, nloc, nb.getI64Type(),
                                                   beats);
                linalg::YieldOp::create(
                    nb, nloc,
                    arith::AddIOp::create(nb, nloc, a[2], one).getResult());
              })
              .getResult(0);

  // Outputs (dims with axis -> k); loops (dims..., j) pick rank == p.
  SmallVector<OpFoldResult> outDims = getDims(b, loc, x);
  outDims[axis] = b.getIndexAttr(k);
  Value values = createEmpty(b, loc, outDims, element);
  Value indices = createEmpty(b, loc, outDims, i64Type);
  values = linalg::FillOp::create(b, loc, createScalar(b, loc, element, 0),
                                  values)
               .getResult(0);
  indices = linalg::FillOp::create(b, loc, createScalar(b, loc, i64Type, 0),
                                   indices)
                .getResult(0);
  auto pick = linalg::GenericOp::create(
      b, loc, TypeRange{values.getType(), indices.getType()},
      ValueRange{x, ranks}, ValueRange{values, indices},
      {other, other, self, self}, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange a) {
        Value p = arith::IndexCastOp::create(
            nb, nloc, nb.getI64Type(), linalg::IndexOp::create(nb, nloc, axis));
        Value j = arith::IndexCastOp::create(
            nb, nloc, nb.getI64Type(), linalg::IndexOp::create(nb, nloc, rank));
        Value hit = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq,
                                          a[1], p);
        Value v = arith::SelectOp::create(nb, nloc, hit, a[0], a[2]);
        Value idx = arith::SelectOp::create(nb, nloc, hit, j, a[3]);
        linalg::YieldOp::create(nb, nloc, ValueRange{v, idx});
      });
  node.setOutput(0, pick.getResult(0));
  node.setOutput(1, pick.getResult(1));
  return success();
}

void mixer::onnx_import::populateReductionHandlers(OpRegistry &r) {
  StringRef d = kDefaultDomain;
  // Reductions: axes became an input in opset 13 (ReduceSum) and 18 (rest).
  r.add(d, "ReduceSum", 1, importReduce<Reduce::Sum>);
  r.add(d, "ReduceMean", 1, importReduce<Reduce::Mean>);
  r.add(d, "ReduceMax", 1, importReduce<Reduce::Max>);
  r.add(d, "ReduceMin", 1, importReduce<Reduce::Min>);
  r.add(d, "ReduceSumSquare", 1, importReduce<Reduce::SumSquare>);
  r.add(d, "ReduceL1", 1, importReduce<Reduce::L1>);
  r.add(d, "ReduceL2", 1, importReduce<Reduce::L2>);
  r.add(d, "CumSum", 11, importCumSum);
  r.add(d, "TopK", 10, importTopK);
  r.add(d, "ArgMax", 11, importArgReduce<true>);
  r.add(d, "ArgMin", 11, importArgReduce<false>);
  r.add(d, "Softmax", 13, importSoftmax<false>);
  r.add(d, "LogSoftmax", 13, importSoftmax<true>);
}
