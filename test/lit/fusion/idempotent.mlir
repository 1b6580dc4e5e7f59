// Bad input for the pass: IR that is already fused. --grad-fuse leaves grad.fusion ops alone
// (they are kernels, never merged), so a second run changes nothing, and the report counts
// each region as one kernel.
// RUN: grad-opt %S/reduction.mlir --grad-fuse --split-input-file > %t.once.mlir
// RUN: grad-opt %t.once.mlir --grad-fuse --split-input-file > %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir
// RUN: grad-opt %S/autodiff-backward.mlir --grad-autodiff="func=layer_norm argnums=0,1,2" --grad-autodiff="func=softmax_ce argnums=0" --canonicalize --cse --grad-fuse > %t.bw.once.mlir
// RUN: grad-opt %t.bw.once.mlir --grad-fuse > %t.bw.twice.mlir
// RUN: diff %t.bw.once.mlir %t.bw.twice.mlir
// RUN: grad-opt %s --grad-fuse | FileCheck %s
// RUN: grad-opt %s --grad-fuse=report=true -mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=REPORT

// A hand-written region next to an op that could have joined it, had it not been a region:
// nothing changes, 2 kernels before and after.
// REPORT: remark: grad-fuse: @prefused: kernels before: 2, after: 2
// CHECK-LABEL: func.func @prefused
// CHECK-NEXT:    %[[F:.+]] = grad.fusion
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      grad.add
// CHECK-NEXT:      grad.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[N:.+]] = grad.neg %[[F]]
// CHECK-NEXT:    return %[[N]]
func.func @prefused(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %r = grad.fusion (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
    %s = grad.add %x, %y : tensor<4xf32>
    grad.yield %s : tensor<4xf32>
  }
  %n = grad.neg %r : tensor<4xf32>
  return %n : tensor<4xf32>
}
