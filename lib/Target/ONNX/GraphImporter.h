//===- GraphImporter.h - Graph-level import state (private) -----*- C++ -*-===//

#ifndef MIXER_LIB_TARGET_ONNX_GRAPHIMPORTER_H
#define MIXER_LIB_TARGET_ONNX_GRAPHIMPORTER_H

#include "NodeImporter.h"

#include "mixer/Target/ONNX/ImportONNX.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/MemoryBuffer.h"

#include <deque>
#include <map>

namespace mixer::onnx_import {

/// Imports one ONNX graph into a func.func: inputs, initializers, nodes in
/// order, outputs. Owns the name -> value map the node handlers read.
class GraphImporter {
public:
  GraphImporter(mlir::MLIRContext *context, llvm::StringRef filename,
                const ONNXImportOptions &options);

  mlir::OwningOpRef<mlir::ModuleOp> importModel(const onnx::ModelProto &model);

  mlir::MLIRContext *context;
  mlir::OpBuilder builder;
  llvm::StringMap<ImportedValue> values;

  /// The tensor of a graph value, materialized from its elements if needed.
  mlir::Value getTensor(llvm::StringRef name);
  /// Converts a TensorProto to an attribute: dense elements when small,
  /// dense resources (no textual copy of the weights) when large; external
  /// data is read from files next to the model.
  mlir::FailureOr<mlir::ElementsAttr>
  convertTensor(const onnx::TensorProto &tensor, mlir::Location loc);

private:
  mlir::LogicalResult readOpsets(const onnx::ModelProto &model);
  mlir::FailureOr<mlir::RankedTensorType>
  convertValueInfo(const onnx::ValueInfoProto &info, mlir::Location loc,
                   bool isInput);
  mlir::LogicalResult checkAllNodesSupported(const onnx::GraphProto &graph);
  /// The model-local function a node calls, or null.
  const onnx::FunctionProto *findFunction(const onnx::NodeProto &node) const;
  /// Imports `nodes` in order; calls of model-local functions are inlined.
  mlir::LogicalResult
  importNodes(const google::protobuf::RepeatedPtrField<onnx::NodeProto> &nodes,
              unsigned depth);
  mlir::LogicalResult importNode(const onnx::NodeProto &node, int index,
                                 unsigned depth);
  mlir::LogicalResult inlineFunction(const onnx::NodeProto &call,
                                     const onnx::FunctionProto &function,
                                     int index, unsigned depth);
  mlir::Location nodeLocation(const onnx::NodeProto &node, int index);
  /// Bytes of weights converted so far, and the most allowed
  /// (ONNXImportOptions::maxWeightBytes, or its default).
  uint64_t weightBytes = 0, weightLimit;
  mlir::FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
  readExternalData(const onnx::TensorProto &tensor, int64_t expectedBytes,
                   mlir::Location loc);

  std::string filename;
  const ONNXImportOptions &options;
  OpRegistry registry;
  llvm::StringMap<int64_t> opsets;
  unsigned resourceCount = 0;
  /// Model-local functions (the dynamo exporter emits them) by domain::name.
  std::map<std::string, const onnx::FunctionProto *> functions;
  /// Body nodes of inlined calls, renamed; NodeImporter refers to them.
  std::deque<google::protobuf::RepeatedPtrField<onnx::NodeProto>> inlinedBodies;
};

} // namespace mixer::onnx_import

#endif // MIXER_LIB_TARGET_ONNX_GRAPHIMPORTER_H
