// --grad names a function that the module does not have.
// RUN: not gradc %s --grad=nope --emit=mlir 2>&1 | FileCheck %s
// RUN: not gradc %s --grad-argnums=0 --emit=mlir 2>&1 | FileCheck %s --check-prefix=ARGNUMS

// CHECK: error-missing-grad-func.mlir:{{[0-9]+}}:{{[0-9]+}}: error: gradc: --grad=nope: the module has no function @nope
// ARGNUMS: gradc: --grad-argnums needs --grad=FUNC
func.func @f(%x: tensor<2xf32>) -> tensor<f32> {
  %0 = grad.sum %x {axes = array<i64: 0>} : tensor<2xf32> -> tensor<f32>
  return %0 : tensor<f32>
}
