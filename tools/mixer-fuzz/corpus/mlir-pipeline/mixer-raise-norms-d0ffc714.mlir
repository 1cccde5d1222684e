#id = affine_map<(s, d) -> (s, d)>
#row = affine_map<(s, d) -> (s)>
#feat = affine_map<(s, d) -> (d)>
#v = affine_map<(s) -> (s)>

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
