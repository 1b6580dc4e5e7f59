// Elementwise producers and consumers become one region; splat constants and broadcasts are
// cloned into it; cmp / select / convert take part; ops on different shapes meet through a
// broadcast.
// RUN: grad-opt %s --grad-fuse --split-input-file | FileCheck %s
// RUN: grad-opt %s --grad-fuse=report=true -mlir-print-op-on-diagnostic=false --split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=REPORT

// A chain of five ops over two arguments and a splat constant: 5 kernels -> 1.
// REPORT: remark: grad-fuse: @chain: kernels before: 5, after: 1
// CHECK-LABEL: func.func @chain
// CHECK-SAME:    (%[[X:.+]]: tensor<2x3xf32>, %[[Y:.+]]: tensor<2x3xf32>)
// CHECK-NEXT:    %[[F:.+]] = grad.fusion(%[[X]], %[[Y]]) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32> {
// CHECK-NEXT:    ^bb0(%[[A:.+]]: tensor<2x3xf32>, %[[B:.+]]: tensor<2x3xf32>):
// CHECK-NEXT:      %[[C:.+]] = grad.constant dense<2.000000e+00> : tensor<2x3xf32>
// CHECK-NEXT:      %[[E:.+]] = grad.exp %[[A]]
// CHECK-NEXT:      %[[M:.+]] = grad.mul %[[E]], %[[C]]
// CHECK-NEXT:      %[[S:.+]] = grad.sub %[[M]], %[[B]]
// CHECK-NEXT:      %[[T:.+]] = grad.tanh %[[S]]
// CHECK-NEXT:      %[[R:.+]] = grad.add %[[T]], %[[A]]
// CHECK-NEXT:      grad.yield %[[R]]
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[F]]
func.func @chain(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %c = grad.constant dense<2.0> : tensor<2x3xf32>
  %e = grad.exp %x : tensor<2x3xf32>
  %m = grad.mul %e, %c : tensor<2x3xf32>
  %s = grad.sub %m, %y : tensor<2x3xf32>
  %t = grad.tanh %s : tensor<2x3xf32>
  %r = grad.add %t, %x : tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// relu'(x) * g written with cmp / select / convert, and a row vector broadcast: one region with
// i1 and i64 values inside; the non-splat constant is an input. 6 kernels -> 1.
// REPORT: remark: grad-fuse: @masks: kernels before: 6, after: 1
// CHECK-LABEL: func.func @masks
// CHECK-SAME:    (%[[X:.+]]: tensor<2x3xf32>, %[[V:.+]]: tensor<3xf32>)
// CHECK-NEXT:    %[[K:.+]] = grad.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK-NEXT:    %[[F:.+]] = grad.fusion(%[[V]], %[[X]], %[[K]]) : (tensor<3xf32>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi64>
// CHECK:           grad.broadcast
// CHECK-NEXT:      grad.cmp "gt"
// CHECK-NEXT:      grad.broadcast
// CHECK-NEXT:      grad.select
// CHECK-NEXT:      grad.convert
// CHECK-NEXT:      grad.add {{.*}} : tensor<2x3xi64>
// CHECK-NEXT:      grad.yield {{.*}} : tensor<2x3xi64>
// CHECK:         return %[[F]]
func.func @masks(%x: tensor<2x3xf32>, %v: tensor<3xf32>) -> tensor<2x3xi64> {
  %k = grad.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %vb = grad.broadcast %v {dims = array<i64: 1>} : tensor<3xf32> -> tensor<2x3xf32>
  %p = grad.cmp "gt", %x, %vb : tensor<2x3xf32>
  %kb = grad.broadcast %k {dims = array<i64: 1>} : tensor<3xf32> -> tensor<2x3xf32>
  %s = grad.select %p, %x, %kb : tensor<2x3xi1>, tensor<2x3xf32>
  %i = grad.convert %s : tensor<2x3xf32> -> tensor<2x3xi64>
  %d = grad.add %i, %i : tensor<2x3xi64>
  return %d : tensor<2x3xi64>
}

// -----

// A single op is already one kernel: it stays as it is (no region of one op).
// REPORT: remark: grad-fuse: @single: kernels before: 1, after: 1
// CHECK-LABEL: func.func @single
// CHECK-NEXT:    grad.exp
// CHECK-NEXT:    return
func.func @single(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = grad.exp %x : tensor<4xf32>
  return %e : tensor<4xf32>
}

// -----

// Views and data movement are not fused: reshape (a view, no kernel) and transpose split the
// chain. neg -> transpose -> exp -> reshape -> abs: 4 kernels, nothing to group.
// REPORT: remark: grad-fuse: @boundaries: kernels before: 4, after: 4
// CHECK-LABEL: func.func @boundaries
// CHECK-NOT:     grad.fusion
// CHECK:         return
func.func @boundaries(%x: tensor<2x3xf32>) -> tensor<6xf32> {
  %n = grad.neg %x : tensor<2x3xf32>
  %t = grad.transpose %n {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  %e = grad.exp %t : tensor<3x2xf32>
  %r = grad.reshape %e : tensor<3x2xf32> -> tensor<6xf32>
  %a = grad.abs %r : tensor<6xf32>
  return %a : tensor<6xf32>
}

// -----

// Exact gelu as grad::gelu(x, "none") traces it (a composite over grad.erf): one region, one
// kernel.
// CHECK-LABEL: func.func @gelu_exact
// CHECK: %[[F:.+]] = grad.fusion
// CHECK: grad.erf
// CHECK: grad.yield
// CHECK-NOT: grad.mul
// CHECK: return %[[F]]
func.func @gelu_exact(%x: tensor<64x128xf32>) -> tensor<64x128xf32> {
  %half = grad.constant dense<0.5> : tensor<64x128xf32>
  %one = grad.constant dense<1.0> : tensor<64x128xf32>
  %r = grad.constant dense<0.707106769> : tensor<64x128xf32>
  %hx = grad.mul %x, %half : tensor<64x128xf32>
  %s = grad.mul %x, %r : tensor<64x128xf32>
  %es = grad.erf %s : tensor<64x128xf32>
  %p = grad.add %es, %one : tensor<64x128xf32>
  %g = grad.mul %hx, %p : tensor<64x128xf32>
  return %g : tensor<64x128xf32>
}
