func.func @all_ops(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %q: tensor<2x4x8x16xf32>,
                   %cos: tensor<32x4xf32>, %pos: tensor<2x8xi64>, %mask: tensor<8x8xi1>,
                   %lens: tensor<2xi64>, %A: tensor<64x4xf32>, %B: tensor<2x8x4xf32>,
                   %h0: tensor<2x64x4xf32>)
    -> (tensor<2x4x8x16xf32>, tensor<2x8x64xf32>, tensor<2x64x4xf32>) {
  %0 = mixer.layer_norm %x weight(%w) bias(%w) {epsilon = 1.0e-12 : f32}
      : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  %1 = "mixer.rms_norm"(%0, %w) <{axis = 2 : i64, epsilon = 1.0e-5 : f32, operandSegmentSizes = array<i32: 1, 1, 0>}>
      : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
  %2 = mixer.rope %q, %cos, %cos positions(%pos) interleaved {rotary_dim = 8 : i64}
      : (tensor<2x4x8x16xf32>, tensor<32x4xf32>, tensor<32x4xf32>, tensor<2x8xi64>) -> tensor<2x4x8x16xf32>
  %3 = mixer.attention %2, %q, %q mask(%mask) seq_lens(%lens) {causal, scale = 0.25 : f32}
      : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<8x8xi1>, tensor<2xi64>) -> tensor<2x4x8x16xf32>
  %4:2 = mixer.selective_scan %1, %1, %A, %B, %B D(%w) z(%1) delta_bias(%w) initial_state(%h0) {delta_softplus}
      : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<64x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>,
         tensor<64xf32>, tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x64x4xf32>) -> (tensor<2x8x64xf32>, tensor<2x64x4xf32>)
  return %3, %4#0, %4#1 : tensor<2x4x8x16xf32>, tensor<2x8x64xf32>, tensor<2x64x4xf32>
}
