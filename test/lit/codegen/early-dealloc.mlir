// RUN: grad-opt %s --split-input-file --grad-early-dealloc | FileCheck %s

// Each temporary is freed right after its last use, not at the end of the function.
// CHECK-LABEL: func.func @chain
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: linalg.copy ins(%arg0{{.*}} outs(%[[A]]
// CHECK: %[[B:.*]] = memref.alloc
// CHECK: linalg.copy ins(%[[A]]{{.*}} outs(%[[B]]
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK: linalg.copy ins(%[[B]]{{.*}} outs(%arg1
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: return
func.func @chain(%x: memref<4xf32>, %out: memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  %b = memref.alloc() : memref<4xf32>
  linalg.copy ins(%a : memref<4xf32>) outs(%b : memref<4xf32>)
  linalg.copy ins(%b : memref<4xf32>) outs(%out : memref<4xf32>)
  memref.dealloc %a : memref<4xf32>
  memref.dealloc %b : memref<4xf32>
  return
}

// -----

// A pointer taken from the buffer keeps it alive until the op that consumes the pointer, and a
// use inside a loop keeps it alive until after the loop.
// CHECK-LABEL: func.func @escapes
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: call @consume
// CHECK-NEXT: scf.for
// CHECK: memref.load
// CHECK: }
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: return
func.func private @consume(index)
func.func @escapes(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() : memref<4xf32>
  %p = memref.extract_aligned_pointer_as_index %a : memref<4xf32> -> index
  %q = arith.addi %p, %c0 : index
  call @consume(%q) : (index) -> ()
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %a[%c0] : memref<4xf32>
  }
  memref.dealloc %a : memref<4xf32>
  return
}

// -----

// A dealloc of a buffer allocated elsewhere (a function argument) is left where it is.
// CHECK-LABEL: func.func @not_ours
// CHECK: linalg.copy ins(%arg0
// CHECK-NEXT: linalg.copy ins(%arg1
// CHECK-NEXT: memref.dealloc %arg0
func.func @not_ours(%x: memref<4xf32>, %out: memref<4xf32>) {
  linalg.copy ins(%x : memref<4xf32>) outs(%out : memref<4xf32>)
  linalg.copy ins(%out : memref<4xf32>) outs(%out : memref<4xf32>)
  memref.dealloc %x : memref<4xf32>
  return
}

// -----

// An allocation placed early (as bufferization leaves a matmul's accumulator) moves down to
// its first use, after the other temporary is freed: the two are never held together.
// CHECK-LABEL: func.func @late
// CHECK: %[[A:.*]] = memref.alloc
// CHECK-NEXT: linalg.copy ins(%arg0{{.*}} outs(%[[A]]
// CHECK-NEXT: linalg.copy ins(%[[A]]{{.*}} outs(%arg1
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: %[[B:.*]] = memref.alloc
// CHECK-NEXT: linalg.copy ins(%arg0{{.*}} outs(%[[B]]
func.func @late(%x: memref<4xf32>, %out: memref<4xf32>, %out2: memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  linalg.copy ins(%a : memref<4xf32>) outs(%out : memref<4xf32>)
  linalg.copy ins(%x : memref<4xf32>) outs(%b : memref<4xf32>)
  linalg.copy ins(%b : memref<4xf32>) outs(%out2 : memref<4xf32>)
  memref.dealloc %a : memref<4xf32>
  memref.dealloc %b : memref<4xf32>
  return
}
