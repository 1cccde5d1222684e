func.func @layer_norm_attributes(%x: tensor<?x?x768xf32>) -> (tensor<?x?x768xf32>, tensor<?x?x768xf32>) {
  %0 = mixer.layer_norm %x {axis = -1 : i64, epsilon = 1.0e-5 : f32} : (tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
  %1 = mixer.layer_norm %x {axis = 1, epsilon = 1.0e-12 : f32} : (tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
  return %0, %1 : tensor<?x?x768xf32>, tensor<?x?x768xf32>
}
