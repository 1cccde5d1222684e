// REQUIRES: onnx
// RUN: %onnx_from_text %s --prefix=ONNX-CACHE -o %t.cache.onnx
// RUN: mixer-translate --import-onnx %t.cache.onnx | FileCheck %s --check-prefix=CACHE
// RUN: %onnx_from_text %s --prefix=ONNX-3D -o %t.3d.onnx
// RUN: mixer-translate --import-onnx %t.3d.onnx | FileCheck %s --check-prefix=THREE-D
// RUN: %onnx_from_text %s --prefix=ONNX-TOPLEFT -o %t.topleft.onnx
// RUN: mixer-translate --import-onnx %t.topleft.onnx | FileCheck %s --check-prefix=TOPLEFT

// ONNX Attention (opset 23) becomes one mixer.attention. A decode step with a
// KV cache: 8 query heads share 2 K/V heads (never repeated), the cache is
// concatenated along the sequence and returned as the present K/V.
// CACHE-LABEL: func.func @main
// CACHE-SAME: %[[Q:[^:]+]]: tensor<1x8x1x32xf32> {onnx.name = "q"}, %[[K:[^:]+]]: tensor<1x2x1x32xf32> {onnx.name = "k"}, %[[V:[^:]+]]: tensor<1x2x1x32xf32> {onnx.name = "v"}
// CACHE-SAME: %[[PK:[^:]+]]: tensor<1x2x?x32xf32> {onnx.name = "pk"}, %[[PV:[^:]+]]: tensor<1x2x?x32xf32> {onnx.name = "pv"}
// CACHE: %[[KC:.+]] = tensor.concat dim(2) %[[PK]], %[[K]]
// CACHE: %[[VC:.+]] = tensor.concat dim(2) %[[PV]], %[[V]]
// CACHE: %[[Y:.+]] = mixer.attention %[[Q]], %[[KC]], %[[VC]] {causal, scale = 2.500000e-01 : f32} : (tensor<1x8x1x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x8x1x32xf32>
// CACHE: return %[[Y]], %[[KC]], %[[VC]]

// ONNX-CACHE: <ir_version: 10, opset_import: ["" : 23]>
// ONNX-CACHE: agraph (float[1, 8, 1, 32] q, float[1, 2, 1, 32] k, float[1, 2, 1, 32] v, float[1, 2, past, 32] pk, float[1, 2, past, 32] pv)
// ONNX-CACHE:     => (float[1, 8, 1, 32] y, float[1, 2, total, 32] present_k, float[1, 2, total, 32] present_v) {
// ONNX-CACHE:   y, present_k, present_v = Attention <is_causal = 1, scale = 0.25> (q, k, v, , pk, pv)
// ONNX-CACHE: }

// 3-D inputs ([batch, seq, heads * head_dim]) are split into heads around the
// op and merged back; a boolean mask passes through.
// THREE-D-LABEL: func.func @main
// THREE-D: %[[QH:.+]] = linalg.transpose ins(%{{.+}} : tensor<2x?x4x16xf32>) outs(%{{.+}} : tensor<2x4x?x16xf32>)
// THREE-D: %[[KH:.+]] = linalg.transpose ins(%{{.+}} : tensor<2x?x2x16xf32>) outs(%{{.+}} : tensor<2x2x?x16xf32>)
// THREE-D: %[[VH:.+]] = linalg.transpose ins(%{{.+}} : tensor<2x?x2x16xf32>) outs(%{{.+}} : tensor<2x2x?x16xf32>)
// THREE-D: %[[O:.+]] = mixer.attention %[[QH]], %[[KH]], %[[VH]] mask(%arg3) : (tensor<2x4x?x16xf32>, tensor<2x2x?x16xf32>, tensor<2x2x?x16xf32>, tensor<?x?xi1>) -> tensor<2x4x?x16xf32>
// THREE-D: linalg.transpose ins(%[[O]] : tensor<2x4x?x16xf32>)
// THREE-D: tensor.reshape {{.*}} -> tensor<2x?x64xf32>

// ONNX-3D: <ir_version: 10, opset_import: ["" : 23]>
// ONNX-3D: agraph (float[2, seq, 64] q, float[2, seq, 32] k, float[2, seq, 32] v, bool[seq, seq] mask) => (float[2, seq, 64] y) {
// ONNX-3D:   y = Attention <q_num_heads = 4, kv_num_heads = 2> (q, k, v, mask)
// ONNX-3D: }

// Without a cache ONNX's causal frontier is top-left (key j <= query i), not
// mixer.attention's bottom-right `causal`: when the lengths differ it becomes
// an explicit boolean mask, and-ed with the user's mask.
// TOPLEFT-LABEL: func.func @main
// TOPLEFT: %[[ALLOWED:.+]] = linalg.generic
// TOPLEFT: %[[I:.+]] = linalg.index 2
// TOPLEFT: %[[J:.+]] = linalg.index 3
// TOPLEFT: arith.cmpi sle, %[[J]], %[[I]]
// TOPLEFT: %[[MASK:.+]] = linalg.generic {{.*}} ins(%arg3, %[[ALLOWED]]
// TOPLEFT: arith.andi
// TOPLEFT: mixer.attention %arg0, %arg1, %arg2 mask(%[[MASK]]) :
// TOPLEFT-NOT: causal

// ONNX-TOPLEFT: <ir_version: 10, opset_import: ["" : 23]>
// ONNX-TOPLEFT: agraph (float[1, 2, 4, 8] q, float[1, 2, 6, 8] k, float[1, 2, 6, 8] v, bool[4, 6] mask) => (float[1, 2, 4, 8] y) {
// ONNX-TOPLEFT:   y = Attention <is_causal = 1> (q, k, v, mask)
// ONNX-TOPLEFT: }
