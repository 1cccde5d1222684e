// RUN: mixer-opt %s --split-input-file --verify-diagnostics

func.func @x_rank(%x: tensor<16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf32>) {
  // expected-error @+1 {{x must have rank 3 ([batch, seq, channels]), got rank 2}}
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B
      : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<64x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>)
      -> (tensor<16x64xf32>, tensor<1x64x8xf32>)
  return
}

// -----

func.func @A_rank(%x: tensor<1x16x64xf32>, %A: tensor<1x64x8xf32>, %B: tensor<1x16x8xf32>) {
  // expected-error @+1 {{A must have rank 2 ([channels, d_state]), got rank 3}}
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<1x64x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return
}

// -----

func.func @delta_shape(%x: tensor<1x16x64xf32>, %dt: tensor<1x16x32xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf32>) {
  // expected-error @+1 {{delta must have shape [batch, seq, channels] = [1, 16, 64], got [1, 16, 32]}}
  %y, %h = mixer.selective_scan %x, %dt, %A, %B, %B
      : (tensor<1x16x64xf32>, tensor<1x16x32xf32>, tensor<64x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return
}

// -----

func.func @A_channels(%x: tensor<1x16x64xf32>, %A: tensor<32x8xf32>, %B: tensor<1x16x8xf32>) {
  // expected-error @+1 {{A must have shape [channels, d_state] = [64, 8], got [32, 8]}}
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<32x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x32x8xf32>)
  return
}

// -----

func.func @B_state(%x: tensor<1x16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x4xf32>, %C: tensor<1x16x8xf32>) {
  // expected-error @+1 {{B must have shape [batch, seq, d_state] = [1, 16, 8], got [1, 16, 4]}}
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %C
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x8xf32>, tensor<1x16x4xf32>, tensor<1x16x8xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return
}

// -----

func.func @C_seq(%x: tensor<1x16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf32>, %C: tensor<1x15x8xf32>) {
  // expected-error @+1 {{C must have shape [batch, seq, d_state] = [1, 16, 8], got [1, 15, 8]}}
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %C
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x8xf32>, tensor<1x16x8xf32>, tensor<1x15x8xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return
}

// -----

func.func @D_shape(%x: tensor<1x16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf32>, %D: tensor<1x64xf32>) {
  // expected-error @+1 {{D must have shape [channels] = [64], got [1, 64]}}
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B D(%D)
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<1x64xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return
}

// -----

func.func @initial_state_shape(%x: tensor<1x16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf32>, %h0: tensor<1x8x64xf32>) {
  // expected-error @+1 {{initial_state must have shape [batch, channels, d_state] = [1, 64, 8], got [1, 8, 64]}}
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B initial_state(%h0)
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<1x8x64xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return
}

// -----

func.func @final_state_shape(%x: tensor<1x16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf32>) {
  // expected-error @+1 {{final_state must have shape [batch, channels, d_state] = [1, 64, 8], got [1, 64, 16]}}
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>)
      -> (tensor<1x16x64xf32>, tensor<1x64x16xf32>)
  return
}

// -----

func.func @element_type(%x: tensor<1x16x64xf32>, %A: tensor<64x8xf32>, %B: tensor<1x16x8xf16>) {
  // expected-error @+1 {{B element type 'f16' differs from the x element type 'f32'}}
  %y, %h = mixer.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x8xf32>, tensor<1x16x8xf16>, tensor<1x16x8xf16>)
      -> (tensor<1x16x64xf32>, tensor<1x64x8xf32>)
  return
}
