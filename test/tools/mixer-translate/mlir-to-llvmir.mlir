// RUN: mixer-translate --mlir-to-llvmir %s | FileCheck %s

// mixer-translate carries the upstream translations the CPU backend uses.

// CHECK: define float @fma(float %{{.+}}, float %{{.+}}, float %{{.+}})
// CHECK: fmul float
// CHECK: fadd float
llvm.func @fma(%a: f32, %b: f32, %c: f32) -> f32 {
  %0 = llvm.fmul %a, %b : f32
  %1 = llvm.fadd %0, %c : f32
  llvm.return %1 : f32
}
