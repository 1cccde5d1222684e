// RUN: mixer-opt %s | mixer-opt | FileCheck %s

// CHECK-LABEL: func.func @roundtrip
//       CHECK: %[[S:.+]] = mixer.token_importance %{{.+}}, %{{.+}} mask(%{{.+}}) {iterations = 3 : i64} : (tensor<2x6x197x64xf32>, tensor<2x2x197x64xf32>, tensor<2x1x1x197xf32>) -> tensor<2x197xf32>
//       CHECK: %[[K:.+]] = mixer.top_tokens %[[S]] {count = 138 : i64, protect = 1 : i64} : (tensor<2x197xf32>) -> tensor<2x138xi64>
//       CHECK: mixer.gather_tokens %{{.+}}, %[[K]] {dim = 1 : i64} : (tensor<2x197x384xf32>, tensor<2x138xi64>) -> tensor<2x138x384xf32>
//       CHECK: mixer.token_importance %{{.+}}, %{{.+}} {scale = 1.250000e-01 : f32} : (tensor<?x6x?x64xf32>, tensor<?x6x?x64xf32>) -> tensor<?x?xf32>
func.func @roundtrip(%q: tensor<2x6x197x64xf32>, %k: tensor<2x2x197x64xf32>,
                     %m: tensor<2x1x1x197xf32>, %x: tensor<2x197x384xf32>,
                     %dq: tensor<?x6x?x64xf32>)
    -> (tensor<2x138x384xf32>, tensor<?x?xf32>) {
  %s = mixer.token_importance %q, %k mask(%m) {iterations = 3 : i64}
      : (tensor<2x6x197x64xf32>, tensor<2x2x197x64xf32>, tensor<2x1x1x197xf32>) -> tensor<2x197xf32>
  %keep = mixer.top_tokens %s {count = 138 : i64, protect = 1 : i64}
      : (tensor<2x197xf32>) -> tensor<2x138xi64>
  %y = mixer.gather_tokens %x, %keep {dim = 1 : i64}
      : (tensor<2x197x384xf32>, tensor<2x138xi64>) -> tensor<2x138x384xf32>
  %d = mixer.token_importance %dq, %dq {scale = 0.125 : f32}
      : (tensor<?x6x?x64xf32>, tensor<?x6x?x64xf32>) -> tensor<?x?xf32>
  return %y, %d : tensor<2x138x384xf32>, tensor<?x?xf32>
}

// CHECK-LABEL: func.func @merge
//       CHECK: %[[D:.+]], %[[K:.+]] = mixer.merge_plan %{{.+}} {merge = 3 : i64, protect = 1 : i64} : (tensor<2x2x8x8xf32>) -> (tensor<2x8xi64>, tensor<2x5xi64>)
//       CHECK: %[[S:.+]] = mixer.merge_tokens %{{.+}}, %[[D]] {dim = 1 : i64} : (tensor<2x8xf32>, tensor<2x8xi64>) -> tensor<2x5xf32>
//       CHECK: mixer.merge_tokens %{{.+}}, %[[D]] weights(%{{.+}}) {dim = 1 : i64, normalize} : (tensor<2x8x16xf32>, tensor<2x8xi64>, tensor<2x8xf32>) -> tensor<2x5x16xf32>
func.func @merge(%k: tensor<2x2x8x8xf32>, %x: tensor<2x8x16xf32>, %s: tensor<2x8xf32>)
    -> (tensor<2x5xf32>, tensor<2x5x16xf32>, tensor<2x5xi64>) {
  %dst, %kept = mixer.merge_plan %k {merge = 3 : i64, protect = 1 : i64}
      : (tensor<2x2x8x8xf32>) -> (tensor<2x8xi64>, tensor<2x5xi64>)
  %sizes = mixer.merge_tokens %s, %dst {dim = 1 : i64} : (tensor<2x8xf32>, tensor<2x8xi64>) -> tensor<2x5xf32>
  %y = mixer.merge_tokens %x, %dst weights(%s) {dim = 1 : i64, normalize}
      : (tensor<2x8x16xf32>, tensor<2x8xi64>, tensor<2x8xf32>) -> tensor<2x5x16xf32>
  return %sizes, %y, %kept : tensor<2x5xf32>, tensor<2x5x16xf32>, tensor<2x5xi64>
}
