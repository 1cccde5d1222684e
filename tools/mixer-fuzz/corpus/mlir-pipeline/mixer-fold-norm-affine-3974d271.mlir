#id = affine_map<(b, s, d) -> (b, s, d)>
#row = affine_map<(b, s, d) -> (d)>
#lhs = affine_map<(b, s, n, k) -> (b, s, k)>
#rhs = affine_map<(b, s, n, k) -> (k, n)>
#out = affine_map<(b, s, n, k) -> (b, s, n)>

func.func @two_linears(%x: tensor<?x4x2xf32>) -> (tensor<?x4x2xf32>, tensor<?x4x2xf32>) {
  %c0 = arith.constant 0 : index
  %gamma = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %beta = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %w1 = arith.constant dense<[[1.0, 2.0], [4.0, 1.0]]> : tensor<2x2xf32>
  %w2 = arith.constant dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %b1 = arith.constant dense<[10.0, 20.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
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
