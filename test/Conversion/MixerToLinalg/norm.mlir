// RUN: mixer-opt %s --convert-mixer-to-linalg --split-input-file | FileCheck %s

// LayerNorm over the last dim: a mean, a variance around it, then one
// elementwise pass with rsqrt(var + eps), weight and bias.
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[FEAT:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK: func.func @layer_norm
// CHECK-DAG: %[[EPS:.+]] = arith.constant 9.99999997E-7 : f32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: linalg.generic {indexing_maps = [{{.*}}, #[[ROW]], #[[ROW]], #[[FEAT]], #[[FEAT]], {{.*}}]
// CHECK: arith.addf %{{.*}}, %[[EPS]]
// CHECK: math.rsqrt
func.func @layer_norm(%x: tensor<2x?x384xf32>, %w: tensor<384xf32>, %b: tensor<384xf32>) -> tensor<2x?x384xf32> {
  %y = mixer.layer_norm %x weight(%w) bias(%b) {epsilon = 1.0e-6 : f32}
      : (tensor<2x?x384xf32>, tensor<384xf32>, tensor<384xf32>) -> tensor<2x?x384xf32>
  return %y : tensor<2x?x384xf32>
}

// -----

// RMSNorm of f16 over the last two dims: one reduction of x^2 in f32, no mean.
// CHECK: func.func @rms_norm_f16
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: arith.extf {{.*}} f16 to f32
// CHECK-NOT: arith.subf
// CHECK: math.rsqrt
// CHECK: arith.truncf {{.*}} f32 to f16
func.func @rms_norm_f16(%x: tensor<4x8x16xf16>) -> tensor<4x8x16xf16> {
  %y = mixer.rms_norm %x {axis = 1 : i64} : (tensor<4x8x16xf16>) -> tensor<4x8x16xf16>
  return %y : tensor<4x8x16xf16>
}

// -----

// compressed_rms_norm: two row sums (x and x^2) of the D - 1 stored entries,
// one per-row scale rsqrt((s2 + s1^2) / D + eps), then the D - 1 scaled
// entries and the rebuilt last one (-s1 * scale), each with its part of the
// weight, inserted side by side into the result.
// CHECK-LABEL: func.func @compressed_rms_norm
//  CHECK-SAME: (%[[X:.+]]: tensor<?x7xf32>, %[[W:.+]]: tensor<8xf32>)
//       CHECK: %[[S1:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[X]] :
//   CHECK-NOT: arith.mulf
//       CHECK: linalg.yield
//       CHECK: %[[S2:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[X]] :
//       CHECK: arith.mulf
//       CHECK: %[[SCALE:.+]] = linalg.generic {{.*}} ins(%[[S1]], %[[S2]] :
//       CHECK: math.rsqrt
//       CHECK: %[[WHEAD:.+]] = tensor.extract_slice %[[W]][0] [7] [1]
//       CHECK: %[[WLAST:.+]] = tensor.extract %[[W]][%c7]
//       CHECK: %[[HEAD:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[SCALE]], %[[WHEAD]] :
//       CHECK: %[[LAST:.+]] = linalg.generic {{.*}} ins(%[[S1]], %[[SCALE]] :
//       CHECK: arith.negf
//       CHECK: arith.mulf %{{.+}}, %[[WLAST]]
//       CHECK: %[[R0:.+]] = tensor.insert_slice %[[HEAD]] into %{{.+}}[0, 0] [%{{.+}}, 7] [1, 1]
//       CHECK: tensor.insert_slice %[[LAST]] into %[[R0]][0, 7] [%{{.+}}, 1] [1, 1] : tensor<?xf32> into tensor<?x8xf32>
func.func @compressed_rms_norm(%x: tensor<?x7xf32>, %w: tensor<8xf32>) -> tensor<?x8xf32> {
  %y = mixer.compressed_rms_norm %x weight(%w) : (tensor<?x7xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
