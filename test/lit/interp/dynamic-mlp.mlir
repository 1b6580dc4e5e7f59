// test/lit/interp/mlp.mlir's MLP with a dynamic batch dim: the bias broadcast takes its size
// from the input (`sizes(%n)`, %n = tensor.dim), the softmax's row reductions keep `?`. The
// reference interpreter runs the one function at 7 rows and at 1 row, each against numpy.
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py dynamic_mlp_rows7 %t/r7
// RUN: %python_numpy %grad_src/test/tools/make_reference.py dynamic_mlp_rows1 %t/r1
// RUN: grad-run %s --fn=mlp --interpret --input=%t/r7/in0.npy --input=%t/r7/in1.npy --input=%t/r7/in2.npy --input=%t/r7/in3.npy --output-dir=%t/o7 --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/r7 %t/o7 | FileCheck %s
// RUN: grad-run %s --fn=mlp --interpret --input=%t/r1/in0.npy --input=%t/r1/in1.npy --input=%t/r1/in2.npy --input=%t/r1/in3.npy --output-dir=%t/o1 --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/r1 %t/o1 | FileCheck %s
// CHECK: all 1 outputs match
//
// The compiled code (one compile for all batch sizes, sizes read at run time), at both sizes,
// after the graph passes (fusion) too.
// RUN: grad-run %s --fn=mlp --input=%t/r7/in0.npy --input=%t/r7/in1.npy --input=%t/r7/in2.npy --input=%t/r7/in3.npy --output-dir=%t/c7 --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/r7 %t/c7 | FileCheck %s
// RUN: grad-opt %s --grad-fuse | grad-run - --fn=mlp --input=%t/r1/in0.npy --input=%t/r1/in1.npy --input=%t/r1/in2.npy --input=%t/r1/in3.npy --output-dir=%t/c1 --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/r1 %t/c1 | FileCheck %s

func.func @mlp(%x: tensor<?x3xf32>, %w1: tensor<3x5xf32>, %b1: tensor<5xf32>,
               %w2: tensor<5x2xf32>) -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x3xf32>
  %xw = grad.matmul %x, %w1 : tensor<?x3xf32>, tensor<3x5xf32> -> tensor<?x5xf32>
  %bb = grad.broadcast %b1 sizes(%n) {dims = array<i64: 1>} : tensor<5xf32> -> tensor<?x5xf32>
  %z = grad.add %xw, %bb : tensor<?x5xf32>
  %h = grad.tanh %z : tensor<?x5xf32>
  %l = grad.matmul %h, %w2 : tensor<?x5xf32>, tensor<5x2xf32> -> tensor<?x2xf32>
  %m = grad.max %l {axes = array<i64: 1>, keepdim = true} : tensor<?x2xf32> -> tensor<?x1xf32>
  %bm = grad.broadcast %m {dims = array<i64: 0, 1>} : tensor<?x1xf32> -> tensor<?x2xf32>
  %d = grad.sub %l, %bm : tensor<?x2xf32>
  %e = grad.exp %d : tensor<?x2xf32>
  %s = grad.sum %e {axes = array<i64: 1>, keepdim = true} : tensor<?x2xf32> -> tensor<?x1xf32>
  %bs = grad.broadcast %s {dims = array<i64: 0, 1>} : tensor<?x1xf32> -> tensor<?x2xf32>
  %p = grad.div %e, %bs : tensor<?x2xf32>
  return %p : tensor<?x2xf32>
}
