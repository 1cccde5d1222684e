// RUN: mixer-opt %s --split-input-file --mixer-raise-rope --canonicalize | FileCheck %s
// RUN: mixer-opt %s --split-input-file --mixer-raise-rope=remarks=true 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK

// x * cos + concat(-x2, x1) * sin over [b, h, s, 8], cos/sin rows [0, s)
// of constant [4, 8] tables with equal halves: mixer.rope on the [4, 4]
// half tables. The second function writes the products and the sum with
// their operands swapped.
#id = affine_map<(b, h, s, d) -> (b, h, s, d)>
#tab = affine_map<(b, h, s, d) -> (0, 0, s, d)>
//      REMARK: remark: raised a decomposed rotate-half rotary embedding (head dim 8)
// CHECK-LABEL: func.func @rope
//   CHECK-DAG: %[[COS:.+]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]
//   CHECK-DAG: %[[SIN:.+]] = arith.constant dense<{{\[}}[5.000000e-01, 2.500000e-01
//       CHECK: %[[R:.+]] = mixer.rope %arg0, %[[COS]], %[[SIN]] rotate_half : (tensor<1x2x?x8xf32>, tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x?x8xf32>
//   CHECK-NOT: tensor.concat
//       CHECK: return %[[R]]
func.func @rope(%x: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %c2 = arith.constant 2 : index
  %s = tensor.dim %x, %c2 : tensor<1x2x?x8xf32>
  %cos_t = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0],
                                 [5.0, 6.0, 7.0, 8.0, 5.0, 6.0, 7.0, 8.0],
                                 [1.5, 2.5, 3.5, 4.5, 1.5, 2.5, 3.5, 4.5],
                                 [0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3, 0.4]]> : tensor<4x8xf32>
  %sin_t = arith.constant dense<[[0.5, 0.25, 0.125, 1.0, 0.5, 0.25, 0.125, 1.0],
                                 [0.5, 0.25, 0.125, 2.0, 0.5, 0.25, 0.125, 2.0],
                                 [0.5, 0.25, 0.125, 3.0, 0.5, 0.25, 0.125, 3.0],
                                 [0.5, 0.25, 0.125, 4.0, 0.5, 0.25, 0.125, 4.0]]> : tensor<4x8xf32>
  %cs = tensor.extract_slice %cos_t[0, 0] [%s, 8] [1, 1] : tensor<4x8xf32> to tensor<?x8xf32>
  %ss = tensor.extract_slice %sin_t[0, 0] [%s, 8] [1, 1] : tensor<4x8xf32> to tensor<?x8xf32>
  %cos = tensor.expand_shape %cs [[0, 1, 2], [3]] output_shape [1, 1, %s, 8] : tensor<?x8xf32> into tensor<1x1x?x8xf32>
  %sin = tensor.expand_shape %ss [[0, 1, 2], [3]] output_shape [1, 1, %s, 8] : tensor<?x8xf32> into tensor<1x1x?x8xf32>
  %x1 = tensor.extract_slice %x[0, 0, 0, 0] [1, 2, %s, 4] [1, 1, 1, 1] : tensor<1x2x?x8xf32> to tensor<1x2x?x4xf32>
  %x2 = tensor.extract_slice %x[0, 0, 0, 4] [1, 2, %s, 4] [1, 1, 1, 1] : tensor<1x2x?x8xf32> to tensor<1x2x?x4xf32>
  %e4 = tensor.empty(%s) : tensor<1x2x?x4xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x2 : tensor<1x2x?x4xf32>) outs(%e4 : tensor<1x2x?x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<1x2x?x4xf32>
  %rot = tensor.concat dim(3) %n, %x1 : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x8xf32>
  %e = tensor.empty(%s) : tensor<1x2x?x8xf32>
  %p = linalg.generic {indexing_maps = [#id, #tab, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %cos : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>) outs(%e : tensor<1x2x?x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %v = arith.mulf %a, %c : f32
    linalg.yield %v : f32
  } -> tensor<1x2x?x8xf32>
  %q = linalg.generic {indexing_maps = [#id, #tab, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%rot, %sin : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>) outs(%e : tensor<1x2x?x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %v = arith.mulf %a, %c : f32
    linalg.yield %v : f32
  } -> tensor<1x2x?x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%p, %q : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) outs(%e : tensor<1x2x?x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %v = arith.addf %a, %b : f32
    linalg.yield %v : f32
  } -> tensor<1x2x?x8xf32>
  return %y : tensor<1x2x?x8xf32>
}

// -----

// Swapped operands: cos * x, sin * rot, q + p.
#id = affine_map<(b, h, s, d) -> (b, h, s, d)>
#tab = affine_map<(b, h, s, d) -> (0, 0, s, d)>
//      REMARK: remark: raised a decomposed rotate-half rotary embedding (head dim 4)
// CHECK-LABEL: func.func @rope_swapped
//       CHECK: mixer.rope %arg0, %{{.+}}, %{{.+}} rotate_half
func.func @rope_swapped(%x: tensor<2x1x4x4xf32>) -> tensor<2x1x4x4xf32> {
  %t = arith.constant dense<[[1.0, 2.0, 1.0, 2.0], [3.0, 4.0, 3.0, 4.0],
                             [5.0, 6.0, 5.0, 6.0], [7.0, 8.0, 7.0, 8.0]]> : tensor<4x4xf32>
  %ts = tensor.extract_slice %t[0, 0] [4, 4] [1, 1] : tensor<4x4xf32> to tensor<4x4xf32>
  %tab = tensor.expand_shape %ts [[0, 1, 2], [3]] output_shape [1, 1, 4, 4] : tensor<4x4xf32> into tensor<1x1x4x4xf32>
  %x1 = tensor.extract_slice %x[0, 0, 0, 0] [2, 1, 4, 2] [1, 1, 1, 1] : tensor<2x1x4x4xf32> to tensor<2x1x4x2xf32>
  %x2 = tensor.extract_slice %x[0, 0, 0, 2] [2, 1, 4, 2] [1, 1, 1, 1] : tensor<2x1x4x4xf32> to tensor<2x1x4x2xf32>
  %e2 = tensor.empty() : tensor<2x1x4x2xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x2 : tensor<2x1x4x2xf32>) outs(%e2 : tensor<2x1x4x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x2xf32>
  %rot = tensor.concat dim(3) %n, %x1 : (tensor<2x1x4x2xf32>, tensor<2x1x4x2xf32>) -> tensor<2x1x4x4xf32>
  %e = tensor.empty() : tensor<2x1x4x4xf32>
  %p = linalg.generic {indexing_maps = [#tab, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%tab, %x : tensor<1x1x4x4xf32>, tensor<2x1x4x4xf32>) outs(%e : tensor<2x1x4x4xf32>) {
  ^bb0(%c: f32, %a: f32, %o: f32):
    %v = arith.mulf %c, %a : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x4xf32>
  %q = linalg.generic {indexing_maps = [#tab, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%tab, %rot : tensor<1x1x4x4xf32>, tensor<2x1x4x4xf32>) outs(%e : tensor<2x1x4x4xf32>) {
  ^bb0(%c: f32, %a: f32, %o: f32):
    %v = arith.mulf %c, %a : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x4xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q, %p : tensor<2x1x4x4xf32>, tensor<2x1x4x4xf32>) outs(%e : tensor<2x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %v = arith.addf %a, %b : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x4xf32>
  return %y : tensor<2x1x4x4xf32>
}

// -----

// Not raised: the table's halves differ (a remark says where).
#id = affine_map<(b, h, s, d) -> (b, h, s, d)>
#tab = affine_map<(b, h, s, d) -> (0, 0, s, d)>
//      REMARK: remark: rotary embedding not raised: the cos table's two halves differ (row 1, column 0)
// CHECK-LABEL: func.func @halves_differ
//   CHECK-NOT: mixer.rope
//       CHECK: return
func.func @halves_differ(%x: tensor<2x1x4x4xf32>) -> tensor<2x1x4x4xf32> {
  %t = arith.constant dense<[[1.0, 2.0, 1.0, 2.0], [3.0, 4.0, 9.0, 4.0],
                             [5.0, 6.0, 5.0, 6.0], [7.0, 8.0, 7.0, 8.0]]> : tensor<4x4xf32>
  %ts = tensor.extract_slice %t[0, 0] [4, 4] [1, 1] : tensor<4x4xf32> to tensor<4x4xf32>
  %tab = tensor.expand_shape %ts [[0, 1, 2], [3]] output_shape [1, 1, 4, 4] : tensor<4x4xf32> into tensor<1x1x4x4xf32>
  %x1 = tensor.extract_slice %x[0, 0, 0, 0] [2, 1, 4, 2] [1, 1, 1, 1] : tensor<2x1x4x4xf32> to tensor<2x1x4x2xf32>
  %x2 = tensor.extract_slice %x[0, 0, 0, 2] [2, 1, 4, 2] [1, 1, 1, 1] : tensor<2x1x4x4xf32> to tensor<2x1x4x2xf32>
  %e2 = tensor.empty() : tensor<2x1x4x2xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x2 : tensor<2x1x4x2xf32>) outs(%e2 : tensor<2x1x4x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x2xf32>
  %rot = tensor.concat dim(3) %n, %x1 : (tensor<2x1x4x2xf32>, tensor<2x1x4x2xf32>) -> tensor<2x1x4x4xf32>
  %e = tensor.empty() : tensor<2x1x4x4xf32>
  %p = linalg.generic {indexing_maps = [#id, #tab, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %tab : tensor<2x1x4x4xf32>, tensor<1x1x4x4xf32>) outs(%e : tensor<2x1x4x4xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %v = arith.mulf %a, %c : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x4xf32>
  %q = linalg.generic {indexing_maps = [#id, #tab, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%rot, %tab : tensor<2x1x4x4xf32>, tensor<1x1x4x4xf32>) outs(%e : tensor<2x1x4x4xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %v = arith.mulf %a, %c : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x4xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%p, %q : tensor<2x1x4x4xf32>, tensor<2x1x4x4xf32>) outs(%e : tensor<2x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %v = arith.addf %a, %b : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x4xf32>
  return %y : tensor<2x1x4x4xf32>
}

// -----

// Not raised: the tables are not constants.
#id = affine_map<(b, h, s, d) -> (b, h, s, d)>
#tab = affine_map<(b, h, s, d) -> (0, 0, s, d)>
//      REMARK: remark: rotary embedding not raised: cos and sin are not rows [0, seq) of constant [positions, 4] tables broadcast over batch and heads
// CHECK-LABEL: func.func @table_not_constant
//   CHECK-NOT: mixer.rope
//       CHECK: return
func.func @table_not_constant(%x: tensor<2x1x4x4xf32>, %tab: tensor<1x1x4x4xf32>) -> tensor<2x1x4x4xf32> {
  %x1 = tensor.extract_slice %x[0, 0, 0, 0] [2, 1, 4, 2] [1, 1, 1, 1] : tensor<2x1x4x4xf32> to tensor<2x1x4x2xf32>
  %x2 = tensor.extract_slice %x[0, 0, 0, 2] [2, 1, 4, 2] [1, 1, 1, 1] : tensor<2x1x4x4xf32> to tensor<2x1x4x2xf32>
  %e2 = tensor.empty() : tensor<2x1x4x2xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x2 : tensor<2x1x4x2xf32>) outs(%e2 : tensor<2x1x4x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x2xf32>
  %rot = tensor.concat dim(3) %n, %x1 : (tensor<2x1x4x2xf32>, tensor<2x1x4x2xf32>) -> tensor<2x1x4x4xf32>
  %e = tensor.empty() : tensor<2x1x4x4xf32>
  %p = linalg.generic {indexing_maps = [#id, #tab, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %tab : tensor<2x1x4x4xf32>, tensor<1x1x4x4xf32>) outs(%e : tensor<2x1x4x4xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %v = arith.mulf %a, %c : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x4xf32>
  %q = linalg.generic {indexing_maps = [#id, #tab, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%rot, %tab : tensor<2x1x4x4xf32>, tensor<1x1x4x4xf32>) outs(%e : tensor<2x1x4x4xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %v = arith.mulf %a, %c : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x4xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%p, %q : tensor<2x1x4x4xf32>, tensor<2x1x4x4xf32>) outs(%e : tensor<2x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %v = arith.addf %a, %b : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x4xf32>
  return %y : tensor<2x1x4x4xf32>
}

// -----

// Not matched: the halves swapped the other way (concat(x1, -x2) is not
// rotate_half).
#id = affine_map<(b, h, s, d) -> (b, h, s, d)>
#tab = affine_map<(b, h, s, d) -> (0, 0, s, d)>
// CHECK-LABEL: func.func @wrong_rotation
//   CHECK-NOT: mixer.rope
//       CHECK: return
func.func @wrong_rotation(%x: tensor<2x1x4x4xf32>) -> tensor<2x1x4x4xf32> {
  %t = arith.constant dense<[[1.0, 2.0, 1.0, 2.0], [3.0, 4.0, 3.0, 4.0],
                             [5.0, 6.0, 5.0, 6.0], [7.0, 8.0, 7.0, 8.0]]> : tensor<4x4xf32>
  %ts = tensor.extract_slice %t[0, 0] [4, 4] [1, 1] : tensor<4x4xf32> to tensor<4x4xf32>
  %tab = tensor.expand_shape %ts [[0, 1, 2], [3]] output_shape [1, 1, 4, 4] : tensor<4x4xf32> into tensor<1x1x4x4xf32>
  %x1 = tensor.extract_slice %x[0, 0, 0, 0] [2, 1, 4, 2] [1, 1, 1, 1] : tensor<2x1x4x4xf32> to tensor<2x1x4x2xf32>
  %x2 = tensor.extract_slice %x[0, 0, 0, 2] [2, 1, 4, 2] [1, 1, 1, 1] : tensor<2x1x4x4xf32> to tensor<2x1x4x2xf32>
  %e2 = tensor.empty() : tensor<2x1x4x2xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x2 : tensor<2x1x4x2xf32>) outs(%e2 : tensor<2x1x4x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x2xf32>
  %rot = tensor.concat dim(3) %x1, %n : (tensor<2x1x4x2xf32>, tensor<2x1x4x2xf32>) -> tensor<2x1x4x4xf32>
  %e = tensor.empty() : tensor<2x1x4x4xf32>
  %p = linalg.generic {indexing_maps = [#id, #tab, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %tab : tensor<2x1x4x4xf32>, tensor<1x1x4x4xf32>) outs(%e : tensor<2x1x4x4xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %v = arith.mulf %a, %c : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x4xf32>
  %q = linalg.generic {indexing_maps = [#id, #tab, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%rot, %tab : tensor<2x1x4x4xf32>, tensor<1x1x4x4xf32>) outs(%e : tensor<2x1x4x4xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %v = arith.mulf %a, %c : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x4xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%p, %q : tensor<2x1x4x4xf32>, tensor<2x1x4x4xf32>) outs(%e : tensor<2x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %v = arith.addf %a, %b : f32
    linalg.yield %v : f32
  } -> tensor<2x1x4x4xf32>
  return %y : tensor<2x1x4x4xf32>
}
