// RUN: not mixer-opt %s 2>&1 | FileCheck %s

// A syntax error is reported at its location and the tool fails.
// CHECK: parse-error.mlir:[[@LINE+2]]:{{[0-9]+}}: error: expected ':'
func.func @missing_types(%q: tensor<1x4x16x64xf32>) {
  %0 = mixer.attention %q, %q, %q
  return
}
