// RUN: mixer-opt %s --convert-mixer-to-linalg --split-input-file --verify-diagnostics | FileCheck %s

// Grouped-query attention: 8 query heads share 2 K/V heads. Kᵀ and V are
// read through `h floordiv 4`: no repeated heads are built (Kᵀ puts the
// keys in the unit-stride dim, as the GEMM kernel wants its columns).
// CHECK-DAG: #[[Q:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[KV:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 4, d4, d3)>
// CHECK: func.func @gqa
// CHECK-NOT: mixer.attention
// CHECK-DAG: %[[SCALE:.+]] = arith.constant 1.250000e-01 : f32
// CHECK-DAG: %[[OFFSET:.+]] = arith.constant 16 : index
// CHECK: %[[KT:.+]] = linalg.transpose ins(%arg1 : tensor<2x2x32x64xf32>) outs(%{{.+}} : tensor<2x2x64x32xf32>) permutation = [0, 1, 3, 2]
// CHECK: linalg.generic {indexing_maps = [#[[Q]], #[[KV]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %[[KT]]
// CHECK: arith.mulf
// CHECK: arith.addf
// Scale 1/sqrt(64), then the causal limit j <= i + (32 - 16).
// CHECK: linalg.generic
// CHECK: arith.mulf %{{.*}}, %[[SCALE]]
// CHECK: %[[J:.+]] = linalg.index 3
// CHECK: %[[I:.+]] = linalg.index 2
// CHECK: %[[LAST:.+]] = arith.addi %[[I]], %[[OFFSET]]
// CHECK: arith.cmpi sle, %[[J]], %[[LAST]]
// CHECK: arith.select
// Row max, exp, row sum, P·V, normalize.
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: linalg.generic {indexing_maps = [{{.*}}, #[[KV]], {{.*}}]
// CHECK: arith.divf
// CHECK: return {{.*}} : tensor<2x8x16x48xf32>
func.func @gqa(%q: tensor<2x8x16x64xf32>, %k: tensor<2x2x32x64xf32>,
               %v: tensor<2x2x32x48xf32>) -> tensor<2x8x16x48xf32> {
  %o = mixer.attention %q, %k, %v {causal}
      : (tensor<2x8x16x64xf32>, tensor<2x2x32x64xf32>, tensor<2x2x32x48xf32>)
      -> tensor<2x8x16x48xf32>
  return %o : tensor<2x8x16x48xf32>
}

// -----

// Sparse Query Attention with fewer query heads (2) than K/V heads (4): the
// query is read through `h floordiv 2` and the result has 4 heads.
// CHECK-DAG: #[[SQ:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d2, d4)>
// CHECK: func.func @sqa
// CHECK: linalg.generic {indexing_maps = [#[[SQ]],
// CHECK: return {{.*}} : tensor<1x4x8x16xf32>
func.func @sqa(%q: tensor<1x2x8x16xf32>, %k: tensor<1x4x8x16xf32>,
               %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %o = mixer.attention %q, %k, %v
      : (tensor<1x2x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>)
      -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// A boolean mask broadcast from [seq_q, seq_kv] and per-sequence lengths;
// f16 inputs accumulate in f32. The scale is the attribute.
// CHECK-DAG: #[[MASK:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[LENS:.+]] = affine_map<(d0, d1, d2, d3) -> (d0)>
// CHECK: func.func @masked_f16
// CHECK: arith.constant 5.000000e-01 : f32
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK: linalg.generic {indexing_maps = [{{.*}}, #[[MASK]], #[[LENS]], {{.*}}]
// CHECK: ^bb0(%{{.*}}: f32, %[[M:.*]]: i1, %[[LEN:.*]]: i32,
// CHECK: arith.index_cast %[[LEN]]
// CHECK: arith.cmpi slt
// CHECK: arith.andi %[[M]]
// CHECK: arith.truncf {{.*}} : f32 to f16
func.func @masked_f16(%q: tensor<2x4x8x16xf16>, %k: tensor<2x4x8x16xf16>,
                      %v: tensor<2x4x8x16xf16>, %m: tensor<8x8xi1>,
                      %lens: tensor<2xi32>) -> tensor<2x4x8x16xf16> {
  %o = mixer.attention %q, %k, %v mask(%m) seq_lens(%lens) {scale = 0.5 : f32}
      : (tensor<2x4x8x16xf16>, tensor<2x4x8x16xf16>, tensor<2x4x8x16xf16>,
         tensor<8x8xi1>, tensor<2xi32>) -> tensor<2x4x8x16xf16>
  return %o : tensor<2x4x8x16xf16>
}

// -----

// Dynamic head counts cannot be grouped by an affine map: refused at the op.
func.func @dynamic_heads(%q: tensor<1x?x8x16xf32>, %k: tensor<1x?x8x16xf32>,
                         %v: tensor<1x?x8x16xf32>) -> tensor<1x?x8x16xf32> {
  // expected-error @+1 {{unsupported: the lowering needs static head counts to group heads, got ? query and ? key/value heads}}
  %o = mixer.attention %q, %k, %v
      : (tensor<1x?x8x16xf32>, tensor<1x?x8x16xf32>, tensor<1x?x8x16xf32>)
      -> tensor<1x?x8x16xf32>
  return %o : tensor<1x?x8x16xf32>
}
