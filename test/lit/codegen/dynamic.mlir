// `?` dims through the CPU code generator: each function is compiled once and run at two sizes
// of its dynamic dims; the compiled outputs are compared with the reference interpreter's
// (grad-run --interpret) on the same inputs. Then the run-time check of sizes that must agree.
// DEFINE: %{ops5} = --input=%t/x5.npy --input=%t/y5.npy --input=%t/w.npy --input=%t/b.npy --input=%t/idx5.npy --input=%t/table.npy --input=%t/a5.npy --input=%t/c5.npy
// DEFINE: %{ops1} = --input=%t/x1.npy --input=%t/y1.npy --input=%t/w.npy --input=%t/b.npy --input=%t/idx1.npy --input=%t/table.npy --input=%t/a1.npy --input=%t/c1.npy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python_numpy %S/Inputs/dynamic_inputs.py %t
// RUN: grad-run %s --fn=ops %{ops5} --output-dir=%t/c5 --quiet
// RUN: grad-run %s --fn=ops %{ops5} --output-dir=%t/i5 --quiet --interpret
// RUN: %python_numpy %S/Inputs/dynamic_inputs.py %t --as-ref %t/i5
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/i5 %t/c5 | FileCheck %s --check-prefix=OPS
// RUN: grad-run %s --fn=ops %{ops1} --output-dir=%t/c1 --quiet
// RUN: grad-run %s --fn=ops %{ops1} --output-dir=%t/i1 --quiet --interpret
// RUN: %python_numpy %S/Inputs/dynamic_inputs.py %t --as-ref %t/i1
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/i1 %t/c1 | FileCheck %s --check-prefix=OPS
// The same function after --grad-fuse (grad.fusion regions with `?` dims), at 5 rows.
// RUN: grad-opt %s --grad-fuse | grad-run - --fn=ops %{ops5} --output-dir=%t/f5 --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/i5 %t/f5 | FileCheck %s --check-prefix=OPS
// OPS: output 0: bool[{{5|1}}, 4] ok
// OPS: output 5: float32[{{5|1}}, 1] ok
// OPS: output 9: float32[4, {{5|1}}] ok
// OPS: output 11: float32[{{5|1}}, 2, 5] ok
// OPS: all 13 outputs match
//
// Sizes that the types leave open but that must agree are checked before the code runs; the
// error names the op, its location and both sizes.
// RUN: not grad-run %s --fn=ops --input=%t/x5.npy --input=%t/y3.npy --input=%t/w.npy --input=%t/b.npy --input=%t/idx5.npy --input=%t/table.npy --input=%t/a5.npy --input=%t/c5.npy 2>&1 | FileCheck %s --check-prefix=MISMATCH
// MISMATCH: grad-run: error: function 'ops': 'grad.cmp' op at {{.*}}dynamic.mlir:[[@LINE+10]]:9: operand #1 dim 0 has size 3 but operand #0 dim 0 has size 5 at run time (they must agree)
// RUN: not grad-run %s --fn=ops --input=%t/x5.npy --input=%t/y5.npy --input=%t/w.npy --input=%t/b.npy --input=%t/idx5.npy --input=%t/table.npy --input=%t/a5.npy --input=%t/c1.npy 2>&1 | FileCheck %s --check-prefix=BATCH
// BATCH: error: function 'ops': 'grad.matmul' op at {{.*}}dynamic.mlir:[[@LINE+33]]:10: operand #1 dim 0 has size 1 but operand #0 dim 0 has size 5 at run time (they must agree)

func.func @ops(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>,
               %idx: tensor<?xi64>, %table: tensor<6x4xf32>, %a: tensor<?x2x3xf32>,
               %c: tensor<?x3x5xf32>)
    -> (tensor<?x4xi1>, tensor<?x4xf32>, tensor<?x4xf64>, tensor<?x3xf32>, tensor<4xf32>,
        tensor<?x1xf32>, tensor<f32>, tensor<1x4xf32>, tensor<?x4xf32>, tensor<4x?xf32>,
        tensor<?x4xf32>, tensor<?x2x5xf32>, tensor<?x4xi64>) {
  %lt = grad.cmp "lt", %x, %y : tensor<?x4xf32>
  %ex = grad.exp %x : tensor<?x4xf32>
  %ty = grad.tanh %y : tensor<?x4xf32>
  %sel = grad.select %lt, %ex, %ty : tensor<?x4xi1>, tensor<?x4xf32>
  %f64 = grad.convert %sel : tensor<?x4xf32> -> tensor<?x4xf64>
  // A linear layer: matmul + bias broadcast to the run-time batch.
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %xw = grad.matmul %x, %w : tensor<?x4xf32>, tensor<4x3xf32> -> tensor<?x3xf32>
  %bb = grad.broadcast %b sizes(%n) {dims = array<i64: 1>} : tensor<3xf32> -> tensor<?x3xf32>
  %lin = grad.add %xw, %bb : tensor<?x3xf32>
  %col = grad.sum %x {axes = array<i64: 0>} : tensor<?x4xf32> -> tensor<4xf32>
  %rmax = grad.max %x {axes = array<i64: 1>, keepdim = true} : tensor<?x4xf32> -> tensor<?x1xf32>
  %all = grad.mean %x {axes = array<i64: 0, 1>} : tensor<?x4xf32> -> tensor<f32>
  %cmean = grad.mean %x {axes = array<i64: 0>, keepdim = true} : tensor<?x4xf32> -> tensor<1x4xf32>
  // log_softmax over dim 1: x - max - log(sum(exp(x - max))).
  %bm = grad.broadcast %rmax {dims = array<i64: 0, 1>} : tensor<?x1xf32> -> tensor<?x4xf32>
  %sh = grad.sub %x, %bm : tensor<?x4xf32>
  %e = grad.exp %sh : tensor<?x4xf32>
  %s = grad.sum %e {axes = array<i64: 1>, keepdim = true} : tensor<?x4xf32> -> tensor<?x1xf32>
  %ls = grad.log %s : tensor<?x1xf32>
  %bls = grad.broadcast %ls {dims = array<i64: 0, 1>} : tensor<?x1xf32> -> tensor<?x4xf32>
  %lsm = grad.sub %sh, %bls : tensor<?x4xf32>
  %tr = grad.transpose %x {perm = array<i64: 1, 0>} : tensor<?x4xf32> -> tensor<4x?xf32>
  %g = grad.gather %table, %idx : tensor<6x4xf32>, tensor<?xi64> -> tensor<?x4xf32>
  %bmm = grad.matmul %a, %c : tensor<?x2x3xf32>, tensor<?x3x5xf32> -> tensor<?x2x5xf32>
  %i64 = grad.convert %y : tensor<?x4xf32> -> tensor<?x4xi64>
  return %lt, %sel, %f64, %lin, %col, %rmax, %all, %cmean, %lsm, %tr, %g, %bmm, %i64
      : tensor<?x4xi1>, tensor<?x4xf32>, tensor<?x4xf64>, tensor<?x3xf32>, tensor<4xf32>,
        tensor<?x1xf32>, tensor<f32>, tensor<1x4xf32>, tensor<?x4xf32>, tensor<4x?xf32>,
        tensor<?x4xf32>, tensor<?x2x5xf32>, tensor<?x4xi64>
}

// A reshape of a `?` tensor inserts or removes size-1 dims only (the labels [n] -> [n, 1] of a
// cross-entropy): compiled at 5 rows against the interpreter.
// RUN: grad-run %s --fn=rs --input=%t/x5.npy --output-dir=%t/rc --quiet
// RUN: grad-run %s --fn=rs --input=%t/x5.npy --output-dir=%t/ri --quiet --interpret
// RUN: %python_numpy %S/Inputs/dynamic_inputs.py %t --as-ref %t/ri
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/ri %t/rc | FileCheck %s --check-prefix=RS
// RS: output 0: float32[5, 1, 4] ok
// RS: output 1: float32[5] ok
// RS: all 2 outputs match
func.func @rs(%x: tensor<?x4xf32>) -> (tensor<?x1x4xf32>, tensor<?xf32>) {
  %r = grad.reshape %x : tensor<?x4xf32> -> tensor<?x1x4xf32>
  %s = grad.sum %r {axes = array<i64: 2>, keepdim = true} : tensor<?x1x4xf32> -> tensor<?x1x1xf32>
  %f = grad.reshape %s : tensor<?x1x1xf32> -> tensor<?xf32>
  return %r, %f : tensor<?x1x4xf32>, tensor<?xf32>
}
