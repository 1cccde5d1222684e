//===- Passes.td - Passes of the model-compilation pipelines -*- tablegen -*-===//
//
// The passes that turn a module into a loadable model: they fix the entry
// point's contract at the tensor level and emit the model.so ABI
// (include/mixer/runtime/mixer_abi.h) once everything is LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef MIXER_PIPELINES_PASSES
#define MIXER_PIPELINES_PASSES

include "mlir/Pass/PassBase.td"

def DecomposeAggregateOps : Pass<"mixer-decompose-aggregate-ops"> {
  let summary = "Decompose aggregate linalg ops (softmax) into generics";
  let description = [{
    Ops such as `linalg.softmax` are not structured ops: no loop lowering or
    tiling applies to them. This pass replaces every op implementing
    `linalg::AggregatedOpInterface` by its decomposition (for softmax: max,
    exp(x - max), sum, divide), so that the code generators see only
    structured ops. Exact.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def CheckPhaseContract : Pass<"mixer-check-phase-contract", "mlir::ModuleOp"> {
  let summary = "Check that only the ops a phase may leave behind remain";
  let description = [{
    The phases of DESIGN.md hand each other a contract: after `mixer`, only
    ops of the builtin, func, arith, math, tensor, linalg and mixer dialects;
    after `linalg`, no mixer op and no aggregate linalg op (softmax) is left,
    and scf may appear (the tiled attention's loops). The pipelines run this
    check at each boundary, so that an op no later phase lowers (from a
    hand-written `.mlir` input, or a Mixer bug) is reported where it is,
    naming the phase, instead of failing somewhere in code generation.
  }];
  let options = [
    Option<"phase", "phase", "std::string", "\"mixer\"",
           "the phase just completed: mixer or linalg">,
  ];
}

def ExpandStridedCopies : Pass<"mixer-expand-strided-copies"> {
  let summary = "Turn memref.copy of strided buffers into linalg.copy";
  let description = [{
    The LLVM lowering of `memref.copy` calls `memrefCopy` from MLIR's C
    runner library unless both sides are contiguous. A model.so must not need
    that library, so this pass rewrites such copies into `linalg.copy`, which
    the loop lowering turns into plain loops. Contiguous copies stay
    `memref.copy` (an `llvm.memcpy`).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def PrepareModelEntry : Pass<"mixer-prepare-model-entry", "mlir::ModuleOp"> {
  let summary = "Check the model's entry function and record its signature";
  let description = [{
    The module must hold exactly one public `func.func` (the entry; the ONNX
    importer's `@main`) whose arguments and results are ranked tensors of
    element types the runtime knows (f16, bf16, f32, f64, i1, i8, i16, i32,
    i64). Anything else is reported at the function and the pass fails.

    The pass records the entry's name and its signature (ONNX names from the
    `onnx.name` argument/result attributes, element types, shapes with `-1`
    for dynamic dims) on the module as `mixer.entry` and `mixer.signature`,
    in the text format of `mixer_abi.h`. That every output comes back as a
    fresh allocation is `--mixer-fresh-outputs`' job, after bufferization.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
}

def FreshOutputs : Pass<"mixer-fresh-outputs", "mlir::ModuleOp"> {
  let summary = "Make every output of the model entry a buffer of its own";
  let description = [{
    After bufferization, on the entry recorded by
    `--mixer-prepare-model-entry`: a returned buffer that is a
    `memref.alloc` returned once is the caller's already; any other (an
    input, a constant, a view, or a buffer returned twice) is copied into a
    new allocation. Outputs thus never alias inputs, weights or each other,
    and the caller frees each one, as the ABI promises, without a copy of
    every output on every run.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def EmitModelABI : Pass<"mixer-emit-model-abi", "mlir::ModuleOp"> {
  let summary = "Emit the model.so descriptor and its C entry points";
  let description = [{
    Runs on LLVM-dialect IR produced from a module prepared by
    `--mixer-prepare-model-entry`. It emits the `mixer_model_descriptor`
    global of `mixer_abi.h`: the ABI version, the signature text, and three
    functions: `run` (unpacks `mixer_abi_buffer`s into memref descriptors of
    dense row-major tensors, calls the entry and writes each output's data,
    block and shape back), `release` (`free`) and `set_num_threads`
    (`omp_set_num_threads`, or nothing when `parallel` is off). Every other
    symbol becomes internal, so model.so exports the descriptor only.
  }];
  let options = [
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "The model uses OpenMP (set_num_threads calls omp_set_num_threads)">,
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

#endif // MIXER_PIPELINES_PASSES
