//===- ImportONNX.cpp - ONNX ModelProto -> MLIR ---------------------------===//
//
// Model- and graph-level import: opsets, inputs, initializers (weights as
// dense resources), the node loop and the outputs. Per-op handlers live in
// the *Ops.cpp files of this folder.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "mixer/Dialect/Mixer/IR/MixerDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <google/protobuf/io/coded_stream.h>

#include <climits>
#include <cstdio>
#include <unistd.h>
#include <map>
#include <set>

using namespace mlir;
using namespace mixer;
using namespace mixer::onnx_import;

/// The newest opset of each domain this importer knows. Between opsets 24
/// and 28 the handled ops changed only by accepting new element types (which
/// are refused here), except Attention's window sizes (refused when set) and
/// Range's stash_type (a precision hint); checked against onnx 1.23's schemas.
static constexpr int64_t kNewestDefaultOpset = 28;
static constexpr int64_t kNewestMicrosoftOpset = 1;
static constexpr int64_t kNewestMixerOpset = 1;
/// Tensors up to this many elements stay inline (shape constants and the
/// like, which later folds read); larger ones become dense resources.
static constexpr int64_t kInlineElementLimit = 64;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

Type onnx_import::convertElementType(MLIRContext *context, int32_t dataType) {
  Builder b(context);
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getI32Type();
  case onnx::TensorProto::INT64:
    return b.getI64Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    // Unsigned, complex, string and 8-bit float types are not imported:
    // transformer graphs do not need them, and signless arithmetic would
    // silently misread unsigned values.
    return nullptr;
  }
}

std::string onnx_import::dataTypeName(int32_t dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  return "data type " + std::to_string(dataType);
}

static int64_t elementBytes(Type type) {
  return type.isInteger(1) ? 1 : type.getIntOrFloatBitWidth() / 8;
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

/// A third of the physical memory (see ONNXImportOptions::maxWeightBytes).
static uint64_t defaultMaxWeightBytes() {
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0)
    return UINT64_MAX;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(pageSize) / 3;
}

GraphImporter::GraphImporter(MLIRContext *context, StringRef filename,
                             const ONNXImportOptions &options)
    : context(context), builder(context),
      weightLimit(options.maxWeightBytes ? options.maxWeightBytes
                                         : defaultMaxWeightBytes()),
      filename(filename.str()), options(options) {
  populateAllHandlers(registry);
}

static std::string canonicalDomain(StringRef domain) {
  return domain.empty() ? kDefaultDomain.str() : domain.str();
}

LogicalResult GraphImporter::readOpsets(const onnx::ModelProto &model) {
  Location loc = FileLineColLoc::get(context, filename, 0, 0);
  for (const onnx::OperatorSetIdProto &opset : model.opset_import())
    opsets[canonicalDomain(opset.domain())] = opset.version();
  auto it = opsets.find(kDefaultDomain);
  if (it == opsets.end())
    return emitError(loc) << "the model imports no ai.onnx opset "
                             "(opset_import lacks the default domain)";
  if (it->second < 1 || it->second > kNewestDefaultOpset)
    return emitError(loc) << "unknown opset: ai.onnx version " << it->second
                          << " (this importer knows versions 1 to "
                          << kNewestDefaultOpset << ")";
  auto ms = opsets.find(kMicrosoftDomain);
  if (ms != opsets.end() && ms->second > kNewestMicrosoftOpset)
    return emitError(loc) << "unknown opset: com.microsoft version "
                          << ms->second << " (this importer knows version "
                          << kNewestMicrosoftOpset << ")";
  auto mx = opsets.find(kMixerDomain);
  if (mx != opsets.end() && mx->second > kNewestMixerOpset)
    return emitError(loc) << "unknown opset: ai.mixer version " << mx->second
                          << " (this importer knows version "
                          << kNewestMixerOpset << ")";
  return success();
}

Location GraphImporter::nodeLocation(const onnx::NodeProto &node, int index) {
  std::string name = node.name().empty()
                         ? "#" + std::to_string(index) + " " + node.op_type()
                         : node.name();
  return FusedLoc::get(context, {NameLoc::get(StringAttr::get(context, name))},
                       StringAttr::get(context, node.op_type()));
}

LogicalResult
GraphImporter::checkAllNodesSupported(const onnx::GraphProto &graph) {
  // Op -> (number of nodes, first node), in order of first appearance.
  struct Use {
    int count = 0;
    std::string firstNode;
    std::string reason;
    int order;
  };
  std::map<std::string, Use> unsupported;
  // Nodes to check: the graph's, and the bodies of the local functions it
  // calls (transitively, each function once).
  SmallVector<const onnx::NodeProto *> work;
  for (const onnx::NodeProto &node : graph.node())
    work.push_back(&node);
  std::set<const onnx::FunctionProto *> seen;
  for (size_t w = 0; w < work.size(); ++w) {
    if (const onnx::FunctionProto *f = findFunction(*work[w]))
      if (seen.insert(f).second)
        for (const onnx::NodeProto &body : f->node())
          work.push_back(&body);
  }
  for (auto [index, nodePtr] : llvm::enumerate(work)) {
    const onnx::NodeProto &node = *nodePtr;
    if (findFunction(node))
      continue;
    std::string domain = canonicalDomain(node.domain());
    std::string key = domain == kDefaultDomain
                          ? node.op_type()
                          : domain + ":" + node.op_type();
    auto opset = opsets.find(domain);
    std::string reason;
    if (opset == opsets.end()) {
      reason = "the model imports no opset of domain '" + domain + "'";
    } else if (!registry.lookup(domain, node.op_type(), opset->second)) {
      std::optional<int> first = registry.firstVersion(domain, node.op_type());
      if (first)
        reason = "supported from opset " + std::to_string(*first) +
                 ", the model uses " + std::to_string(opset->second);
    } else {
      continue;
    }
    auto [it, inserted] = unsupported.try_emplace(key);
    if (inserted) {
      it->second.firstNode = node.name().empty()
                                 ? "#" + std::to_string(index)
                                 : node.name();
      it->second.reason = reason;
      it->second.order = unsupported.size();
    }
    ++it->second.count;
  }
  if (unsupported.empty())
    return success();

  SmallVector<std::pair<std::string, Use>> ordered(unsupported.begin(),
                                                   unsupported.end());
  llvm::sort(ordered, [](auto &a, auto &b) {
    return a.second.order < b.second.order;
  });
  InFlightDiagnostic diag =
      emitError(FileLineColLoc::get(context, filename, 0, 0))
      << "the model uses " << ordered.size() << " unsupported ONNX op"
      << (ordered.size() == 1 ? "" : "s") << ": ";
  llvm::interleaveComma(ordered, diag, [&](auto &entry) {
    const Use &use = entry.second;
    diag << entry.first << " (" << use.count << " node"
         << (use.count == 1 ? "" : "s") << ", first '" << use.firstNode
         << "'";
    if (!use.reason.empty())
      diag << "; " << use.reason;
    diag << ")";
  });
  return failure();
}

FailureOr<RankedTensorType>
GraphImporter::convertValueInfo(const onnx::ValueInfoProto &info, Location loc,
                                bool isInput) {
  StringRef kind = isInput ? "graph input" : "graph output";
  if (!info.type().has_tensor_type())
    return emitError(loc) << kind << " '" << info.name()
                          << "' is not a tensor (sequences, maps and "
                             "optionals are not supported)";
  const onnx::TypeProto::Tensor &tensorType = info.type().tensor_type();
  Type element = convertElementType(context, tensorType.elem_type());
  if (!element)
    return emitError(loc) << kind << " '" << info.name()
                          << "' has unsupported element type "
                          << dataTypeName(tensorType.elem_type());

  const llvm::SmallVector<int64_t> *given = nullptr;
  auto it = options.inputShapes.find(info.name());
  if (isInput && it != options.inputShapes.end())
    given = &it->second;
  if (!tensorType.has_shape()) {
    if (!given)
      return emitError(loc)
             << kind << " '" << info.name()
             << "' has no shape (unknown rank); give one with --input-shape "
             << info.name() << "=...";
    return RankedTensorType::get(*given, element);
  }
  SmallVector<int64_t> shape;
  for (const onnx::TensorShapeProto::Dimension &dim :
       tensorType.shape().dim())
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                        ? dim.dim_value()
                        : ShapedType::kDynamic);
  if (given) {
    if (given->size() != shape.size())
      return emitError(loc) << "--input-shape for '" << info.name()
                            << "' has rank " << given->size()
                            << ", but the model's input has rank "
                            << shape.size();
    for (auto [i, dims] : llvm::enumerate(llvm::zip(shape, *given))) {
      auto [model, user] = dims;
      if (!ShapedType::isDynamic(model) && !ShapedType::isDynamic(user) &&
          model != user)
        return emitError(loc) << "--input-shape for '" << info.name()
                              << "' gives dim " << i << " = " << user
                              << ", but the model fixes it to " << model;
      if (!ShapedType::isDynamic(user))
        shape[i] = user;
    }
  }
  return RankedTensorType::get(shape, element);
}

/// "1.5 GiB", "16 KiB", "12 bytes".
static std::string formatBytes(uint64_t bytes) {
  const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  unsigned unit = 0;
  while (unit < 4 && bytes >> (10 * (unit + 1)))
    ++unit;
  double value = static_cast<double>(bytes) / static_cast<double>(1ull << (10 * unit));
  bool exact = bytes % (1ull << (10 * unit)) == 0;
  char text[32];
  std::snprintf(text, sizeof(text), exact ? "%.0f %s" : "%.1f %s", value,
                units[unit]);
  return text;
}

FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
GraphImporter::readExternalData(const onnx::TensorProto &tensor,
                                int64_t expectedBytes, Location loc) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" &&
             !llvm::to_integer(entry.value(), offset))
      offset = -1;
    else if (entry.key() == "length" &&
             !llvm::to_integer(entry.value(), length))
      length = -2;
  }
  if (location.empty())
    return emitError(loc) << "tensor '" << tensor.name()
                          << "' has external data without a location";
  if (offset < 0 || length < -1)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "' has an invalid external-data offset or length";
  if (llvm::sys::path::is_absolute(location) ||
      llvm::is_contained(llvm::make_range(llvm::sys::path::begin(location),
                                          llvm::sys::path::end(location)),
                         ".."))
    return emitError(loc) << "external data location '" << location
                          << "' of tensor '" << tensor.name()
                          << "' leaves the model's directory";
  SmallString<256> path(options.externalDataDir.empty()
                            ? llvm::sys::path::parent_path(filename)
                            : StringRef(options.externalDataDir));
  llvm::sys::path::append(path, location);
  if (length == -1)
    length = expectedBytes;
  if (length != expectedBytes)
    return emitError(loc) << "external data of tensor '" << tensor.name()
                          << "' has " << length << " bytes, its shape needs "
                          << expectedBytes;
  auto buffer = llvm::MemoryBuffer::getFileSlice(path, length, offset,
                                                 /*IsVolatile=*/false);
  if (!buffer)
    return emitError(loc) << "cannot read external data '" << path
                          << "' of tensor '" << tensor.name()
                          << "': " << buffer.getError().message();
  if (static_cast<int64_t>((*buffer)->getBufferSize()) != length)
    return emitError(loc) << "external data file '" << path
                          << "' is too short for tensor '" << tensor.name()
                          << "'";
  return std::move(*buffer);
}

/// Appends the little-endian bytes of `values` to `out`.
template <typename To, typename Container>
static void appendAs(std::string &out, const Container &values) {
  for (auto v : values) {
    To converted = static_cast<To>(v);
    out.append(reinterpret_cast<const char *>(&converted), sizeof(To));
  }
}

FailureOr<ElementsAttr>
GraphImporter::convertTensor(const onnx::TensorProto &tensor, Location loc) {
  Type element = convertElementType(context, tensor.data_type());
  if (!element)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "' has unsupported data type "
                          << dataTypeName(tensor.data_type());
  SmallVector<int64_t> shape;
  int64_t numElements = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0 || (dim > 0 && numElements > INT64_MAX / 16 / dim))
      return emitError(loc) << "tensor '" << tensor.name()
                            << "' has an invalid shape";
    shape.push_back(dim);
    numElements *= dim;
  }
  auto type = RankedTensorType::get(shape, element);
  int64_t bytes = numElements * elementBytes(element);
  weightBytes += bytes;
  if (weightBytes > weightLimit)
    return emitError(loc)
           << "the model's weights exceed "
           << (options.maxWeightBytes ? "the limit of " : "the default limit of ")
           << formatBytes(weightLimit) << " at tensor '" << tensor.name()
           << "' ("
           << formatBytes(weightBytes) << " so far)"
           << (options.maxWeightBytes
                   ? std::string(" set by --max-weight-size")
                   : " (a third of this machine's " +
                         formatBytes(3 * weightLimit) +
                         " of memory: compiling holds the weights about "
                         "three times); --max-weight-size raises it");

  std::unique_ptr<llvm::MemoryBuffer> external;
  std::string converted;
  ArrayRef<char> raw;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    auto buffer = readExternalData(tensor, bytes, loc);
    if (failed(buffer))
      return failure();
    external = std::move(*buffer);
    raw = ArrayRef<char>(external->getBufferStart(), external->getBufferSize());
  } else if (tensor.has_raw_data()) {
    raw = ArrayRef<char>(tensor.raw_data().data(), tensor.raw_data().size());
  } else {
    // Typed fields, as the ONNX schema assigns them per data type.
    switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT:
      appendAs<float>(converted, tensor.float_data());
      break;
    case onnx::TensorProto::DOUBLE:
      appendAs<double>(converted, tensor.double_data());
      break;
    case onnx::TensorProto::INT64:
      appendAs<int64_t>(converted, tensor.int64_data());
      break;
    case onnx::TensorProto::INT32:
      appendAs<int32_t>(converted, tensor.int32_data());
      break;
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
      appendAs<uint16_t>(converted, tensor.int32_data());
      break;
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::BOOL:
      appendAs<uint8_t>(converted, tensor.int32_data());
      break;
    default:
      break;
    }
    raw = ArrayRef<char>(converted.data(), converted.size());
  }
  if (static_cast<int64_t>(raw.size()) != bytes)
    return emitError(loc) << "tensor '" << tensor.name() << "' holds "
                          << raw.size() << " bytes of data, its shape "
                          << "needs " << bytes;

  if (element.isInteger(1)) {
    SmallVector<bool> bools(llvm::map_range(raw, [](char c) { return c != 0; }));
    return cast<ElementsAttr>(DenseElementsAttr::get(type, bools));
  }
  if (numElements <= kInlineElementLimit)
    return cast<ElementsAttr>(DenseElementsAttr::getFromRawBuffer(type, raw));

  std::string blobName = tensor.name().empty()
                             ? "onnx_tensor_" + std::to_string(resourceCount++)
                             : tensor.name();
  size_t align = elementBytes(element);
  AsmResourceBlob blob;
  if (external && reinterpret_cast<uintptr_t>(raw.data()) % align == 0) {
    // Zero-copy: the blob keeps the mapped file alive.
    std::shared_ptr<llvm::MemoryBuffer> owner = std::move(external);
    blob = AsmResourceBlob(
        raw, align, [owner](void *, size_t, size_t) mutable { owner.reset(); },
        /*dataIsMutable=*/false);
  } else {
    blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(raw, align);
  }
  return cast<ElementsAttr>(
      DenseResourceElementsAttr::get(type, blobName, std::move(blob)));
}

const onnx::FunctionProto *
GraphImporter::findFunction(const onnx::NodeProto &node) const {
  auto it = functions.find(canonicalDomain(node.domain()) + "::" +
                           node.op_type());
  return it == functions.end() ? nullptr : it->second;
}

LogicalResult GraphImporter::importNodes(
    const google::protobuf::RepeatedPtrField<onnx::NodeProto> &nodes,
    unsigned depth) {
  for (auto [index, node] : llvm::enumerate(nodes))
    if (failed(importNode(node, index, depth)))
      return failure();
  return success();
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node, int index,
                                        unsigned depth) {
  std::string domain = canonicalDomain(node.domain());
  int64_t opset = opsets.lookup(domain);
  Location loc = nodeLocation(node, index);
  NodeImporter importer(*this, node, loc, opset);
  for (unsigned i = 0, e = importer.numInputs(); i < e; ++i) {
    if (importer.hasInput(i) && !values.count(node.input(i)))
      return importer.error() << "input " << i << " ('" << node.input(i)
                              << "') is not produced by any earlier node, "
                                 "input or initializer";
  }
  if (const onnx::FunctionProto *function = findFunction(node))
    return inlineFunction(node, *function, index, depth);
  OpHandlerFn handler = registry.lookup(domain, node.op_type(), opset);
  if (failed(handler(importer)))
    return failure();
  for (unsigned i = 0, e = importer.numOutputs(); i < e; ++i) {
    if (importer.outputUsed(i) && !values.count(node.output(i)))
      return importer.error() << "the importer produced no value for output "
                              << i << " ('" << node.output(i) << "')";
  }
  return success();
}

/// Inlines a call of a model-local function: the body's nodes are imported
/// with the function's inputs and outputs renamed to the call's, its
/// internal values prefixed with the call's name, and attribute references
/// (ref_attr_name) resolved from the call's attributes. Body nodes use the
/// model's opsets.
LogicalResult GraphImporter::inlineFunction(const onnx::NodeProto &call,
                                            const onnx::FunctionProto &function,
                                            int index, unsigned depth) {
  Location loc = nodeLocation(call, index);
  if (depth >= 16)
    return emitError(loc) << "model-local function '" << function.name()
                          << "' nests 16 calls deep (recursive?)";
  std::string prefix =
      (call.name().empty() ? "#" + std::to_string(index) + " " + call.op_type()
                           : call.name()) +
      "/";
  std::map<std::string, std::string> renamed;
  for (int i = 0; i < function.input_size(); ++i)
    renamed[function.input(i)] = i < call.input_size() ? call.input(i) : "";
  for (int i = 0; i < function.output_size(); ++i)
    renamed[function.output(i)] = i < call.output_size() ? call.output(i) : "";
  auto rename = [&](const std::string &name) -> std::string {
    if (name.empty())
      return name;
    auto it = renamed.find(name);
    return it != renamed.end() ? it->second : prefix + name;
  };
  google::protobuf::RepeatedPtrField<onnx::NodeProto> body;
  for (const onnx::NodeProto &original : function.node()) {
    onnx::NodeProto node = original;
    node.set_name(prefix + original.name());
    for (std::string &input : *node.mutable_input())
      input = rename(input);
    for (std::string &output : *node.mutable_output())
      output = rename(output);
    node.clear_attribute();
    for (const onnx::AttributeProto &attr : original.attribute()) {
      if (attr.ref_attr_name().empty()) {
        *node.add_attribute() = attr;
        continue;
      }
      for (const onnx::AttributeProto &given : call.attribute()) {
        if (given.name() == attr.ref_attr_name()) {
          onnx::AttributeProto *copy = node.add_attribute();
          *copy = given;
          copy->set_name(attr.name());
        }
      }
    }
    *body.Add() = std::move(node);
  }
  // NodeImporter keeps references to the nodes: keep them alive.
  inlinedBodies.push_back(std::move(body));
  return importNodes(inlinedBodies.back(), depth + 1);
}

Value GraphImporter::getTensor(StringRef name) {
  auto it = values.find(name);
  if (it == values.end())
    return nullptr;
  ImportedValue &value = it->second;
  if (!value.tensor && value.elements)
    value.tensor = materializeElements(builder, NameLoc::get(builder.getStringAttr(name)),
                                       *value.elements, value.elementType,
                                       value.rank);
  return value.tensor;
}

OwningOpRef<ModuleOp>
GraphImporter::importModel(const onnx::ModelProto &model) {
  Location fileLoc = FileLineColLoc::get(context, filename, 0, 0);
  if (failed(readOpsets(model)))
    return nullptr;
  if (!model.has_graph()) {
    emitError(fileLoc) << "the model has no graph";
    return nullptr;
  }
  const onnx::GraphProto &graph = model.graph();
  if (graph.sparse_initializer_size() > 0) {
    emitError(fileLoc) << "sparse initializers are not supported";
    return nullptr;
  }
  for (const onnx::FunctionProto &function : model.functions())
    functions[canonicalDomain(function.domain()) + "::" + function.name()] =
        &function;
  if (failed(checkAllNodesSupported(graph)))
    return nullptr;

  llvm::StringSet<> initializers;
  for (const onnx::TensorProto &init : graph.initializer())
    initializers.insert(init.name());
  llvm::StringSet<> inputNames;
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    inputNames.insert(input.name());
    if (initializers.contains(input.name()))
      continue;
    FailureOr<RankedTensorType> type = convertValueInfo(
        input, NameLoc::get(StringAttr::get(context, input.name()), fileLoc),
        /*isInput=*/true);
    if (failed(type))
      return nullptr;
    argTypes.push_back(*type);
    argNames.push_back(input.name());
  }
  for (const auto &entry : options.inputShapes) {
    if (!inputNames.contains(entry.getKey())) {
      emitError(fileLoc) << "--input-shape names '" << entry.getKey()
                         << "', which is not an input of the model (inputs: "
                         << llvm::join(argNames, ", ") << ")";
      return nullptr;
    }
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, fileLoc, "main",
                                   builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  for (auto [i, name] : llvm::enumerate(argNames)) {
    func.setArgAttr(i, "onnx.name", builder.getStringAttr(name));
    values[name] = ImportedValue{entry->getArgument(i)};
  }

  for (const onnx::TensorProto &init : graph.initializer()) {
    Location loc = NameLoc::get(StringAttr::get(context, init.name()), fileLoc);
    FailureOr<ElementsAttr> attr = convertTensor(init, loc);
    if (failed(attr))
      return nullptr;
    values[init.name()] = ImportedValue{
        arith::ConstantOp::create(builder, loc, cast<TypedAttr>(*attr))};
  }

  if (failed(importNodes(graph.node(), /*depth=*/0)))
    return nullptr;

  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    Value value = getTensor(output.name());
    if (!value) {
      emitError(fileLoc) << "graph output '" << output.name()
                         << "' is not produced by any node";
      return nullptr;
    }
    results.push_back(value);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setType(builder.getFunctionType(argTypes, TypeRange(results)));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "onnx.name", builder.getStringAttr(output.name()));

  if (failed(verify(*module)))
    return nullptr;
  return module;
}

//===----------------------------------------------------------------------===//
// Public entry points
//===----------------------------------------------------------------------===//

std::optional<std::string> mixer::parseInputShape(StringRef spec,
                                                  ONNXImportOptions &options) {
  auto [name, dims] = spec.rsplit('=');
  if (name.empty() || dims.empty() || !spec.contains('='))
    return "--input-shape '" + spec.str() + "' is not of the form name=1x128";
  SmallVector<int64_t> shape;
  SmallVector<StringRef> parts;
  dims.split(parts, 'x');
  for (StringRef part : parts) {
    int64_t dim;
    if (part == "?")
      shape.push_back(ShapedType::kDynamic);
    else if (!part.getAsInteger(10, dim) && dim >= 0)
      shape.push_back(dim);
    else
      return "--input-shape '" + spec.str() + "': '" + part.str() +
             "' is not a dimension (a number or ?)";
  }
  options.inputShapes[name] = shape;
  return std::nullopt;
}

std::optional<std::string>
mixer::parseMaxWeightSize(StringRef spec, ONNXImportOptions &options) {
  StringRef digits = spec;
  uint64_t scale = 1;
  if (!digits.empty()) {
    switch (llvm::toUpper(digits.back())) {
    case 'K': scale = 1ull << 10; break;
    case 'M': scale = 1ull << 20; break;
    case 'G': scale = 1ull << 30; break;
    case 'T': scale = 1ull << 40; break;
    default: break;
    }
    if (scale != 1)
      digits = digits.drop_back();
  }
  uint64_t value;
  if (digits.getAsInteger(10, value) || value == 0 ||
      value > UINT64_MAX / scale)
    return "--max-weight-size='" + spec.str() +
           "' is not a positive size (bytes, or with a K, M, G or T suffix)";
  options.maxWeightBytes = value * scale;
  return std::nullopt;
}

OwningOpRef<ModuleOp> mixer::importONNXModel(StringRef bytes,
                                             StringRef filename,
                                             MLIRContext *context,
                                             const ONNXImportOptions &options) {
  context->loadDialect<MixerDialect, func::FuncDialect, arith::ArithDialect,
                       tensor::TensorDialect, linalg::LinalgDialect,
                       math::MathDialect>();
  Location fileLoc = FileLineColLoc::get(context, filename, 0, 0);
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    emitError(fileLoc) << "the model file is over 2 GB: ONNX keeps the "
                          "weights of such models in external data files";
    return nullptr;
  }
  onnx::ModelProto model;
  google::protobuf::io::CodedInputStream stream(
      reinterpret_cast<const uint8_t *>(bytes.data()),
      static_cast<int>(bytes.size()));
  stream.SetTotalBytesLimit(INT_MAX);
  if (!model.ParseFromCodedStream(&stream) ||
      !stream.ConsumedEntireMessage()) {
    emitError(fileLoc) << "not a valid ONNX model: the protobuf does not "
                          "parse (truncated or not an ONNX file)";
    return nullptr;
  }
  GraphImporter importer(context, filename, options);
  return importer.importModel(model);
}

SmallVector<std::string> mixer::getSupportedONNXOps() {
  onnx_import::OpRegistry registry;
  populateAllHandlers(registry);
  return registry.list();
}

void mixer::registerImportONNXTranslation() {
  static llvm::cl::list<std::string> inputShapes(
      "input-shape",
      llvm::cl::desc("With --import-onnx: specialize an input's dims "
                     "(name=1x128, ? keeps a dim dynamic)"),
      llvm::cl::value_desc("name=dims"));
  static llvm::cl::opt<std::string> externalDataDir(
      "external-data-dir",
      llvm::cl::desc("With --import-onnx: where external weight files are "
                     "(default: next to the model)"),
      llvm::cl::init(""));
  static llvm::cl::opt<std::string> maxWeightSize(
      "max-weight-size",
      llvm::cl::desc("With --import-onnx: refuse models whose weights exceed "
                     "this size (e.g. 8G; default: a third of the memory)"),
      llvm::cl::init(""));
  static TranslateToMLIRRegistration registration(
      "import-onnx", "import an ONNX model (.onnx) into Mixer's input IR",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        ONNXImportOptions options;
        options.externalDataDir = externalDataDir;
        if (!maxWeightSize.empty())
          if (std::optional<std::string> error =
                  parseMaxWeightSize(maxWeightSize, options)) {
            emitError(UnknownLoc::get(context)) << *error;
            return nullptr;
          }
        for (const std::string &spec : inputShapes) {
          if (std::optional<std::string> error =
                  parseInputShape(spec, options)) {
            emitError(UnknownLoc::get(context)) << *error;
            return nullptr;
          }
        }
        return importONNXModel(buffer->getBuffer(),
                               buffer->getBufferIdentifier(), context, options);
      },
      [](DialectRegistry &registry) {
        registry.insert<MixerDialect, func::FuncDialect, arith::ArithDialect,
                        tensor::TensorDialect, linalg::LinalgDialect,
                        math::MathDialect>();
      });
}
