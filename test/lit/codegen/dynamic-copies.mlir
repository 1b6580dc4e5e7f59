// Copies that `?` dims used to cost, gone (issue 14): two matmuls of one flattened batch of
// sequences [B*T,4], each result split back to [B,T,8] (tensor.reshape: two `?` dims from one),
// and a constant broadcast to the run-time shape `[B,T,8]` read by two ops.
// - grad-split-matmul-fills gives each BLAS matmul its own zero fill with `?` dims too (before,
//   one shared zero buffer was copied into each matmul's output);
// - grad-split-reshape-shapes gives each tensor.reshape its own shape tensor (LLVM 19's
//   bufferization treats the shape as an alias of the result: reshapes sharing one aliased each
//   other, and each write to a matmul output reshaped later was preceded by a whole copy);
// - grad-fuse-elementwise gives each consumer its own copy of a broadcast with `?` dims, which it
//   then fuses (the 0.5 becomes a constant in both loops, no [B,T,8] tensor of halves).
// Compiled once (grad-run) and run at (B,T) = (3,37), (1,5) and (1,1) against numpy; the
// interpreter on the same inputs.
// RUN: rm -rf %t && mkdir -p %t/a %t/b %t/c
// RUN: %python_numpy %S/Inputs/dynamic_copies.py %t/a 3 37
// RUN: grad-run %s --fn=seq --input=%t/a/x.npy --input=%t/a/w1.npy --input=%t/a/w2.npy --output-dir=%t/a/c --quiet
// RUN: %python_numpy %S/Inputs/dynamic_copies.py %t/a 3 37 --check %t/a/c | FileCheck %s --check-prefix=RUN37
// RUN: grad-run %s --fn=seq --input=%t/a/x.npy --input=%t/a/w1.npy --input=%t/a/w2.npy --output-dir=%t/a/i --quiet --interpret
// RUN: %python_numpy %S/Inputs/dynamic_copies.py %t/a 3 37 --check %t/a/i | FileCheck %s --check-prefix=RUN37
// RUN: %python_numpy %S/Inputs/dynamic_copies.py %t/b 1 5
// RUN: grad-run %s --fn=seq --input=%t/b/x.npy --input=%t/b/w1.npy --input=%t/b/w2.npy --output-dir=%t/b/c --quiet
// RUN: %python_numpy %S/Inputs/dynamic_copies.py %t/b 1 5 --check %t/b/c | FileCheck %s --check-prefix=RUN5
// RUN: %python_numpy %S/Inputs/dynamic_copies.py %t/c 1 1
// RUN: grad-run %s --fn=seq --input=%t/c/x.npy --input=%t/c/w1.npy --input=%t/c/w2.npy --output-dir=%t/c/c --quiet
// RUN: %python_numpy %S/Inputs/dynamic_copies.py %t/c 1 1 --check %t/c/c | FileCheck %s --check-prefix=RUN1
// RUN37: output 0: [3, 37, 8] ok
// RUN37: output 1: [3, 37, 8] ok
// RUN5: output 0: [1, 5, 8] ok
// RUN5: output 1: [1, 5, 8] ok
// RUN1: output 0: [1, 1, 8] ok
// RUN1: output 1: [1, 1, 8] ok
//
// The buffers of the BLAS pipeline (what grad::jit runs): no memref.copy, and only the two
// outputs' [B,T,8] buffers (no third one for the broadcast).
// RUN: grad-opt %s --grad-lower-to-llvm=blas-matmul=1 --mlir-print-ir-after=grad-early-dealloc -o /dev/null 2>&1 | FileCheck %s --check-prefix=BUF
// BUF-LABEL: func.func @seq
// BUF-NOT: memref.copy
// BUF-COUNT-2: memref.alloc(%{{.*}}, %{{.*}}) {{.*}} : memref<?x?x8xf32>
// BUF-NOT: memref.copy
// BUF-NOT: memref.alloc(%{{.*}}, %{{.*}}) {{.*}} : memref<?x?x8xf32>
// BUF: return
//
// The broadcast's consumers: each reads the constant, none a broadcast tensor.
// RUN: grad-opt %s --grad-lower-to-linalg --canonicalize --grad-fuse-elementwise | FileCheck %s --check-prefix=FUSE
// FUSE-LABEL: func.func @seq
// FUSE-NOT: ins(%{{.*}} : tensor<f32>)
// FUSE: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// FUSE: linalg.generic
// FUSE: arith.mulf %{{.*}}, %[[HALF]] : f32
// FUSE: linalg.generic
// FUSE: math.exp
// FUSE: arith.addf %{{.*}}, %[[HALF]] : f32
// FUSE-NOT: linalg.generic
// FUSE: return

func.func @seq(%x: tensor<?x?x4xf32>, %w1: tensor<4x8xf32>, %w2: tensor<4x8xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x4xf32>
  %t = tensor.dim %x, %c1 : tensor<?x?x4xf32>
  %bt = arith.muli %b, %t : index
  %f = grad.reshape %x sizes(%bt) : tensor<?x?x4xf32> -> tensor<?x4xf32>
  %h1 = grad.matmul %f, %w1 : tensor<?x4xf32>, tensor<4x8xf32> -> tensor<?x8xf32>
  %h2 = grad.matmul %f, %w2 : tensor<?x4xf32>, tensor<4x8xf32> -> tensor<?x8xf32>
  %u1 = grad.reshape %h1 sizes(%b, %t) : tensor<?x8xf32> -> tensor<?x?x8xf32>
  %u2 = grad.reshape %h2 sizes(%b, %t) : tensor<?x8xf32> -> tensor<?x?x8xf32>
  %half = grad.constant dense<0.5> : tensor<f32>
  %hb = grad.broadcast %half sizes(%b, %t) {dims = array<i64>} : tensor<f32> -> tensor<?x?x8xf32>
  %y1 = grad.mul %u1, %hb : tensor<?x?x8xf32>
  %e = grad.exp %u2 : tensor<?x?x8xf32>
  %y2 = grad.add %e, %hb : tensor<?x?x8xf32>
  return %y1, %y2 : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}
