// RUN: mixer-opt %s --split-input-file --convert-mixer-to-linalg --mixer-cpu-fuse-row-reductions --canonicalize --cse | FileCheck %s

// An RMSNorm: the mean of squares (a reduction and a division) and the
// normalization go into one scf.forall over tiles of 64 rows (64 x 64 f32 =
// the default 16 KiB), so the normalization reads each row right after the
// reduction did.
// CHECK-LABEL: func.func @rms_norm
//   CHECK-NOT: linalg.generic
//       CHECK: scf.forall (%[[I:.+]]) = (0) to (%{{.+}}) step (64)
//       CHECK:   %[[ROWS:.+]] = tensor.extract_slice %arg0[%[[I]], 0] [%{{.+}}, 64] [1, 1]
//       CHECK:   linalg.fill
//       CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[ROWS]] :
//       CHECK:   arith.divf
//       CHECK:   linalg.generic {{.*}} ins(%[[ROWS]], %{{.+}} :
//       CHECK:   math.rsqrt
//       CHECK:   tensor.parallel_insert_slice
//       CHECK: return
func.func @rms_norm(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %y = mixer.rms_norm %x : (tensor<?x64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Wider rows, fewer per tile: 16 rows of 256 (16 KiB).
// CHECK-LABEL: func.func @layer_norm_wide
//   CHECK-NOT: linalg.generic
//       CHECK: scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (4, 100) step (1, 16)
//       CHECK: scf.forall.in_parallel
//   CHECK-NOT: linalg.generic
//       CHECK: return
func.func @layer_norm_wide(%x: tensor<4x100x256xf32>) -> tensor<4x100x256xf32> {
  %y = mixer.layer_norm %x : (tensor<4x100x256xf32>) -> tensor<4x100x256xf32>
  return %y : tensor<4x100x256xf32>
}

// -----

#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (k, n)>
#out = affine_map<(m, n, k) -> (m, n)>

// The linear layer writing the norm's input stays outside (it has its own
// kernel). Eight rows fit one tile, which canonicalization unrolls: 256 here.
// CHECK-LABEL: func.func @producers_left_outside
//       CHECK: %[[MM:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
//       CHECK: scf.forall
//       CHECK:   tensor.extract_slice %[[MM]]
//       CHECK: return
func.func @producers_left_outside(%a: tensor<256x32xf32>, %w: tensor<32x64xf32>) -> tensor<256x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x64xf32>) -> tensor<256x64xf32>
  %mm = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : tensor<256x32xf32>, tensor<32x64xf32>) outs(%f : tensor<256x64xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %m = arith.mulf %x, %y : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<256x64xf32>
  %y = mixer.rms_norm %mm : (tensor<256x64xf32>) -> tensor<256x64xf32>
  return %y : tensor<256x64xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// No per-row statistic: an elementwise op alone is left to the other passes.
// CHECK-LABEL: func.func @elementwise_only
//   CHECK-NOT: scf.forall
func.func @elementwise_only(%x: tensor<256x64xf32>) -> tensor<256x64xf32> {
  %e = tensor.empty() : tensor<256x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<256x64xf32>) outs(%e : tensor<256x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<256x64xf32>
  return %y : tensor<256x64xf32>
}
