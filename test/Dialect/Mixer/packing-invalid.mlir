// RUN: mixer-opt %s --split-input-file --verify-diagnostics

func.func @plan_rank(%m: tensor<2x3x4xi64>) -> tensor<?xi64> {
  // expected-error @+1 {{mask must have rank 2 ([batch, seq]), got rank 3}}
  %o, %t = mixer.padding_plan %m : (tensor<2x3x4xi64>) -> (tensor<3xi64>, tensor<?xi64>)
  return %t : tensor<?xi64>
}

// -----

func.func @plan_offsets(%m: tensor<2x8xi1>) -> tensor<2xi64> {
  // expected-error @+1 {{offsets must have shape [batch + 1] = [3], got [2]}}
  %o, %t = mixer.padding_plan %m : (tensor<2x8xi1>) -> (tensor<2xi64>, tensor<?xi64>)
  return %o : tensor<2xi64>
}

// -----

func.func @plan_tokens(%m: tensor<2x8xf32>) -> tensor<3xi64> {
  // expected-error @+1 {{tokens must have rank 1 ([valid tokens]), got rank 2}}
  %o, %t = mixer.padding_plan %m : (tensor<2x8xf32>) -> (tensor<3xi64>, tensor<1x?xi64>)
  return %o : tensor<3xi64>
}

// -----

func.func @pack_rank(%x: tensor<8xf32>, %t: tensor<?xi64>) -> tensor<1x?xf32> {
  // expected-error @+1 {{input must have rank >= 2 ([batch, seq, ...]), got rank 1}}
  %p = mixer.pack_tokens %x, %t : (tensor<8xf32>, tensor<?xi64>) -> tensor<1x?xf32>
  return %p : tensor<1x?xf32>
}

// -----

func.func @pack_shape(%x: tensor<2x8x64xf32>, %t: tensor<?xi64>) -> tensor<1x?x32xf32> {
  // expected-error @+1 {{result must have shape [1, tokens, input.shape[2:]...] = [1, ?, 64], got [1, ?, 32]}}
  %p = mixer.pack_tokens %x, %t : (tensor<2x8x64xf32>, tensor<?xi64>) -> tensor<1x?x32xf32>
  return %p : tensor<1x?x32xf32>
}

// -----

func.func @pack_element(%x: tensor<2x8x64xf32>, %t: tensor<?xi64>) -> tensor<1x?x64xf16> {
  // expected-error @+1 {{result element type 'f16' differs from the input element type 'f32'}}
  %p = mixer.pack_tokens %x, %t : (tensor<2x8x64xf32>, tensor<?xi64>) -> tensor<1x?x64xf16>
  return %p : tensor<1x?x64xf16>
}

// -----

func.func @pack_tokens_rank(%x: tensor<2x8x64xf32>, %t: tensor<2x?xi64>) -> tensor<1x?x64xf32> {
  // expected-error @+1 {{tokens must have rank 1, got rank 2}}
  %p = mixer.pack_tokens %x, %t : (tensor<2x8x64xf32>, tensor<2x?xi64>) -> tensor<1x?x64xf32>
  return %p : tensor<1x?x64xf32>
}

// -----

func.func @unpack_mask(%p: tensor<1x?x64xf32>, %t: tensor<?xi64>, %m: tensor<2x4xi64>) -> tensor<2x8x64xf32> {
  // expected-error @+1 {{result dim 1 (seq) is 8, but mask has 4}}
  %x = mixer.unpack_tokens %p, %t, %m : (tensor<1x?x64xf32>, tensor<?xi64>, tensor<2x4xi64>) -> tensor<2x8x64xf32>
  return %x : tensor<2x8x64xf32>
}

// -----

func.func @unpack_shape(%p: tensor<1x?x32xf32>, %t: tensor<?xi64>, %m: tensor<2x8xi64>) -> tensor<2x8x64xf32> {
  // expected-error @+1 {{input must have shape [1, tokens, result.shape[2:]...] = [1, ?, 64], got [1, ?, 32]}}
  %x = mixer.unpack_tokens %p, %t, %m : (tensor<1x?x32xf32>, tensor<?xi64>, tensor<2x8xi64>) -> tensor<2x8x64xf32>
  return %x : tensor<2x8x64xf32>
}
