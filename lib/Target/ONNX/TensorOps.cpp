//===- TensorOps.cpp - ONNX tensor ops: shapes, layout, indexing ----------===//
//
// Shape arithmetic (Shape, Gather, Concat, Unsqueeze, ... on small integer
// tensors) is tracked element by element (see ImportedValue), so Reshape,
// Expand and Slice see through it and dynamic dims stay symbolic.
//
//===----------------------------------------------------------------------===//

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

/// The i64 element type shape values carry in ONNX.
static Type i64(NodeImporter &node) { return node.builder().getI64Type(); }

/// Multiplies index OpFoldResults, folding constants.
static OpFoldResult mulIndex(OpBuilder &b, Location loc, OpFoldResult x,
                             OpFoldResult y) {
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
static SmallVector<OpFoldResult> asIndex(OpBuilder &b, Location loc,
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

//===----------------------------------------------------------------------===//
// Constants and shapes
//===----------------------------------------------------------------------===//

static LogicalResult importConstant(NodeImporter &node) {
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  TypedAttr attr;
  if (const onnx::AttributeProto *value = node.attribute("value")) {
    FailureOr<ElementsAttr> converted = node.convertTensor(value->t());
    if (failed(converted))
      return failure();
    attr = cast<TypedAttr>(*converted);
  } else if (const onnx::AttributeProto *f = node.attribute("value_float")) {
    attr = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                  f->f());
  } else if (const onnx::AttributeProto *i = node.attribute("value_int")) {
    attr = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()),
                                  static_cast<int64_t>(i->i()));
  } else if (const onnx::AttributeProto *fs = node.attribute("value_floats")) {
    SmallVector<float> values(fs->floats().begin(), fs->floats().end());
    attr = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(values.size())},
                              b.getF32Type()),
        ArrayRef<float>(values));
  } else if (const onnx::AttributeProto *is = node.attribute("value_ints")) {
    SmallVector<int64_t> values(is->ints().begin(), is->ints().end());
    attr = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(values.size())},
                              b.getI64Type()),
        ArrayRef<int64_t>(values));
  } else {
    return node.error() << "needs one of the attributes value, value_float, "
                           "value_int, value_floats, value_ints (sparse and "
                           "string constants are not supported)";
  }
  node.setOutput(0, arith::ConstantOp::create(b, loc, attr));
  return success();
}

static LogicalResult importShape(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  Value input = node.input(0);
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  int64_t start = node.intAttr("start", 0), end = node.intAttr("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  SmallVector<OpFoldResult> dims =
      getDims(node.builder(), node.loc(), input);
  SmallVector<OpFoldResult> elems(dims.begin() + start,
                                  dims.begin() + std::max(start, end));
  node.setOutputElements(0, elems, i64(node), 1);
  return success();
}

static LogicalResult importSize(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  OpBuilder &b = node.builder();
  OpFoldResult size = b.getIndexAttr(1);
  for (OpFoldResult d : getDims(b, node.loc(), node.input(0)))
    size = mulIndex(b, node.loc(), size, d);
  node.setOutputElements(0, {size}, i64(node), 0);
  return success();
}

static LogicalResult importConstantOfShape(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  std::optional<SmallVector<OpFoldResult>> shape = node.inputElements(0);
  if (!shape)
    return node.error() << "the shape must be computable at compile time "
                           "(a constant or a shape computation)";
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  TypedAttr value = b.getFloatAttr(b.getF32Type(), 0.0);
  if (const onnx::AttributeProto *attr = node.attribute("value")) {
    FailureOr<ElementsAttr> converted = node.convertTensor(attr->t());
    if (failed(converted))
      return failure();
    auto dense = dyn_cast<DenseElementsAttr>(*converted);
    if (!dense || dense.getNumElements() != 1)
      return node.error() << "value must hold one element";
    value = cast<TypedAttr>(dense.getSplatValue<Attribute>());
  }
  SmallVector<OpFoldResult> dims = asIndex(b, loc, *shape);
  Value empty = createEmpty(b, loc, dims, value.getType());
  Value scalar = arith::ConstantOp::create(b, loc, value);
  Value filled = linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
  node.setOutput(0, filled);
  // Small integer fills are shape values too (e.g. ones to Expand with).
  if (isa<IntegerType>(value.getType()) && dims.size() == 1)
    if (std::optional<int64_t> n = getConstantIntValue(dims[0]); n && *n <= 8)
      node.setOutputElements(
          0,
          SmallVector<OpFoldResult>(*n, b.getI64IntegerAttr(
                                            cast<IntegerAttr>(value).getInt())),
          value.getType(), 1);
  return success();
}

static LogicalResult importIdentity(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  const ImportedValue &value = node.inputValue(0);
  if (value.elements)
    node.setOutputElements(0, *value.elements, value.elementType, value.rank);
  else
    node.setOutput(0, node.input(0));
  return success();
}

//===----------------------------------------------------------------------===//
// Reshape, Unsqueeze, Squeeze, Flatten
//===----------------------------------------------------------------------===//

/// Resolves ONNX Reshape's 0 (copy the input dim) and -1 (infer) entries.
static FailureOr<SmallVector<OpFoldResult>>
resolveReshape(NodeImporter &node, Value input,
               ArrayRef<OpFoldResult> target, bool allowZero) {
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  SmallVector<OpFoldResult> inDims = getDims(b, loc, input);
  SmallVector<OpFoldResult> dims = asIndex(b, loc, target);
  int64_t inferred = -1;
  for (auto [i, d] : llvm::enumerate(dims)) {
    std::optional<int64_t> c = getConstantIntValue(d);
    if (c == 0 && !allowZero) {
      if (i >= inDims.size())
        return node.error() << "shape entry " << i
                            << " is 0 (copy) beyond the input's rank";
      d = inDims[i];
    } else if (c == -1) {
      if (inferred >= 0)
        return node.error() << "shape has more than one -1";
      inferred = i;
    } else if (c && *c < -1) {
      return node.error() << "shape entry " << i << " is " << *c;
    }
  }
  if (inferred >= 0) {
    OpFoldResult total = b.getIndexAttr(1), known = b.getIndexAttr(1);
    for (OpFoldResult d : inDims)
      total = mulIndex(b, loc, total, d);
    for (auto [i, d] : llvm::enumerate(dims))
      if (static_cast<int64_t>(i) != inferred)
        known = mulIndex(b, loc, known, d);
    std::optional<int64_t> t = getConstantIntValue(total),
                           k = getConstantIntValue(known);
    if (t && k) {
      if (*k == 0 || *t % *k != 0)
        return node.error() << "cannot infer the -1 dim: " << *t
                            << " elements do not divide into " << *k;
      dims[inferred] = b.getIndexAttr(*t / *k);
    } else {
      dims[inferred] =
          arith::DivUIOp::create(b, loc, toIndexValue(b, loc, total),
                                 toIndexValue(b, loc, known))
              .getResult();
    }
  }
  return dims;
}

static LogicalResult importReshape(NodeImporter &node) {
  if (failed(node.checkNumInputs(2, 2)))
    return failure();
  std::optional<SmallVector<OpFoldResult>> target = node.inputElements(1);
  if (!target)
    return node.error() << "the target shape must be computable at compile "
                           "time (a constant or a shape computation)";
  const ImportedValue &data = node.inputValue(0);
  // Reshaping a shape value to rank 1 (or a single one to rank 0) keeps its
  // elements.
  if (data.elements &&
      (target->size() == 1 || (target->empty() && data.elements->size() == 1))) {
    node.setOutputElements(0, *data.elements, node.inputElementType(0),
                           target->size());
    return success();
  }
  Value input = node.input(0);
  FailureOr<SmallVector<OpFoldResult>> dims = resolveReshape(
      node, input, *target, node.intAttr("allowzero", 0) != 0);
  if (failed(dims))
    return failure();
  node.setOutput(0, reshapeTo(node.builder(), node.loc(), input, *dims));
  return success();
}

/// Axes of Squeeze/Unsqueeze: the `axes` input (opset 13) or attribute.
static std::optional<SmallVector<int64_t>> squeezeAxes(NodeImporter &node) {
  if (node.hasInput(1))
    return node.constantInts(1);
  return node.intsAttr("axes");
}

static LogicalResult importUnsqueeze(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 2)))
    return failure();
  std::optional<SmallVector<int64_t>> axes = squeezeAxes(node);
  if (!axes)
    return node.error() << "axes must be a constant";
  const ImportedValue &data = node.inputValue(0);
  if (data.elements && data.rank == 0 && axes->size() == 1) {
    node.setOutputElements(0, *data.elements, data.elementType, 1);
    return success();
  }
  Value input = node.input(0);
  OpBuilder &b = node.builder();
  SmallVector<OpFoldResult> inDims = getDims(b, node.loc(), input);
  int64_t outRank = inDims.size() + axes->size();
  FailureOr<SmallVector<int64_t>> normalized =
      normalizeAxes(node, *axes, outRank);
  if (failed(normalized))
    return failure();
  SmallVector<OpFoldResult> dims;
  unsigned next = 0;
  for (int64_t d = 0; d < outRank; ++d)
    dims.push_back(llvm::is_contained(*normalized, d) ? b.getIndexAttr(1)
                                                      : inDims[next++]);
  node.setOutput(0, reshapeTo(b, node.loc(), input, dims));
  return success();
}

static LogicalResult importSqueeze(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 2)))
    return failure();
  const ImportedValue &data = node.inputValue(0);
  if (data.elements && data.elements->size() == 1) {
    node.setOutputElements(0, *data.elements, data.elementType, 0);
    return success();
  }
  Value input = node.input(0);
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> axes;
  if (std::optional<SmallVector<int64_t>> given = squeezeAxes(node)) {
    FailureOr<SmallVector<int64_t>> normalized =
        normalizeAxes(node, *given, type.getRank());
    if (failed(normalized))
      return failure();
    axes = *normalized;
  } else if (node.hasInput(1)) {
    return node.error() << "axes must be a constant";
  } else {
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.isDynamicDim(d))
        return node.error() << "squeezing all unit dims needs static dims";
      if (type.getDimSize(d) == 1)
        axes.push_back(d);
    }
  }
  OpBuilder &b = node.builder();
  SmallVector<OpFoldResult> dims;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!llvm::is_contained(axes, d)) {
      dims.push_back(getDim(b, node.loc(), input, d));
      continue;
    }
    if (!type.isDynamicDim(d) && type.getDimSize(d) != 1)
      return node.error() << "cannot squeeze dim " << d << " of size "
                          << type.getDimSize(d);
  }
  node.setOutput(0, reshapeTo(b, node.loc(), input, dims));
  return success();
}

static LogicalResult importFlatten(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  Value input = node.input(0);
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  int64_t axis = node.intAttr("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return node.error() << "axis " << node.intAttr("axis", 1)
                        << " is out of range for rank " << rank;
  OpBuilder &b = node.builder();
  Location loc = node.loc();
  OpFoldResult outer = b.getIndexAttr(1), inner = b.getIndexAttr(1);
  for (auto [d, size] : llvm::enumerate(getDims(b, loc, input)))
    (static_cast<int64_t>(d) < axis ? outer : inner) =
        mulIndex(b, loc, static_cast<int64_t>(d) < axis ? outer : inner, size);
  node.setOutput(0, reshapeTo(b, loc, input, {outer, inner}));
  return success();
}

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
    node.setOutputElements(0, elems, i64(node), 1);
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
    node.setOutputElements(0, picked, i64(node), node.inputRank(1));
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
  if (data.elements && axes.size() == 1 && steps[0] == 1 &&
      s0 && e0) {
    int64_t n = data.elements->size();
    int64_t s = std::clamp<int64_t>(*s0 < 0 ? *s0 + n : *s0, 0, n);
    int64_t e = std::clamp<int64_t>(*e0 < 0 ? *e0 + n : *e0, 0, n);
    node.setOutputElements(
        0,
        ArrayRef<OpFoldResult>(*data.elements)
            .slice(s, std::max<int64_t>(e - s, 0)),
        data.elementType, 1);
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
                          << " is not supported (only positive steps)";
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
  auto padded = tensor::PadOp::create(b, loc, RankedTensorType(), input, low, high);
  SmallVector<Type> argTypes(rank, b.getIndexType());
  SmallVector<Location> argLocs(rank, loc);
  OpBuilder::InsertionGuard guard(b);
  b.createBlock(&padded.getRegion(), {}, argTypes, argLocs);
  tensor::YieldOp::create(b, loc, padValue);
  node.setOutput(0, padded);
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

void mixer::onnx_import::populateTensorHandlers(OpRegistry &r) {
  StringRef d = kDefaultDomain;
  r.add(d, "Constant", 1, importConstant);
  r.add(d, "ConstantOfShape", 9, importConstantOfShape);
  r.add(d, "Identity", 1, importIdentity);
  r.add(d, "Shape", 1, importShape);
  r.add(d, "Size", 1, importSize);
  r.add(d, "Reshape", 5, importReshape);
  r.add(d, "Unsqueeze", 1, importUnsqueeze);
  r.add(d, "Squeeze", 1, importSqueeze);
  r.add(d, "Flatten", 1, importFlatten);
  r.add(d, "Transpose", 1, importTranspose);
  r.add(d, "Concat", 4, importConcat);
  r.add(d, "Expand", 8, importExpand);
  r.add(d, "Gather", 1, importGather);
  r.add(d, "Slice", 10, importSlice);
  r.add(d, "Split", 2, importSplit);
  r.add(d, "Range", 11, importRange);
  r.add(d, "Trilu", 14, importTrilu);
  r.add(d, "Pad", 11, importPad);
  r.add(d, "Tile", 6, importTile);
  r.add(d, "GatherElements", 11, importGatherElements);
  r.add(d, "ScatterND", 11, importScatterND);
}
