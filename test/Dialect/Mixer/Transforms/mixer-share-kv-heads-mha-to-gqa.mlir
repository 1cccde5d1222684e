// RUN: mixer-opt %s --split-input-file --mixer-share-kv-heads="mha-to-gqa=2 remarks=true" --verify-diagnostics | FileCheck %s
// RUN: not mixer-opt %s --mixer-share-kv-heads="mha-to-gqa=-2" 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// NEGATIVE: mha-to-gqa=-2 must be positive (or 0 for off)

// MHA with 8 heads -> GQA 8:2: keys and values of heads 0-3 and 4-7 are
// averaged; the queries and the output are untouched.
// CHECK-LABEL: func.func @mha
//  CHECK-SAME: (%[[Q:.+]]: tensor<?x8x?x16xf32>, %[[K:.+]]: tensor<?x8x?x16xf32>, %[[V:.+]]: tensor<?x8x?x16xf32>, %[[M:.+]]: tensor<?x1x1x?xf32>)
//       CHECK: %[[KG:.+]] = tensor.expand_shape %[[K]] {{\[}}[0], [1, 2], [3], [4]] output_shape [%{{.+}}, 2, 4, %{{.+}}, 16]
//       CHECK: %[[QUARTER:.+]] = arith.constant 2.500000e-01 : f32
//       CHECK: %[[KM:.+]] = linalg.generic {{.+}} ins(%[[KG]] : tensor<?x2x4x?x16xf32>)
//       CHECK: arith.mulf %{{.+}}, %[[QUARTER]] : f32
//       CHECK: %[[VG:.+]] = tensor.expand_shape %[[V]]
//       CHECK: %[[VM:.+]] = linalg.generic {{.+}} ins(%[[VG]] : tensor<?x2x4x?x16xf32>)
//       CHECK: %[[O:.+]] = mixer.attention %[[Q]], %[[KM]], %[[VM]] mask(%[[M]]) {scale = 2.500000e-01 : f32} : (tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x1x1x?xf32>) -> tensor<?x8x?x16xf32>
//  CHECK-NEXT: return %[[O]]
func.func @mha(%q: tensor<?x8x?x16xf32>, %k: tensor<?x8x?x16xf32>, %v: tensor<?x8x?x16xf32>, %mask: tensor<?x1x1x?xf32>) -> tensor<?x8x?x16xf32> {
  // expected-remark @below {{K/V heads 8 -> 2 (lossy mha-to-gqa: each the mean of 4 heads)}}
  %o = mixer.attention %q, %k, %v mask(%mask) {scale = 0.25 : f32}
      : (tensor<?x8x?x16xf32>, tensor<?x8x?x16xf32>, tensor<?x8x?x16xf32>, tensor<?x1x1x?xf32>) -> tensor<?x8x?x16xf32>
  return %o : tensor<?x8x?x16xf32>
}

// -----

// GQA 8:4 -> 8:2 pools pairs of K/V heads.
// CHECK-LABEL: func.func @gqa
//       CHECK: mixer.attention {{.+}} : (tensor<1x8x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x8x4x16xf32>
func.func @gqa(%q: tensor<1x8x4x16xf32>, %k: tensor<1x4x4x16xf32>, %v: tensor<1x4x4x16xf32>) -> tensor<1x8x4x16xf32> {
  // expected-remark @below {{K/V heads 4 -> 2 (lossy mha-to-gqa: each the mean of 2 heads)}}
  %o = mixer.attention %q, %k, %v
      : (tensor<1x8x4x16xf32>, tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

// Already at (or below) 2 K/V heads, or counts 2 does not divide: left alone.
// CHECK-LABEL: func.func @left_alone
//       CHECK: mixer.attention {{.+}} : (tensor<1x4x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x4x4x16xf32>
//       CHECK: mixer.attention {{.+}} : (tensor<1x3x4x16xf32>, tensor<1x3x4x16xf32>, tensor<1x3x4x16xf32>) -> tensor<1x3x4x16xf32>
//       CHECK: mixer.attention {{.+}} : (tensor<1x2x4x16xf32>, tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>) -> tensor<1x4x4x16xf32>
func.func @left_alone(%q: tensor<1x4x4x16xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x16xf32>,
                      %q3: tensor<1x3x4x16xf32>, %q2: tensor<1x2x4x16xf32>, %k4: tensor<1x4x4x16xf32>)
    -> (tensor<1x4x4x16xf32>, tensor<1x3x4x16xf32>, tensor<1x4x4x16xf32>) {
  // expected-remark @below {{not converted to GQA: it has 2 K/V heads, not more than 2}}
  %a = mixer.attention %q, %k, %v
      : (tensor<1x4x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x4x4x16xf32>
  // expected-remark @below {{not converted to GQA: 2 K/V heads do not divide its 3 query and 3 K/V heads (with at least as many query heads)}}
  %b = mixer.attention %q3, %q3, %q3
      : (tensor<1x3x4x16xf32>, tensor<1x3x4x16xf32>, tensor<1x3x4x16xf32>) -> tensor<1x3x4x16xf32>
  // expected-remark @below {{not converted to GQA: 2 K/V heads do not divide its 2 query and 4 K/V heads (with at least as many query heads)}}
  %c = mixer.attention %q2, %k4, %k4
      : (tensor<1x2x4x16xf32>, tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>) -> tensor<1x4x4x16xf32>
  return %a, %b, %c : tensor<1x4x4x16xf32>, tensor<1x3x4x16xf32>, tensor<1x4x4x16xf32>
}
