// --grad-lower-copies: a copy from or to a non-contiguous (strided) buffer becomes a linalg copy
// (loops later) instead of a call to memrefCopy in MLIR's runtime library; a copy between
// identity layouts stays memref.copy (llvm.memcpy later).
// RUN: grad-opt %s --grad-lower-copies | FileCheck %s
// CHECK-LABEL: func.func @strided(
// CHECK:         %[[S:.+]] = memref.subview
// CHECK-NOT:     memref.copy
// CHECK:         linalg.generic {{.*}} ins(%[[S]] : memref<4x4xf32, strided<[8, 1], offset: 2>>) outs(%{{.+}} : memref<4x4xf32>)
// CHECK-NEXT:    ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:      linalg.yield %[[IN]] : f32
func.func @strided(%a: memref<4x8xf32>, %b: memref<4x4xf32>) {
  %s = memref.subview %a[0, 2] [4, 4] [1, 1] : memref<4x8xf32> to memref<4x4xf32, strided<[8, 1], offset: 2>>
  memref.copy %s, %b : memref<4x4xf32, strided<[8, 1], offset: 2>> to memref<4x4xf32>
  return
}

// CHECK-LABEL: func.func @contiguous(
// CHECK-NEXT:    memref.copy %{{.+}}, %{{.+}} : memref<4x4xf32> to memref<4x4xf32>
func.func @contiguous(%a: memref<4x4xf32>, %b: memref<4x4xf32>) {
  memref.copy %a, %b : memref<4x4xf32> to memref<4x4xf32>
  return
}
