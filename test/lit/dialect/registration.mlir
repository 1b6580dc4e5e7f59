// grad-opt loads the upstream dialects of our pipelines together with grad, and the external
// models that one-shot bufferization needs on func, arith, tensor, linalg and scf (registered by
// grad::registerGradDialects): without them this pipeline fails with "op was not bufferized".
// RUN: grad-opt %s --one-shot-bufferize="bufferize-function-boundaries" | FileCheck %s

// CHECK-LABEL: func.func @mixed
// CHECK-SAME: (%{{.*}}: memref<4xf32{{.*}}>) -> memref<4xf32{{.*}}>
// CHECK: memref.alloc() {{.*}}: memref<4xf32>
// CHECK: linalg.fill
// CHECK: scf.for
// CHECK: memref.load
// CHECK: arith.addf
// CHECK: memref.store
func.func @mixed(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %f) -> (tensor<4xf32>) {
    %v = tensor.extract %x[%i] : tensor<4xf32>
    %w = tensor.extract %acc[%i] : tensor<4xf32>
    %s = arith.addf %v, %w : f32
    %u = tensor.insert %s into %acc[%i] : tensor<4xf32>
    scf.yield %u : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}
