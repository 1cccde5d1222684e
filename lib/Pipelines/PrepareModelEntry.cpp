//===- PrepareModelEntry.cpp - The --mixer-prepare-model-entry pass -------===//
//
// Checks the entry function against what the runtime can call, records its
// signature on the module, and gives every output a buffer of its own.
//
//===----------------------------------------------------------------------===//

#include "ModelSignature.h"

#include "mixer/Pipelines/Pipelines.h"
#include "mixer/runtime/mixer_abi.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mixer {

#define GEN_PASS_DEF_PREPAREMODELENTRY
#include "mixer/Pipelines/Passes.h.inc"

using namespace mlir;

std::optional<int> getABIDtype(Type type) {
  if (type.isF32())
    return MIXER_DTYPE_F32;
  if (type.isF64())
    return MIXER_DTYPE_F64;
  if (type.isF16())
    return MIXER_DTYPE_F16;
  if (type.isBF16())
    return MIXER_DTYPE_BF16;
  if (type.isSignlessInteger(1))
    return MIXER_DTYPE_BOOL;
  if (type.isSignlessInteger(8))
    return MIXER_DTYPE_I8;
  if (type.isSignlessInteger(16))
    return MIXER_DTYPE_I16;
  if (type.isSignlessInteger(32))
    return MIXER_DTYPE_I32;
  if (type.isSignlessInteger(64))
    return MIXER_DTYPE_I64;
  return std::nullopt;
}

namespace {

/// Appends one signature line (see mixer_abi.h) for `type` named `name`.
void appendSignatureLine(std::string &text, StringRef kind,
                         RankedTensorType type, StringRef name) {
  llvm::raw_string_ostream os(text);
  os << kind << ' ' << *getABIDtype(type.getElementType()) << ' '
     << type.getRank();
  for (int64_t dim : type.getShape())
    os << ' ' << (ShapedType::isDynamic(dim) ? int64_t(-1) : dim);
  os << ' ' << name.size() << ' ' << name << '\n';
}

/// The ONNX name of an argument or result, or a positional one.
std::string tensorName(DictionaryAttr attrs, StringRef kind, unsigned index) {
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>("onnx.name"))
      return name.str();
  return (kind + Twine(index)).str();
}

LogicalResult checkType(func::FuncOp func, Type type, StringRef what) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return func.emitError() << "unsupported model " << what << " type " << type
                            << ": the model ABI takes ranked tensors";
  if (!getABIDtype(tensor.getElementType()))
    return func.emitError()
           << "unsupported model " << what << " element type "
           << tensor.getElementType()
           << " (the ABI has f16, bf16, f32, f64, i1, i8, i16, i32, i64)";
  return success();
}

struct PrepareModelEntryPass
    : impl::PrepareModelEntryBase<PrepareModelEntryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        entries.push_back(func);
    if (entries.size() != 1) {
      module.emitError() << "a model needs exactly one public function with a "
                            "body (its entry point), found "
                         << entries.size();
      return signalPassFailure();
    }
    func::FuncOp entry = entries.front();
    FunctionType fnType = entry.getFunctionType();
    if (fnType.getNumResults() == 0) {
      entry.emitError("the model has no outputs");
      return signalPassFailure();
    }

    std::string signature;
    SmallVector<int64_t> inputRanks, outputRanks, outputBytes;
    for (auto [i, type] : llvm::enumerate(fnType.getInputs())) {
      if (failed(checkType(entry, type, "input")))
        return signalPassFailure();
      auto tensor = cast<RankedTensorType>(type);
      appendSignatureLine(signature, "input", tensor,
                          tensorName(entry.getArgAttrDict(i), "input", i));
      inputRanks.push_back(tensor.getRank());
    }
    for (auto [i, type] : llvm::enumerate(fnType.getResults())) {
      if (failed(checkType(entry, type, "output")))
        return signalPassFailure();
      auto tensor = cast<RankedTensorType>(type);
      appendSignatureLine(signature, "output", tensor,
                          tensorName(entry.getResultAttrDict(i), "output", i));
      outputRanks.push_back(tensor.getRank());
      outputBytes.push_back(
          llvm::divideCeil(tensor.getElementTypeBitWidth(), 8));
    }

    Builder b(module.getContext());
    module->setAttr(kEntryAttrName, b.getStringAttr(entry.getSymName()));
    module->setAttr(kSignatureAttrName, b.getStringAttr(signature));
    module->setAttr(kInputRanksAttrName, b.getI64ArrayAttr(inputRanks));
    module->setAttr(kOutputRanksAttrName, b.getI64ArrayAttr(outputRanks));
    module->setAttr(kOutputBytesAttrName, b.getI64ArrayAttr(outputBytes));

  }
};

} // namespace
} // namespace mixer
