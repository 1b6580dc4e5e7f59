// The max-elements option: no folded constant (and no evaluated intermediate) is larger than the
// limit, so folding never bloats the IR. The small part of the subgraph still folds.
// RUN: grad-opt %s --grad-fold=max-elements=4 --split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: grad-opt %s --grad-fold --split-input-file | FileCheck %s --check-prefix=DEFAULT

// exp of [0, 0] folds (2 elements); its broadcast to 4x4 (16 elements) stays with max-elements=4,
// and so does the sum that reads the broadcast. With the default limit everything folds.
// SMALL-LABEL: func.func @big_broadcast
// SMALL-NEXT:    %[[C:.+]] = grad.constant dense<1.000000e+00> : tensor<2xf32>
// SMALL-NEXT:    %[[B:.+]] = grad.broadcast %[[C]] {dims = array<i64: 1>} : tensor<2xf32> -> tensor<8x2xf32>
// SMALL-NEXT:    %[[S:.+]] = grad.sum %[[B]]
// SMALL-NEXT:    return %[[S]]
// DEFAULT-LABEL: func.func @big_broadcast
// DEFAULT-NEXT:    %[[C:.+]] = grad.constant dense<8.000000e+00> : tensor<2xf32>
// DEFAULT-NEXT:    return %[[C]]
func.func @big_broadcast() -> tensor<2xf32> {
  %z = grad.constant dense<0.0> : tensor<2xf32>
  %e = grad.exp %z : tensor<2xf32>
  %b = grad.broadcast %e {dims = array<i64: 1>} : tensor<2xf32> -> tensor<8x2xf32>
  %s = grad.sum %b {axes = array<i64: 0>} : tensor<8x2xf32> -> tensor<2xf32>
  return %s : tensor<2xf32>
}

// -----

// A constant input larger than the limit is not read at all.
// SMALL-LABEL: func.func @big_input
// SMALL-NEXT:    grad.constant
// SMALL-NEXT:    grad.neg
// SMALL-NEXT:    return
func.func @big_input() -> tensor<6xf32> {
  %a = grad.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<6xf32>
  %n = grad.neg %a : tensor<6xf32>
  return %n : tensor<6xf32>
}
