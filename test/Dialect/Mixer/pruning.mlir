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
