// Bad invocations of grad-run: each is a clear message and exit code 1, never a crash.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python_numpy -c "import numpy as np; np.save('%t/f32_2x3.npy', np.ones((2, 3), np.float32)); np.save('%t/f32_3.npy', np.ones(3, np.float32)); np.save('%t/f64_2x3.npy', np.ones((2, 3)))"
//
// RUN: not grad-run %s --fn=nope --input=%t/f32_2x3.npy 2>&1 | FileCheck %s --check-prefix=NOFN
// NOFN: grad-run: error: no function @nope in '{{.*}}errors.mlir' (functions: @f, @recurse, @bad_gather, @unsupported)
//
// RUN: not grad-run %s --fn=f 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: grad-run: error: @f takes 1 argument(s) but 0 --input file(s) were given
//
// Inputs are checked against the signature before either path runs.
// RUN: not grad-run %s --fn=f --input=%t/f32_3.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not grad-run %s --fn=f --interpret --input=%t/f32_3.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: grad-run: error: argument #0 of @f must be tensor<2x3xf32>, got f32[3] from '{{.*}}f32_3.npy'
//
// RUN: not grad-run %s --fn=f --input=%t/f64_2x3.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: grad-run: error: argument #0 of @f must be tensor<2x3xf32>, got f64[2,3] from '{{.*}}f64_2x3.npy'
//
// RUN: not grad-run %s --fn=f --input=%t/missing.npy 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: grad-run: error: load_npy: '{{.*}}missing.npy': cannot open the file for reading
//
// RUN: not grad-run %t/nonexistent.mlir --fn=f 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: grad-run: error: cannot read '{{.*}}nonexistent.mlir'
//
// Recursion: the interpreter stops at a call-depth limit; the compiled path refuses it up front
// (compiled code would overflow the stack).
// RUN: not grad-run %s --fn=recurse --interpret --input=%t/f32_2x3.npy 2>&1 | FileCheck %s --check-prefix=RECURSE
// RECURSE: error: interpreter: call depth exceeds 64 (unbounded recursion?) calling @recurse
// RUN: not grad-run %s --fn=f --input=%t/f32_2x3.npy 2>&1 | FileCheck %s --check-prefix=RECURSE-JIT
// RECURSE-JIT: grad-run: error: @recurse is recursive: the compiled path does not support recursion (--interpret runs the reference interpreter)
//
// Interpreter-only diagnostics: a kernel error at its op, an op outside the interpreter's set.
// RUN: not grad-run %s --fn=bad_gather --interpret 2>&1 | FileCheck %s --check-prefix=GATHER
// GATHER: errors.mlir:{{[0-9]+}}:{{[0-9]+}}: error: 'grad.gather' op evaluation failed: {{.*}}
//
// RUN: not grad-run %s --fn=unsupported --interpret --input=%t/f32_2x3.npy 2>&1 | FileCheck %s --check-prefix=UNSUP
// UNSUP: error: 'arith.addf' op interpreter: unsupported op

func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = grad.exp %x : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

func.func @recurse(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = func.call @recurse(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

func.func @bad_gather() -> tensor<1x2xf32> {
  %t = grad.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %i = grad.constant dense<[7]> : tensor<1xi64>
  %0 = grad.gather %t, %i : tensor<2x2xf32>, tensor<1xi64> -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

func.func @unsupported(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = arith.addf %x, %x : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
