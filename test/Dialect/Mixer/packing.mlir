// RUN: mixer-opt %s | mixer-opt | FileCheck %s

// CHECK-LABEL: func.func @roundtrip
//       CHECK: %[[OFF:.+]], %[[TOK:.+]] = mixer.padding_plan %{{.+}} : (tensor<4x128xi64>) -> (tensor<5xi64>, tensor<?xi64>)
//       CHECK: %[[P:.+]] = mixer.pack_tokens %{{.+}}, %[[TOK]] : (tensor<4x128x64xf32>, tensor<?xi64>) -> tensor<1x?x64xf32>
//       CHECK: mixer.attention %{{.+}}, %{{.+}}, %{{.+}} offsets(%[[OFF]]) {causal}
//       CHECK: mixer.unpack_tokens %{{.+}}, %[[TOK]], %{{.+}} : (tensor<1x?x64xf32>, tensor<?xi64>, tensor<4x128xi64>) -> tensor<4x128x64xf32>
func.func @roundtrip(%x: tensor<4x128x64xf32>, %m: tensor<4x128xi64>,
                     %q: tensor<1x4x?x16xf32>) -> (tensor<4x128x64xf32>, tensor<1x4x?x16xf32>) {
  %off, %tok = mixer.padding_plan %m : (tensor<4x128xi64>) -> (tensor<5xi64>, tensor<?xi64>)
  %p = mixer.pack_tokens %x, %tok : (tensor<4x128x64xf32>, tensor<?xi64>) -> tensor<1x?x64xf32>
  %a = mixer.attention %q, %q, %q offsets(%off) {causal}
      : (tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<5xi64>) -> tensor<1x4x?x16xf32>
  %y = mixer.unpack_tokens %p, %tok, %m : (tensor<1x?x64xf32>, tensor<?xi64>, tensor<4x128xi64>) -> tensor<4x128x64xf32>
  return %y, %a : tensor<4x128x64xf32>, tensor<1x4x?x16xf32>
}
