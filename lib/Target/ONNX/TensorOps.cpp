//===- TensorOps.cpp - ONNX layout ops: transpose, concat, pad, tile ------===//

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
// Transpose, Concat, Expand
//===----------------------------------------------------------------------===//

static LogicalResult importTranspose(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  Value input = node.input(0);
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  SmallVector<int64_t> perm;
  if (std::optional<SmallVector<int64_t>> given = node.intsAttr("perm"))
    perm = *given;
  else
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  SmallVector<int64_t> sorted(perm);
  llvm::sort(sorted);
  if (static_cast<int64_t>(perm.size()) != rank ||
      llvm::any_of(llvm::enumerate(sorted), [](auto p) {
        return static_cast<int64_t>(p.index()) != p.value();
      }))
    return node.error() << "perm is not a permutation of the " << rank
                        << " dims";
  node.setOutput(0, transpose(node.builder(), node.loc(), input, perm));
  return success();
}

static LogicalResult importConcat(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1 << 16)))
    return failure();
  unsigned n = node.numInputs();
  // Concatenating shape values: concatenate their elements.
  bool allElements = true;
  SmallVector<OpFoldResult> elems;
  for (unsigned i = 0; i < n && allElements; ++i) {
    const ImportedValue &v = node.inputValue(i);
    std::optional<SmallVector<OpFoldResult>> e = node.inputElements(i);
    allElements = e && (v.elements ? v.rank == 1 : true) &&
                  isa<IntegerType>(node.inputElementType(i));
    if (allElements)
      elems.append(*e);
  }
  if (allElements) {
    node.setOutputElements(0, elems, node.builder().getI64Type(), 1);
    return success();
  }
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < n; ++i)
    inputs.push_back(node.input(i));
  int64_t rank = cast<RankedTensorType>(inputs[0].getType()).getRank();
  FailureOr<SmallVector<int64_t>> axis =
      normalizeAxes(node, {node.intAttr("axis", 0)}, rank);
  if (failed(axis))
    return failure();
  node.setOutput(0, tensor::ConcatOp::create(node.builder(), node.loc(),
                                             (*axis)[0], inputs));
  return success();
}

static LogicalResult importExpand(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  std::optional<SmallVector<OpFoldResult>> shape = node.inputElements(1);
  if (!shape)
    return node.error() << "the shape must be computable at compile time";
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<OpFoldResult> target = asIndex(b, loc, *shape);
  int64_t rank = std::max<int64_t>(type.getRank(), target.size());
  SmallVector<OpFoldResult> dims;
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t id = d - (rank - type.getRank());
    int64_t td = d - (rank - static_cast<int64_t>(target.size()));
    int64_t inSize = id >= 0 ? type.getDimSize(id) : 1;
    std::optional<int64_t> tSize =
        td >= 0 ? getConstantIntValue(target[td]) : std::optional<int64_t>(1);
    OpFoldResult dim;
    if (inSize != 1 && id >= 0)
      dim = getDim(b, loc, input, id); // The input decides (target 1 or equal).
    else
      dim = td >= 0 ? target[td] : b.getIndexAttr(1);
    if (inSize != 1 && !ShapedType::isDynamic(inSize) && tSize &&
        *tSize != 1 && *tSize != inSize)
      return node.error() << "cannot expand dim " << d << " of size " << inSize
                          << " to " << *tSize;
    dims.push_back(dim);
    if (id >= 0)
      exprs.push_back(inSize == 1 ? getAffineConstantExpr(0, ctx)
                                  : getAffineDimExpr(d, ctx));
  }
  Value init = createEmpty(b, loc, dims, type.getElementType());
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, exprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)};
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), input, init, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, args[0]);
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

//===----------------------------------------------------------------------===//
// Split, Range, Trilu
//===----------------------------------------------------------------------===//

static LogicalResult importSplit(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 2)))
    return failure();
  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  FailureOr<SmallVector<int64_t>> axisOr =
      normalizeAxes(node, {node.intAttr("axis", 0)}, type.getRank());
  if (failed(axisOr))
    return failure();
  int64_t axis = (*axisOr)[0];
  unsigned outputs = node.numOutputs();
  SmallVector<int64_t> split;
  if (node.hasInput(1)) {
    std::optional<SmallVector<int64_t>> given = node.constantInts(1);
    if (!given)
      return node.error() << "split must be a constant";
    split = *given;
  } else if (std::optional<SmallVector<int64_t>> attr = node.intsAttr("split")) {
    split = *attr;
  }
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  SmallVector<OpFoldResult> sizes = getDims(b, loc, input);
  if (split.empty()) {
    if (type.isDynamicDim(axis))
      return node.error() << "splitting a dynamic dim needs explicit sizes";
    int64_t n = type.getDimSize(axis);
    int64_t chunk = (n + outputs - 1) / outputs;
    for (unsigned i = 0; i < outputs; ++i)
      split.push_back(std::min<int64_t>(chunk, n - chunk * i));
  }
  if (split.size() != outputs)
    return node.error() << "split has " << split.size() << " sizes for "
                        << outputs << " outputs";
  int64_t offset = 0;
  for (unsigned i = 0; i < outputs; ++i) {
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
    SmallVector<OpFoldResult> outSizes = sizes;
    offsets[axis] = b.getIndexAttr(offset);
    outSizes[axis] = b.getIndexAttr(split[i]);
    node.setOutput(i, tensor::ExtractSliceOp::create(b, loc, input, offsets,
                                                     outSizes, strides));
    offset += split[i];
  }
  return success();
}

static LogicalResult importRange(NodeImporter &node) {
  if (failed(node.checkNumInputs(3, 3)))
    return failure();
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  Type element = getElementTypeOrSelf(node.input(0));
  std::optional<SmallVector<int64_t>> s = node.constantInts(0),
                                      l = node.constantInts(1),
                                      d = node.constantInts(2);
  if (isa<IntegerType>(element) && s && l && d) {
    // The common case (arange over a static length): a constant.
    if ((*d)[0] == 0)
      return node.error() << "delta is 0";
    int64_t n = std::max<int64_t>(
        0, ((*l)[0] - (*s)[0] + (*d)[0] - ((*d)[0] > 0 ? 1 : -1)) / (*d)[0]);
    SmallVector<OpFoldResult> elems;
    for (int64_t i = 0; i < n; ++i)
      elems.push_back(b.getI64IntegerAttr((*s)[0] + i * (*d)[0]));
    if (n <= 8) {
      node.setOutputElements(0, elems, element, 1);
      return success();
    }
    SmallVector<APInt> values;
    for (int64_t i = 0; i < n; ++i)
      values.push_back(APInt(element.getIntOrFloatBitWidth(),
                             (*s)[0] + i * (*d)[0], /*isSigned=*/true));
    node.setOutput(0, arith::ConstantOp::create(
                          b, loc,
                          DenseElementsAttr::get(
                              RankedTensorType::get({n}, element), values)));
    return success();
  }
  // start + i * delta for i < ceil((limit - start) / delta), at run time.
  auto scalar = [&](unsigned i) -> Value {
    return tensor::ExtractOp::create(b, loc, node.input(i), ValueRange{});
  };
  Value start = scalar(0), limit = scalar(1), delta = scalar(2);
  Value count;
  if (isa<FloatType>(element)) {
    Value q = arith::DivFOp::create(
        b, loc, arith::SubFOp::create(b, loc, limit, start), delta);
    Value c = math::CeilOp::create(b, loc, q);
    count = arith::FPToSIOp::create(b, loc, b.getI64Type(), c);
  } else {
    Value diff = arith::SubIOp::create(b, loc, limit, start);
    count = arith::CeilDivSIOp::create(b, loc, diff, delta);
    count = castScalar(b, loc, count, b.getI64Type());
  }
  Value zero = createScalar(b, loc, b.getI64Type(), 0);
  count = arith::MaxSIOp::create(b, loc, count, zero);
  Value n = arith::IndexCastOp::create(b, loc, b.getIndexType(), count);
  Value init = createEmpty(b, loc, {OpFoldResult(n)}, element);
  MLIRContext *ctx = b.getContext();
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{}, init,
      {AffineMap::getMultiDimIdentityMap(1, ctx)},
      {utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nloc, ValueRange) {
        Value i = linalg::IndexOp::create(nb, nloc, 0);
        Value iv = arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), i);
        Value ie = castScalar(nb, nloc, iv, element);
        Value v = isa<FloatType>(element)
                      ? arith::AddFOp::create(
                            nb, nloc, start,
                            arith::MulFOp::create(nb, nloc, ie, delta))
                            .getResult()
                      : arith::AddIOp::create(
                            nb, nloc, start,
                            arith::MulIOp::create(nb, nloc, ie, delta))
                            .getResult();
        linalg::YieldOp::create(nb, nloc, v);
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

/// Trilu: keeps the lower (upper=0) or upper triangle of the last two dims,
/// shifted by k; zeros elsewhere.
static LogicalResult importTrilu(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 2)))
    return failure();
  int64_t k = 0;
  if (node.hasInput(1)) {
    std::optional<SmallVector<int64_t>> given = node.constantInts(1);
    if (!given || given->size() != 1)
      return node.error() << "k must be a constant scalar";
    k = (*given)[0];
  }
  bool upper = node.intAttr("upper", 1) != 0;
  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  if (rank < 2)
    return node.error() << "input must have rank >= 2";
  FailureOr<Value> r = buildElementwise(
      node, input, type.getElementType(),
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value i = linalg::IndexOp::create(b, loc, rank - 2);
        Value j = linalg::IndexOp::create(b, loc, rank - 1);
        // keep iff j - i >= k (upper) or j - i <= k (lower)
        Value diff = arith::SubIOp::create(b, loc, j, i);
        Value kv = arith::ConstantIndexOp::create(b, loc, k);
        Value keep = arith::CmpIOp::create(
            b, loc, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle,
            diff, kv);
        Value zero = createScalar(b, loc, args[0].getType(), 0);
        return arith::SelectOp::create(b, loc, keep, args[0], zero);
      });
  if (failed(r))
    return failure();
  node.setOutput(0, *r);
  return success();
}

//===----------------------------------------------------------------------===//
// Pad, Tile, GatherElements
//===----------------------------------------------------------------------===//

/// Pad in constant mode, with constant pads (opset 11: inputs; 18: axes).
static LogicalResult importPad(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 4)))
    return failure();
  std::string mode = node.stringAttr("mode", "constant");
  if (mode != "constant")
    return node.rejectAttr("mode", "only constant padding is implemented");
  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  std::optional<SmallVector<int64_t>> pads = node.constantInts(1);
  if (!pads)
    return node.error() << "pads must be a constant";
  SmallVector<int64_t> axes;
  if (node.hasInput(3)) {
    std::optional<SmallVector<int64_t>> given = node.constantInts(3);
    if (!given)
      return node.error() << "axes must be a constant";
    for (int64_t a : *given)
      axes.push_back(a < 0 ? a + rank : a);
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  if (pads->size() != 2 * axes.size())
    return node.error() << "pads has " << pads->size() << " entries for "
                        << axes.size() << " axes";
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  SmallVector<OpFoldResult> low(rank, b.getIndexAttr(0)),
      high(rank, b.getIndexAttr(0));
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (axis < 0 || axis >= rank)
      return node.error() << "axis " << axis << " is out of range";
    int64_t lo = (*pads)[i], hi = (*pads)[i + axes.size()];
    if (lo < 0 || hi < 0)
      return node.error() << "negative pads (cropping) are not supported";
    low[axis] = b.getIndexAttr(lo);
    high[axis] = b.getIndexAttr(hi);
  }
  Value padValue;
  if (node.hasInput(2))
    padValue = tensor::ExtractOp::create(b, loc, node.input(2), ValueRange{});
  else
    padValue = createScalar(b, loc, type.getElementType(), 0.0);
  node.setOutput(0, tensor::PadOp::create(b, loc, RankedTensorType(), input,
                                          low, high, padValue));
  return success();
}

/// Tile: out[i...] = in[i mod size...], dims multiplied by constant repeats.
static LogicalResult importTile(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  std::optional<SmallVector<int64_t>> repeats = node.constantInts(1);
  if (!repeats || static_cast<int64_t>(repeats->size()) != type.getRank())
    return node.error() << "repeats must be a constant with one entry per dim";
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  SmallVector<OpFoldResult> inDims = getDims(b, loc, input), outDims;
  for (auto [d, r] : llvm::zip(inDims, *repeats)) {
    if (r < 0)
      return node.error() << "repeats must not be negative";
    outDims.push_back(mulIndex(b, loc, d, b.getIndexAttr(r)));
  }
  int64_t rank = type.getRank();
  Value init = createEmpty(b, loc, outDims, type.getElementType());
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{}, init,
      {AffineMap::getMultiDimIdentityMap(rank, b.getContext())},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange) {
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d) {
          Value i = linalg::IndexOp::create(nb, nloc, d);
          coords.push_back(arith::RemUIOp::create(
              nb, nloc, i, toIndexValue(nb, nloc, inDims[d])));
        }
        Value element =
            tensor::ExtractOp::create(nb, nloc, input, coords).getResult();
        linalg::YieldOp::create(nb, nloc, element);
      });
  node.setOutput(0, generic.getResult(0));
  return success();
}

void mixer::onnx_import::populateTensorHandlers(OpRegistry &r) {
  StringRef d = kDefaultDomain;
  r.add(d, "Transpose", 1, importTranspose);
  r.add(d, "Concat", 4, importConcat);
  r.add(d, "Expand", 8, importExpand);
  r.add(d, "Split", 2, importSplit);
  r.add(d, "Range", 11, importRange);
  r.add(d, "Trilu", 14, importTrilu);
  r.add(d, "Pad", 11, importPad);
  r.add(d, "Tile", 6, importTile);
}

