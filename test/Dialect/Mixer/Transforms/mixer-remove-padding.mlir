// RUN: mixer-opt %s --split-input-file --mixer-remove-padding --canonicalize --cse | FileCheck %s
// RUN: mixer-opt %s --split-input-file --mixer-remove-padding=remarks=true 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#scalar4 = affine_map<(d0, d1, d2, d3) -> ()>
#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#bias = affine_map<(d0, d1, d2) -> (d2)>

// One BERT layer: the additive mask (1 - m) * -10000 from an int64
// attention_mask, Q = K = V = x W + b split into 2 heads, attention, heads
// merged, residual, LayerNorm. Everything from the projection on runs on
// the packed tokens; the input is packed once, the output unpacked.
// CHECK-LABEL: func.func @bert_layer
//  CHECK-SAME: (%[[X:.+]]: tensor<2x8x16xf32>, %[[M:.+]]: tensor<2x8xi64>)
//       CHECK: %[[OFF:.+]], %[[TOK:.+]] = mixer.padding_plan %[[M]] : (tensor<2x8xi64>) -> (tensor<3xi64>, tensor<?xi64>)
//       CHECK: %[[N:.+]] = tensor.dim %[[TOK]]
//       CHECK: %[[P:.+]] = mixer.pack_tokens %[[X]], %[[TOK]] : (tensor<2x8x16xf32>, tensor<?xi64>) -> tensor<1x?x16xf32>
//       CHECK: linalg.generic {{.*}} ins(%[[P]], %{{.+}} : tensor<1x?x16xf32>, tensor<16x16xf32>) outs(%{{.+}} : tensor<1x?x16xf32>)
//       CHECK: tensor.expand_shape %{{.+}} {{\[}}[0], [1], [2, 3]] output_shape [1, %[[N]], 2, 8] : tensor<1x?x16xf32> into tensor<1x?x2x8xf32>
//       CHECK: %[[Q:.+]] = linalg.transpose ins(%{{.+}} : tensor<1x?x2x8xf32>) outs(%{{.+}} : tensor<1x2x?x8xf32>) permutation = [0, 2, 1, 3]
//       CHECK: %[[A:.+]] = mixer.attention %[[Q]], %[[Q]], %[[Q]] offsets(%[[OFF]]) {scale = 0.353553385 : f32} : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<3xi64>) -> tensor<1x2x?x8xf32>
//       CHECK: linalg.transpose ins(%[[A]] : tensor<1x2x?x8xf32>) outs(%{{.+}} : tensor<1x?x2x8xf32>)
//       CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0], [1], [2, 3]] : tensor<1x?x2x8xf32> into tensor<1x?x16xf32>
//       CHECK: %[[LN:.+]] = mixer.layer_norm %{{.+}} : (tensor<1x?x16xf32>) -> tensor<1x?x16xf32>
//       CHECK: %[[Y:.+]] = mixer.unpack_tokens %[[LN]], %[[TOK]], %[[M]] : (tensor<1x?x16xf32>, tensor<?xi64>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
//       CHECK: return %[[Y]]
// REMARK: remark: mixer-remove-padding: 1 attention op(s) and 8 token-wise op(s) run on the valid tokens only (1 tensor(s) packed, 1 output(s) unpacked)
func.func @bert_layer(%x: tensor<2x8x16xf32>, %m: tensor<2x8xi64>) -> tensor<2x8x16xf32> {
  %w = arith.constant dense<0.5> : tensor<16x16xf32>
  %b = arith.constant dense<0.25> : tensor<16xf32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %neg = arith.constant dense<-10000.0> : tensor<f32>
  %zero = arith.constant 0.0 : f32
  %shape4 = arith.constant dense<[2, 1, 1, 8]> : tensor<4xindex>
  %heads = arith.constant dense<[2, 8, 2, 8]> : tensor<4xindex>
  %merged = arith.constant dense<[2, 8, 16]> : tensor<3xindex>
  // The mask.
  %m4 = tensor.reshape %m(%shape4) : (tensor<2x8xi64>, tensor<4xindex>) -> tensor<2x1x1x8xi64>
  %me = tensor.empty() : tensor<2x1x1x8xf32>
  %mf = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%m4 : tensor<2x1x1x8xi64>) outs(%me : tensor<2x1x1x8xf32>) {
  ^bb0(%in: i64, %o: f32):
    %c = arith.sitofp %in : i64 to f32
    linalg.yield %c : f32
  } -> tensor<2x1x1x8xf32>
  %inv = linalg.generic {indexing_maps = [#scalar4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%one, %mf : tensor<f32>, tensor<2x1x1x8xf32>) outs(%me : tensor<2x1x1x8xf32>) {
  ^bb0(%a: f32, %in: f32, %o: f32):
    %s = arith.subf %a, %in : f32
    linalg.yield %s : f32
  } -> tensor<2x1x1x8xf32>
  %mask = linalg.generic {indexing_maps = [#id4, #scalar4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%inv, %neg : tensor<2x1x1x8xf32>, tensor<f32>) outs(%me : tensor<2x1x1x8xf32>) {
  ^bb0(%in: f32, %c: f32, %o: f32):
    %s = arith.mulf %in, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x1x1x8xf32>
  // x W + b.
  %e3 = tensor.empty() : tensor<2x8x16xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %mm = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<2x8x16xf32>, tensor<16x16xf32>) outs(%f3 : tensor<2x8x16xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %p = arith.mulf %a, %c : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x8x16xf32>
  %lin = linalg.generic {indexing_maps = [#bias, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%b, %mm : tensor<16xf32>, tensor<2x8x16xf32>) outs(%e3 : tensor<2x8x16xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x8x16xf32>
  // Heads, attention, heads merged.
  %r = tensor.reshape %lin(%heads) : (tensor<2x8x16xf32>, tensor<4xindex>) -> tensor<2x8x2x8xf32>
  %te = tensor.empty() : tensor<2x2x8x8xf32>
  %q = linalg.transpose ins(%r : tensor<2x8x2x8xf32>) outs(%te : tensor<2x2x8x8xf32>) permutation = [0, 2, 1, 3]
  %att = mixer.attention %q, %q, %q mask(%mask) {scale = 0.353553385 : f32}
      : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x2x8x8xf32>
  %be = tensor.empty() : tensor<2x8x2x8xf32>
  %back = linalg.transpose ins(%att : tensor<2x2x8x8xf32>) outs(%be : tensor<2x8x2x8xf32>) permutation = [0, 2, 1, 3]
  %ctx = tensor.reshape %back(%merged) : (tensor<2x8x2x8xf32>, tensor<3xindex>) -> tensor<2x8x16xf32>
  %res = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ctx, %lin : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%e3 : tensor<2x8x16xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x8x16xf32>
  %y = mixer.layer_norm %res : (tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bool4 = affine_map<(d0, d1, d2, d3) -> (d0, d3)>

// A boolean mask broadcast by the generic's map, and causal attention:
// packed causal attention (a query sees the earlier tokens of its own
// sequence, as in the padded model).
// CHECK-LABEL: func.func @bool_causal
//       CHECK: %[[OFF:.+]], %[[TOK:.+]] = mixer.padding_plan %{{.+}} : (tensor<2x8xi1>)
//       CHECK: mixer.attention %{{.+}}, %{{.+}}, %{{.+}} offsets(%[[OFF]]) {causal}
//       CHECK: mixer.unpack_tokens
func.func @bool_causal(%x: tensor<2x8x2x8xf32>, %m: tensor<2x8xi1>) -> tensor<2x8x2x8xf32> {
  %me = tensor.empty() : tensor<2x1x1x8xi1>
  %mask = linalg.generic {indexing_maps = [#bool4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%m : tensor<2x8xi1>) outs(%me : tensor<2x1x1x8xi1>) {
  ^bb0(%in: i1, %o: i1):
    linalg.yield %in : i1
  } -> tensor<2x1x1x8xi1>
  %te = tensor.empty() : tensor<2x2x8x8xf32>
  %q = linalg.transpose ins(%x : tensor<2x8x2x8xf32>) outs(%te : tensor<2x2x8x8xf32>) permutation = [0, 2, 1, 3]
  %att = mixer.attention %q, %q, %q mask(%mask) {causal}
      : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xi1>) -> tensor<2x2x8x8xf32>
  %be = tensor.empty() : tensor<2x8x2x8xf32>
  %back = linalg.transpose ins(%att : tensor<2x2x8x8xf32>) outs(%be : tensor<2x8x2x8xf32>) permutation = [0, 2, 1, 3]
  return %back : tensor<2x8x2x8xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#scalar4 = affine_map<(d0, d1, d2, d3) -> ()>

// A mask that is -5 at padding would not exclude it: left alone.
// CHECK-LABEL: func.func @weak_mask
//   CHECK-NOT: mixer.padding_plan
//       CHECK: mixer.attention {{.*}} mask(
// REMARK: remark: mixer-remove-padding: attention left padded: the additive mask must be 0 at tokens (entry 1) and <= -1e4 at padding (entry 0); it is -5 at padding
func.func @weak_mask(%q: tensor<2x2x8x8xf32>, %m2: tensor<2x8xf32>) -> tensor<2x2x8x8xf32> {
  %m = tensor.expand_shape %m2 [[0], [1, 2, 3]] output_shape [2, 1, 1, 8] : tensor<2x8xf32> into tensor<2x1x1x8xf32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %neg = arith.constant dense<-5.0> : tensor<f32>
  %me = tensor.empty() : tensor<2x1x1x8xf32>
  %inv = linalg.generic {indexing_maps = [#scalar4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%one, %m : tensor<f32>, tensor<2x1x1x8xf32>) outs(%me : tensor<2x1x1x8xf32>) {
  ^bb0(%a: f32, %in: f32, %o: f32):
    %s = arith.subf %a, %in : f32
    %t = arith.mulf %s, %a : f32
    linalg.yield %t : f32
  } -> tensor<2x1x1x8xf32>
  %mask = linalg.generic {indexing_maps = [#id4, #scalar4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%inv, %neg : tensor<2x1x1x8xf32>, tensor<f32>) outs(%me : tensor<2x1x1x8xf32>) {
  ^bb0(%in: f32, %c: f32, %o: f32):
    %s = arith.mulf %in, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x1x1x8xf32>
  %att = mixer.attention %q, %q, %q mask(%mask)
      : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x2x8x8xf32>
  return %att : tensor<2x2x8x8xf32>
}

// -----

// A mask per query (here a full [batch, 1, seq, seq] one) is not a padding
// mask: left alone.
// CHECK-LABEL: func.func @mask_per_query
//   CHECK-NOT: mixer.padding_plan
// REMARK: remark: mixer-remove-padding: attention left padded: the mask is not [batch, 1, 1, seq] (one value per batch row and key)
func.func @mask_per_query(%q: tensor<2x2x8x8xf32>, %m: tensor<2x1x8x8xi1>) -> tensor<2x2x8x8xf32> {
  %att = mixer.attention %q, %q, %q mask(%m)
      : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x8x8xi1>) -> tensor<2x2x8x8xf32>
  return %att : tensor<2x2x8x8xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bool4 = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
#sum = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>

// Mean pooling over every position (padding included) reads across tokens:
// packing would change what it sums, so the model is left padded.
// CHECK-LABEL: func.func @pooled
//   CHECK-NOT: mixer.padding_plan
//       CHECK: mixer.attention {{.*}} mask(
// REMARK: remark: mixer-remove-padding: padding not removed: 'linalg.generic' reads across tokens (or reads a token-wise tensor as a whole); it would see zeros where the padded model sees its padding tokens
func.func @pooled(%x: tensor<2x8x2x8xf32>, %m: tensor<2x8xi1>) -> tensor<2x2x8xf32> {
  %me = tensor.empty() : tensor<2x1x1x8xi1>
  %mask = linalg.generic {indexing_maps = [#bool4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%m : tensor<2x8xi1>) outs(%me : tensor<2x1x1x8xi1>) {
  ^bb0(%in: i1, %o: i1):
    linalg.yield %in : i1
  } -> tensor<2x1x1x8xi1>
  %te = tensor.empty() : tensor<2x2x8x8xf32>
  %q = linalg.transpose ins(%x : tensor<2x8x2x8xf32>) outs(%te : tensor<2x2x8x8xf32>) permutation = [0, 2, 1, 3]
  %att = mixer.attention %q, %q, %q mask(%mask)
      : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xi1>) -> tensor<2x2x8x8xf32>
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<2x2x8xf32>
  %sf = linalg.fill ins(%zero : f32) outs(%se : tensor<2x2x8xf32>) -> tensor<2x2x8xf32>
  %pool = linalg.generic {indexing_maps = [#id4, #sum], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%att : tensor<2x2x8x8xf32>) outs(%sf : tensor<2x2x8xf32>) {
  ^bb0(%in: f32, %o: f32):
    %s = arith.addf %in, %o : f32
    linalg.yield %s : f32
  } -> tensor<2x2x8xf32>
  return %pool : tensor<2x2x8xf32>
}

// -----

// The attention output returned with its heads first ([batch, heads, seq,
// dim]): only [batch, seq, ...] outputs are unpacked.
// CHECK-LABEL: func.func @heads_first_output
//   CHECK-NOT: mixer.padding_plan
// REMARK: remark: mixer-remove-padding: padding not removed: 'func.return' reads a tensor whose sequence is dim 2, not 1; only [batch, seq, ...] tensors are unpacked
func.func @heads_first_output(%q: tensor<2x2x8x8xf32>, %m: tensor<2x8xi1>) -> tensor<2x2x8x8xf32> {
  %expand = tensor.expand_shape %m [[0], [1, 2, 3]] output_shape [2, 1, 1, 8] : tensor<2x8xi1> into tensor<2x1x1x8xi1>
  %att = mixer.attention %q, %q, %q mask(%expand)
      : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xi1>) -> tensor<2x2x8x8xf32>
  return %att : tensor<2x2x8x8xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bool4 = affine_map<(d0, d1, d2, d3) -> (d0, d3)>

// A CLS pooling (position 0 of every row) reads per position: it reads the
// unpacked tensor, as the model's output does.
// CHECK-LABEL: func.func @cls_pooling
//       CHECK: mixer.attention {{.*}} offsets(
//       CHECK: %[[Y:.+]] = mixer.unpack_tokens
//       CHECK: %[[CLS:.+]] = tensor.extract_slice %[[Y]][0, 0, 0, 0] [2, 1, 2, 8] [1, 1, 1, 1]
//       CHECK: return %[[CLS]], %[[Y]]
func.func @cls_pooling(%x: tensor<2x8x2x8xf32>, %m: tensor<2x8xi1>) -> (tensor<2x1x2x8xf32>, tensor<2x8x2x8xf32>) {
  %me = tensor.empty() : tensor<2x1x1x8xi1>
  %mask = linalg.generic {indexing_maps = [#bool4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%m : tensor<2x8xi1>) outs(%me : tensor<2x1x1x8xi1>) {
  ^bb0(%in: i1, %o: i1):
    linalg.yield %in : i1
  } -> tensor<2x1x1x8xi1>
  %te = tensor.empty() : tensor<2x2x8x8xf32>
  %q = linalg.transpose ins(%x : tensor<2x8x2x8xf32>) outs(%te : tensor<2x2x8x8xf32>) permutation = [0, 2, 1, 3]
  %att = mixer.attention %q, %q, %q mask(%mask)
      : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xi1>) -> tensor<2x2x8x8xf32>
  %be = tensor.empty() : tensor<2x8x2x8xf32>
  %back = linalg.transpose ins(%att : tensor<2x2x8x8xf32>) outs(%be : tensor<2x8x2x8xf32>) permutation = [0, 2, 1, 3]
  %cls = tensor.extract_slice %back[0, 0, 0, 0] [2, 1, 2, 8] [1, 1, 1, 1] : tensor<2x8x2x8xf32> to tensor<2x1x2x8xf32>
  return %cls, %back : tensor<2x1x2x8xf32>, tensor<2x8x2x8xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bool4 = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#tok3 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#sum3 = affine_map<(d0, d1, d2) -> (d0, d2)>

// A masked mean pooling's sum (sentence-transformers: hidden states times
// the [B, S, 1] mask, summed over the tokens) reads a tensor that is 0 at
// every padding token in the padded model too (the mask root is 0 there):
// it reads it unpacked, and the layers run packed.
// CHECK-LABEL: func.func @masked_mean_pooling
//       CHECK: mixer.padding_plan
//       CHECK: mixer.attention {{.*}} offsets(
//       CHECK: %[[P:.+]] = mixer.unpack_tokens
//       CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[P]] :
// REMARK: remark: mixer-remove-padding: 1 attention op(s) and {{[0-9]+}} token-wise op(s) run on the valid tokens only (2 tensor(s) packed, 1 output(s) unpacked)
func.func @masked_mean_pooling(%x: tensor<2x8x2x8xf32>, %m: tensor<2x8xi64>) -> tensor<2x16xf32> {
  %me = tensor.empty() : tensor<2x1x1x8xi1>
  %mask = linalg.generic {indexing_maps = [#bool4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%m : tensor<2x8xi64>) outs(%me : tensor<2x1x1x8xi1>) {
  ^bb0(%in: i64, %o: i1):
    %b = arith.trunci %in : i64 to i1
    linalg.yield %b : i1
  } -> tensor<2x1x1x8xi1>
  %te = tensor.empty() : tensor<2x2x8x8xf32>
  %q = linalg.transpose ins(%x : tensor<2x8x2x8xf32>) outs(%te : tensor<2x2x8x8xf32>) permutation = [0, 2, 1, 3]
  %att = mixer.attention %q, %q, %q mask(%mask)
      : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xi1>) -> tensor<2x2x8x8xf32>
  %be = tensor.empty() : tensor<2x8x2x8xf32>
  %back = linalg.transpose ins(%att : tensor<2x2x8x8xf32>) outs(%be : tensor<2x8x2x8xf32>) permutation = [0, 2, 1, 3]
  %flat = tensor.collapse_shape %back [[0], [1], [2, 3]] : tensor<2x8x2x8xf32> into tensor<2x8x16xf32>
  %m3 = tensor.expand_shape %m [[0], [1, 2]] output_shape [2, 8, 1] : tensor<2x8xi64> into tensor<2x8x1xi64>
  %pe = tensor.empty() : tensor<2x8x16xf32>
  %prod = linalg.generic {indexing_maps = [#id3, #tok3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%flat, %m3 : tensor<2x8x16xf32>, tensor<2x8x1xi64>) outs(%pe : tensor<2x8x16xf32>) {
  ^bb0(%in: f32, %mi: i64, %o: f32):
    %f = arith.sitofp %mi : i64 to f32
    %p = arith.mulf %in, %f : f32
    linalg.yield %p : f32
  } -> tensor<2x8x16xf32>
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<2x16xf32>
  %sf = linalg.fill ins(%zero : f32) outs(%se : tensor<2x16xf32>) -> tensor<2x16xf32>
  %sum = linalg.generic {indexing_maps = [#id3, #sum3], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%prod : tensor<2x8x16xf32>) outs(%sf : tensor<2x16xf32>) {
  ^bb0(%in: f32, %o: f32):
    %s = arith.addf %in, %o : f32
    linalg.yield %s : f32
  } -> tensor<2x16xf32>
  return %sum : tensor<2x16xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bool4 = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#tok3 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#sum3 = affine_map<(d0, d1, d2) -> (d0, d2)>

// Weighted by 1 - mask, the product is not 0 at the padding: a sum over
// the tokens of it would change, so the model is left padded.
// CHECK-LABEL: func.func @inverse_masked_sum
//   CHECK-NOT: mixer.padding_plan
// REMARK: remark: mixer-remove-padding: padding not removed: 'linalg.generic' reads across tokens
func.func @inverse_masked_sum(%x: tensor<2x8x2x8xf32>, %m: tensor<2x8xi64>) -> tensor<2x16xf32> {
  %me = tensor.empty() : tensor<2x1x1x8xi1>
  %mask = linalg.generic {indexing_maps = [#bool4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%m : tensor<2x8xi64>) outs(%me : tensor<2x1x1x8xi1>) {
  ^bb0(%in: i64, %o: i1):
    %b = arith.trunci %in : i64 to i1
    linalg.yield %b : i1
  } -> tensor<2x1x1x8xi1>
  %te = tensor.empty() : tensor<2x2x8x8xf32>
  %q = linalg.transpose ins(%x : tensor<2x8x2x8xf32>) outs(%te : tensor<2x2x8x8xf32>) permutation = [0, 2, 1, 3]
  %att = mixer.attention %q, %q, %q mask(%mask)
      : (tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>, tensor<2x1x1x8xi1>) -> tensor<2x2x8x8xf32>
  %be = tensor.empty() : tensor<2x8x2x8xf32>
  %back = linalg.transpose ins(%att : tensor<2x2x8x8xf32>) outs(%be : tensor<2x8x2x8xf32>) permutation = [0, 2, 1, 3]
  %flat = tensor.collapse_shape %back [[0], [1], [2, 3]] : tensor<2x8x2x8xf32> into tensor<2x8x16xf32>
  %m3 = tensor.expand_shape %m [[0], [1, 2]] output_shape [2, 8, 1] : tensor<2x8xi64> into tensor<2x8x1xi64>
  %pe = tensor.empty() : tensor<2x8x16xf32>
  %prod = linalg.generic {indexing_maps = [#id3, #tok3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%flat, %m3 : tensor<2x8x16xf32>, tensor<2x8x1xi64>) outs(%pe : tensor<2x8x16xf32>) {
  ^bb0(%in: f32, %mi: i64, %o: f32):
    %one = arith.constant 1.0 : f32
    %f = arith.sitofp %mi : i64 to f32
    %g = arith.subf %one, %f : f32
    %p = arith.mulf %in, %g : f32
    linalg.yield %p : f32
  } -> tensor<2x8x16xf32>
  %zero = arith.constant 0.0 : f32
  %se = tensor.empty() : tensor<2x16xf32>
  %sf = linalg.fill ins(%zero : f32) outs(%se : tensor<2x16xf32>) -> tensor<2x16xf32>
  %sum = linalg.generic {indexing_maps = [#id3, #sum3], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%prod : tensor<2x8x16xf32>) outs(%sf : tensor<2x16xf32>) {
  ^bb0(%in: f32, %o: f32):
    %s = arith.addf %in, %o : f32
    linalg.yield %s : f32
  } -> tensor<2x16xf32>
  return %sum : tensor<2x16xf32>
}
