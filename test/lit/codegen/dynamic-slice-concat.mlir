// grad.slice and grad.concat with `?` dims: fused q, k, v slices of a [B,T,12] projection, a
// static limit along `?` B, a strided slice of `?` T to its end, concats outside, along and
// beside `?` axes. Compiled once (grad-run, the CPU pipeline) and run at (B,T) = (2,5) and
// (4,8) against numpy; the interpreter on the same inputs. Then the run-time checks: B below
// the static limit 2, and y with another T than x (compiled and interpreted).
// RUN: rm -rf %t && mkdir -p %t/a %t/b %t/c
// RUN: %python_numpy %S/Inputs/dynamic_slice_concat.py %t/a 2 5
// RUN: grad-run %s --fn=qkv --input=%t/a/x.npy --input=%t/a/y.npy --output-dir=%t/a/c --quiet
// RUN: %python_numpy %S/Inputs/dynamic_slice_concat.py %t/a 2 5 --check %t/a/c | FileCheck %s --check-prefix=A
// RUN: grad-run %s --fn=qkv --input=%t/a/x.npy --input=%t/a/y.npy --output-dir=%t/a/i --quiet --interpret
// RUN: %python_numpy %S/Inputs/dynamic_slice_concat.py %t/a 2 5 --check %t/a/i | FileCheck %s --check-prefix=A
// RUN: %python_numpy %S/Inputs/dynamic_slice_concat.py %t/b 4 8
// RUN: grad-run %s --fn=qkv --input=%t/b/x.npy --input=%t/b/y.npy --output-dir=%t/b/c --quiet
// RUN: %python_numpy %S/Inputs/dynamic_slice_concat.py %t/b 4 8 --check %t/b/c | FileCheck %s --check-prefix=B
// RUN: grad-run %s --fn=qkv --input=%t/b/x.npy --input=%t/b/y.npy --output-dir=%t/b/i --quiet --interpret
// RUN: %python_numpy %S/Inputs/dynamic_slice_concat.py %t/b 4 8 --check %t/b/i | FileCheck %s --check-prefix=B
// A: output 0: [2, 5, 8] ok
// A: output 1: [2, 10, 4] ok
// A: output 2: [2, 2, 4] ok
// A: output 3: [5, 5, 4] ok
// A: output 4: [2, 4, 4] ok
// B: output 0: [4, 8, 8] ok
// B: output 1: [4, 16, 4] ok
// B: output 2: [2, 4, 4] ok
// B: output 3: [7, 8, 4] ok
// B: output 4: [2, 8, 4] ok
//
// RUN: %python_numpy %S/Inputs/dynamic_slice_concat.py %t/c 1 5
// RUN: not grad-run %s --fn=qkv --input=%t/c/x.npy --input=%t/c/y.npy 2>&1 | FileCheck %s --check-prefix=LIMIT
// LIMIT: grad-run: error: function 'qkv': 'grad.slice' op at {{.*}}dynamic-slice-concat.mlir:[[@LINE+13]]:8: the limit of dim 0 is 2 but operand dim 0 has size 1 at run time (it must be at most that size)
// RUN: not grad-run %s --fn=qkv --interpret --input=%t/c/x.npy --input=%t/c/y.npy 2>&1 | FileCheck %s --check-prefix=LIMIT-I
// LIMIT-I: dynamic-slice-concat.mlir:[[@LINE+11]]:8: error: 'grad.slice' op limit 2 of dim 0 exceeds the operand's size 1 at run time (operand f32[1,5,12])
// RUN: not grad-run %s --fn=qkv --input=%t/a/x.npy --input=%t/b/y.npy 2>&1 | FileCheck %s --check-prefix=ROWS
// ROWS: grad-run: error: function 'qkv': 'grad.concat' op at {{.*}}dynamic-slice-concat.mlir:[[@LINE+13]]:9: operand #1 dim 1 has size 8 but operand #0 dim 1 has size 5 at run time (they must agree)
// RUN: not grad-run %s --fn=qkv --interpret --input=%t/a/x.npy --input=%t/b/y.npy 2>&1 | FileCheck %s --check-prefix=ROWS-I
// ROWS-I: dynamic-slice-concat.mlir:[[@LINE+11]]:9: error: 'grad.concat' op evaluation failed: concat: input #1 of shape [3,8,4] does not match input #0 of shape [2,5,4] outside axis 0

func.func @qkv(%x: tensor<?x?x12xf32>, %y: tensor<3x?x4xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<2x?x4xf32>, tensor<?x?x4xf32>, tensor<2x?x4xf32>) {
  %q = grad.slice %x {starts = array<i64: 0, 0, 0>, limits = array<i64: -9223372036854775808, -9223372036854775808, 4>, strides = array<i64: 1, 1, 1>} : tensor<?x?x12xf32> -> tensor<?x?x4xf32>
  %k = grad.slice %x {starts = array<i64: 0, 0, 4>, limits = array<i64: -9223372036854775808, -9223372036854775808, 8>, strides = array<i64: 1, 1, 1>} : tensor<?x?x12xf32> -> tensor<?x?x4xf32>
  %v = grad.slice %x {starts = array<i64: 0, 0, 8>, limits = array<i64: -9223372036854775808, -9223372036854775808, 12>, strides = array<i64: 1, 1, 1>} : tensor<?x?x12xf32> -> tensor<?x?x4xf32>
  %s = grad.slice %x {starts = array<i64: 0, 1, 0>, limits = array<i64: 2, -9223372036854775808, 12>, strides = array<i64: 1, 2, 3>} : tensor<?x?x12xf32> -> tensor<2x?x4xf32>
  %qv = grad.concat %q, %v {axis = 2 : i64} : tensor<?x?x4xf32>, tensor<?x?x4xf32> -> tensor<?x?x8xf32>
  %ev = grad.exp %v : tensor<?x?x4xf32>
  %kv = grad.concat %k, %ev {axis = 1 : i64} : tensor<?x?x4xf32>, tensor<?x?x4xf32> -> tensor<?x?x4xf32>
  %qy = grad.concat %q, %y {axis = 0 : i64} : tensor<?x?x4xf32>, tensor<3x?x4xf32> -> tensor<?x?x4xf32>
  %ss = grad.concat %s, %s {axis = 1 : i64} : tensor<2x?x4xf32>, tensor<2x?x4xf32> -> tensor<2x?x4xf32>
  return %qv, %kv, %s, %qy, %ss : tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<2x?x4xf32>, tensor<?x?x4xf32>, tensor<2x?x4xf32>
}
