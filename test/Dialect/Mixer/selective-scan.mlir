// RUN: mixer-opt %s --split-input-file | mixer-opt --split-input-file | FileCheck %s

// The Mamba block's scan: softplus'd delta with a bias, D skip and z gate.
// CHECK-LABEL: func.func @mamba
// CHECK: %[[Y:.+]], %[[H:.+]] = mixer.selective_scan %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} D(%{{.+}}) z(%{{.+}}) delta_bias(%{{.+}}) {delta_softplus} :
// CHECK-SAME: -> (tensor<2x?x1536xf32>, tensor<2x1536x16xf32>)
// CHECK: return %[[Y]], %[[H]]
func.func @mamba(%x: tensor<2x?x1536xf32>, %dt: tensor<2x?x1536xf32>, %A: tensor<1536x16xf32>,
                 %B: tensor<2x?x16xf32>, %C: tensor<2x?x16xf32>, %D: tensor<1536xf32>,
                 %z: tensor<2x?x1536xf32>, %db: tensor<1536xf32>) -> (tensor<2x?x1536xf32>, tensor<2x1536x16xf32>) {
  %y, %h = mixer.selective_scan %x, %dt, %A, %B, %C D(%D) z(%z) delta_bias(%db) {delta_softplus}
      : (tensor<2x?x1536xf32>, tensor<2x?x1536xf32>, tensor<1536x16xf32>, tensor<2x?x16xf32>, tensor<2x?x16xf32>,
         tensor<1536xf32>, tensor<2x?x1536xf32>, tensor<1536xf32>) -> (tensor<2x?x1536xf32>, tensor<2x1536x16xf32>)
  return %y, %h : tensor<2x?x1536xf32>, tensor<2x1536x16xf32>
}

// -----

// The bare recurrence, and a decode step that continues from a state.
// CHECK-LABEL: func.func @bare_and_decode_step
// CHECK: mixer.selective_scan %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}} :
// CHECK: mixer.selective_scan {{.*}} initial_state(%{{.+}}) :
// CHECK-SAME: -> (tensor<1x1x64xf32>, tensor<1x64x8xf32>)
func.func @bare_and_decode_step(%x: tensor<1x1x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x1x8xf32>,
                                %h0: tensor<1x64x8xf32>) -> (tensor<1x1x64xf32>, tensor<1x1x64xf32>) {
  %y0, %h1 = mixer.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x1x64xf32>, tensor<1x1x64xf32>, tensor<64x8xf32>, tensor<1x1x8xf32>, tensor<1x1x8xf32>)
      -> (tensor<1x1x64xf32>, tensor<1x64x8xf32>)
  %y1, %h2 = mixer.selective_scan %x, %x, %A, %B, %B initial_state(%h0)
      : (tensor<1x1x64xf32>, tensor<1x1x64xf32>, tensor<64x8xf32>, tensor<1x1x8xf32>, tensor<1x1x8xf32>, tensor<1x64x8xf32>)
      -> (tensor<1x1x64xf32>, tensor<1x64x8xf32>)
  return %y0, %y1 : tensor<1x1x64xf32>, tensor<1x1x64xf32>
}
