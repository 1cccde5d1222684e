// RUN: mixer-opt %s --split-input-file --mixer-fold-layernorm-to-rmsnorm="compressed=true remarks=true" --canonicalize --verify-diagnostics | FileCheck %s

#id = affine_map<(b, s, d) -> (b, s, d)>
#row = affine_map<(b, s, d) -> (d)>
#pos = affine_map<(b, s, d) -> (s, d)>
#lhs = affine_map<(b, s, n, k) -> (b, s, k)>
#rhs = affine_map<(b, s, n, k) -> (k, n)>
#out = affine_map<(b, s, n, k) -> (b, s, n)>

// Pre-CRMSNorm on a Pre-LN block x = pos + ...; x2 = x + (LN1(x) · W + b);
// LN_f(x2), model dim 3. The stream is kept in its first 2 entries: the
// position embedding, W and b are made zero-mean and lose their last
// column, the additions and the linear layer compute 2 features, and both
// LayerNorms read the stream through mixer.compressed_rms_norm.
//   pos = [[0, 3, 6], [1, 1, 4]]  -> zero-mean [[-3, 0, 3], [-1, -1, 2]]
//   W   = [[1, 2, 3], [3, 3, 0], [0, 3, 0]]
//       -> zero-mean [[-1, 0, 1], [1, 1, -2], [-1, 2, -1]]
//   b   = [1, 2, 6]               -> zero-mean [-2, -1, 3]
// CHECK-LABEL: func.func @pre_ln
//   CHECK-DAG: %[[POS:.+]] = arith.constant dense<{{\[}}[-3.000000e+00, 0.000000e+00], [-1.000000e+00, -1.000000e+00]]> : tensor<2x2xf32>
//   CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[}}[-1.000000e+00, 0.000000e+00], [1.000000e+00, 1.000000e+00], [-1.000000e+00, 2.000000e+00]]> : tensor<3x2xf32>
//   CHECK-DAG: %[[B:.+]] = arith.constant dense<[-2.000000e+00, -1.000000e+00]> : tensor<2xf32>
//       CHECK: %[[X:.+]] = linalg.generic {{.*}} ins(%[[POS]] : tensor<2x2xf32>) outs(%{{.+}} : tensor<1x2x2xf32>)
//       CHECK: %[[N1:.+]] = mixer.compressed_rms_norm %[[X]] weight(%{{.+}}) : (tensor<1x2x2xf32>, tensor<3xf32>) -> tensor<1x2x3xf32>
//       CHECK: %[[MM:.+]] = linalg.generic {{.*}} ins(%[[N1]], %[[W]] : tensor<1x2x3xf32>, tensor<3x2xf32>) outs(%{{.+}} : tensor<1x2x2xf32>)
//       CHECK: %[[PROJ:.+]] = linalg.generic {{.*}} ins(%[[B]], %[[MM]] : tensor<2xf32>, tensor<1x2x2xf32>)
//       CHECK: %[[X2:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[PROJ]] : tensor<1x2x2xf32>, tensor<1x2x2xf32>)
//       CHECK: %[[NF:.+]] = mixer.compressed_rms_norm %[[X2]] : (tensor<1x2x2xf32>) -> tensor<1x2x3xf32>
//       CHECK: return %[[NF]]
//   CHECK-NOT: mixer.layer_norm
func.func @pre_ln(%gamma: tensor<3xf32>) -> tensor<1x2x3xf32> {
  %pos = arith.constant dense<[[0.0, 3.0, 6.0], [1.0, 1.0, 4.0]]> : tensor<2x3xf32>
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [3.0, 3.0, 0.0], [0.0, 3.0, 0.0]]> : tensor<3x3xf32>
  %b = arith.constant dense<[1.0, 2.0, 6.0]> : tensor<3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x3xf32>
  %x = linalg.generic {indexing_maps = [#pos, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%pos : tensor<2x3xf32>) outs(%e : tensor<1x2x3xf32>) {
  ^bb0(%p: f32, %o: f32):
    linalg.yield %p : f32
  } -> tensor<1x2x3xf32>
  // expected-remark @+1 {{folded 2 LayerNorms of this residual stream into compressed RMSNorm (3 constants made zero-mean)}}
  %h = mixer.layer_norm %x weight(%gamma) : (tensor<1x2x3xf32>, tensor<3xf32>) -> tensor<1x2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  %mm = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%h, %w : tensor<1x2x3xf32>, tensor<3x3xf32>) outs(%f : tensor<1x2x3xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x3xf32>
  %proj = linalg.generic {indexing_maps = [#row, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%b, %mm : tensor<3xf32>, tensor<1x2x3xf32>) outs(%e : tensor<1x2x3xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<1x2x3xf32>
  %x2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %proj : tensor<1x2x3xf32>, tensor<1x2x3xf32>) outs(%e : tensor<1x2x3xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<1x2x3xf32>
  %nf = mixer.layer_norm %x2 : (tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  return %nf : tensor<1x2x3xf32>
}

// -----

#id = affine_map<(b, s, d) -> (b, s, d)>
#pos = affine_map<(b, s, d) -> (s, d)>

// The stream's model dim is asked for (a dynamic index): folded into plain
// RMSNorms, not compressed.
// CHECK-LABEL: func.func @model_dim_queried
//       CHECK: mixer.rms_norm
//   CHECK-NOT: mixer.compressed_rms_norm
func.func @model_dim_queried(%i: index) -> (tensor<1x2x3xf32>, index) {
  %pos = arith.constant dense<[[0.0, 3.0, 6.0], [1.0, 1.0, 4.0]]> : tensor<2x3xf32>
  %e = tensor.empty() : tensor<1x2x3xf32>
  %x = linalg.generic {indexing_maps = [#pos, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%pos : tensor<2x3xf32>) outs(%e : tensor<1x2x3xf32>) {
  ^bb0(%p: f32, %o: f32):
    linalg.yield %p : f32
  } -> tensor<1x2x3xf32>
  %d = tensor.dim %x, %i : tensor<1x2x3xf32>
  // expected-remark @+1 {{folded 1 LayerNorms of this residual stream into RMSNorm (1 constants made zero-mean); the stream is not compressed: the stream's model dim is queried}}
  %n = mixer.layer_norm %x : (tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  return %n, %d : tensor<1x2x3xf32>, index
}
