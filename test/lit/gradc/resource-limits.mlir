// The two resource limits of docs/limits.md: the largest constant the compiler materializes
// (gradc, grad-opt --grad-check-limits, grad-run: --max-constant-bytes / GRAD_MAX_CONSTANT_BYTES)
// and the largest tensor grad-run allocates (--max-tensor-bytes / GRAD_MAX_TENSOR_BYTES). Over a
// limit: a diagnostic at the op naming the limit, the size and how to raise it; at the limit:
// accepted. @f holds a 32-byte constant and produces a 256-byte tensor; gradc folds the
// broadcast of the constant into a 256-byte constant, which then counts.

// Defaults (1 GiB, 16 GiB) and limits equal to the sizes accept @f.
// RUN: gradc %s --emit=obj -o %t.o
// RUN: gradc %s --emit=obj --max-constant-bytes=256 -o %t.o
// RUN: gradc %s --emit=obj --no-fold --max-constant-bytes=32 -o %t.o
// RUN: grad-run %s --fn=f --max-tensor-bytes=256 --max-constant-bytes=32 | FileCheck %s --check-prefix=OUT
// RUN: grad-run %s --fn=f --interpret --max-tensor-bytes=256 | FileCheck %s --check-prefix=OUT
// OUT-LABEL: out0: f32[8,8]
// OUT-NEXT: {{\[\[}}1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
// OUT-NEXT: {{ \[}}2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0],

// The constant limit: gradc after folding (flag, environment variable), the pass, grad-run.
// RUN: not gradc %s --emit=obj --max-constant-bytes=255 -o %t.o 2>&1 | FileCheck %s --check-prefix=FOLDED
// RUN: not env GRAD_MAX_CONSTANT_BYTES=16 gradc %s --emit=obj -o %t.o 2>&1 | FileCheck %s --check-prefix=FOLDED
// FOLDED: resource-limits.mlir:44:8: error: constant of type tensor<8x8xf32> holds 256 bytes of data, above the limit of {{255|16}} bytes on a constant the compiler materializes; raise it with --max-constant-bytes=<bytes> or GRAD_MAX_CONSTANT_BYTES=<bytes>
// RUN: not gradc %s --emit=obj --no-fold --max-constant-bytes=31 -o %t.o 2>&1 | FileCheck %s --check-prefix=CONST
// RUN: not grad-opt %s --grad-check-limits="max-constant-bytes=31" 2>&1 | FileCheck %s --check-prefix=CONST
// RUN: not grad-run %s --fn=f --max-constant-bytes=31 2>&1 | FileCheck %s --check-prefix=CONST
// CONST: resource-limits.mlir:43:8: error: constant of type tensor<8xf32> holds 32 bytes of data, above the limit of 31 bytes on a constant the compiler materializes; raise it with --max-constant-bytes=<bytes> or GRAD_MAX_CONSTANT_BYTES=<bytes>

// The tensor limit of grad-run, compiled and interpreted.
// RUN: not grad-run %s --fn=f --max-tensor-bytes=255 2>&1 | FileCheck %s --check-prefix=TENSOR
// RUN: not env GRAD_MAX_TENSOR_BYTES=100 grad-run %s --fn=f --interpret 2>&1 | FileCheck %s --check-prefix=TENSOR
// TENSOR: resource-limits.mlir:44:8: error: result #0 of type tensor<8x8xf32> needs 256 bytes, above the limit of {{255|100}} bytes on a tensor grad-run allocates; raise it with --max-tensor-bytes=<bytes> or GRAD_MAX_TENSOR_BYTES=<bytes>
// TENSOR: grad-run: error: @f is over a resource limit

// A malformed environment value is an error, not a silent default.
// RUN: not env GRAD_MAX_TENSOR_BYTES=16GB grad-run %s --fn=f 2>&1 | FileCheck %s --check-prefix=ENV
// ENV: error: GRAD_MAX_TENSOR_BYTES='16GB' is not a byte count (a non-negative decimal integer)

// A splat is one value whatever its shape: a 4 TiB one is within a 32-byte constant limit, and
// grad-run checks only the function it runs and its callees (@f, not @splat).
// RUN: grad-opt %s --grad-check-limits="max-constant-bytes=32" | FileCheck %s --check-prefix=SPLAT
// SPLAT: grad.constant dense<0.000000e+00> : tensor<1099511627776xf32>

func.func @f() -> tensor<8x8xf32> {
  %c = grad.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %b = grad.broadcast %c {dims = array<i64: 0>} : tensor<8xf32> -> tensor<8x8xf32>
  return %b : tensor<8x8xf32>
}

func.func @splat() -> tensor<1099511627776xf32> {
  %c = grad.constant dense<0.0> : tensor<1099511627776xf32>
  return %c : tensor<1099511627776xf32>
}
