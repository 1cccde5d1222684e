//===- ShapeOps.cpp - ONNX constants, shapes and reshapes -----------------===//
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
  node.setOutputElements(0, elems, node.builder().getI64Type(), 1);
  return success();
}

static LogicalResult importSize(NodeImporter &node) {
  if (failed(node.checkNumInputs(1, 1)))
    return failure();
  OpBuilder &b = node.builder();
  OpFoldResult size = b.getIndexAttr(1);
  for (OpFoldResult d : getDims(b, node.loc(), node.input(0)))
    size = mulIndex(b, node.loc(), size, d);
  node.setOutputElements(0, {size}, node.builder().getI64Type(), 0);
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
  for (auto [d, size] : llvm::enumerate(getDims(b, loc, input))) {
    OpFoldResult &product = static_cast<int64_t>(d) < axis ? outer : inner;
    product = mulIndex(b, loc, product, size);
  }
  node.setOutput(0, reshapeTo(b, loc, input, {outer, inner}));
  return success();
}

void mixer::onnx_import::populateShapeHandlers(OpRegistry &r) {
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
}
