// RUN: mixer-opt %s --split-input-file | mixer-opt --split-input-file | FileCheck %s

// Every head grouping the op supports round-trips in its pretty form.

// CHECK-LABEL: func.func @multi_head
// CHECK: mixer.attention %{{.+}}, %{{.+}}, %{{.+}} :
// CHECK-SAME: (tensor<2x12x128x64xf32>, tensor<2x12x128x64xf32>, tensor<2x12x128x64xf32>) -> tensor<2x12x128x64xf32>
func.func @multi_head(%q: tensor<2x12x128x64xf32>, %k: tensor<2x12x128x64xf32>,
                      %v: tensor<2x12x128x64xf32>) -> tensor<2x12x128x64xf32> {
  %0 = mixer.attention %q, %k, %v
      : (tensor<2x12x128x64xf32>, tensor<2x12x128x64xf32>, tensor<2x12x128x64xf32>) -> tensor<2x12x128x64xf32>
  return %0 : tensor<2x12x128x64xf32>
}

// -----

// CHECK-LABEL: func.func @grouped_query
// CHECK: mixer.attention {{.*}} {causal}
// CHECK-SAME: (tensor<1x32x16x128xf32>, tensor<1x8x16x128xf32>, tensor<1x8x16x128xf32>) -> tensor<1x32x16x128xf32>
func.func @grouped_query(%q: tensor<1x32x16x128xf32>, %k: tensor<1x8x16x128xf32>,
                         %v: tensor<1x8x16x128xf32>) -> tensor<1x32x16x128xf32> {
  %0 = mixer.attention %q, %k, %v {causal}
      : (tensor<1x32x16x128xf32>, tensor<1x8x16x128xf32>, tensor<1x8x16x128xf32>) -> tensor<1x32x16x128xf32>
  return %0 : tensor<1x32x16x128xf32>
}

// -----

// CHECK-LABEL: func.func @multi_query
// CHECK: mixer.attention
// CHECK-SAME: tensor<1x1x16x64xf32>, tensor<1x1x16x64xf32>) -> tensor<1x16x1x64xf32>
func.func @multi_query(%q: tensor<1x16x1x64xf32>, %k: tensor<1x1x16x64xf32>,
                       %v: tensor<1x1x16x64xf32>) -> tensor<1x16x1x64xf32> {
  %0 = mixer.attention %q, %k, %v
      : (tensor<1x16x1x64xf32>, tensor<1x1x16x64xf32>, tensor<1x1x16x64xf32>) -> tensor<1x16x1x64xf32>
  return %0 : tensor<1x16x1x64xf32>
}

// -----

// Sparse Query Attention's reverse variant: fewer query heads than K/V heads;
// the result has one head per K/V head.
// CHECK-LABEL: func.func @fewer_query_than_kv_heads
// CHECK: mixer.attention
// CHECK-SAME: (tensor<1x4x64x16xf32>, tensor<1x16x64x16xf32>, tensor<1x16x64x16xf32>) -> tensor<1x16x64x16xf32>
func.func @fewer_query_than_kv_heads(%q: tensor<1x4x64x16xf32>, %k: tensor<1x16x64x16xf32>,
                                     %v: tensor<1x16x64x16xf32>) -> tensor<1x16x64x16xf32> {
  %0 = mixer.attention %q, %k, %v
      : (tensor<1x4x64x16xf32>, tensor<1x16x64x16xf32>, tensor<1x16x64x16xf32>) -> tensor<1x16x64x16xf32>
  return %0 : tensor<1x16x64x16xf32>
}

// -----

// The value head dim may differ from the query/key head dim.
// CHECK-LABEL: func.func @value_head_dim_differs
// CHECK: mixer.attention {{.*}} {scale = 1.250000e-01 : f32}
// CHECK-SAME: -> tensor<1x4x8x96xf32>
func.func @value_head_dim_differs(%q: tensor<1x4x8x64xf32>, %k: tensor<1x4x32x64xf32>,
                                  %v: tensor<1x4x32x96xf32>) -> tensor<1x4x8x96xf32> {
  %0 = mixer.attention %q, %k, %v {scale = 0.125 : f32}
      : (tensor<1x4x8x64xf32>, tensor<1x4x32x64xf32>, tensor<1x4x32x96xf32>) -> tensor<1x4x8x96xf32>
  return %0 : tensor<1x4x8x96xf32>
}

// -----

// Dynamic batch and sequence (ONNX dim_param) stay dynamic.
// CHECK-LABEL: func.func @dynamic_batch_and_seq
// CHECK: mixer.attention
// CHECK-SAME: (tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) -> tensor<?x8x?x64xf32>
func.func @dynamic_batch_and_seq(%q: tensor<?x8x?x64xf32>, %k: tensor<?x2x?x64xf32>,
                                 %v: tensor<?x2x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %0 = mixer.attention %q, %k, %v
      : (tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) -> tensor<?x8x?x64xf32>
  return %0 : tensor<?x8x?x64xf32>
}

// -----

// An additive float mask of full rank and a broadcast boolean mask.
// CHECK-LABEL: func.func @masks
// CHECK: mixer.attention %{{.+}}, %{{.+}}, %{{.+}} mask(%[[ADD:.+]]) :
// CHECK-SAME: tensor<2x1x16x16xf32>
// CHECK: mixer.attention %{{.+}}, %{{.+}}, %{{.+}} mask(%[[KEEP:.+]]) {causal} :
// CHECK-SAME: tensor<16x16xi1>
func.func @masks(%q: tensor<2x4x16x64xf32>, %k: tensor<2x4x16x64xf32>, %v: tensor<2x4x16x64xf32>,
                 %add: tensor<2x1x16x16xf32>, %keep: tensor<16x16xi1>)
    -> (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>) {
  %0 = mixer.attention %q, %k, %v mask(%add)
      : (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x1x16x16xf32>) -> tensor<2x4x16x64xf32>
  %1 = mixer.attention %q, %k, %v mask(%keep) {causal}
      : (tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>, tensor<16x16xi1>) -> tensor<2x4x16x64xf32>
  return %0, %1 : tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>
}

// -----

// Per-sequence lengths for variable-length batches, together with a mask.
// CHECK-LABEL: func.func @seq_lens
// CHECK: mixer.attention %{{.+}}, %{{.+}}, %{{.+}} mask(%{{.+}}) seq_lens(%{{.+}}) :
// CHECK-SAME: tensor<1x1x1x64xf32>, tensor<4xi32>) -> tensor<4x8x1x64xf32>
func.func @seq_lens(%q: tensor<4x8x1x64xf32>, %k: tensor<4x8x64x64xf32>, %v: tensor<4x8x64x64xf32>,
                    %bias: tensor<1x1x1x64xf32>, %lens: tensor<4xi32>) -> tensor<4x8x1x64xf32> {
  %0 = mixer.attention %q, %k, %v mask(%bias) seq_lens(%lens)
      : (tensor<4x8x1x64xf32>, tensor<4x8x64x64xf32>, tensor<4x8x64x64xf32>, tensor<1x1x1x64xf32>, tensor<4xi32>) -> tensor<4x8x1x64xf32>
  return %0 : tensor<4x8x1x64xf32>
}

// -----

// 16-bit element types.
// CHECK-LABEL: func.func @half_precision
// CHECK: -> tensor<1x8x32x64xbf16>
// CHECK: -> tensor<1x8x32x64xf16>
func.func @half_precision(%qb: tensor<1x8x32x64xbf16>, %qh: tensor<1x8x32x64xf16>)
    -> (tensor<1x8x32x64xbf16>, tensor<1x8x32x64xf16>) {
  %0 = mixer.attention %qb, %qb, %qb
      : (tensor<1x8x32x64xbf16>, tensor<1x8x32x64xbf16>, tensor<1x8x32x64xbf16>) -> tensor<1x8x32x64xbf16>
  %1 = mixer.attention %qh, %qh, %qh
      : (tensor<1x8x32x64xf16>, tensor<1x8x32x64xf16>, tensor<1x8x32x64xf16>) -> tensor<1x8x32x64xf16>
  return %0, %1 : tensor<1x8x32x64xbf16>, tensor<1x8x32x64xf16>
}
