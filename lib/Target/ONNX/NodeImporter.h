//===- NodeImporter.h - Per-node import state (private) ---------*- C++ -*-===//
//
// The state that ONNX op handlers see: the node, its inputs as MLIR values,
// its attributes, a builder at the node's location, and ways to publish the
// node's outputs. Handlers are free functions registered in an OpRegistry by
// op type and first opset, grouped by meaning: math (MathOps, ContractionOps,
// ReductionOps), tensor (ShapeOps, IndexingOps, TensorOps), NNOps and
// TransformerOps.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_LIB_TARGET_ONNX_NODEIMPORTER_H
#define MIXER_LIB_TARGET_ONNX_NODEIMPORTER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/StringMap.h"

#include "onnx/onnx_pb.h"

#include <optional>

namespace mixer::onnx_import {

/// A value of the ONNX graph once imported. Small integer tensors computed
/// from shapes (Shape, Gather, Concat, ...) also keep their elements, each a
/// constant or an `index` value, so that the ops consuming them (Reshape,
/// Expand, Slice, ...) see through the shape arithmetic; their tensor is then
/// only built if something else reads it.
struct ImportedValue {
  ImportedValue() = default;
  explicit ImportedValue(mlir::Value tensor) : tensor(tensor) {}

  mlir::Value tensor;
  std::optional<llvm::SmallVector<mlir::OpFoldResult>> elements;
  /// For values known only by their elements: element type and rank (0 or 1).
  mlir::Type elementType;
  int64_t rank = 1;
};

class GraphImporter;
class NodeImporter;

/// A handler imports one node; it reports its own errors.
using OpHandlerFn = mlir::LogicalResult (*)(NodeImporter &);

/// Handlers by (domain, op type), each valid from an opset version on.
class OpRegistry {
public:
  void add(llvm::StringRef domain, llvm::StringRef opType, int sinceVersion,
           OpHandlerFn fn);
  /// The handler for the newest `sinceVersion <= opset`, or null.
  OpHandlerFn lookup(llvm::StringRef domain, llvm::StringRef opType,
                     int64_t opset) const;
  /// The first opset the importer handles `opType` at, or nullopt.
  std::optional<int> firstVersion(llvm::StringRef domain,
                                  llvm::StringRef opType) const;
  /// `domain:OpType@version` for every registered handler.
  llvm::SmallVector<std::string> list() const;

private:
  struct Entry {
    int sinceVersion;
    OpHandlerFn fn;
  };
  llvm::StringMap<llvm::SmallVector<Entry, 2>> handlers;
};

void populateMathHandlers(OpRegistry &registry);
void populateContractionHandlers(OpRegistry &registry);
void populateReductionHandlers(OpRegistry &registry);
void populateTensorHandlers(OpRegistry &registry);
void populateShapeHandlers(OpRegistry &registry);
void populateIndexingHandlers(OpRegistry &registry);
void populateNNHandlers(OpRegistry &registry);
void populateTransformerHandlers(OpRegistry &registry);
/// Every family above.
void populateAllHandlers(OpRegistry &registry);

/// The default ONNX domain ("" and "ai.onnx" are the same domain).
inline constexpr llvm::StringLiteral kDefaultDomain = "ai.onnx";
inline constexpr llvm::StringLiteral kMicrosoftDomain = "com.microsoft";
/// Mixer's own ops (docs/ONNXMixerDomain.md), e.g. SelectiveScan.
inline constexpr llvm::StringLiteral kMixerDomain = "ai.mixer";

/// Maps an ONNX TensorProto data type to an MLIR element type, or null.
mlir::Type convertElementType(mlir::MLIRContext *context, int32_t dataType);
/// A readable name of an ONNX data type, for diagnostics.
std::string dataTypeName(int32_t dataType);

/// The per-node view handed to op handlers.
class NodeImporter {
public:
  NodeImporter(GraphImporter &graph, const onnx::NodeProto &node,
               mlir::Location loc, int64_t opset);

  const onnx::NodeProto &node() const { return nodeProto; }
  llvm::StringRef opType() const { return nodeProto.op_type(); }
  int64_t opset() const { return opsetVersion; }
  mlir::Location loc() const { return location; }
  mlir::OpBuilder &builder();
  mlir::MLIRContext *context();

  /// An error at the node, prefixed with its name and op type.
  mlir::InFlightDiagnostic error();

  //===--- Inputs ---------------------------------------------------------===//
  /// Inputs as ONNX counts them: trailing empty names are absent.
  unsigned numInputs() const;
  bool hasInput(unsigned i) const;
  /// Checks the number of inputs is in [min, max] (and reports otherwise).
  mlir::LogicalResult checkNumInputs(unsigned min, unsigned max);
  /// The tensor of input `i` (built from its elements if needed).
  mlir::Value input(unsigned i);
  /// Input `i` if present, else null.
  mlir::Value optionalInput(unsigned i);
  mlir::RankedTensorType inputType(unsigned i);
  /// The element type and rank of input `i`, without building its tensor.
  mlir::Type inputElementType(unsigned i);
  int64_t inputRank(unsigned i);
  /// The imported value of input `i`, with its elements if known.
  const ImportedValue &inputValue(unsigned i);
  /// Elements of a rank-0/1 integer input: from a shape computation or a
  /// constant. nullopt if neither.
  std::optional<llvm::SmallVector<mlir::OpFoldResult>> inputElements(unsigned i);
  /// Like inputElements, but only when every element is a constant.
  std::optional<llvm::SmallVector<int64_t>> constantInts(unsigned i);

  //===--- Attributes -----------------------------------------------------===//
  const onnx::AttributeProto *attribute(llvm::StringRef name) const;
  int64_t intAttr(llvm::StringRef name, int64_t defaultValue) const;
  float floatAttr(llvm::StringRef name, float defaultValue) const;
  std::string stringAttr(llvm::StringRef name,
                         llvm::StringRef defaultValue) const;
  std::optional<llvm::SmallVector<int64_t>> intsAttr(llvm::StringRef name) const;
  /// Reports attributes the handler does not implement when they are set to
  /// a value other than their default (e.g. Attention's softcap).
  mlir::LogicalResult rejectAttr(llvm::StringRef name, llvm::StringRef why);

  //===--- Outputs --------------------------------------------------------===//
  unsigned numOutputs() const;
  /// Whether output `i` exists and has a name (is used).
  bool outputUsed(unsigned i) const;
  /// Reports if output `i` is used although the handler cannot produce it.
  mlir::LogicalResult rejectOutput(unsigned i, llvm::StringRef why);
  void setOutput(unsigned i, mlir::Value value);
  /// Publishes a rank-0/1 integer output known by its elements.
  void setOutputElements(unsigned i, llvm::ArrayRef<mlir::OpFoldResult> elems,
                         mlir::Type elementType, int64_t rank);

  /// Converts a TensorProto (an attribute's or a Constant's) to an attribute.
  mlir::FailureOr<mlir::ElementsAttr>
  convertTensor(const onnx::TensorProto &tensor);

private:
  GraphImporter &graph;
  const onnx::NodeProto &nodeProto;
  mlir::Location location;
  int64_t opsetVersion;
};

/// Builds a tensor (rank 0 or 1, `elementType`) from known elements.
mlir::Value materializeElements(mlir::OpBuilder &b, mlir::Location loc,
                                llvm::ArrayRef<mlir::OpFoldResult> elems,
                                mlir::Type elementType, int64_t rank);

/// An `index` value for an OpFoldResult (constant or value).
mlir::Value toIndexValue(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::OpFoldResult ofr);

} // namespace mixer::onnx_import

#endif // MIXER_LIB_TARGET_ONNX_NODEIMPORTER_H
