// RUN: grad-opt %s --split-input-file --grad-outline-kernels | FileCheck %s
// RUN: grad-opt %s --split-input-file --grad-outline-kernels --convert-scf-to-cf --convert-func-to-llvm --reconcile-unrealized-casts 2>&1 | FileCheck %s --check-prefix=LLVM

// Each top-level loop nest and linalg op with loops of a public function becomes a call to a
// private noinline function that takes the memrefs and scalars it uses; allocations, views and
// the return stay in the caller, in order.
// CHECK-LABEL: func.func private @f_k0(
// CHECK-SAME: memref<4x8xf32>
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK: scf.for
// CHECK: memref.store
// CHECK-LABEL: func.func private @f_k1(
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK-LABEL: func.func @f(
// CHECK: %[[T:.+]] = memref.alloc() : memref<4x8xf32>
// CHECK-NEXT: call @f_k0(
// CHECK-NEXT: call @f_k1(
// CHECK-NOT: scf.for
// CHECK-NOT: linalg.generic
// CHECK: memref.dealloc %[[T]]
// CHECK-NEXT: return
// LLVM: llvm.func internal @f_k0({{.*}}) attributes {passthrough = ["noinline"]{{.*}}}
// LLVM: llvm.func @f(
// LLVM: llvm.call @f_k0(
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @f(%x: memref<4x8xf32>, %y: memref<4x8xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %t = memref.alloc() : memref<4x8xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      %w = arith.mulf %v, %s : f32
      memref.store %w, %t[%i, %j] : memref<4x8xf32>
    }
  }
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%t : memref<4x8xf32>) outs(%y : memref<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.exp %in : f32
    linalg.yield %e : f32
  }
  memref.dealloc %t : memref<4x8xf32>
  return
}

// -----

// Private functions and functions without loop nests are left alone; names never collide.
// CHECK-LABEL: func.func private @helper(
// CHECK: scf.for
// CHECK-LABEL: func.func private @g_k1(
// CHECK-LABEL: func.func @g(
// CHECK: call @g_k1(
func.func private @helper(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %x[%i] : memref<4xf32>
    memref.store %v, %x[%i] : memref<4xf32>
  }
  return
}
func.func private @g_k0() {
  return
}
func.func @g(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %x[%i] : memref<4xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %x[%i] : memref<4xf32>
  }
  call @helper(%x) : (memref<4xf32>) -> ()
  return
}

// -----

// Note [Shared kernels]: identical loop nests on different buffers share one function (the
// buffers and bounds are its arguments); a nest that differs in its body (mulf instead of addf)
// or in a type (memref<8xf32>) gets its own.
// CHECK-LABEL: func.func private @s_k0(
// CHECK-SAME: memref<4xf32>
// CHECK: arith.addf
// CHECK-LABEL: func.func private @s_k2(
// CHECK-SAME: memref<4xf32>
// CHECK: arith.mulf
// CHECK-LABEL: func.func private @s_k3(
// CHECK-SAME: memref<8xf32>
// CHECK: arith.addf
// CHECK-NOT: func.func private
// CHECK-LABEL: func.func @s(
// CHECK-SAME: %[[A:[^:]+]]: memref<4xf32>, %[[B:[^:]+]]: memref<4xf32>, %[[C:[^:]+]]: memref<8xf32>
// CHECK: call @s_k0(%[[A]],
// CHECK-NEXT: call @s_k0(%[[B]],
// CHECK-NEXT: call @s_k2(%[[A]],
// CHECK-NEXT: call @s_k3(%[[C]],
// CHECK-NEXT: return
func.func @s(%a: memref<4xf32>, %b: memref<4xf32>, %c: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %a[%i] : memref<4xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %a[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %b[%i] : memref<4xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %b[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %a[%i] : memref<4xf32>
    %w = arith.mulf %v, %v : f32
    memref.store %w, %a[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %c[%i] : memref<8xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %c[%i] : memref<8xf32>
  }
  return
}
