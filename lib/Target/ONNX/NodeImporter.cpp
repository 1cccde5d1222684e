//===- NodeImporter.cpp - Per-node import state ---------------------------===//

#include "GraphImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mixer::onnx_import;

//===----------------------------------------------------------------------===//
// OpRegistry
//===----------------------------------------------------------------------===//

static std::string registryKey(StringRef domain, StringRef opType) {
  return (domain + "::" + opType).str();
}

void OpRegistry::add(StringRef domain, StringRef opType, int sinceVersion,
                     OpHandlerFn fn) {
  auto &entries = handlers[registryKey(domain, opType)];
  entries.push_back({sinceVersion, fn});
  llvm::sort(entries, [](const Entry &a, const Entry &b) {
    return a.sinceVersion < b.sinceVersion;
  });
}

OpHandlerFn OpRegistry::lookup(StringRef domain, StringRef opType,
                               int64_t opset) const {
  auto it = handlers.find(registryKey(domain, opType));
  if (it == handlers.end())
    return nullptr;
  OpHandlerFn best = nullptr;
  for (const Entry &entry : it->second)
    if (entry.sinceVersion <= opset)
      best = entry.fn;
  return best;
}

std::optional<int> OpRegistry::firstVersion(StringRef domain,
                                            StringRef opType) const {
  auto it = handlers.find(registryKey(domain, opType));
  if (it == handlers.end())
    return std::nullopt;
  return it->second.front().sinceVersion;
}

SmallVector<std::string> OpRegistry::list() const {
  SmallVector<std::string> result;
  for (const auto &entry : handlers) {
    auto [domain, op] = entry.getKey().split("::");
    result.push_back((domain + ":" + op + "@" +
                      Twine(entry.getValue().front().sinceVersion))
                         .str());
  }
  llvm::sort(result);
  return result;
}

void mixer::onnx_import::populateAllHandlers(OpRegistry &registry) {
  populateMathHandlers(registry);
  populateContractionHandlers(registry);
  populateReductionHandlers(registry);
  populateShapeHandlers(registry);
  populateIndexingHandlers(registry);
  populateTensorHandlers(registry);
  populateNNHandlers(registry);
  populateTransformerHandlers(registry);
}

//===----------------------------------------------------------------------===//
// Element helpers
//===----------------------------------------------------------------------===//

Value mixer::onnx_import::toIndexValue(OpBuilder &b, Location loc,
                                       OpFoldResult ofr) {
  return getValueOrCreateConstantIndexOp(b, loc, ofr);
}

Value mixer::onnx_import::materializeElements(OpBuilder &b, Location loc,
                                              ArrayRef<OpFoldResult> elems,
                                              Type elementType, int64_t rank) {
  SmallVector<Value> scalars;
  for (OpFoldResult ofr : elems) {
    if (auto attr = dyn_cast<Attribute>(ofr)) {
      APInt v = cast<IntegerAttr>(attr).getValue();
      unsigned width = elementType.getIntOrFloatBitWidth();
      v = width == 1 ? APInt(1, !v.isZero()) : v.sextOrTrunc(width);
      scalars.push_back(arith::ConstantOp::create(
          b, loc, b.getIntegerAttr(elementType, v)));
      continue;
    }
    Value v = cast<Value>(ofr);
    if (v.getType() != elementType)
      v = arith::IndexCastOp::create(b, loc, elementType, v);
    scalars.push_back(v);
  }
  SmallVector<int64_t> shape;
  if (rank == 1)
    shape.push_back(elems.size());
  return tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get(shape, elementType), scalars);
}

//===----------------------------------------------------------------------===//
// NodeImporter
//===----------------------------------------------------------------------===//

NodeImporter::NodeImporter(GraphImporter &graph, const onnx::NodeProto &node,
                           Location loc, int64_t opset)
    : graph(graph), nodeProto(node), location(loc), opsetVersion(opset) {}

OpBuilder &NodeImporter::builder() { return graph.builder; }
MLIRContext *NodeImporter::context() { return graph.context; }

InFlightDiagnostic NodeImporter::error() {
  InFlightDiagnostic diag = emitError(location);
  // Unnamed nodes are called by their position, as in their location.
  auto name = cast<NameLoc>(cast<FusedLoc>(location).getLocations()[0]);
  diag << "ONNX node '" << name.getName().getValue() << "' ("
       << nodeProto.op_type() << "): ";
  return diag;
}

unsigned NodeImporter::numInputs() const {
  unsigned n = nodeProto.input_size();
  while (n > 0 && nodeProto.input(n - 1).empty())
    --n;
  return n;
}

bool NodeImporter::hasInput(unsigned i) const {
  return i < static_cast<unsigned>(nodeProto.input_size()) &&
         !nodeProto.input(i).empty();
}

LogicalResult NodeImporter::checkNumInputs(unsigned min, unsigned max) {
  unsigned n = numInputs();
  if (n >= min && n <= max)
    return success();
  InFlightDiagnostic diag = error();
  diag << "expects ";
  if (min == max)
    diag << min;
  else
    diag << min << " to " << max;
  diag << " inputs, got " << n;
  return failure();
}

Value NodeImporter::input(unsigned i) {
  return hasInput(i) ? graph.getTensor(nodeProto.input(i)) : Value();
}

Value NodeImporter::optionalInput(unsigned i) { return input(i); }

RankedTensorType NodeImporter::inputType(unsigned i) {
  Value v = input(i);
  return v ? cast<RankedTensorType>(v.getType()) : RankedTensorType();
}

Type NodeImporter::inputElementType(unsigned i) {
  const ImportedValue &v = inputValue(i);
  return v.tensor ? getElementTypeOrSelf(v.tensor.getType()) : v.elementType;
}

int64_t NodeImporter::inputRank(unsigned i) {
  const ImportedValue &v = inputValue(i);
  return v.tensor ? cast<RankedTensorType>(v.tensor.getType()).getRank()
                  : v.rank;
}

const ImportedValue &NodeImporter::inputValue(unsigned i) {
  return graph.values.find(nodeProto.input(i))->second;
}

std::optional<SmallVector<OpFoldResult>>
NodeImporter::inputElements(unsigned i) {
  if (!hasInput(i))
    return std::nullopt;
  const ImportedValue &value = inputValue(i);
  if (value.elements)
    return value.elements;
  DenseIntElementsAttr attr;
  if (!value.tensor || !matchPattern(value.tensor, m_Constant(&attr)) ||
      attr.getType().getRank() > 1)
    return std::nullopt;
  SmallVector<OpFoldResult> elems;
  for (const APInt &v : attr.getValues<APInt>())
    elems.push_back(builder().getI64IntegerAttr(v.getSExtValue()));
  return elems;
}

std::optional<SmallVector<int64_t>> NodeImporter::constantInts(unsigned i) {
  std::optional<SmallVector<OpFoldResult>> elems = inputElements(i);
  if (!elems)
    return std::nullopt;
  SmallVector<int64_t> ints;
  for (OpFoldResult ofr : *elems) {
    std::optional<int64_t> c = getConstantIntValue(ofr);
    if (!c)
      return std::nullopt;
    ints.push_back(*c);
  }
  return ints;
}

const onnx::AttributeProto *NodeImporter::attribute(StringRef name) const {
  for (const onnx::AttributeProto &attr : nodeProto.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t NodeImporter::intAttr(StringRef name, int64_t defaultValue) const {
  const onnx::AttributeProto *attr = attribute(name);
  return attr ? attr->i() : defaultValue;
}

float NodeImporter::floatAttr(StringRef name, float defaultValue) const {
  const onnx::AttributeProto *attr = attribute(name);
  return attr ? attr->f() : defaultValue;
}

std::string NodeImporter::stringAttr(StringRef name,
                                     StringRef defaultValue) const {
  const onnx::AttributeProto *attr = attribute(name);
  return attr ? attr->s() : defaultValue.str();
}

std::optional<SmallVector<int64_t>>
NodeImporter::intsAttr(StringRef name) const {
  const onnx::AttributeProto *attr = attribute(name);
  if (!attr)
    return std::nullopt;
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

LogicalResult NodeImporter::rejectAttr(StringRef name, StringRef why) {
  return error() << "attribute '" << name << "' is not supported: " << why;
}

unsigned NodeImporter::numOutputs() const { return nodeProto.output_size(); }

bool NodeImporter::outputUsed(unsigned i) const {
  return i < numOutputs() && !nodeProto.output(i).empty();
}

LogicalResult NodeImporter::rejectOutput(unsigned i, StringRef why) {
  if (!outputUsed(i))
    return success();
  return error() << "output " << i << " ('" << nodeProto.output(i)
                 << "') is not supported: " << why;
}

void NodeImporter::setOutput(unsigned i, Value value) {
  if (outputUsed(i))
    graph.values[nodeProto.output(i)] = ImportedValue{value};
}

void NodeImporter::setOutputElements(unsigned i, ArrayRef<OpFoldResult> elems,
                                     Type elementType, int64_t rank) {
  if (!outputUsed(i))
    return;
  ImportedValue value;
  value.elements = SmallVector<OpFoldResult>(elems);
  value.elementType = elementType;
  value.rank = rank;
  graph.values[nodeProto.output(i)] = std::move(value);
}

FailureOr<ElementsAttr>
NodeImporter::convertTensor(const onnx::TensorProto &tensor) {
  return graph.convertTensor(tensor, location);
}
