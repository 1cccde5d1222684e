// RUN: mixer-opt %s --split-input-file --mixer-fold-layernorm-to-rmsnorm=remarks=true --verify-diagnostics | FileCheck %s

#id = affine_map<(b, s, d) -> (b, s, d)>
#row = affine_map<(b, s, d) -> (d)>
#lhs = affine_map<(b, s, n, k) -> (b, s, k)>
#rhs = affine_map<(b, s, n, k) -> (k, n)>
#out = affine_map<(b, s, n, k) -> (b, s, n)>

// A Pre-LN block: x = tok[ids] + pos; x2 = x + (LN1(x) · W + b); LN_f(x2).
// The constants that write into the stream become zero-mean along the model
// dim (the token table's and pos's rows, W's rows, b), and both LayerNorms
// become RMSNorms with the same weight, bias and epsilon.
// CHECK-LABEL: func.func @pre_ln
//       CHECK: arith.constant dense<{{\[}}[-3.000000e+00, 3.000000e+00], [5.000000e-01, -5.000000e-01], [0.000000e+00, 0.000000e+00]]> : tensor<3x2xf32>
//       CHECK: tensor.extract %{{.+}} : tensor<3x2xf32>
//       CHECK: %[[POS:.+]] = arith.constant dense<{{\[}}[-1.000000e+00, 1.000000e+00], [-2.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
//       CHECK: %[[N1:.+]] = mixer.rms_norm %{{.+}} weight(%{{.+}}) :
//       CHECK: %[[W:.+]] = arith.constant dense<{{\[}}[-5.000000e-01, 5.000000e-01], [1.500000e+00, -1.500000e+00]]> : tensor<2x2xf32>
//       CHECK: linalg.generic {{.*}} ins(%[[N1]], %[[W]] :
//       CHECK: %[[B:.+]] = arith.constant dense<[-2.500000e+00, 2.500000e+00]> : tensor<2xf32>
//       CHECK: mixer.rms_norm
//   CHECK-NOT: mixer.layer_norm
func.func @pre_ln(%ids: tensor<1x2xindex>, %gamma: tensor<2xf32>) -> tensor<1x2x2xf32> {
  %tok = arith.constant dense<[[1.0, 7.0], [2.0, 1.0], [3.0, 3.0]]> : tensor<3x2xf32>
  %pos = arith.constant dense<[[0.0, 2.0], [1.0, 5.0]]> : tensor<2x2xf32>
  %w = arith.constant dense<[[1.0, 2.0], [4.0, 1.0]]> : tensor<2x2xf32>
  %b = arith.constant dense<[1.0, 6.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x2xf32>
  %x = linalg.generic {indexing_maps = [affine_map<(b, s, d) -> (b, s)>, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ids : tensor<1x2xindex>) outs(%e : tensor<1x2x2xf32>) {
  ^bb0(%i: index, %o: f32):
    %d = linalg.index 2 : index
    %v = tensor.extract %tok[%i, %d] : tensor<3x2xf32>
    linalg.yield %v : f32
  } -> tensor<1x2x2xf32>
  %x0 = linalg.generic {indexing_maps = [#id, affine_map<(b, s, d) -> (s, d)>, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %pos : tensor<1x2x2xf32>, tensor<2x2xf32>) outs(%e : tensor<1x2x2xf32>) {
  ^bb0(%a: f32, %p: f32, %o: f32):
    %r = arith.addf %a, %p : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2xf32>
  // expected-remark @+1 {{folded 2 LayerNorms of this residual stream into RMSNorm (4 constants made zero-mean)}}
  %h = mixer.layer_norm %x0 weight(%gamma) {epsilon = 1.0e-5 : f32} : (tensor<1x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %mm = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%h, %w : tensor<1x2x2xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2xf32>
  %proj = linalg.generic {indexing_maps = [#row, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%b, %mm : tensor<2xf32>, tensor<1x2x2xf32>) outs(%e : tensor<1x2x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2xf32>
  %x1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x0, %proj : tensor<1x2x2xf32>, tensor<1x2x2xf32>) outs(%e : tensor<1x2x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2xf32>
  %y = mixer.layer_norm %x1 : (tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  return %y : tensor<1x2x2xf32>
}

// -----

#id = affine_map<(b, s, d) -> (b, s, d)>

// The stream is also returned: its mean matters, nothing changes.
// CHECK-LABEL: func.func @negative_stream_returned
//       CHECK: mixer.layer_norm
func.func @negative_stream_returned(%x: tensor<1x2x2xf32>, %y: tensor<1x2x2xf32>) -> (tensor<1x2x2xf32>, tensor<1x2x2xf32>) {
  %e = tensor.empty() : tensor<1x2x2xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %y : tensor<1x2x2xf32>, tensor<1x2x2xf32>) outs(%e : tensor<1x2x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2xf32>
  // expected-remark @+1 {{not folded into RMSNorm: the stream is read by something else than a LayerNorm ('func.return')}}
  %n = mixer.layer_norm %s : (tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  return %n, %s : tensor<1x2x2xf32>, tensor<1x2x2xf32>
}

// -----

#id = affine_map<(b, s, d) -> (b, s, d)>

// Post-LN (BERT): the stream is written by a LayerNorm, which the next
// block's input also reads raw: nothing changes.
// CHECK-LABEL: func.func @negative_post_ln
//       CHECK: mixer.layer_norm
//       CHECK: mixer.layer_norm
func.func @negative_post_ln(%x: tensor<1x2x2xf32>, %y: tensor<1x2x2xf32>) -> tensor<1x2x2xf32> {
  %e = tensor.empty() : tensor<1x2x2xf32>
  // expected-remark @+1 {{not folded into RMSNorm: the stream is written by a function argument}}
  %n0 = mixer.layer_norm %x : (tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%n0, %y : tensor<1x2x2xf32>, tensor<1x2x2xf32>) outs(%e : tensor<1x2x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2xf32>
  // expected-remark @+1 {{not folded into RMSNorm: the stream is written by a normalization: a Post-LN block}}
  %n1 = mixer.layer_norm %s : (tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  return %n1 : tensor<1x2x2xf32>
}
