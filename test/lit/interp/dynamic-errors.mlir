// Sizes that the types leave to run time but that must agree: the interpreter's error names the
// op and both sizes (an eager kernel would broadcast, or fail without the op's name).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python_numpy -c "import numpy as np; [np.save('%t/f32_%d.npy' % n, np.ones(n, np.float32)) for n in (2, 3)]; np.save('%t/f32_2x3.npy', np.ones((2, 3), np.float32)); np.save('%t/f32_4x2.npy', np.ones((4, 2), np.float32))"
//
// RUN: not grad-run %s --fn=add --interpret --input=%t/f32_2.npy --input=%t/f32_3.npy 2>&1 | FileCheck %s --check-prefix=ADD
// ADD: dynamic-errors.mlir:20:8: error: 'grad.add' op operands must have one shape at run time, but operand #0 is f32[2] and operand #1 is f32[3] (operand #0 has type tensor<?xf32>)
//
// RUN: not grad-run %s --fn=mm --interpret --input=%t/f32_2x3.npy --input=%t/f32_4x2.npy 2>&1 | FileCheck %s --check-prefix=MM
// MM: dynamic-errors.mlir:25:8: error: 'grad.matmul' op evaluation failed: matmul: {{.*}}[2,3]{{.*}}[4,2]
//
// RUN: not grad-run %s --fn=bcast --interpret --input=%t/f32_3.npy 2>&1 | FileCheck %s --check-prefix=BCAST
// BCAST: dynamic-errors.mlir:30:8: error: 'grad.broadcast' op evaluation failed: {{.*}}[3]{{.*}}[2,4]
//
// The argument check reads `?` as any size, but not any rank.
// RUN: not grad-run %s --fn=add --interpret --input=%t/f32_2x3.npy --input=%t/f32_2.npy 2>&1 | FileCheck %s --check-prefix=RANK
// RANK: grad-run: error: argument #0 of @add must be tensor<?xf32>, got f32[2,3]

func.func @add(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %0 = grad.add %a, %b : tensor<?xf32>
  return %0 : tensor<?xf32>
}

func.func @mm(%a: tensor<2x?xf32>, %b: tensor<?x2xf32>) -> tensor<2x2xf32> {
  %0 = grad.matmul %a, %b : tensor<2x?xf32>, tensor<?x2xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

func.func @bcast(%a: tensor<?xf32>) -> tensor<2x4xf32> {
  %0 = grad.broadcast %a {dims = array<i64: 1>} : tensor<?xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
