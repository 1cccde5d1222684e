//===- IndexingOps.cpp - ONNX Gather, Slice, GatherElements, ScatterND ----===//

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mixer::onnx_import;

//===----------------------------------------------------------------------===//
// Gather, Slice
//===----------------------------------------------------------------------===//

static LogicalResult importGather(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  // Gathering from a shape value with constant indices: pick elements.
  std::optional<SmallVector<OpFoldResult>> dataElems = node.inputElements(0);
  std::optional<SmallVector<int64_t>> indices = node.constantInts(1);
  if (dataElems && indices && node.inputRank(1) <= 1 &&
      node.intAttr("axis", 0) == 0 && node.inputRank(0) == 1) {
    SmallVector<OpFoldResult> picked;
    int64_t n = dataElems->size();
    for (int64_t i : *indices) {
      if (i < -n || i >= n)
        return node.error() << "index " << i << " is out of range for "
                            << n << " elements";
      picked.push_back((*dataElems)[i < 0 ? i + n : i]);
    }
    node.setOutputElements(0, picked, node.builder().getI64Type(), node.inputRank(1));
    return success();
  }
  Value data = node.input(0), idx = node.input(1);
  RankedTensorType indicesType = node.inputType(1);
  auto dataType = cast<RankedTensorType>(data.getType());
  FailureOr<SmallVector<int64_t>> axisOr =
      normalizeAxes(node, {node.intAttr("axis", 0)}, dataType.getRank());
  if (failed(axisOr))
    return failure();
  int64_t axis = (*axisOr)[0];
  int64_t idxRank = indicesType.getRank();
  // One constant index (x[:, 0], a CLS pooling): a slice, which the
  // rewrites read as a position rather than as a gather.
  int64_t axisSize = dataType.getDimSize(axis);
  if (indices && idxRank == 0 && !ShapedType::isDynamic(axisSize)) {
    int64_t i = (*indices)[0];
    if (i < -axisSize || i >= axisSize)
      return node.error() << "index " << i << " is out of range for axis "
                          << axis << " of size " << axisSize;
    SmallVector<OpFoldResult> offsets(dataType.getRank(), b.getIndexAttr(0)),
        sizes = getDims(b, loc, data),
        strides(dataType.getRank(), b.getIndexAttr(1));
    offsets[axis] = b.getIndexAttr(i < 0 ? i + axisSize : i);
    sizes[axis] = b.getIndexAttr(1);
    SmallVector<int64_t> shape(dataType.getShape());
    shape.erase(shape.begin() + axis);
    node.setOutput(0, tensor::ExtractSliceOp::create(
                          b, loc, dataType.clone(shape), data, offsets, sizes,
                          strides));
    return success();
  }
  // out[pre..., idx..., post...] = data[pre..., indices[idx...], post...]
  SmallVector<OpFoldResult> dims;
  for (int64_t d = 0; d < axis; ++d)
    dims.push_back(getDim(b, loc, data, d));
  for (int64_t d = 0; d < idxRank; ++d)
    dims.push_back(getDim(b, loc, idx, d));
  for (int64_t d = axis + 1; d < dataType.getRank(); ++d)
    dims.push_back(getDim(b, loc, data, d));
  int64_t outRank = dims.size();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> idxExprs;
  for (int64_t d = 0; d < idxRank; ++d)
    idxExprs.push_back(getAffineDimExpr(axis + d, ctx));
  Value init = createEmpty(b, loc, dims, dataType.getElementType());
  SmallVector<AffineMap> maps = {AffineMap::get(outRank, 0, idxExprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(outRank, ctx)};
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), idx, init, maps,
      SmallVector<utils::IteratorType>(outRank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value i = wrapIndex(nb, nloc, args[0], data, axis);
        SmallVector<Value> coords;
        for (int64_t d = 0; d < axis; ++d)
          coords.push_back(linalg::IndexOp::create(nb, nloc, d));
        coords.push_back(i);
        for (int64_t d = axis + 1; d < dataType.getRank(); ++d)
          coords.push_back(
              linalg::IndexOp::create(nb, nloc, d - 1 + idxRank));
        Value element =
            tensor::ExtractOp::create(nb, nloc, data, coords).getResult();
        linalg::YieldOp::create(nb, nloc, element);
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

/// Clamps an ONNX slice bound against `size` at run time: negative bounds
/// count from the end, then the bound is clamped to [0, size].
static Value clampSliceBound(OpBuilder &b, Location loc, OpFoldResult bound,
                             Value size) {
  if (std::optional<int64_t> c = getConstantIntValue(bound)) {
    // Constants: large sentinels (INT64_MAX) must not overflow the sum.
    int64_t v = std::clamp<int64_t>(*c, -(int64_t(1) << 40), int64_t(1) << 40);
    bound = b.getIndexAttr(v);
  }
  Value v = toIndexValue(b, loc, bound);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v, zero);
  v = arith::SelectOp::create(b, loc, negative,
                              arith::AddIOp::create(b, loc, v, size), v);
  v = arith::MaxSIOp::create(b, loc, v, zero);
  return arith::MinSIOp::create(b, loc, v, size);
}

static LogicalResult importSlice(NodeImporter &node) {
  if (failed(node.checkNumInputs(3, 5)))
    return failure();
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  std::optional<SmallVector<OpFoldResult>> starts = node.inputElements(1),
                                           ends = node.inputElements(2);
  if (!starts || !ends)
    return node.error() << "starts and ends must be constants or shape "
                           "computations";
  starts = asIndex(b, loc, *starts);
  ends = asIndex(b, loc, *ends);
  SmallVector<int64_t> axes, steps(starts->size(), 1);
  if (node.hasInput(3)) {
    std::optional<SmallVector<int64_t>> given = node.constantInts(3);
    if (!given)
      return node.error() << "axes must be a constant";
    axes = *given;
  } else {
    for (int64_t i = 0, e = starts->size(); i < e; ++i)
      axes.push_back(i);
  }
  if (node.hasInput(4)) {
    std::optional<SmallVector<int64_t>> given = node.constantInts(4);
    if (!given)
      return node.error() << "steps must be a constant";
    steps = *given;
  }
  if (ends->size() != starts->size() || axes.size() != starts->size() ||
      steps.size() != starts->size())
    return node.error() << "starts, ends, axes and steps differ in length";

  // Slicing a shape value with constant bounds: slice its elements.
  const ImportedValue &data = node.inputValue(0);
  std::optional<int64_t> s0 = getConstantIntValue((*starts)[0]),
                         e0 = getConstantIntValue((*ends)[0]);
  // Any nonzero step; exporters reverse pad lists with step -1 (F.pad).
  if (data.elements && axes.size() == 1 && steps[0] != 0 && s0 && e0) {
    int64_t n = data.elements->size(), step = steps[0];
    // ONNX clamps to [0, n] for positive steps and [-1, n - 1] for negative.
    int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? n : n - 1;
    int64_t s = std::clamp<int64_t>(*s0 < 0 ? *s0 + n : *s0, 0, hi);
    int64_t e = std::clamp<int64_t>(*e0 < 0 ? *e0 + n : *e0, lo, hi);
    SmallVector<OpFoldResult> sliced;
    for (int64_t i = s; step > 0 ? i < e : i > e; i += step)
      sliced.push_back((*data.elements)[i]);
    node.setOutputElements(0, sliced, data.elementType, 1);
    return success();
  }

  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)),
      sizes = getDims(b, loc, input), strides(rank, b.getIndexAttr(1));
  for (auto [i, axisIn] : llvm::enumerate(axes)) {
    int64_t axis = axisIn < 0 ? axisIn + rank : axisIn;
    if (axis < 0 || axis >= rank)
      return node.error() << "axis " << axisIn << " is out of range";
    int64_t step = steps[i];
    if (step <= 0)
      return node.error() << "step " << step
                          << " is not supported on tensors (only positive "
                             "steps; negative ones only on shape values)";
    std::optional<int64_t> start = getConstantIntValue((*starts)[i]),
                           end = getConstantIntValue((*ends)[i]);
    strides[axis] = b.getIndexAttr(step);
    if (!type.isDynamicDim(axis) && start && end) {
      int64_t n = type.getDimSize(axis);
      int64_t s = std::clamp<int64_t>(*start < 0 ? *start + n : *start, 0, n);
      int64_t e = std::clamp<int64_t>(*end < 0 ? *end + n : *end, 0, n);
      int64_t len = std::max<int64_t>(0, (e - s + step - 1) / step);
      // An empty slice starts at 0 (an offset at the end is out of bounds).
      offsets[axis] = b.getIndexAttr(len == 0 ? 0 : s);
      sizes[axis] = b.getIndexAttr(len);
      continue;
    }
    // Bounds or size known only at run time.
    Value size = toIndexValue(b, loc, sizes[axis]);
    Value s = clampSliceBound(b, loc, (*starts)[i], size);
    Value e = clampSliceBound(b, loc, (*ends)[i], size);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value len = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, e, s), zero);
    if (step != 1)
      len = arith::CeilDivUIOp::create(
          b, loc, len, arith::ConstantIndexOp::create(b, loc, step));
    offsets[axis] = s;
    sizes[axis] = len;
  }
  node.setOutput(0, tensor::ExtractSliceOp::create(b, loc, input, offsets,
                                                   sizes, strides));
  return success();
}

/// GatherElements: out[i...] = data[i... with i[axis] = indices[i...]].
static LogicalResult importGatherElements(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  Value data = node.input(0), indices = node.input(1);
  auto dataType = cast<RankedTensorType>(data.getType());
  int64_t rank = dataType.getRank();
  if (node.inputType(1).getRank() != rank)
    return node.error() << "data and indices must have the same rank";
  FailureOr<SmallVector<int64_t>> axisOr =
      normalizeAxes(node, {node.intAttr("axis", 0)}, rank);
  if (failed(axisOr))
    return failure();
  int64_t axis = (*axisOr)[0];
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  Value init = createEmpty(b, loc, getDims(b, loc, indices),
                           dataType.getElementType());
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), indices, init, {id, id},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value i = wrapIndex(nb, nloc, args[0], data, axis);
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d)
          coords.push_back(d == axis ? i
                                     : linalg::IndexOp::create(nb, nloc, d)
                                           .getResult());
        Value element =
            tensor::ExtractOp::create(nb, nloc, data, coords).getResult();
        linalg::YieldOp::create(nb, nloc, element);
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

/// ScatterND (reduction none): out = data with updates[j] written at
/// indices[j]. Built as a gather, so it stays a parallel linalg.generic: for
/// each output element, a reduction over j keeps the last update whose index
/// matches (ONNX leaves duplicate indices undefined). Cost O(|data| * J).
static LogicalResult importScatterND(NodeImporter &node) {
  if (failed(node.checkNumInputs(3, 3)))
    return failure();
  if (node.stringAttr("reduction", "none") != "none")
    return node.rejectAttr("reduction", "only reduction='none' is implemented");
  Value data = node.input(0), indices = node.input(1), updates = node.input(2);
  auto dataType = cast<RankedTensorType>(data.getType());
  auto idxType = cast<RankedTensorType>(indices.getType());
  auto updType = cast<RankedTensorType>(updates.getType());
  int64_t r = dataType.getRank(), q = idxType.getRank();
  int64_t k = idxType.getDimSize(q - 1);
  if (q < 1 || ShapedType::isDynamic(k) || k > r)
    return node.error() << "the last dim of indices must be static and at "
                           "most the rank of data";
  if (updType.getRank() != q - 1 + r - k)
    return node.error() << "updates must have rank " << q - 1 + r - k;
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  MLIRContext *ctx = b.getContext();
  // Loops: data dims p_0..p_{r-1} (parallel), then j_0..j_{q-2} (reduction).
  int64_t numLoops = r + q - 1;
  SmallVector<AffineExpr> updExprs;
  for (int64_t d = 0; d < q - 1; ++d)
    updExprs.push_back(getAffineDimExpr(r + d, ctx));
  for (int64_t d = k; d < r; ++d)
    updExprs.push_back(getAffineDimExpr(d, ctx));
  SmallVector<AffineExpr> dataExprs;
  for (int64_t d = 0; d < r; ++d)
    dataExprs.push_back(getAffineDimExpr(d, ctx));
  SmallVector<utils::IteratorType> iterators(numLoops,
                                             utils::IteratorType::parallel);
  for (int64_t d = r; d < numLoops; ++d)
    iterators[d] = utils::IteratorType::reduction;
  Value init = createEmpty(b, loc, getDims(b, loc, data),
                           dataType.getElementType());
  init = linalg::CopyOp::create(b, loc, data, init).getResult(0);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), updates, init,
      {AffineMap::get(numLoops, 0, updExprs, ctx),
       AffineMap::get(numLoops, 0, dataExprs, ctx)},
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value match = arith::ConstantIntOp::create(nb, nloc, 1, 1);
        SmallVector<Value> coords;
        for (int64_t d = 0; d < q - 1; ++d)
          coords.push_back(linalg::IndexOp::create(nb, nloc, r + d));
        coords.push_back(Value());
        for (int64_t c = 0; c < k; ++c) {
          coords.back() = arith::ConstantIndexOp::create(nb, nloc, c);
          Value i = wrapIndex(
              nb, nloc, tensor::ExtractOp::create(nb, nloc, indices, coords),
              data, c);
          Value p = linalg::IndexOp::create(nb, nloc, c);
          match = arith::AndIOp::create(
              nb, nloc, match,
              arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq, i, p));
        }
        Value v = arith::SelectOp::create(nb, nloc, match, args[0], args[1]);
        linalg::YieldOp::create(nb, nloc, v);
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

void mixer::onnx_import::populateIndexingHandlers(OpRegistry &r) {
  StringRef d = kDefaultDomain;
  r.add(d, "Gather", 1, importGather);
  r.add(d, "Slice", 10, importSlice);
  r.add(d, "GatherElements", 11, importGatherElements);
  r.add(d, "ScatterND", 11, importScatterND);
}
