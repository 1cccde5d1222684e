//===- Utils.cpp - Helpers shared by the mixer rewrites -------------------===//

#include "Utils.h"

#include "mixer/Dialect/Mixer/IR/MixerOps.h"

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

Attribute mixer::foldGenericBody(
    linalg::GenericOp op, DenseMap<Value, Attribute> values,
    ArrayRef<int64_t> index,
    function_ref<Attribute(Operation &, ArrayRef<Attribute>)> rule) {
  MLIRContext *ctx = op.getContext();
  Block *body = op.getBody();
  auto lookup = [&](Value v) -> Attribute {
    if (Attribute a = values.lookup(v))
      return a;
    Attribute c;
    if (matchPattern(v, m_Constant(&c)))
      return c;
    return {};
  };
  // Values stay unknown (absent) where an operand is unknown or an op does
  // not fold; only the yielded value matters.
  for (Operation &bodyOp : body->without_terminator()) {
    if (auto indexOp = dyn_cast<linalg::IndexOp>(bodyOp)) {
      if (indexOp.getDim() < index.size())
        values[indexOp] = IntegerAttr::get(IndexType::get(ctx),
                                           index[indexOp.getDim()]);
      continue;
    }
    SmallVector<Attribute> operands =
        llvm::map_to_vector(bodyOp.getOperands(), lookup);
    if (rule && bodyOp.getNumResults() == 1)
      if (Attribute a = rule(bodyOp, operands)) {
        values[bodyOp.getResult(0)] = a;
        continue;
      }
    SmallVector<OpFoldResult> results;
    if (llvm::is_contained(operands, Attribute()) ||
        failed(bodyOp.fold(operands, results)) ||
        results.size() != bodyOp.getNumResults())
      continue;
    for (auto [result, folded] : llvm::zip(bodyOp.getResults(), results)) {
      Attribute a = dyn_cast<Attribute>(folded);
      if (!a)
        a = lookup(cast<Value>(folded));
      if (a)
        values[result] = a;
    }
  }
  return lookup(body->getTerminator()->getOperand(0));
}

//===----------------------------------------------------------------------===//
// ElementEvaluator
//===----------------------------------------------------------------------===//

namespace {

int64_t linearize(ArrayRef<int64_t> index, ArrayRef<int64_t> shape) {
  int64_t linear = 0;
  for (auto [i, size] : llvm::zip_equal(index, shape))
    linear = linear * size + i;
  return linear;
}

SmallVector<int64_t> delinearize(int64_t linear, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> index(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    index[d] = linear % shape[d];
    linear /= shape[d];
  }
  return index;
}

/// The element at `linear` of a constant: dense, or an f32 resource blob.
Attribute constantElement(ElementsAttr attr, int64_t linear) {
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense.isSplat() ? dense.getSplatValue<Attribute>()
                           : dense.getValues<Attribute>()[linear];
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    Type element = attr.getElementType();
    ArrayRef<char> bytes = resource.getData();
    if (!element.isF32() ||
        bytes.size() != static_cast<size_t>(attr.getNumElements()) * 4)
      return {};
    float value;
    std::memcpy(&value, bytes.data() + linear * 4, 4);
    return FloatAttr::get(element, value);
  }
  return {};
}

} // namespace

Attribute mixer::ElementEvaluator::at(Value value, ArrayRef<int64_t> index) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape() || depth > 32)
    return {};
  Operation *def = value.getDefiningOp();
  if (!def)
    return {};
  struct DepthGuard {
    unsigned &depth;
    ~DepthGuard() { --depth; }
  } guard{++depth};

  if (isa<arith::ConstantOp>(def)) {
    ElementsAttr &attr = constants[value];
    if (!attr && !matchPattern(value, m_Constant(&attr)))
      return {};
    return constantElement(attr, linearize(index, type.getShape()));
  }
  if (auto fill = dyn_cast<linalg::FillOp>(def)) {
    Attribute scalar;
    if (!matchPattern(fill.getInputs()[0], m_Constant(&scalar)))
      return {};
    return scalar;
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(def)) {
    if (slice.getSourceType().getRank() != type.getRank() ||
        slice.getSourceType().getNumDynamicDims() != 0)
      return {};
    SmallVector<int64_t> source;
    for (auto [i, offset, stride] :
         llvm::zip_equal(index, slice.getStaticOffsets(),
                         slice.getStaticStrides())) {
      if (ShapedType::isDynamic(offset) || ShapedType::isDynamic(stride))
        return {};
      source.push_back(offset + i * stride);
    }
    return at(slice.getSource(), source);
  }
  if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::ReshapeOp,
          tensor::CastOp>(def)) {
    auto sourceTy = dyn_cast<RankedTensorType>(def->getOperand(0).getType());
    if (!sourceTy || !sourceTy.hasStaticShape())
      return {};
    return at(def->getOperand(0),
              delinearize(linearize(index, type.getShape()),
                          sourceTy.getShape()));
  }
  auto generic = dyn_cast<linalg::GenericOp>(def);
  if (!generic || generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity())
    return {};
  MLIRContext *ctx = def->getContext();
  Block *body = generic.getBody();
  DenseMap<Value, Attribute> values;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(input);
    SmallVector<int64_t> inputIndex;
    for (AffineExpr expr : map.getResults()) {
      SmallVector<AffineExpr> dims;
      for (int64_t i : index)
        dims.push_back(getAffineConstantExpr(i, ctx));
      auto folded =
          dyn_cast<AffineConstantExpr>(expr.replaceDims(dims));
      if (!folded)
        return {};
      inputIndex.push_back(folded.getValue());
    }
    Value in = input->get();
    Attribute element;
    if (isa<RankedTensorType>(in.getType()))
      element = at(in, inputIndex);
    else
      matchPattern(in, m_Constant(&element));
    if (!element)
      return {};
    values[body->getArgument(input->getOperandNumber())] = element;
  }
  return foldGenericBody(generic, std::move(values), index);
}

bool mixer::isFreshInit(Operation *op, unsigned number) {
  auto dps = dyn_cast<DestinationStyleOpInterface>(op);
  if (!dps || !dps.isDpsInit(&op->getOpOperand(number)))
    return false;
  Operation *def = op->getOperand(number).getDefiningOp();
  if (auto fill = dyn_cast_if_present<linalg::FillOp>(def))
    return fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>() != nullptr;
  return isa_and_present<tensor::EmptyOp>(def);
}

std::optional<int64_t> mixer::getNormalizedAxis(Operation *op) {
  if (auto norm = dyn_cast<LayerNormOp>(op))
    return norm.getNormalizedAxis();
  if (auto norm = dyn_cast<RMSNormOp>(op))
    return norm.getNormalizedAxis();
  if (auto norm = dyn_cast<CompressedRMSNormOp>(op))
    return norm.getNormalizedAxis();
  return std::nullopt;
}
