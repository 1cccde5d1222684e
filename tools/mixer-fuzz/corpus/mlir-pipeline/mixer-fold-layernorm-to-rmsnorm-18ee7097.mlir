#id = affine_map<(b, s, d) -> (b, s, d)>
#row = affine_map<(b, s, d) -> (d)>
#lhs = affine_map<(b, s, n, k) -> (b, s, k)>
#rhs = affine_map<(b, s, n, k) -> (k, n)>
#out = affine_map<(b, s, n, k) -> (b, s, n)>

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
