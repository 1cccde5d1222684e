// RUN: mixer-opt %s --split-input-file --mixer-raise-norms=remarks=true --canonicalize --verify-diagnostics | FileCheck %s

#id = affine_map<(b, s, d) -> (b, s, d)>
#scalar = affine_map<(b, s, d) -> ()>
#rows = affine_map<(b, s, d) -> (b, s)>
#keep = affine_map<(b, s, d) -> (b, s, 0)>
#feat = affine_map<(b, s, d) -> (d)>

// LLaMA's RMSNorm as the importer writes it: Pow(x, 2), a sum over the last
// dim, a keepdims reshape, / D, + eps, Sqrt, 1 / (...), * x, * weight.
// CHECK-LABEL: func.func @llama_rmsnorm
//  CHECK-SAME: (%[[X:.+]]: tensor<2x?x4xf32>)
//       CHECK: %[[W:.+]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]>
//       CHECK: %[[N:.+]] = mixer.rms_norm %[[X]] weight(%[[W]]) {epsilon = 9.99999997E-7 : f32} : (tensor<2x?x4xf32>, tensor<4xf32>) -> tensor<2x?x4xf32>
//  CHECK-NEXT: return %[[N]]
func.func @llama_rmsnorm(%x: tensor<2x?x4xf32>) -> tensor<2x?x4xf32> {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant dense<2.0> : tensor<f32>
  %four = arith.constant dense<4.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-6> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %w = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %s = tensor.dim %x, %c1 : tensor<2x?x4xf32>
  %e = tensor.empty(%s) : tensor<2x?x4xf32>
  %sq = linalg.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %two : tensor<2x?x4xf32>, tensor<f32>) outs(%e : tensor<2x?x4xf32>) {
  ^bb0(%a: f32, %p: f32, %o: f32):
    %r = math.powf %a, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x?x4xf32>
  %er = tensor.empty(%s) : tensor<2x?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%er : tensor<2x?xf32>) -> tensor<2x?xf32>
  %sum = linalg.generic {indexing_maps = [#id, #rows], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%sq : tensor<2x?x4xf32>) outs(%f : tensor<2x?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<2x?xf32>
  %shape = tensor.from_elements %c2, %s, %c1 : tensor<3xindex>
  %kept = tensor.reshape %sum(%shape) : (tensor<2x?xf32>, tensor<3xindex>) -> tensor<2x?x1xf32>
  %ek = tensor.empty(%s) : tensor<2x?x1xf32>
  %mean = linalg.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%kept, %four : tensor<2x?x1xf32>, tensor<f32>) outs(%ek : tensor<2x?x1xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.divf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x?x1xf32>
  %t = linalg.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%mean, %eps : tensor<2x?x1xf32>, tensor<f32>) outs(%ek : tensor<2x?x1xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x?x1xf32>
  %rt = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%t : tensor<2x?x1xf32>) outs(%ek : tensor<2x?x1xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.sqrt %a : f32
    linalg.yield %r : f32
  } -> tensor<2x?x1xf32>
  %inv = linalg.generic {indexing_maps = [#scalar, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%one, %rt : tensor<f32>, tensor<2x?x1xf32>) outs(%ek : tensor<2x?x1xf32>) {
  ^bb0(%c: f32, %a: f32, %o: f32):
    %r = arith.divf %c, %a : f32
    linalg.yield %r : f32
  } -> tensor<2x?x1xf32>
  // expected-remark @+1 {{raised a decomposed RMSNorm with its weight}}
  %y = linalg.generic {indexing_maps = [#id, #keep, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %inv : tensor<2x?x4xf32>, tensor<2x?x1xf32>) outs(%e : tensor<2x?x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x?x4xf32>
  %out = linalg.generic {indexing_maps = [#feat, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%w, %y : tensor<4xf32>, tensor<2x?x4xf32>) outs(%e : tensor<2x?x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x?x4xf32>
  return %out : tensor<2x?x4xf32>
}

// -----

#id = affine_map<(s, d) -> (s, d)>
#scalar = affine_map<(s, d) -> ()>
#row = affine_map<(s, d) -> (s)>

// x * x, a sum times 1/D without keepdims, eps = 1e-5 (the default, not
// printed), Rsqrt, the product with x first
// or second, no weight.
// CHECK-LABEL: func.func @rsqrt_form
//  CHECK-SAME: (%[[X:.+]]: tensor<3x8xf32>)
//       CHECK: %[[N:.+]] = mixer.rms_norm %[[X]] : (tensor<3x8xf32>) -> tensor<3x8xf32>
//  CHECK-NEXT: return %[[N]]
func.func @rsqrt_form(%x: tensor<3x8xf32>) -> tensor<3x8xf32> {
  %zero = arith.constant 0.0 : f32
  %eighth = arith.constant 0.125 : f32
  %eps = arith.constant 1.0e-5 : f32
  %e = tensor.empty() : tensor<3x8xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<3x8xf32>) outs(%e : tensor<3x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<3x8xf32>
  %er = tensor.empty() : tensor<3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%er : tensor<3xf32>) -> tensor<3xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%sq : tensor<3x8xf32>) outs(%f : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %o, %a : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %mean = linalg.generic {indexing_maps = [affine_map<(s) -> (s)>, affine_map<(s) -> (s)>], iterator_types = ["parallel"]}
      ins(%sum : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %eighth, %a : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(s) -> (s)>, affine_map<(s) -> (s)>], iterator_types = ["parallel"]}
      ins(%mean : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %eps, %a : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %inv = linalg.generic {indexing_maps = [affine_map<(s) -> (s)>, affine_map<(s) -> (s)>], iterator_types = ["parallel"]}
      ins(%t : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.rsqrt %a : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  // expected-remark @+1 {{raised a decomposed RMSNorm}}
  %y = linalg.generic {indexing_maps = [#row, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%inv, %x : tensor<3xf32>, tensor<3x8xf32>) outs(%e : tensor<3x8xf32>) {
  ^bb0(%b: f32, %a: f32, %o: f32):
    %r = arith.mulf %b, %a : f32
    linalg.yield %r : f32
  } -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

#id = affine_map<(s, d) -> (s, d)>
#row = affine_map<(s, d) -> (s)>
#feat = affine_map<(s, d) -> (d)>
#v = affine_map<(s) -> (s)>

// LayerNorm as opset-14 exports write it: mean, x - mean, Pow(c, 2), mean,
// + eps, Sqrt, c / sqrt, * gamma, + beta.
// CHECK-LABEL: func.func @layernorm
//  CHECK-SAME: (%[[X:.+]]: tensor<3x4xf32>)
//   CHECK-DAG: %[[G:.+]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]>
//   CHECK-DAG: %[[B:.+]] = arith.constant dense<[5.000000e-01, 0.000000e+00, 0.000000e+00, 1.000000e+00]>
//       CHECK: %[[N:.+]] = mixer.layer_norm %[[X]] weight(%[[G]]) bias(%[[B]]) {epsilon = 9.99999996E-13 : f32}
//  CHECK-NEXT: return %[[N]]
func.func @layernorm(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %four = arith.constant 4.0 : f32
  %two = arith.constant 2.0 : f32
  %eps = arith.constant 1.0e-12 : f32
  %g = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %b = arith.constant dense<[0.5, 0.0, 0.0, 1.0]> : tensor<4xf32>
  %e = tensor.empty() : tensor<3x4xf32>
  %er = tensor.empty() : tensor<3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%er : tensor<3xf32>) -> tensor<3xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<3x4xf32>) outs(%f : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %mean = linalg.generic {indexing_maps = [#v, #v], iterator_types = ["parallel"]}
      ins(%sum : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.divf %a, %four : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %c = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mean : tensor<3x4xf32>, tensor<3xf32>) outs(%e : tensor<3x4xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %r = arith.subf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<3x4xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : tensor<3x4xf32>) outs(%e : tensor<3x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.powf %a, %two : f32
    linalg.yield %r : f32
  } -> tensor<3x4xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%er : tensor<3xf32>) -> tensor<3xf32>
  %sum2 = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%sq : tensor<3x4xf32>) outs(%f2 : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %var = linalg.generic {indexing_maps = [#v, #v], iterator_types = ["parallel"]}
      ins(%sum2 : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.divf %a, %four : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %t = linalg.generic {indexing_maps = [#v, #v], iterator_types = ["parallel"]}
      ins(%var : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %eps : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %sd = linalg.generic {indexing_maps = [#v, #v], iterator_types = ["parallel"]}
      ins(%t : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.sqrt %a : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  // expected-remark @+1 {{raised a decomposed LayerNorm with its weight and bias}}
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c, %sd : tensor<3x4xf32>, tensor<3xf32>) outs(%e : tensor<3x4xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %r = arith.divf %a, %s : f32
    linalg.yield %r : f32
  } -> tensor<3x4xf32>
  %yg = linalg.generic {indexing_maps = [#id, #feat, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y, %g : tensor<3x4xf32>, tensor<4xf32>) outs(%e : tensor<3x4xf32>) {
  ^bb0(%a: f32, %w: f32, %o: f32):
    %r = arith.mulf %a, %w : f32
    linalg.yield %r : f32
  } -> tensor<3x4xf32>
  %out = linalg.generic {indexing_maps = [#feat, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b, %yg : tensor<4xf32>, tensor<3x4xf32>) outs(%e : tensor<3x4xf32>) {
  ^bb0(%w: f32, %a: f32, %o: f32):
    %r = arith.addf %w, %a : f32
    linalg.yield %r : f32
  } -> tensor<3x4xf32>
  return %out : tensor<3x4xf32>
}

// -----

#id = affine_map<(s, d) -> (s, d)>
#row = affine_map<(s, d) -> (s)>

// Not raised: the mean divides by 4 over a dim of 8; and (second function)
// the mean of squares is also returned.
// CHECK-LABEL: func.func @wrong_count
//   CHECK-NOT: mixer.rms_norm
// CHECK-LABEL: func.func @shared_statistic
//   CHECK-NOT: mixer.rms_norm
func.func @wrong_count(%x: tensor<3x8xf32>) -> tensor<3x8xf32> {
  %zero = arith.constant 0.0 : f32
  %eight = arith.constant 4.0 : f32
  %eps = arith.constant 1.0e-5 : f32
  %e = tensor.empty() : tensor<3x8xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<3x8xf32>) outs(%e : tensor<3x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<3x8xf32>
  %er = tensor.empty() : tensor<3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%er : tensor<3xf32>) -> tensor<3xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%sq : tensor<3x8xf32>) outs(%f : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %o, %a : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %mean = linalg.generic {indexing_maps = [affine_map<(s) -> (s)>, affine_map<(s) -> (s)>], iterator_types = ["parallel"]}
      ins(%sum : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.divf %a, %eight : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(s) -> (s)>, affine_map<(s) -> (s)>], iterator_types = ["parallel"]}
      ins(%mean : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %eps : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %inv = linalg.generic {indexing_maps = [affine_map<(s) -> (s)>, affine_map<(s) -> (s)>], iterator_types = ["parallel"]}
      ins(%t : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.rsqrt %a : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %inv : tensor<3x8xf32>, tensor<3xf32>) outs(%e : tensor<3x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

func.func @shared_statistic(%x: tensor<3x8xf32>) -> (tensor<3x8xf32>, tensor<3xf32>) {
  %zero = arith.constant 0.0 : f32
  %eight = arith.constant 8.0 : f32
  %eps = arith.constant 1.0e-5 : f32
  %e = tensor.empty() : tensor<3x8xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<3x8xf32>) outs(%e : tensor<3x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<3x8xf32>
  %er = tensor.empty() : tensor<3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%er : tensor<3xf32>) -> tensor<3xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%sq : tensor<3x8xf32>) outs(%f : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %o, %a : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %mean = linalg.generic {indexing_maps = [affine_map<(s) -> (s)>, affine_map<(s) -> (s)>], iterator_types = ["parallel"]}
      ins(%sum : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.divf %a, %eight : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(s) -> (s)>, affine_map<(s) -> (s)>], iterator_types = ["parallel"]}
      ins(%mean : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %eps : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %inv = linalg.generic {indexing_maps = [affine_map<(s) -> (s)>, affine_map<(s) -> (s)>], iterator_types = ["parallel"]}
      ins(%t : tensor<3xf32>) outs(%er : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.rsqrt %a : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %inv : tensor<3x8xf32>, tensor<3xf32>) outs(%e : tensor<3x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<3x8xf32>
  return %y, %mean : tensor<3x8xf32>, tensor<3xf32>
}

// -----

// Products of scalars (rank 0) are not norms (and must not crash).
// CHECK-LABEL: func.func @scalar_product
//       CHECK: tensor.empty
//  CHECK-NEXT: linalg.generic
func.func @scalar_product(%x: tensor<f32>, %y: tensor<f32>) -> tensor<f32> {
  %e = tensor.empty() : tensor<f32>
  %p = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
      ins(%x, %y : tensor<f32>, tensor<f32>) outs(%e : tensor<f32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  return %p : tensor<f32>
}
