// RUN: mixer-opt %s --convert-mixer-to-linalg | FileCheck %s

// A loop over time carries the state [batch, channels, d_state]; each step
// updates it (softplus of the step size, exp(dt * A)), reduces
// C·h over the state and adds the D skip.
// CHECK: func.func @scan
// CHECK: %[[H0:.+]] = linalg.fill
// CHECK: %[[LOOP:.+]]:2 = scf.for {{.*}} iter_args(%[[H:.+]] = %[[H0]], %[[Y:.+]] = %{{.+}})
// CHECK: linalg.generic {{.*}} ins(%[[H]], %arg2 : tensor<1x8x4xf32>, tensor<8x4xf32>)
// CHECK: math.log1p
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: tensor.extract %arg4
// CHECK: tensor.extract %arg5
// CHECK: tensor.insert_slice {{.*}} into %[[Y]]
// CHECK: scf.yield
// CHECK: return %[[LOOP]]#1, %[[LOOP]]#0
func.func @scan(%x: tensor<1x?x8xf32>, %dt: tensor<1x?x8xf32>, %A: tensor<8x4xf32>,
                %B: tensor<1x?x4xf32>, %C: tensor<1x?x4xf32>, %D: tensor<8xf32>)
    -> (tensor<1x?x8xf32>, tensor<1x8x4xf32>) {
  %y, %h = mixer.selective_scan %x, %dt, %A, %B, %C D(%D) {delta_softplus}
      : (tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<8x4xf32>, tensor<1x?x4xf32>,
         tensor<1x?x4xf32>, tensor<8xf32>) -> (tensor<1x?x8xf32>, tensor<1x8x4xf32>)
  return %y, %h : tensor<1x?x8xf32>, tensor<1x8x4xf32>
}
