// grad.all_reduce: parse/print, the verifier, and what the graph passes leave alone.
// RUN: grad-opt %s -split-input-file | grad-opt -split-input-file | FileCheck %s
// RUN: grad-opt %s -split-input-file --grad-fold --canonicalize --cse | FileCheck %s --check-prefix=PASSES

// CHECK-LABEL: func.func @round_trip
// CHECK: %[[S:.+]] = grad.all_reduce %{{.+}} {op = "sum"} : tensor<2x3xf32>
// CHECK: grad.all_reduce %[[S]] {op = "max"} : tensor<2x3xf32>
func.func @round_trip(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "grad.all_reduce"(%x) {op = "sum"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = grad.all_reduce %0 {op = "max"} : tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// A collective is never folded (the world size is a run-time fact), CSE'd or erased when its
// result is unused: every rank must run the same collectives in the same order.
// PASSES-LABEL: func.func @not_folded_merged_or_erased
// PASSES-NEXT: %[[C:.+]] = grad.constant
// PASSES-NEXT: grad.all_reduce %[[C]] {op = "mean"}
// PASSES-NEXT: %[[A:.+]] = grad.all_reduce %[[C]] {op = "mean"}
// PASSES-NEXT: %[[B:.+]] = grad.all_reduce %[[C]] {op = "mean"}
// PASSES-NEXT: %[[R:.+]] = grad.add %[[A]], %[[B]]
// PASSES-NEXT: return %[[R]]
func.func @not_folded_merged_or_erased() -> tensor<4xf64> {
  %c = grad.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf64>
  %unused = grad.all_reduce %c {op = "mean"} : tensor<4xf64>
  %a = grad.all_reduce %c {op = "mean"} : tensor<4xf64>
  %b = grad.all_reduce %c {op = "mean"} : tensor<4xf64>
  %r = grad.add %a, %b : tensor<4xf64>
  return %r : tensor<4xf64>
}
