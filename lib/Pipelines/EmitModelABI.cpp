//===- EmitModelABI.cpp - The --mixer-emit-model-abi pass -----------------===//
//
// Emits, in the LLVM dialect, what mixer_abi.h promises a model.so exports:
//
//   mixer_model_descriptor = { MIXER_ABI_VERSION, #inputs, #outputs,
//                              signature text, run, release, set_num_threads }
//
// `run` adapts the C view of tensors (mixer_abi_buffer: data + shape) to the
// entry's lowered calling convention, where each memref argument is expanded
// into (allocated, aligned, offset, sizes..., strides...) and the results come
// back as a struct of memref descriptors.
//
// The model's buffers come from `_mlir_memref_to_llvm_alloc` (the generic
// allocation functions of the MemRef lowering), defined here as malloc plus
// a check: when malloc fails, the model calls the function the runtime put
// in `mixer_model_out_of_memory_handler` (which ends the run with an error)
// and aborts only when there is none or it returns.
//
//===----------------------------------------------------------------------===//

#include "ModelSignature.h"

#include "mixer/Dialect/Mixer/IR/MixerDialect.h"
#include "mixer/Pipelines/Pipelines.h"
#include "mixer/runtime/mixer_abi.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace mixer {

#define GEN_PASS_DEF_EMITMODELABI
#include "mixer/Pipelines/Passes.h.inc"

using namespace mlir;

namespace {

/// Emission state: the module, a builder at its end, common types.
struct ABIEmitter {
  ModuleOp module;
  OpBuilder b;
  Location loc;
  Type ptrTy, i32Ty, i64Ty;
  LLVM::LLVMStructType bufferTy; // mixer_abi_buffer {data, shape, allocated}
  SmallVector<int64_t> elementBytes; // per output

  explicit ABIEmitter(ModuleOp module)
      : module(module), b(module.getContext()), loc(module.getLoc()) {
    MLIRContext *ctx = module.getContext();
    b.setInsertionPointToEnd(module.getBody());
    ptrTy = LLVM::LLVMPointerType::get(ctx);
    i32Ty = b.getI32Type();
    i64Ty = b.getI64Type();
    bufferTy = LLVM::LLVMStructType::getLiteral(ctx, {ptrTy, ptrTy, ptrTy});
  }

  Value i64(int64_t v) {
    return LLVM::ConstantOp::create(b, loc, i64Ty, b.getI64IntegerAttr(v));
  }
  Value i32(int32_t v) {
    return LLVM::ConstantOp::create(b, loc, i32Ty, b.getI32IntegerAttr(v));
  }
  /// &base[index].field for an array of mixer_abi_buffer.
  Value bufferField(Value base, int64_t index, int32_t field) {
    return LLVM::GEPOp::create(b, loc, ptrTy, bufferTy, base,
                               ArrayRef<LLVM::GEPArg>{index, field});
  }
  Value load(Type type, Value addr) {
    return LLVM::LoadOp::create(b, loc, type, addr);
  }
  /// &shape[k] for an int64_t array.
  Value shapeSlot(Value shape, int64_t k) {
    return LLVM::GEPOp::create(b, loc, ptrTy, i64Ty, shape,
                               ArrayRef<LLVM::GEPArg>{k});
  }

  LLVM::LLVMFuncOp declareFunction(StringRef name, Type result,
                                   ArrayRef<Type> args) {
    if (auto existing = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
      return existing;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    return LLVM::LLVMFuncOp::create(
        b, loc, name, LLVM::LLVMFunctionType::get(result, args));
  }

  /// A new internal function with an entry block, the builder inside it.
  LLVM::LLVMFuncOp defineFunction(StringRef name, Type result,
                                  ArrayRef<Type> args) {
    b.setInsertionPointToEnd(module.getBody());
    auto func = LLVM::LLVMFuncOp::create(
        b, loc, name, LLVM::LLVMFunctionType::get(result, args),
        LLVM::Linkage::Internal);
    Block *entry = func.addEntryBlock(b);
    b.setInsertionPointToStart(entry);
    return func;
  }

  LogicalResult emitRun(LLVM::LLVMFuncOp entry, ArrayRef<int64_t> inputRanks,
                        ArrayRef<int64_t> outputRanks);
  void emitRelease();
  void emitAllocationFunctions();
  /// The optional MIXER_ABI_REPORT_INFO_SYMBOL text.
  void emitReportInfo(StringRef info);
  void emitSetNumThreads(bool parallel);
  void emitDescriptor(StringRef signature, unsigned numInputs,
                      unsigned numOutputs);
};

LogicalResult ABIEmitter::emitRun(LLVM::LLVMFuncOp entry,
                                  ArrayRef<int64_t> inputRanks,
                                  ArrayRef<int64_t> outputRanks) {
  int64_t expectedArgs = 0;
  for (int64_t rank : inputRanks)
    expectedArgs += 3 + 2 * rank;
  if (entry.getNumArguments() != expectedArgs)
    return entry.emitError() << "the lowered entry takes "
                             << entry.getNumArguments()
                             << " arguments, expected " << expectedArgs
                             << " (expanded memref descriptors)";

  LLVM::LLVMFuncOp run =
      defineFunction("mixer_model_run", i32Ty, {ptrTy, ptrTy});
  Value inputs = run.getArgument(0), outputs = run.getArgument(1);

  // Inputs: dense row-major, so strides are suffix products of the shape.
  SmallVector<Value> args;
  for (auto [i, rank] : llvm::enumerate(inputRanks)) {
    Value data = load(ptrTy, bufferField(inputs, i, 0));
    Value shape = load(ptrTy, bufferField(inputs, i, 1));
    SmallVector<Value> sizes, strides(rank);
    for (int64_t k = 0; k < rank; ++k)
      sizes.push_back(load(i64Ty, shapeSlot(shape, k)));
    Value stride = i64(1);
    for (int64_t k = rank - 1; k >= 0; --k) {
      strides[k] = stride;
      stride = LLVM::MulOp::create(b, loc, stride, sizes[k]);
    }
    args.append({data, data, i64(0)});
    args.append(sizes);
    args.append(strides);
  }
  auto call = LLVM::CallOp::create(b, loc, entry, args);

  // Outputs: each a descriptor {allocated, aligned, offset, sizes, strides};
  // the data starts `offset` elements past `aligned`.
  Type resultTy = entry.getFunctionType().getReturnType();
  for (auto [o, rank] : llvm::enumerate(outputRanks)) {
    Value desc = call.getResult();
    if (outputRanks.size() > 1)
      desc = LLVM::ExtractValueOp::create(b, loc, desc, int64_t(o));
    auto descTy = dyn_cast<LLVM::LLVMStructType>(desc.getType());
    if (!descTy || descTy.getBody().size() != (rank ? 5u : 3u))
      return entry.emitError() << "unexpected lowered result type " << resultTy;
    Value allocated = LLVM::ExtractValueOp::create(b, loc, desc, 0);
    Value aligned = LLVM::ExtractValueOp::create(b, loc, desc, 1);
    Value offset = LLVM::ExtractValueOp::create(b, loc, desc, 2);
    Value shape = load(ptrTy, bufferField(outputs, o, 1));
    for (int64_t k = 0; k < rank; ++k) {
      Value size = LLVM::ExtractValueOp::create(
          b, loc, desc, ArrayRef<int64_t>{3, k});
      LLVM::StoreOp::create(b, loc, size, shapeSlot(shape, k));
    }
    // Fresh outputs (mixer-prepare-model-entry) have offset 0; honour it
    // anyway, in bytes through the element size the ABI records.
    Value byteOffset =
        LLVM::MulOp::create(b, loc, offset, i64(elementBytes[o]));
    Value data = LLVM::GEPOp::create(b, loc, ptrTy, b.getI8Type(), aligned,
                                     ValueRange{byteOffset});
    LLVM::StoreOp::create(b, loc, data, bufferField(outputs, o, 0));
    LLVM::StoreOp::create(b, loc, allocated, bufferField(outputs, o, 2));
  }
  LLVM::ReturnOp::create(b, loc, i32(0));
  return success();
}

void ABIEmitter::emitRelease() {
  LLVM::LLVMFuncOp freeFn =
      declareFunction("free", LLVM::LLVMVoidType::get(b.getContext()), {ptrTy});
  LLVM::LLVMFuncOp release = defineFunction(
      "mixer_model_release", LLVM::LLVMVoidType::get(b.getContext()), {ptrTy});
  LLVM::CallOp::create(b, loc, freeFn, release.getArgument(0));
  LLVM::ReturnOp::create(b, loc, ValueRange{});
}

void ABIEmitter::emitSetNumThreads(bool parallel) {
  Type voidTy = LLVM::LLVMVoidType::get(b.getContext());
  LLVM::LLVMFuncOp ompSet =
      parallel ? declareFunction("omp_set_num_threads", voidTy, {i32Ty})
               : LLVM::LLVMFuncOp();
  LLVM::LLVMFuncOp setThreads =
      defineFunction("mixer_model_set_num_threads", voidTy, {i32Ty});
  if (ompSet)
    LLVM::CallOp::create(b, loc, ompSet, setThreads.getArgument(0));
  LLVM::ReturnOp::create(b, loc, ValueRange{});
}

void ABIEmitter::emitDescriptor(StringRef signature, unsigned numInputs,
                                unsigned numOutputs) {
  MLIRContext *ctx = b.getContext();
  b.setInsertionPointToEnd(module.getBody());
  std::string text = signature.str();
  text.push_back('\0');
  auto textTy = LLVM::LLVMArrayType::get(b.getI8Type(), text.size());
  auto textGlobal = LLVM::GlobalOp::create(
      b, loc, textTy, /*isConstant=*/true, LLVM::Linkage::Internal,
      "mixer_model_signature", b.getStringAttr(text));

  // struct mixer_abi_descriptor (natural C layout: 3 x u32, then pointers).
  auto descTy = LLVM::LLVMStructType::getLiteral(
      ctx, {i32Ty, i32Ty, i32Ty, ptrTy, ptrTy, ptrTy, ptrTy});
  auto descriptor = LLVM::GlobalOp::create(
      b, loc, descTy, /*isConstant=*/true, LLVM::Linkage::External,
      MIXER_ABI_DESCRIPTOR_SYMBOL, Attribute());
  b.createBlock(&descriptor.getInitializerRegion());
  Value value = LLVM::UndefOp::create(b, loc, descTy);
  SmallVector<Value> fields{i32(MIXER_ABI_VERSION), i32(numInputs),
                            i32(numOutputs),
                            LLVM::AddressOfOp::create(b, loc, textGlobal)};
  for (StringRef fn : {"mixer_model_run", "mixer_model_release",
                       "mixer_model_set_num_threads"})
    fields.push_back(LLVM::AddressOfOp::create(
        b, loc, module.lookupSymbol<LLVM::LLVMFuncOp>(fn)));
  for (auto [i, field] : llvm::enumerate(fields))
    value = LLVM::InsertValueOp::create(b, loc, value, field, int64_t(i));
  LLVM::ReturnOp::create(b, loc, value);
}

void ABIEmitter::emitReportInfo(StringRef info) {
  b.setInsertionPointToEnd(module.getBody());
  std::string text = info.str();
  text.push_back('\0');
  auto textTy = LLVM::LLVMArrayType::get(b.getI8Type(), text.size());
  LLVM::GlobalOp::create(b, loc, textTy, /*isConstant=*/true,
                         LLVM::Linkage::External, MIXER_ABI_REPORT_INFO_SYMBOL,
                         b.getStringAttr(text));
}

void ABIEmitter::emitAllocationFunctions() {
  MLIRContext *ctx = module.getContext();
  Type voidTy = LLVM::LLVMVoidType::get(ctx);
  // The handler slot, exported for the runtime (dlsym), initially null.
  b.setInsertionPointToEnd(module.getBody());
  auto slot = LLVM::GlobalOp::create(b, loc, ptrTy, /*isConstant=*/false,
                                     LLVM::Linkage::External,
                                     MIXER_ABI_OUT_OF_MEMORY_HANDLER_SYMBOL,
                                     Attribute());
  {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&slot.getInitializerRegion());
    LLVM::ReturnOp::create(b, loc,
                           LLVM::ZeroOp::create(b, loc, ptrTy).getResult());
  }

  if (auto alloc = module.lookupSymbol<LLVM::LLVMFuncOp>(
          "_mlir_memref_to_llvm_alloc");
      alloc && alloc.isExternal()) {
    LLVM::LLVMFuncOp mallocFn = declareFunction("malloc", ptrTy, {i64Ty});
    LLVM::LLVMFuncOp abortFn = declareFunction("abort", voidTy, {});
    alloc.setLinkage(LLVM::Linkage::Internal);
    Block *entry = alloc.addEntryBlock(b);
    Block *ok = new Block(), *failed = new Block(), *call = new Block(),
          *stop = new Block();
    for (Block *block : {ok, failed, call, stop})
      alloc.getBody().push_back(block);
    Value size = entry->getArgument(0);
    b.setInsertionPointToStart(entry);
    Value p = LLVM::CallOp::create(b, loc, mallocFn, size).getResult();
    Value null = LLVM::ZeroOp::create(b, loc, ptrTy);
    // malloc(0) may return null: not a failure.
    Value isNull =
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, p, null);
    Value nonEmpty =
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, size, i64(0));
    Value outOfMemory = LLVM::AndOp::create(b, loc, isNull, nonEmpty);
    LLVM::CondBrOp::create(b, loc, outOfMemory, failed, ok);
    b.setInsertionPointToStart(ok);
    LLVM::ReturnOp::create(b, loc, p);
    b.setInsertionPointToStart(failed);
    Value handler = load(ptrTy, LLVM::AddressOfOp::create(b, loc, slot));
    Value noHandler =
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, handler, null);
    LLVM::CondBrOp::create(b, loc, noHandler, stop, call);
    b.setInsertionPointToStart(call);
    auto handlerTy = LLVM::LLVMFunctionType::get(voidTy, {i64Ty});
    LLVM::CallOp::create(b, loc, handlerTy, ValueRange{handler, size});
    LLVM::BrOp::create(b, loc, stop);
    b.setInsertionPointToStart(stop);
    LLVM::CallOp::create(b, loc, abortFn, ValueRange{});
    LLVM::UnreachableOp::create(b, loc);
  }
  if (auto dealloc = module.lookupSymbol<LLVM::LLVMFuncOp>(
          "_mlir_memref_to_llvm_free");
      dealloc && dealloc.isExternal()) {
    LLVM::LLVMFuncOp freeFn = declareFunction("free", voidTy, {ptrTy});
    dealloc.setLinkage(LLVM::Linkage::Internal);
    Block *entry = dealloc.addEntryBlock(b);
    b.setInsertionPointToStart(entry);
    LLVM::CallOp::create(b, loc, freeFn, entry->getArgument(0));
    LLVM::ReturnOp::create(b, loc, ValueRange{});
  }
}

struct EmitModelABIPass : impl::EmitModelABIBase<EmitModelABIPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entryName = module->getAttrOfType<StringAttr>(kEntryAttrName);
    auto signature = module->getAttrOfType<StringAttr>(kSignatureAttrName);
    auto inputRanks = module->getAttrOfType<ArrayAttr>(kInputRanksAttrName);
    auto outputRanks = module->getAttrOfType<ArrayAttr>(kOutputRanksAttrName);
    auto elementBytes = module->getAttrOfType<ArrayAttr>(kOutputBytesAttrName);
    if (!entryName || !signature || !inputRanks || !outputRanks ||
        !elementBytes) {
      module.emitError("no model signature on the module: run "
                       "--mixer-prepare-model-entry before lowering");
      return signalPassFailure();
    }
    auto entry = module.lookupSymbol<LLVM::LLVMFuncOp>(entryName);
    if (!entry || entry.isExternal()) {
      module.emitError() << "the model entry @" << entryName.getValue()
                         << " is not a lowered function";
      return signalPassFailure();
    }

    // Only the descriptor leaves model.so.
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (!func.isExternal())
        func.setLinkage(LLVM::Linkage::Internal);

    ABIEmitter emitter(module);
    auto toInts = [](ArrayAttr attr) {
      return llvm::to_vector(llvm::map_range(attr, [](Attribute a) {
        return cast<IntegerAttr>(a).getInt();
      }));
    };
    emitter.elementBytes = toInts(elementBytes);
    if (failed(emitter.emitRun(entry, toInts(inputRanks), toInts(outputRanks))))
      return signalPassFailure();
    emitter.emitRelease();
    emitter.emitAllocationFunctions();
    emitter.emitSetNumThreads(parallel);
    emitter.emitDescriptor(signature.getValue(), inputRanks.size(),
                           outputRanks.size());
    if (auto info = module->getAttrOfType<StringAttr>(kReportInfoAttrName)) {
      emitter.emitReportInfo(info.getValue());
      module->removeAttr(kReportInfoAttrName);
    }
    for (StringRef attr : {kEntryAttrName, kSignatureAttrName,
                           kInputRanksAttrName, kOutputRanksAttrName,
                           kOutputBytesAttrName})
      module->removeAttr(attr);
  }
};

} // namespace
} // namespace mixer
