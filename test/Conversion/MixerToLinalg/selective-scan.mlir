// RUN: mixer-opt %s --convert-mixer-to-linalg --split-input-file | FileCheck %s

// One task per (batch row, block of channels): 8 channels here (16 when the
// channel count allows). Aᵀ [N, C] is formed once; each task keeps its state
// transposed, [d_state, channels], and walks time in chunks of 64 steps: the
// discretization (softplus of the step size, u = dt * x) of a chunk in bulk,
// then per step the state update (exp(dt * A)) in place and the sum over the
// state into a row of the chunk's sums, then the chunk's output (the D skip)
// in bulk, written into the task's slice of y. The final state is the
// state's transpose.
// CHECK-LABEL: func.func @scan
// CHECK: %[[AT:.+]] = linalg.generic {{.*}} ins(%arg2 : tensor<8x4xf32>) outs(%{{.+}} : tensor<4x8xf32>)
// CHECK: scf.forall (%[[B:.+]], %[[C:.+]]) = (0, 0) to (1, 8) step (1, 8) shared_outs(%[[Y:.+]] = %{{.+}}, %[[H:.+]] = %{{.+}})
// CHECK: %[[YT:.+]] = tensor.extract_slice %[[Y]][%[[B]], 0, %[[C]]] [1, %{{.+}}, 8]
// CHECK: %[[ABLK:.+]] = tensor.extract_slice %[[AT]][0, %[[C]]] [4, 8]
// CHECK: %[[H0:.+]] = linalg.fill {{.*}} -> tensor<4x8xf32>
// CHECK: scf.for %[[T0:.+]] = %c0 to %{{.+}} step %c64 iter_args(%{{.+}} = %[[H0]], %{{.+}} = %[[YT]])
// CHECK:   math.log1p
// CHECK:   scf.for {{.*}} -> (tensor<4x8xf32>, tensor<?x8xf32>)
// CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[ABLK]], {{.*}} outs(%{{.+}} : tensor<4x8xf32>)
// CHECK:     math.exp
// CHECK:     linalg.fill
// CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:     tensor.insert_slice
// CHECK:   linalg.generic
// CHECK:   tensor.insert_slice
// CHECK: linalg.generic {{.*}} ins(%{{.+}} : tensor<4x8xf32>) outs(%{{.+}} : tensor<8x4xf32>)
// CHECK: scf.forall.in_parallel
// CHECK:   tensor.parallel_insert_slice %{{.+}} into %[[Y]][%[[B]], 0, %[[C]]] [1, %{{.+}}, 8]
// CHECK:   tensor.parallel_insert_slice %{{.+}} into %[[H]][%[[B]], %[[C]], 0] [1, 8, 4]
func.func @scan(%x: tensor<1x?x8xf32>, %dt: tensor<1x?x8xf32>, %A: tensor<8x4xf32>,
                %B: tensor<1x?x4xf32>, %C: tensor<1x?x4xf32>, %D: tensor<8xf32>)
    -> (tensor<1x?x8xf32>, tensor<1x8x4xf32>) {
  %y, %h = mixer.selective_scan %x, %dt, %A, %B, %C D(%D) {delta_softplus}
      : (tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<8x4xf32>, tensor<1x?x4xf32>,
         tensor<1x?x4xf32>, tensor<8xf32>) -> (tensor<1x?x8xf32>, tensor<1x8x4xf32>)
  return %y, %h : tensor<1x?x8xf32>, tensor<1x8x4xf32>
}

// -----

// 48 channels: blocks of 16. f16 inputs keep the state and the sums in f32;
// the initial state is read transposed into it; the SiLU gate on z.
// CHECK-LABEL: func.func @scan_f16
// CHECK: scf.forall (%[[B:.+]], %[[C:.+]]) = (0, 0) to (%{{.+}}, 48) step (1, 16)
// CHECK: %[[INIT:.+]] = tensor.extract_slice %arg5[%[[B]], %[[C]], 0] [1, 16, 16] [1, 1, 1] : tensor<?x48x16xf16> to tensor<16x16xf16>
// CHECK: linalg.generic {{.*}} ins(%[[INIT]] : tensor<16x16xf16>) outs(%{{.+}} : tensor<16x16xf32>)
// CHECK: arith.extf
// CHECK: scf.for
// CHECK:   scf.for {{.*}} -> (tensor<16x16xf32>, tensor<?x16xf32>)
// CHECK:   math.exp
// CHECK:   arith.divf
// CHECK:   arith.truncf
func.func @scan_f16(%x: tensor<?x?x48xf16>, %dt: tensor<?x?x48xf16>, %A: tensor<48x16xf16>,
                    %B: tensor<?x?x16xf16>, %C: tensor<?x?x16xf16>, %h0: tensor<?x48x16xf16>,
                    %z: tensor<?x?x48xf16>)
    -> (tensor<?x?x48xf16>, tensor<?x48x16xf16>) {
  %y, %h = mixer.selective_scan %x, %dt, %A, %B, %C z(%z) initial_state(%h0)
      : (tensor<?x?x48xf16>, tensor<?x?x48xf16>, tensor<48x16xf16>, tensor<?x?x16xf16>,
         tensor<?x?x16xf16>, tensor<?x?x48xf16>, tensor<?x48x16xf16>) -> (tensor<?x?x48xf16>, tensor<?x48x16xf16>)
  return %y, %h : tensor<?x?x48xf16>, tensor<?x48x16xf16>
}
