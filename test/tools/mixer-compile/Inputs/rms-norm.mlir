// A small model in Mixer's input IR: an RMSNorm, and a weight that is both an
// input and an output (outputs must still get buffers of their own).
func.func @main(%x: tensor<?x4xf32> {onnx.name = "x"},
                %w: tensor<4xf32> {onnx.name = "weight"})
    -> (tensor<?x4xf32> {onnx.name = "y"}, tensor<4xf32> {onnx.name = "weight_out"}) {
  %y = mixer.rms_norm %x weight(%w) : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %y, %w : tensor<?x4xf32>, tensor<4xf32>
}
