func.func @dynamic_batch_and_seq(%q: tensor<?x8x?x64xf32>, %k: tensor<?x2x?x64xf32>,
                                 %v: tensor<?x2x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %0 = mixer.attention %q, %k, %v
      : (tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) -> tensor<?x8x?x64xf32>
  return %0 : tensor<?x8x?x64xf32>
}
