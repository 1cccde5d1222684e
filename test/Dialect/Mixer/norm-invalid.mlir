// RUN: mixer-opt %s --split-input-file --verify-diagnostics

func.func @axis_out_of_range(%x: tensor<2x8x32xf32>) -> tensor<2x8x32xf32> {
  // expected-error @+1 {{axis 3 is out of range for an input of rank 3}}
  %0 = mixer.layer_norm %x {axis = 3} : (tensor<2x8x32xf32>) -> tensor<2x8x32xf32>
  return %0 : tensor<2x8x32xf32>
}

// -----

func.func @negative_axis_out_of_range(%x: tensor<2x8x32xf32>) -> tensor<2x8x32xf32> {
  // expected-error @+1 {{axis -4 is out of range for an input of rank 3}}
  %0 = mixer.rms_norm %x {axis = -4} : (tensor<2x8x32xf32>) -> tensor<2x8x32xf32>
  return %0 : tensor<2x8x32xf32>
}

// -----

func.func @zero_epsilon(%x: tensor<2x8x32xf32>) -> tensor<2x8x32xf32> {
  // expected-error @+1 {{epsilon must be positive and finite, got 0.000000e+00}}
  %0 = mixer.layer_norm %x {epsilon = 0.0 : f32} : (tensor<2x8x32xf32>) -> tensor<2x8x32xf32>
  return %0 : tensor<2x8x32xf32>
}

// -----

func.func @negative_epsilon(%x: tensor<2x8x32xf32>) -> tensor<2x8x32xf32> {
  // expected-error @+1 {{epsilon must be positive and finite, got -1.000000e-03}}
  %0 = mixer.rms_norm %x {epsilon = -1.0e-3 : f32} : (tensor<2x8x32xf32>) -> tensor<2x8x32xf32>
  return %0 : tensor<2x8x32xf32>
}

// -----

func.func @weight_element_type(%x: tensor<2x8x32xf32>, %g: tensor<32xf16>) -> tensor<2x8x32xf32> {
  // expected-error @+1 {{weight element type 'f16' differs from the input element type 'f32'}}
  %0 = mixer.layer_norm %x weight(%g) : (tensor<2x8x32xf32>, tensor<32xf16>) -> tensor<2x8x32xf32>
  return %0 : tensor<2x8x32xf32>
}

// -----

func.func @weight_shape(%x: tensor<2x8x32xf32>, %g: tensor<64xf32>) -> tensor<2x8x32xf32> {
  // expected-error @+1 {{weight must have shape input.shape[2:] (the normalized dims) = [32], got [64]}}
  %0 = mixer.rms_norm %x weight(%g) : (tensor<2x8x32xf32>, tensor<64xf32>) -> tensor<2x8x32xf32>
  return %0 : tensor<2x8x32xf32>
}

// -----

func.func @bias_rank(%x: tensor<2x8x32xf32>, %b: tensor<32xf32>) -> tensor<2x8x32xf32> {
  // expected-error @+1 {{bias must have shape input.shape[1:] (the normalized dims) = [8, 32], got [32]}}
  %0 = mixer.layer_norm %x bias(%b) {axis = 1} : (tensor<2x8x32xf32>, tensor<32xf32>) -> tensor<2x8x32xf32>
  return %0 : tensor<2x8x32xf32>
}

// -----

func.func @result_type(%x: tensor<2x8x32xf32>) -> tensor<2x8x32xf16> {
  // expected-error @+1 {{all of {input, result} have same type}}
  %0 = mixer.layer_norm %x : (tensor<2x8x32xf32>) -> tensor<2x8x32xf16>
  return %0 : tensor<2x8x32xf16>
}

// -----

func.func @integer_input(%x: tensor<2x8x32xi8>) -> tensor<2x8x32xi8> {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = mixer.rms_norm %x : (tensor<2x8x32xi8>) -> tensor<2x8x32xi8>
  return %0 : tensor<2x8x32xi8>
}

// -----

func.func @compressed_rank0(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{input must have at least one dim}}
  %0 = mixer.compressed_rms_norm %x : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @compressed_same_width(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  // expected-error @+1 {{result must have shape input.shape with one more entry in the last dim = [4, 33], got [4, 32]}}
  %0 = mixer.compressed_rms_norm %x : (tensor<4x32xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

func.func @compressed_result_type(%x: tensor<4x31xf32>) -> tensor<4x32xf16> {
  // expected-error @+1 {{result element type 'f16' differs from the input element type 'f32'}}
  %0 = mixer.compressed_rms_norm %x : (tensor<4x31xf32>) -> tensor<4x32xf16>
  return %0 : tensor<4x32xf16>
}

// -----

func.func @compressed_epsilon(%x: tensor<4x31xf32>) -> tensor<4x32xf32> {
  // expected-error @+1 {{epsilon must be positive and finite, got 0.000000e+00}}
  %0 = mixer.compressed_rms_norm %x {epsilon = 0.0 : f32} : (tensor<4x31xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

func.func @compressed_weight_shape(%x: tensor<4x31xf32>, %w: tensor<31xf32>) -> tensor<4x32xf32> {
  // expected-error @+1 {{weight must have shape [result.shape[-1]] = [32], got [31]}}
  %0 = mixer.compressed_rms_norm %x weight(%w) : (tensor<4x31xf32>, tensor<31xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

func.func @compressed_bias_type(%x: tensor<4x31xf32>, %b: tensor<32xf16>) -> tensor<4x32xf32> {
  // expected-error @+1 {{bias element type 'f16' differs from the input element type 'f32'}}
  %0 = mixer.compressed_rms_norm %x bias(%b) : (tensor<4x31xf32>, tensor<32xf16>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}
