// REQUIRES: onnx
// RUN: %onnx_from_text %s --no-check -o %t.onnx
// RUN: mixer-translate --import-onnx %t.onnx | FileCheck %s

// ONNX Runtime's fused ops: SkipLayerNormalization (input + skip + bias, then
// LayerNorm; the sum is output 3), SkipSimplifiedLayerNormalization and
// SimplifiedLayerNormalization (RMSNorm), BiasGelu (erf) and FastGelu (tanh).

// CHECK-LABEL: func.func @main
// CHECK: %[[S1:.+]] = linalg.generic {{.*}} ins(%arg0, %arg1 :
// CHECK: %[[S:.+]] = linalg.generic {{.*}} ins(%[[S1]], %arg4 :
// CHECK: %[[LN:.+]] = mixer.layer_norm %[[S]] weight(%arg2) bias(%arg3) {epsilon = 9.99999996E-13 : f32}
// CHECK: mixer.rms_norm {{.*}} weight(%arg2) {epsilon = 9.99999997E-7 : f32}
// CHECK: mixer.rms_norm %arg0 weight(%arg2) :
// CHECK: math.erf
// CHECK: math.tanh
// CHECK: return %[[LN]], %[[S]],

// ONNX: <ir_version: 9, opset_import: ["" : 17, "com.microsoft" : 1]>
// ONNX: agraph (float[2, 8, 32] x, float[2, 8, 32] skip, float[32] gamma, float[32] beta, float[32] bias)
// ONNX:     => (float[2, 8, 32] ln, float[2, 8, 32] sum, float[2, 8, 32] rms, float[2, 8, 32] srms, float[2, 8, 32] g1, float[2, 8, 32] g2) {
// ONNX:   ln, , , sum = com.microsoft.SkipLayerNormalization <epsilon = 1e-12> (x, skip, gamma, beta, bias)
// ONNX:   rms = com.microsoft.SkipSimplifiedLayerNormalization <epsilon = 1e-6> (x, skip, gamma)
// ONNX:   srms = SimplifiedLayerNormalization (x, gamma)
// ONNX:   g1 = com.microsoft.BiasGelu (x, bias)
// ONNX:   g2 = com.microsoft.FastGelu (x, bias)
// ONNX: }

// RUN: %onnx_from_text %s --prefix=MHA --no-check -o %t.mha.onnx
// RUN: mixer-translate --import-onnx %t.mha.onnx | FileCheck %s --check-prefix=MHA-CHECK

// com.microsoft MultiHeadAttention: bias added to Q/K/V, heads split, the
// int padding mask becomes an i1 keep-mask, unidirectional is causal.
// MHA-CHECK-LABEL: func.func @main
// MHA-CHECK: tensor.extract_slice %arg3[0] [32] [1]
// MHA-CHECK: tensor.extract_slice %arg3[32] [32] [1]
// MHA-CHECK: tensor.extract_slice %arg3[64] [32] [1]
// MHA-CHECK: arith.cmpi ne
// MHA-CHECK: %[[M:.+]] = tensor.reshape {{.*}} -> tensor<2x1x1x?xi1>
// MHA-CHECK: mixer.attention %{{.+}}, %{{.+}}, %{{.+}} mask(%[[M]]) {causal, scale = 5.000000e-01 : f32} : (tensor<2x4x?x8xf32>, tensor<2x4x?x8xf32>, tensor<2x4x?x8xf32>, tensor<2x1x1x?xi1>) -> tensor<2x4x?x8xf32>

// MHA: <ir_version: 9, opset_import: ["" : 17, "com.microsoft" : 1]>
// MHA: agraph (float[2, S, 32] q, float[2, T, 32] k, float[2, T, 32] v, float[96] bias, int32[2, T] pad) => (float[2, S, 32] y) {
// MHA:   y = com.microsoft.MultiHeadAttention <num_heads = 4, scale = 0.5, unidirectional = 1> (q, k, v, bias, pad)
// MHA: }

// RUN: %onnx_from_text %s --prefix=ROPE --no-check -o %t.rope.onnx
// RUN: mixer-translate --import-onnx %t.rope.onnx | FileCheck %s --check-prefix=ROPE-CHECK

// com.microsoft RotaryEmbedding: [batch, seq, heads, head_dim] input is moved
// to [batch, heads, seq, head_dim] around mixer.rope and back.
// ROPE-CHECK-LABEL: func.func @main
// ROPE-CHECK: %[[T:.+]] = linalg.transpose ins(%arg0 : tensor<1x?x4x16xf32>) outs(%{{.+}} : tensor<1x4x?x16xf32>)
// ROPE-CHECK: %[[R:.+]] = mixer.rope %[[T]], %arg2, %arg3 positions(%arg1) interleaved
// ROPE-CHECK: linalg.transpose ins(%[[R]] : tensor<1x4x?x16xf32>) outs(%{{.+}} : tensor<1x?x4x16xf32>)

// ROPE: <ir_version: 9, opset_import: ["" : 17, "com.microsoft" : 1]>
// ROPE: agraph (float[1, S, 4, 16] x, int64[1, S] pos, float[64, 8] cos, float[64, 8] sin) => (float[1, S, 4, 16] y) {
// ROPE:   y = com.microsoft.RotaryEmbedding <interleaved = 1> (x, pos, cos, sin)
// ROPE: }

// RUN: %onnx_from_text %s --prefix=ATT --no-check -o %t.att.onnx
// RUN: mixer-translate --import-onnx %t.att.onnx | FileCheck %s --check-prefix=ATT-CHECK

// com.microsoft Attention: one MatMul by the packed [hidden, 3 * hidden]
// weights, the bias, Q/K/V as slices of it, the int mask_index as an i1
// keep-mask, unidirectional as causal.
// ATT-CHECK-LABEL: func.func @main
// ATT-CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// ATT-CHECK: tensor.extract_slice %{{.+}}[0, 0, 0] [2, %{{.+}}, 32] [1, 1, 1]
// ATT-CHECK: tensor.extract_slice %{{.+}}[0, 0, 32] [2, %{{.+}}, 32] [1, 1, 1]
// ATT-CHECK: tensor.extract_slice %{{.+}}[0, 0, 64] [2, %{{.+}}, 32] [1, 1, 1]
// ATT-CHECK: arith.cmpi ne
// ATT-CHECK: mixer.attention %{{.+}}, %{{.+}}, %{{.+}} mask(%{{.+}}) {causal} : (tensor<2x4x?x8xf32>, tensor<2x4x?x8xf32>, tensor<2x4x?x8xf32>, tensor<2x1x1x?xi1>) -> tensor<2x4x?x8xf32>

// ATT: <ir_version: 9, opset_import: ["" : 17, "com.microsoft" : 1]>
// ATT: agraph (float[2, S, 32] x, float[32, 96] w, float[96] b, int32[2, S] mask) => (float[2, S, 32] y) {
// ATT:   y = com.microsoft.Attention <num_heads = 4, unidirectional = 1> (x, w, b, mask)
// ATT: }

// Refused, naming the node: a KV cache (past), rotary inside the op, and
// qkv_hidden_sizes that do not add up.
// RUN: %onnx_from_text %s --prefix=ATTPAST --no-check -o %t.attpast.onnx
// RUN: not mixer-translate --import-onnx %t.attpast.onnx 2>&1 | FileCheck %s --check-prefix=ATTPAST-CHECK
// ATTPAST-CHECK: ONNX node 'att' (Attention): the past input (KV cache) is unsupported for contrib Attention
// ATTPAST: <ir_version: 9, opset_import: ["" : 17, "com.microsoft" : 1]>
// ATTPAST: agraph (float[2, 4, 32] x, float[32, 96] w, float[96] b, float[2, 2, 4, 3, 8] past) => (float[2, 4, 32] y) {
// ATTPAST:   [att] y = com.microsoft.Attention <num_heads = 4> (x, w, b, , past)
// ATTPAST: }

// RUN: %onnx_from_text %s --prefix=ATTROT --no-check -o %t.attrot.onnx
// RUN: not mixer-translate --import-onnx %t.attrot.onnx 2>&1 | FileCheck %s --check-prefix=ATTROT-CHECK
// ATTROT-CHECK: ONNX node 'att' (Attention): attribute 'do_rotary'
// ATTROT: <ir_version: 9, opset_import: ["" : 17, "com.microsoft" : 1]>
// ATTROT: agraph (float[2, 4, 32] x, float[32, 96] w, float[96] b) => (float[2, 4, 32] y) {
// ATTROT:   [att] y = com.microsoft.Attention <num_heads = 4, do_rotary = 1> (x, w, b)
// ATTROT: }

// RUN: %onnx_from_text %s --prefix=ATTSIZES --no-check -o %t.attsizes.onnx
// RUN: not mixer-translate --import-onnx %t.attsizes.onnx 2>&1 | FileCheck %s --check-prefix=ATTSIZES-CHECK
// ATTSIZES-CHECK: ONNX node 'att' (Attention): qkv_hidden_sizes must be 3 positive sizes (Q and K equal) summing to the weights' 96 columns
// ATTSIZES: <ir_version: 9, opset_import: ["" : 17, "com.microsoft" : 1]>
// ATTSIZES: agraph (float[2, 4, 32] x, float[32, 96] w, float[96] b) => (float[2, 4, 32] y) {
// ATTSIZES:   [att] y = com.microsoft.Attention <num_heads = 4, qkv_hidden_sizes = [32, 16, 48]> (x, w, b)
// ATTSIZES: }

// com.microsoft GroupQueryAttention: 4 query heads on 2 K/V heads, the KV
// cache concatenated with the new keys (the present outputs), causal with
// seq_lens = seqlens_k + 1.
// RUN: %onnx_from_text %s --prefix=GQA --no-check -o %t.gqa.onnx
// RUN: mixer-translate --import-onnx %t.gqa.onnx | FileCheck %s --check-prefix=GQA-CHECK
// GQA-CHECK-LABEL: func.func @main
// GQA-CHECK-DAG: %[[K:.+]] = tensor.concat dim(2) %arg3, %{{.+}} : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32>
// GQA-CHECK-DAG: %[[V:.+]] = tensor.concat dim(2) %arg4, %{{.+}} : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32>
// GQA-CHECK: %[[LENS:.+]] = linalg.generic {{.*}} ins(%arg5, %{{.+}} : tensor<1xi32>, tensor<i32>)
// GQA-CHECK:   arith.addi
// GQA-CHECK: mixer.attention %{{.+}}, %[[K]], %[[V]] seq_lens(%[[LENS]]) {causal} : (tensor<1x4x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1xi32>) -> tensor<1x4x?x8xf32>
// GQA-CHECK: return %{{.+}}, %[[K]], %[[V]]
// GQA: <ir_version: 9, opset_import: ["" : 17, "com.microsoft" : 1]>
// GQA: agraph (float[1, S, 32] q, float[1, S, 16] k, float[1, S, 16] v, float[1, 2, P, 8] pk, float[1, 2, P, 8] pv, int32[1] lens, int32 total)
// GQA:     => (float[1, S, 32] y, float[1, 2, T, 8] ok, float[1, 2, T, 8] ov) {
// GQA:   y, ok, ov = com.microsoft.GroupQueryAttention <num_heads = 4, kv_num_heads = 2> (q, k, v, pk, pv, lens, total)
// GQA: }

// Refused, naming the node: a KV cache on a batch that may hold several rows,
// rotary inside the op, and head counts that do not group.
// RUN: %onnx_from_text %s --prefix=GQABATCH --no-check -o %t.gqabatch.onnx
// RUN: not mixer-translate --import-onnx %t.gqabatch.onnx 2>&1 | FileCheck %s --check-prefix=GQABATCH-CHECK
// GQABATCH-CHECK: ONNX node 'gqa' (GroupQueryAttention): a KV cache is supported for a batch of one row (rows may hold different past lengths in ONNX Runtime's buffer); specialize the batch to 1 with --input-shape
// GQABATCH: <ir_version: 9, opset_import: ["" : 17, "com.microsoft" : 1]>
// GQABATCH: agraph (float[B, 1, 32] q, float[B, 1, 16] k, float[B, 1, 16] v, float[B, 2, P, 8] pk, float[B, 2, P, 8] pv, int32[B] lens, int32 total) => (float[B, 1, 32] y) {
// GQABATCH:   [gqa] y = com.microsoft.GroupQueryAttention <num_heads = 4, kv_num_heads = 2> (q, k, v, pk, pv, lens, total)
// GQABATCH: }

// RUN: %onnx_from_text %s --prefix=GQAROT --no-check -o %t.gqarot.onnx
// RUN: not mixer-translate --import-onnx %t.gqarot.onnx 2>&1 | FileCheck %s --check-prefix=GQAROT-CHECK
// GQAROT-CHECK: ONNX node 'gqa' (GroupQueryAttention): attribute 'do_rotary'
// GQAROT: <ir_version: 9, opset_import: ["" : 17, "com.microsoft" : 1]>
// GQAROT: agraph (float[2, 4, 32] q, float[2, 4, 16] k, float[2, 4, 16] v, int32[2] lens, int32 total) => (float[2, 4, 32] y) {
// GQAROT:   [gqa] y = com.microsoft.GroupQueryAttention <num_heads = 4, kv_num_heads = 2, do_rotary = 1> (q, k, v, , , lens, total)
// GQAROT: }

// RUN: %onnx_from_text %s --prefix=GQAHEADS --no-check -o %t.gqaheads.onnx
// RUN: not mixer-translate --import-onnx %t.gqaheads.onnx 2>&1 | FileCheck %s --check-prefix=GQAHEADS-CHECK
// GQAHEADS-CHECK: ONNX node 'gqa' (GroupQueryAttention): num_heads (4) and kv_num_heads (3) must be positive, num_heads a multiple of kv_num_heads
// GQAHEADS: <ir_version: 9, opset_import: ["" : 17, "com.microsoft" : 1]>
// GQAHEADS: agraph (float[2, 4, 32] q, float[2, 4, 24] k, float[2, 4, 24] v, int32[2] lens, int32 total) => (float[2, 4, 32] y) {
// GQAHEADS:   [gqa] y = com.microsoft.GroupQueryAttention <num_heads = 4, kv_num_heads = 3> (q, k, v, , , lens, total)
// GQAHEADS: }
