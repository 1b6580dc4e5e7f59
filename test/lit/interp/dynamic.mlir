// One function with a dynamic batch dim (`?`) run by the reference interpreter at two batch
// sizes, each against numpy (Note [Dynamic dims] in ShapeInference.h).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py dynamic_rows5 %t/r5
// RUN: %python_numpy %grad_src/test/tools/make_reference.py dynamic_rows2 %t/r2
// RUN: grad-run %s --fn=dyn --interpret --input=%t/r5/in0.npy --input=%t/r5/in1.npy --input=%t/r5/in2.npy --output-dir=%t/o5 | FileCheck %s --check-prefix=SHAPE5
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/r5 %t/o5 | FileCheck %s
// RUN: grad-run %s --fn=dyn --interpret --input=%t/r2/in0.npy --input=%t/r2/in1.npy --input=%t/r2/in2.npy --output-dir=%t/o2 | FileCheck %s --check-prefix=SHAPE2
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/r2 %t/o2 | FileCheck %s
// CHECK: all 3 outputs match
// SHAPE5: f32[5,4]
// SHAPE2: f32[2,4]

func.func @dyn(%x: tensor<?x3xf32>, %w: tensor<3x4xf32>, %s: tensor<?x1xf32>)
    -> (tensor<?x4xf32>, tensor<4xf32>, tensor<f32>) {
  %xw = grad.matmul %x, %w : tensor<?x3xf32>, tensor<3x4xf32> -> tensor<?x4xf32>
  %sb = grad.broadcast %s {dims = array<i64: 0, 1>} : tensor<?x1xf32> -> tensor<?x4xf32>
  %z = grad.add %xw, %sb : tensor<?x4xf32>
  %h = grad.tanh %z : tensor<?x4xf32>
  %col = grad.sum %h {axes = array<i64: 0>} : tensor<?x4xf32> -> tensor<4xf32>
  %m = grad.mean %h {axes = array<i64: 0, 1>} : tensor<?x4xf32> -> tensor<f32>
  return %h, %col, %m : tensor<?x4xf32>, tensor<4xf32>, tensor<f32>
}
