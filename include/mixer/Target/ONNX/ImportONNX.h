//===- ImportONNX.h - Import ONNX models into MLIR --------------*- C++ -*-===//
//
// The ONNX importer: an ONNX ModelProto becomes a module with one func.func
// whose body holds mixer ops (for ONNX's Attention, normalizations, rotary
// embeddings) and tensor/linalg/arith/math ops for everything else. The
// importer only imports: it makes no optimization decisions.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_TARGET_ONNX_IMPORTONNX_H
#define MIXER_TARGET_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mixer {

/// Options of the ONNX importer.
struct ONNXImportOptions {
  /// Shapes given for graph inputs by name; they replace the dims the model
  /// leaves symbolic (dim_param) or unknown. Static dims must agree.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Directory against which external-data locations are resolved. Empty:
  /// the directory of the model file.
  std::string externalDataDir;
  /// The most bytes of weights (initializers and constants) a model may
  /// have; import stops with an error naming the tensor that crosses it,
  /// before its data is read. 0: a third of this machine's physical memory
  /// (compiling holds the weights about three times: the imported
  /// constants, the packed kernel panels and the object file).
  uint64_t maxWeightBytes = 0;
};

/// Parses a `--max-weight-size` value, bytes with an optional K, M, G or T
/// (powers of 1024) suffix, into `options`. Returns an error message on
/// failure.
std::optional<std::string> parseMaxWeightSize(llvm::StringRef spec,
                                              ONNXImportOptions &options);

/// Parses one `--input-shape` value, `name=1x128` (a `?` keeps a dim
/// dynamic), into `options`. Returns an error message on failure.
std::optional<std::string> parseInputShape(llvm::StringRef spec,
                                           ONNXImportOptions &options);

/// Imports a serialized ONNX ModelProto. `filename` names the model in
/// locations and anchors external data. Diagnostics go to the context's
/// handler; returns null on any error (all unsupported ops of the model are
/// reported together).
mlir::OwningOpRef<mlir::ModuleOp>
importONNXModel(llvm::StringRef bytes, llvm::StringRef filename,
                mlir::MLIRContext *context, const ONNXImportOptions &options);

/// Lists the ONNX op types the importer handles as `domain:OpType` (the
/// default domain printed as `ai.onnx`), with the first opset of each.
llvm::SmallVector<std::string> getSupportedONNXOps();

/// Registers the `--import-onnx` translation (with `--input-shape`) for
/// mlir-translate-like drivers.
void registerImportONNXTranslation();

} // namespace mixer

#endif // MIXER_TARGET_ONNX_IMPORTONNX_H
