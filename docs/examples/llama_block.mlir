// A LLaMA-style attention block in Mixer IR: RMSNorm, Q/K/V projections,
// rotary embeddings, grouped-query attention (8 query heads sharing 2 K/V
// heads, never repeated), output projection and the residual add.
// `scripts/demo.sh` runs it through mixer-opt.

func.func @llama_attention_block(
    %x: tensor<16x256xf32>, %gamma: tensor<256xf32>,
    %wq: tensor<256x256xf32>, %wk: tensor<256x64xf32>, %wv: tensor<256x64xf32>,
    %wo: tensor<256x256xf32>, %cos: tensor<2048x16xf32>, %sin: tensor<2048x16xf32>,
    %positions: tensor<1x16xi64>) -> tensor<16x256xf32> {
  %zero = arith.constant 0.0 : f32
  %h = mixer.rms_norm %x weight(%gamma) {epsilon = 1.0e-6 : f32}
      : (tensor<16x256xf32>, tensor<256xf32>) -> tensor<16x256xf32>

  // Projections.
  %eq = tensor.empty() : tensor<16x256xf32>
  %fq = linalg.fill ins(%zero : f32) outs(%eq : tensor<16x256xf32>) -> tensor<16x256xf32>
  %q = linalg.matmul ins(%h, %wq : tensor<16x256xf32>, tensor<256x256xf32>) outs(%fq : tensor<16x256xf32>) -> tensor<16x256xf32>
  %ekv = tensor.empty() : tensor<16x64xf32>
  %fkv = linalg.fill ins(%zero : f32) outs(%ekv : tensor<16x64xf32>) -> tensor<16x64xf32>
  %k = linalg.matmul ins(%h, %wk : tensor<16x256xf32>, tensor<256x64xf32>) outs(%fkv : tensor<16x64xf32>) -> tensor<16x64xf32>
  %v = linalg.matmul ins(%h, %wv : tensor<16x256xf32>, tensor<256x64xf32>) outs(%fkv : tensor<16x64xf32>) -> tensor<16x64xf32>

  // [seq, heads * head_dim] -> [batch, heads, seq, head_dim].
  %q4 = tensor.expand_shape %q [[0, 1], [2, 3]] output_shape [1, 16, 8, 32] : tensor<16x256xf32> into tensor<1x16x8x32xf32>
  %k4 = tensor.expand_shape %k [[0, 1], [2, 3]] output_shape [1, 16, 2, 32] : tensor<16x64xf32> into tensor<1x16x2x32xf32>
  %v4 = tensor.expand_shape %v [[0, 1], [2, 3]] output_shape [1, 16, 2, 32] : tensor<16x64xf32> into tensor<1x16x2x32xf32>
  %tq = tensor.empty() : tensor<1x8x16x32xf32>
  %tkv = tensor.empty() : tensor<1x2x16x32xf32>
  %qh = linalg.transpose ins(%q4 : tensor<1x16x8x32xf32>) outs(%tq : tensor<1x8x16x32xf32>) permutation = [0, 2, 1, 3]
  %kh = linalg.transpose ins(%k4 : tensor<1x16x2x32xf32>) outs(%tkv : tensor<1x2x16x32xf32>) permutation = [0, 2, 1, 3]
  %vh = linalg.transpose ins(%v4 : tensor<1x16x2x32xf32>) outs(%tkv : tensor<1x2x16x32xf32>) permutation = [0, 2, 1, 3]

  // Rotary embeddings, then grouped-query attention.
  %qr = mixer.rope %qh, %cos, %sin positions(%positions) rotate_half
      : (tensor<1x8x16x32xf32>, tensor<2048x16xf32>, tensor<2048x16xf32>, tensor<1x16xi64>) -> tensor<1x8x16x32xf32>
  %kr = mixer.rope %kh, %cos, %sin positions(%positions) rotate_half
      : (tensor<1x2x16x32xf32>, tensor<2048x16xf32>, tensor<2048x16xf32>, tensor<1x16xi64>) -> tensor<1x2x16x32xf32>
  %o = mixer.attention %qr, %kr, %vh {causal}
      : (tensor<1x8x16x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>) -> tensor<1x8x16x32xf32>

  // Back to [seq, hidden], output projection, residual.
  %to = tensor.empty() : tensor<1x16x8x32xf32>
  %ot = linalg.transpose ins(%o : tensor<1x8x16x32xf32>) outs(%to : tensor<1x16x8x32xf32>) permutation = [0, 2, 1, 3]
  %o2 = tensor.collapse_shape %ot [[0, 1], [2, 3]] : tensor<1x16x8x32xf32> into tensor<16x256xf32>
  %p = linalg.matmul ins(%o2, %wo : tensor<16x256xf32>, tensor<256x256xf32>) outs(%fq : tensor<16x256xf32>) -> tensor<16x256xf32>
  %out = arith.addf %x, %p : tensor<16x256xf32>
  return %out : tensor<16x256xf32>
}
