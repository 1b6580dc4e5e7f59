// A shape error caught by the verifier: matmul inner dimensions differ.
// RUN: not gradc %s --emit=header 2>&1 | FileCheck %s

func.func @f(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // CHECK: error-shape.mlir:[[@LINE+1]]:{{[0-9]+}}: error: 'grad.matmul' op {{.*}}
  %0 = grad.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}
