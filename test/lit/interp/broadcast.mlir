// Explicit numpy broadcasting: [3,1] + [4] -> [3,4], then rank expansion to [2,3,4].
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py broadcast %t
// RUN: grad-run %s --fn=broadcast --input=%t/in0.npy --input=%t/in1.npy --input=%t/in2.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=broadcast --interpret --input=%t/in0.npy --input=%t/in1.npy --input=%t/in2.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s
// CHECK: all 2 outputs match

func.func @broadcast(%x: tensor<3x1xf32>, %y: tensor<4xf32>, %z: tensor<2x1x4xf32>)
    -> (tensor<3x4xf32>, tensor<2x3x4xf32>) {
  %bx = grad.broadcast %x {dims = array<i64: 0, 1>} : tensor<3x1xf32> -> tensor<3x4xf32>
  %by = grad.broadcast %y {dims = array<i64: 1>} : tensor<4xf32> -> tensor<3x4xf32>
  %s = grad.add %bx, %by : tensor<3x4xf32>
  %bs = grad.broadcast %s {dims = array<i64: 1, 2>} : tensor<3x4xf32> -> tensor<2x3x4xf32>
  %bz = grad.broadcast %z {dims = array<i64: 0, 1, 2>} : tensor<2x1x4xf32> -> tensor<2x3x4xf32>
  %p = grad.mul %bs, %bz : tensor<2x3x4xf32>
  return %s, %p : tensor<3x4xf32>, tensor<2x3x4xf32>
}
