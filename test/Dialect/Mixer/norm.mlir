// RUN: mixer-opt %s --split-input-file | mixer-opt --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @layer_norm_affine
// CHECK: mixer.layer_norm %{{.+}} weight(%{{.+}}) bias(%{{.+}}) :
// CHECK-SAME: (tensor<2x128x384xf32>, tensor<384xf32>, tensor<384xf32>) -> tensor<2x128x384xf32>
func.func @layer_norm_affine(%x: tensor<2x128x384xf32>, %g: tensor<384xf32>, %b: tensor<384xf32>) -> tensor<2x128x384xf32> {
  %0 = mixer.layer_norm %x weight(%g) bias(%b)
      : (tensor<2x128x384xf32>, tensor<384xf32>, tensor<384xf32>) -> tensor<2x128x384xf32>
  return %0 : tensor<2x128x384xf32>
}

// -----

// Defaults (axis -1, epsilon 1e-5) are elided; other values print.
// CHECK-LABEL: func.func @layer_norm_attributes
// CHECK: mixer.layer_norm %{{[^ ]+}} :
// CHECK: mixer.layer_norm %{{[^ ]+}} {axis = 1 : i64, epsilon = 9.99999996E-13 : f32} :
func.func @layer_norm_attributes(%x: tensor<?x?x768xf32>) -> (tensor<?x?x768xf32>, tensor<?x?x768xf32>) {
  %0 = mixer.layer_norm %x {axis = -1 : i64, epsilon = 1.0e-5 : f32} : (tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
  %1 = mixer.layer_norm %x {axis = 1, epsilon = 1.0e-12 : f32} : (tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
  return %0, %1 : tensor<?x?x768xf32>, tensor<?x?x768xf32>
}

// -----

// Normalizing over several trailing dims takes a weight of that shape.
// CHECK-LABEL: func.func @layer_norm_two_dims
// CHECK: mixer.layer_norm %{{.+}} weight(%{{.+}}) {axis = -2 : i64} : (tensor<4x8x16xf16>, tensor<8x16xf16>)
func.func @layer_norm_two_dims(%x: tensor<4x8x16xf16>, %g: tensor<8x16xf16>) -> tensor<4x8x16xf16> {
  %0 = mixer.layer_norm %x weight(%g) {axis = -2} : (tensor<4x8x16xf16>, tensor<8x16xf16>) -> tensor<4x8x16xf16>
  return %0 : tensor<4x8x16xf16>
}

// -----

// RMSNorm with and without weight; with a bias (Pre-RMSNorm keeps LayerNorm's beta).
// CHECK-LABEL: func.func @rms_norm
// CHECK: mixer.rms_norm %{{.+}} weight(%{{.+}}) {epsilon = 9.99999997E-7 : f32} : (tensor<1x?x4096xbf16>, tensor<4096xbf16>)
// CHECK: mixer.rms_norm %{{[^ ]+}} : (tensor<1x?x4096xbf16>)
// CHECK: mixer.rms_norm %{{.+}} weight(%{{.+}}) bias(%{{.+}}) :
func.func @rms_norm(%x: tensor<1x?x4096xbf16>, %g: tensor<4096xbf16>)
    -> (tensor<1x?x4096xbf16>, tensor<1x?x4096xbf16>, tensor<1x?x4096xbf16>) {
  %0 = mixer.rms_norm %x weight(%g) {epsilon = 1.0e-6 : f32} : (tensor<1x?x4096xbf16>, tensor<4096xbf16>) -> tensor<1x?x4096xbf16>
  %1 = mixer.rms_norm %x : (tensor<1x?x4096xbf16>) -> tensor<1x?x4096xbf16>
  %2 = mixer.rms_norm %x weight(%g) bias(%g) : (tensor<1x?x4096xbf16>, tensor<4096xbf16>, tensor<4096xbf16>) -> tensor<1x?x4096xbf16>
  return %0, %1, %2 : tensor<1x?x4096xbf16>, tensor<1x?x4096xbf16>, tensor<1x?x4096xbf16>
}

// -----

// A bias without a weight keeps its place (operand segments).
// CHECK-LABEL: func.func @bias_only
// CHECK: mixer.layer_norm %{{.+}} bias(%{{.+}}) : (tensor<8x32xf32>, tensor<32xf32>)
func.func @bias_only(%x: tensor<8x32xf32>, %b: tensor<32xf32>) -> tensor<8x32xf32> {
  %0 = mixer.layer_norm %x bias(%b) : (tensor<8x32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// The compressed form reads D - 1 entries and writes D.
// CHECK-LABEL: func.func @compressed_rms_norm
// CHECK: mixer.compressed_rms_norm %{{.+}} weight(%{{.+}}) bias(%{{.+}}) {epsilon = 9.99999997E-7 : f32} :
// CHECK-SAME: (tensor<2x?x383xf32>, tensor<384xf32>, tensor<384xf32>) -> tensor<2x?x384xf32>
// CHECK: mixer.compressed_rms_norm %{{[^ ]+}} : (tensor<?xf16>) -> tensor<?xf16>
func.func @compressed_rms_norm(%x: tensor<2x?x383xf32>, %g: tensor<384xf32>, %b: tensor<384xf32>, %y: tensor<?xf16>) -> (tensor<2x?x384xf32>, tensor<?xf16>) {
  %0 = mixer.compressed_rms_norm %x weight(%g) bias(%b) {epsilon = 1.0e-6 : f32}
      : (tensor<2x?x383xf32>, tensor<384xf32>, tensor<384xf32>) -> tensor<2x?x384xf32>
  %1 = mixer.compressed_rms_norm %y : (tensor<?xf16>) -> tensor<?xf16>
  return %0, %1 : tensor<2x?x384xf32>, tensor<?xf16>
}
