#id = affine_map<(b, s, d) -> (b, s, d)>
#pos = affine_map<(b, s, d) -> (s, d)>

func.func @model_dim_queried(%i: index) -> (tensor<1x2x3xf32>, index) {
  %pos = arith.constant dense<[[0.0, 3.0, 6.0], [1.0, 1.0, 4.0]]> : tensor<2x3xf32>
  %e = tensor.empty() : tensor<1x2x3xf32>
  %x = linalg.generic {indexing_maps = [#pos, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%pos : tensor<2x3xf32>) outs(%e : tensor<1x2x3xf32>) {
  ^bb0(%p: f32, %o: f32):
    linalg.yield %p : f32
  } -> tensor<1x2x3xf32>
  %d = tensor.dim %x, %i : tensor<1x2x3xf32>
  %n = mixer.layer_norm %x : (tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  return %n, %d : tensor<1x2x3xf32>, index
}
