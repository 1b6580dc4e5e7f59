// grad.broadcast's `sizes` at run time: a dynamic operand dim mapped to a dynamic result dim must
// be 1 or the given size; the error names the op and the shapes.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python_numpy -c "import numpy as np; np.save('%t/f32_3.npy', np.ones(3, np.float32)); np.save('%t/f32_1.npy', np.ones(1, np.float32)); np.save('%t/f32_4x2.npy', np.ones((4, 2), np.float32))"
// RUN: grad-run %s --fn=expand --interpret --input=%t/f32_1.npy --input=%t/f32_4x2.npy | FileCheck %s --check-prefix=ONE
// ONE: f32[4]
// RUN: not grad-run %s --fn=expand --interpret --input=%t/f32_3.npy --input=%t/f32_4x2.npy 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: dynamic-sizes-errors.mlir:13:8: error: 'grad.broadcast' op evaluation failed: {{.*}}[3]{{.*}}[4]

func.func @expand(%a: tensor<?xf32>, %like: tensor<?x2xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %like, %c0 : tensor<?x2xf32>
  %0 = grad.broadcast %a sizes(%n) {dims = array<i64: 0>} : tensor<?xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
