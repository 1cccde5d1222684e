// RUN: mixer-opt %s --split-input-file --mixer-fold-norm-affine=remarks=true --verify-diagnostics | FileCheck %s

#id = affine_map<(b, s, d) -> (b, s, d)>
#row = affine_map<(b, s, d) -> (d)>
#lhs = affine_map<(b, s, n, k) -> (b, s, k)>
#rhs = affine_map<(b, s, n, k) -> (k, n)>
#out = affine_map<(b, s, n, k) -> (b, s, n)>

// LN(x) * gamma + beta read by two linear layers. The first feeds a bias
// addition, which absorbs beta · W1; the second does not, so beta · W2 is
// added after it. Rows of each weight are scaled by gamma:
//   gamma = [2, 3], beta = [1, -1]
//   W1 = [[1, 2], [4, 1]] -> [[2, 4], [12, 3]], bias [10, 20] + beta·W1 [-3, 1]
//   W2 = [[1, 0], [0, 1]] -> [[2, 0], [0, 3]], beta·W2 = [1, -1]
// CHECK-LABEL: func.func @two_linears
//       CHECK: %[[N:.+]] = mixer.layer_norm %{{.+}} : (tensor<?x4x2xf32>) -> tensor<?x4x2xf32>
//       CHECK: %[[W1:.+]] = arith.constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [1.200000e+01, 3.000000e+00]]> : tensor<2x2xf32>
//       CHECK: %[[MM1:.+]] = linalg.generic {{.*}} ins(%[[N]], %[[W1]] :
//       CHECK: %[[B1:.+]] = arith.constant dense<[7.000000e+00, 2.100000e+01]> : tensor<2xf32>
//       CHECK: linalg.generic {{.*}} ins(%[[B1]], %[[MM1]] :
//       CHECK: %[[W2:.+]] = arith.constant dense<{{\[}}[2.000000e+00, 0.000000e+00], [0.000000e+00, 3.000000e+00]]> : tensor<2x2xf32>
//       CHECK: %[[MM2:.+]] = linalg.generic {{.*}} ins(%[[N]], %[[W2]] :
//       CHECK: %[[B2:.+]] = arith.constant dense<[1.000000e+00, -1.000000e+00]> : tensor<2xf32>
//       CHECK: %[[SHIFTED:.+]] = linalg.generic {{.*}} ins(%[[MM2]], %[[B2]] :
//       CHECK: return %{{.+}}, %[[SHIFTED]]
func.func @two_linears(%x: tensor<?x4x2xf32>) -> (tensor<?x4x2xf32>, tensor<?x4x2xf32>) {
  %c0 = arith.constant 0 : index
  %gamma = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %w1 = arith.constant dense<[[1.0, 2.0], [4.0, 1.0]]> : tensor<2x2xf32>
  %w2 = arith.constant dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %b1 = arith.constant dense<[10.0, 20.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  // expected-remark @+1 {{folded the norm's weight and bias into 2 linear layers}}
  %h = mixer.layer_norm %x weight(%gamma) bias(%beta) : (tensor<?x4x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x4x2xf32>
  %n = tensor.dim %h, %c0 : tensor<?x4x2xf32>
  %e = tensor.empty(%n) : tensor<?x4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4x2xf32>) -> tensor<?x4x2xf32>
  %mm1 = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%h, %w1 : tensor<?x4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x4x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<?x4x2xf32>
  %y1 = linalg.generic {indexing_maps = [#row, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%b1, %mm1 : tensor<2xf32>, tensor<?x4x2xf32>) outs(%e : tensor<?x4x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<?x4x2xf32>
  %mm2 = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%h, %w2 : tensor<?x4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x4x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<?x4x2xf32>
  return %y1, %mm2 : tensor<?x4x2xf32>, tensor<?x4x2xf32>
}

// -----

#lhs = affine_map<(b, s, n, k) -> (b, s, k)>
#rhs = affine_map<(b, s, n, k) -> (n, k)>
#out = affine_map<(b, s, n, k) -> (b, s, n)>

// An RMSNorm with a weight only, read by a linear layer with a transposed
// weight ([out, in], the model dim second): columns are scaled, no shift.
// CHECK-LABEL: func.func @rms_weight_only
//       CHECK: %[[N:.+]] = mixer.rms_norm %{{.+}} : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
//       CHECK: %[[W:.+]] = arith.constant dense<{{\[}}[2.000000e+00, 6.000000e+00], [-2.000000e+00, 3.000000e+00], [0.000000e+00, 0.000000e+00]]> : tensor<3x2xf32>
//       CHECK: %[[MM:.+]] = linalg.generic {{.*}} ins(%[[N]], %[[W]] :
//       CHECK: return %[[MM]]
func.func @rms_weight_only(%x: tensor<1x4x2xf32>) -> tensor<1x4x3xf32> {
  %gamma = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %w = arith.constant dense<[[1.0, 2.0], [-1.0, 1.0], [0.0, 0.0]]> : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  // expected-remark @+1 {{folded the norm's weight and bias into 1 linear layer}}
  %h = mixer.rms_norm %x weight(%gamma) : (tensor<1x4x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %e = tensor.empty() : tensor<1x4x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x3xf32>) -> tensor<1x4x3xf32>
  %mm = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%h, %w : tensor<1x4x2xf32>, tensor<3x2xf32>) outs(%f : tensor<1x4x3xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x3xf32>
  return %mm : tensor<1x4x3xf32>
}

// -----

#id = affine_map<(b, s, d) -> (b, s, d)>

// Post-LN: the norm's output is also the residual stream, read by an
// addition; nothing changes.
// CHECK-LABEL: func.func @residual_reader
//       CHECK: mixer.layer_norm %{{.+}} weight(%{{.+}}) bias(%{{.+}})
func.func @residual_reader(%x: tensor<1x4x2xf32>, %y: tensor<1x4x2xf32>) -> tensor<1x4x2xf32> {
  %gamma = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  // expected-remark @+1 {{norm weight and bias not folded into the next linear layers: the norm is read by something else than a linear layer ('linalg.generic')}}
  %h = mixer.layer_norm %x weight(%gamma) bias(%beta) : (tensor<1x4x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %e = tensor.empty() : tensor<1x4x2xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%h, %y : tensor<1x4x2xf32>, tensor<1x4x2xf32>) outs(%e : tensor<1x4x2xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x4x2xf32>
  return %r : tensor<1x4x2xf32>
}

// -----

#lhs = affine_map<(b, s, n, k) -> (b, s, k)>
#rhs = affine_map<(b, s, n, k) -> (k, n)>
#out = affine_map<(b, s, n, k) -> (b, s, n)>

// A weight that is a function argument, and a norm over two dims: left alone.
// CHECK-LABEL: func.func @not_constant
//       CHECK: mixer.rms_norm %{{.+}} weight(%{{.+}}) :
//       CHECK: mixer.rms_norm %{{.+}} weight(%{{.+}}) {axis = -2 : i64}
func.func @not_constant(%x: tensor<1x4x2xf32>, %w: tensor<2x2xf32>, %g2: tensor<4x2xf32>) -> (tensor<1x4x2xf32>, tensor<1x4x2xf32>) {
  %gamma = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  // expected-remark @+1 {{norm weight and bias not folded into the next linear layers: a linear layer whose weight is not an f32 constant}}
  %h = mixer.rms_norm %x weight(%gamma) : (tensor<1x4x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %e = tensor.empty() : tensor<1x4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %mm = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%h, %w : tensor<1x4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<1x4x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x2xf32>
  // expected-remark @+1 {{norm weight and bias not folded into the next linear layers: only f32 norms over the last dim are folded}}
  %h2 = mixer.rms_norm %x weight(%g2) {axis = -2 : i64} : (tensor<1x4x2xf32>, tensor<4x2xf32>) -> tensor<1x4x2xf32>
  return %mm, %h2 : tensor<1x4x2xf32>, tensor<1x4x2xf32>
}
