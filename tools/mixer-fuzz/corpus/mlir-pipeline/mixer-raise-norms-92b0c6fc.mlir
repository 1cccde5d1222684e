#id = affine_map<(b, s, d) -> (b, s, d)>
#scalar = affine_map<(b, s, d) -> ()>
#rows = affine_map<(b, s, d) -> (b, s)>
#keep = affine_map<(b, s, d) -> (b, s, 0)>
#feat = affine_map<(b, s, d) -> (d)>

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
