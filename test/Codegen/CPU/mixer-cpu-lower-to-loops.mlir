// RUN: mixer-opt %s --split-input-file --mixer-cpu-lower-to-loops --canonicalize --cse | FileCheck %s
// RUN: mixer-opt %s --split-input-file --mixer-cpu-lower-to-loops="parallel=false reassociate=false" --canonicalize --cse | FileCheck %s --check-prefix=SERIAL

// Elementwise: the leading dims run on threads, the contiguous last dim is a
// sequential loop (vectorized by LLVM).
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @elementwise
//       CHECK: scf.parallel (%[[I:.+]]) =
//       CHECK:   scf.for %[[J:.+]] =
//       CHECK:     memref.load %{{.+}}[%[[I]], %[[J]]]
//       CHECK:     math.exp
//       CHECK:     memref.store
// SERIAL-LABEL: func.func @elementwise
//   SERIAL-NOT: scf.parallel
//       SERIAL: scf.for
//       SERIAL:   scf.for
func.func @elementwise(%a: memref<?x64xf32>, %c: memref<?x64xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<?x64xf32>) outs(%c : memref<?x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A reduction over a middle dim: the contiguous output dim becomes the
// innermost loop, after the reduction.
#in = affine_map<(b, d, s) -> (b, s, d)>
#out = affine_map<(b, d, s) -> (b, d)>
// CHECK-LABEL: func.func @sum_middle
//  CHECK-SAME: (%[[X:.+]]: memref<2x?x64xf32>, %[[Y:.+]]: memref<2x64xf32>)
//       CHECK: scf.parallel (%[[B:.+]]) =
//       CHECK:   scf.for %[[S:.+]] =
//       CHECK:     scf.for %[[D:.+]] =
//       CHECK:       memref.load %[[X]][%[[B]], %[[S]], %[[D]]]
//       CHECK:       arith.addf {{.+}} fastmath<reassoc>
//       CHECK:       memref.store {{.+}}, %[[Y]][%[[B]], %[[D]]]
func.func @sum_middle(%a: memref<2x?x64xf32>, %c: memref<2x64xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a : memref<2x?x64xf32>) outs(%c : memref<2x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %o, %x : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A row reduction: the accumulator is an iter_arg of the innermost loop
// (not a load and store per step), and may be reassociated.
#row = affine_map<(d0, d1) -> (d0, d1)>
#red = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @row_max
//  CHECK-SAME: (%[[X:.+]]: memref<?x64xf32>, %[[Y:.+]]: memref<?xf32>)
//       CHECK: scf.parallel (%[[I:.+]]) =
//       CHECK:   %[[INIT:.+]] = memref.load %[[Y]][%[[I]]]
//       CHECK:   %[[MAX:.+]] = scf.for {{.+}} iter_args(%[[ACC:.+]] = %[[INIT]]) -> (f32)
//       CHECK:     %[[V:.+]] = memref.load %[[X]]
//       CHECK:     %[[NEXT:.+]] = arith.maximumf %[[ACC]], %[[V]] fastmath<reassoc>
//       CHECK:     scf.yield %[[NEXT]]
//       CHECK:   memref.store %[[MAX]], %[[Y]][%[[I]]]
// SERIAL-LABEL: func.func @row_max
//       SERIAL: scf.for {{.+}} iter_args
//   SERIAL-NOT: fastmath
func.func @row_max(%a: memref<?x64xf32>, %c: memref<?xf32>) {
  linalg.generic {indexing_maps = [#row, #red], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<?x64xf32>) outs(%c : memref<?xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.maximumf %o, %x : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The accumulator stays in memory when the loop touches the output
// elsewhere too (no promotion).
#row = affine_map<(d0, d1) -> (d0, d1)>
#red = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @negative_output_also_read
//       CHECK: scf.for
//   CHECK-NOT: iter_args
//       CHECK:   memref.store
func.func @negative_output_also_read(%a: memref<4x4xf32>, %c: memref<4xf32>) {
  linalg.generic {indexing_maps = [#row, #red], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<4x4xf32>) outs(%c : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %w = memref.load %c[%i] : memref<4xf32>
    %s = arith.addf %o, %w : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A rank-0 op has no loops at all.
// CHECK-LABEL: func.func @scalar
//   CHECK-NOT: scf.
//       CHECK: arith.negf
func.func @scalar(%a: memref<f32>, %c: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
      ins(%a : memref<f32>) outs(%c : memref<f32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  }
  return
}

// -----

// A transpose of the innermost dim: 64 x 64 blocks, parallel over the
// blocks (and the leading dim); whole blocks with constant trip counts, the
// edges clamped. The output's last dim is the innermost loop.
// CHECK-LABEL: func.func @transpose_inner
//  CHECK-SAME: (%[[X:.+]]: memref<2x?x100xf32>, %[[Y:.+]]: memref<2x100x?xf32>)
//       CHECK: scf.parallel (%[[B:.+]], %[[I0:.+]], %[[J0:.+]]) = ({{.*}}) to ({{.*}}) step (%c1, %c64, %c64)
//       CHECK:   scf.if
//       CHECK:     scf.for %[[I:.+]] = %[[I0]] to
//       CHECK:       scf.for %[[J:.+]] = %[[J0]] to
//       CHECK:         %[[V:.+]] = memref.load %[[X]][%[[B]], %[[J]], %[[I]]]
//       CHECK:         memref.store %[[V]], %[[Y]][%[[B]], %[[I]], %[[J]]]
//       CHECK:   } else {
//       CHECK:     arith.minsi
// SERIAL-LABEL: func.func @transpose_inner
//   SERIAL-NOT: scf.parallel
//       SERIAL: scf.for {{.*}} step %c64
func.func @transpose_inner(%a: memref<2x?x100xf32>, %c: memref<2x100x?xf32>) {
  linalg.transpose ins(%a : memref<2x?x100xf32>) outs(%c : memref<2x100x?xf32>) permutation = [0, 2, 1]
  return
}

// -----

// A transpose that keeps the innermost dim (attention's head split) is an
// ordinary nest: its last dim is contiguous on both sides.
// CHECK-LABEL: func.func @transpose_heads
//       CHECK: scf.parallel (%{{.+}}, %{{.+}}) =
//       CHECK:   scf.for
//   CHECK-NOT: scf.if
//       CHECK:     memref.load
//   CHECK-NOT: scf.if
//       CHECK: return
func.func @transpose_heads(%a: memref<4x8x16xf32>, %c: memref<8x4x16xf32>) {
  linalg.transpose ins(%a : memref<4x8x16xf32>) outs(%c : memref<8x4x16xf32>) permutation = [1, 0, 2]
  return
}

// -----

// A depthwise convolution's window, x[c, l + k]: the output's last dim l is
// still read contiguously, so it becomes the innermost loop, after the
// reduction over k.
#x = affine_map<(c, l, k) -> (c, l + k)>
#w = affine_map<(c, l, k) -> (c, k)>
#o = affine_map<(c, l, k) -> (c, l)>
// CHECK-LABEL: func.func @conv_window
//  CHECK-SAME: (%[[X:.+]]: memref<16x?xf32>, %[[W:.+]]: memref<16x4xf32>, %[[Y:.+]]: memref<16x?xf32>)
//       CHECK: scf.parallel (%[[C:.+]]) =
//       CHECK:   scf.for %[[K:.+]] = %c0 to %c4
//       CHECK:     scf.for %[[L:.+]] =
//       CHECK:       %[[P:.+]] = affine.apply #{{.+}}(%[[K]], %[[L]])
//       CHECK:       memref.load %[[X]][%[[C]], %[[P]]]
//       CHECK:       memref.store {{.+}}, %[[Y]][%[[C]], %[[L]]]
func.func @conv_window(%x: memref<16x?xf32>, %w: memref<16x4xf32>, %y: memref<16x?xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<16x?xf32>, memref<16x4xf32>) outs(%y : memref<16x?xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}
