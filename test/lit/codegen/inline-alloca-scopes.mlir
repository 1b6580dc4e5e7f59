// RUN: grad-opt %s --split-input-file --grad-inline-alloca-scopes | FileCheck %s

// The scope convert-scf-to-openmp leaves around a loop body, with no alloca of its own, is
// inlined; the loop inside can then become branches.
// CHECK-LABEL: func.func @no_alloca(
// CHECK-NOT: memref.alloca_scope
// CHECK: scf.for
// CHECK: memref.store
func.func @no_alloca(%m: memref<16xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  memref.alloca_scope {
    scf.for %i = %c0 to %c16 step %c1 {
      memref.store %v, %m[%i] : memref<16xf32>
    }
  }
  return
}

// -----

// A scope that owns an alloca stays: removing it would grow the stack per iteration.
// CHECK-LABEL: func.func @with_alloca(
// CHECK: memref.alloca_scope
// CHECK: memref.alloca
func.func @with_alloca(%v: f32) {
  memref.alloca_scope {
    %a = memref.alloca() : memref<4xf32>
    %c0 = arith.constant 0 : index
    memref.store %v, %a[%c0] : memref<4xf32>
  }
  return
}
