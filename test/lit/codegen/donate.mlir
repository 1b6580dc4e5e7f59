// RUN: grad-opt %s --split-input-file --grad-donate-buffers | FileCheck %s --check-prefix=TENSOR
// RUN: grad-opt %s --split-input-file --grad-donate-buffers --grad-tile-and-vectorize --canonicalize --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --grad-isolate-results --buffer-results-to-out-params=hoist-static-allocs | FileCheck %s

// Buffer donation (grad.donate = [argument, result]): an SGD update p - g*g computed in p.
// TENSOR-LABEL: func.func @in_place
// TENSOR: linalg.generic {{.*}} ins(%arg1 : tensor<64xf32>) outs(%arg0 : tensor<64xf32>)
// TENSOR-NEXT: ^bb0(%[[G:.*]]: f32, %[[P:.*]]: f32):
// TENSOR: arith.subf %[[P]]
// CHECK-LABEL: func.func @in_place(%arg0: memref<64xf32>, %arg1: memref<64xf32>, %arg2: memref<64xf32>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: vector.transfer_read %arg0
// CHECK: vector.transfer_write {{.*}}, %arg0
// CHECK-NOT: memref.copy
// CHECK: return
#map = affine_map<(d0) -> (d0)>
func.func @in_place(%p: tensor<64xf32>, %g: tensor<64xf32>) -> tensor<64xf32>
    attributes {grad.donate = array<i64: 0, 0>} {
  %e = tensor.empty() : tensor<64xf32>
  %r = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]}
      ins(%p, %g : tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %b, %b : f32
    %s = arith.subf %a, %m : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  return %r : tensor<64xf32>
}

// -----

// The old value of p is read after the update (p + g): the update goes to a new buffer and is
// copied into p at the end, after that read.
// CHECK-LABEL: func.func @conflict(%arg0: memref<64xf32>, %arg1: memref<64xf32>, %arg2: memref<64xf32>, %arg3: memref<64xf32>)
// CHECK: %[[NEW:.*]] = memref.alloc
// CHECK: vector.transfer_write {{.*}}, %[[NEW]]
// CHECK: vector.transfer_read %arg0
// CHECK: vector.transfer_write {{.*}}, %arg3
// CHECK: memref.copy %[[NEW]], %arg0
// CHECK-NEXT: return
#map = affine_map<(d0) -> (d0)>
func.func @conflict(%p: tensor<64xf32>, %g: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
    attributes {grad.donate = array<i64: 0, 0>} {
  %e = tensor.empty() : tensor<64xf32>
  %r = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]}
      ins(%p, %g : tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.subf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  %e2 = tensor.empty() : tensor<64xf32>
  %q = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]}
      ins(%p, %g : tensor<64xf32>, tensor<64xf32>) outs(%e2 : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  return %r, %q : tensor<64xf32>, tensor<64xf32>
}

// -----

// Both arguments donated to the other's result (a swap): snapshots first, then the copies.
// CHECK-LABEL: func.func @swap
// CHECK: %[[S1:.*]] = memref.alloc
// CHECK: memref.copy %arg1, %[[S1]]
// CHECK: %[[S0:.*]] = memref.alloc
// CHECK: memref.copy %arg0, %[[S0]]
// CHECK: memref.copy %[[S1]], %arg0
// CHECK: memref.copy %[[S0]], %arg1
// CHECK-NEXT: return
func.func @swap(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
    attributes {grad.donate = array<i64: 0, 0, 1, 1>} {
  return %b, %a : tensor<4xf32>, tensor<4xf32>
}
