#id = affine_map<(s, d) -> (s, d)>
#scalar = affine_map<(s, d) -> ()>
#row = affine_map<(s, d) -> (s)>

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
  %y = linalg.generic {indexing_maps = [#row, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%inv, %x : tensor<3xf32>, tensor<3x8xf32>) outs(%e : tensor<3x8xf32>) {
  ^bb0(%b: f32, %a: f32, %o: f32):
    %r = arith.mulf %b, %a : f32
    linalg.yield %r : f32
  } -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}
