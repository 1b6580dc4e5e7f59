// --grad names a function that the module does not have.
// RUN: not gradc %s --grad=nope --emit=mlir 2>&1 | FileCheck %s
// RUN: not gradc %s --grad-argnums=0 --emit=mlir 2>&1 | FileCheck %s --check-prefix=ARGNUMS
// RUN: not gradc %s --grad=f --grad-argnums=3 --emit=obj -o %t.o 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not test -e %t.o

// CHECK: error-missing-grad-func.mlir:{{[0-9]+}}:{{[0-9]+}}: error: gradc: --grad=nope: the module has no function @nope
// ARGNUMS: gradc: --grad-argnums needs --grad=FUNC
// RANGE: error-missing-grad-func.mlir:[[@LINE+1]]:1: error: 'func.func' op grad-autodiff: argnum 3 is out of range: @f has 1 argument
func.func @f(%x: tensor<2xf32>) -> tensor<f32> {
  %0 = grad.sum %x {axes = array<i64: 0>} : tensor<2xf32> -> tensor<f32>
  return %0 : tensor<f32>
}
