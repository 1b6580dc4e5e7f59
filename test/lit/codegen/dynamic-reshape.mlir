// A reshape that merges and splits `?` dims (`sizes`): a batch of sequences [B,T,4] flattened
// to [B*T,4] for a matmul and split back, compiled once (grad-run, the CPU pipeline) and run at
// (B,T) = (2,5) and (3,7), compared with numpy; the interpreter on the same inputs. Then the
// run-time check of the element counts: y with another number of rows than B*T.
// RUN: rm -rf %t && mkdir -p %t/a %t/b
// RUN: %python_numpy %S/Inputs/dynamic_reshape.py %t/a 2 5
// RUN: grad-run %s --fn=seq --input=%t/a/x.npy --input=%t/a/w.npy --input=%t/a/y.npy --output-dir=%t/a/c --quiet
// RUN: %python_numpy %S/Inputs/dynamic_reshape.py %t/a 2 5 --check %t/a/c | FileCheck %s
// RUN: grad-run %s --fn=seq --input=%t/a/x.npy --input=%t/a/w.npy --input=%t/a/y.npy --output-dir=%t/a/i --quiet --interpret
// RUN: %python_numpy %S/Inputs/dynamic_reshape.py %t/a 2 5 --check %t/a/i | FileCheck %s
// RUN: %python_numpy %S/Inputs/dynamic_reshape.py %t/b 3 7
// RUN: grad-run %s --fn=seq --input=%t/b/x.npy --input=%t/b/w.npy --input=%t/b/y.npy --output-dir=%t/b/c --quiet
// RUN: %python_numpy %S/Inputs/dynamic_reshape.py %t/b 3 7 --check %t/b/c | FileCheck %s
// CHECK: output 0: [{{2, 5|3, 7}}, 3] ok
// CHECK: output 1: [{{10|21}}, 3] ok
// CHECK: output 2: [{{2, 15|3, 21}}] ok
//
// RUN: not grad-run %s --fn=seq --input=%t/a/x.npy --input=%t/a/w.npy --input=%t/b/y.npy 2>&1 | FileCheck %s --check-prefix=ROWS
// ROWS: grad-run: error: function 'seq': 'grad.add' op at {{.*}}dynamic-reshape.mlir:[[@LINE+18]]:8: operand #1 dim 0 has size 21 but operand #0 dim 0 has size 10 at run time (they must agree)
// A reshape sized by another argument's dim: the element counts are compared before the code
// runs (x [2,5,4] has 40 elements, y's 21 rows give 84).
// RUN: grad-run %s --fn=rows --input=%t/a/x.npy --input=%t/a/y.npy --output-dir=%t/a/r --quiet
// RUN: not grad-run %s --fn=rows --input=%t/a/x.npy --input=%t/b/y.npy 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: grad-run: error: function 'rows': 'grad.reshape' op at {{.*}}dynamic-reshape.mlir:[[@LINE+23]]:8: the result's element count has size 84 but the operand's element count has size 40 at run time (they must agree)

func.func @seq(%x: tensor<?x?x4xf32>, %w: tensor<4x3xf32>, %y: tensor<?x3xf32>)
    -> (tensor<?x?x3xf32>, tensor<?x3xf32>, tensor<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x4xf32>
  %t = tensor.dim %x, %c1 : tensor<?x?x4xf32>
  %bt = arith.muli %b, %t : index
  %t3 = arith.muli %t, %c3 : index
  %f = grad.reshape %x sizes(%bt) : tensor<?x?x4xf32> -> tensor<?x4xf32>
  %xw = grad.matmul %f, %w : tensor<?x4xf32>, tensor<4x3xf32> -> tensor<?x3xf32>
  %m = grad.add %xw, %y : tensor<?x3xf32>
  %e = grad.exp %m : tensor<?x3xf32>
  %u = grad.reshape %e sizes(%b, %t) : tensor<?x3xf32> -> tensor<?x?x3xf32>
  %v = grad.reshape %m sizes(%b, %t3) : tensor<?x3xf32> -> tensor<?x?xf32>
  return %u, %m, %v : tensor<?x?x3xf32>, tensor<?x3xf32>, tensor<?x?xf32>
}

func.func @rows(%x: tensor<?x?x4xf32>, %y: tensor<?x3xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %y, %c0 : tensor<?x3xf32>
  %f = grad.reshape %x sizes(%n) : tensor<?x?x4xf32> -> tensor<?x4xf32>
  return %f : tensor<?x4xf32>
}
