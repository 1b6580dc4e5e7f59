// gradc --emit=mlir prints the grad module after the graph passes: the constant subgraph
// exp(c) is folded into one constant, unless --no-fold.
// RUN: gradc %s --emit=mlir | FileCheck %s
// RUN: gradc %s --emit=mlir --no-fold | FileCheck %s --check-prefix=NOFOLD
// RUN: cat %s | gradc - --emit=mlir | FileCheck %s
// RUN: gradc %s --emit=mlir --no-fuse -O0 | FileCheck %s

// CHECK-LABEL: func.func @f(
// CHECK-SAME: %[[X:.+]]: tensor<2xf32>
// CHECK: %[[C:.+]] = grad.constant dense<[2.71828{{[0-9]*}}, 7.38905{{[0-9]*}}]> : tensor<2xf32>
// CHECK-NOT: grad.exp
// CHECK: %[[R:.+]] = grad.add %[[X]], %[[C]] : tensor<2xf32>
// CHECK: return %[[R]]

// NOFOLD-LABEL: func.func @f(
// NOFOLD: grad.constant dense<[1.000000e+00, 2.000000e+00]>
// NOFOLD: grad.exp
// NOFOLD: grad.add
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %a = grad.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = grad.exp %a : tensor<2xf32>
  %c = grad.add %b, %x : tensor<2xf32>
  return %c : tensor<2xf32>
}
