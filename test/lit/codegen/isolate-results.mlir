// --grad-isolate-results: a returned argument, or a buffer returned twice, is copied into its
// own allocation, so that every result can become the caller's output buffer.
// RUN: grad-opt %s --grad-isolate-results | FileCheck %s
// CHECK-LABEL: func.func @ret_arg(
// CHECK-SAME:    %[[A:.+]]: memref<4xf32>)
// CHECK:         %[[NEW:.+]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    memref.copy %[[A]], %[[NEW]]
// CHECK-NEXT:    return %[[NEW]]
func.func @ret_arg(%a: memref<4xf32>) -> memref<4xf32> { return %a : memref<4xf32> }

// CHECK-LABEL: func.func @ret_twice(
// CHECK:         %[[M:.+]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    %[[COPY:.+]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    memref.copy %[[M]], %[[COPY]]
// CHECK-NEXT:    return %[[M]], %[[COPY]]
func.func @ret_twice() -> (memref<4xf32>, memref<4xf32>) {
  %m = memref.alloc() : memref<4xf32>
  return %m, %m : memref<4xf32>, memref<4xf32>
}

// A fresh allocation returned once is left alone.
// CHECK-LABEL: func.func @fresh(
// CHECK-NEXT:    %[[M:.+]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    return %[[M]]
func.func @fresh() -> memref<4xf32> {
  %m = memref.alloc() : memref<4xf32>
  return %m : memref<4xf32>
}
