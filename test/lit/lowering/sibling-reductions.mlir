// Sibling reductions in one pass over the rows. The backward of gelu(layer_norm(x)) + x needs
// three row sums of one elementwise chain (g, g * xc, and the forward's value); after
// --grad-factor-reductions they no longer depend on each other, --grad-fuse puts them in one
// region, and the CPU lowering (--grad-fuse-elementwise with sibling-reductions,
// --grad-merge-sibling-reductions, CSE) makes them one linalg.generic with three results that
// computes the chain, and its tanh, once. The compiled result is checked against the reference
// interpreter.
// RUN: rm -rf %t && mkdir -p %t
// RUN: gradc %s --grad=loss --grad-argnums=0 --emit=mlir -o %t/fused.mlir
// RUN: FileCheck %s --check-prefix=FUSED < %t/fused.mlir
// RUN: grad-opt %t/fused.mlir --pass-pipeline='builtin.module(grad-lower-to-linalg,canonicalize,grad-fuse-elementwise{sibling-reductions=true},func.func(grad-merge-sibling-reductions),canonicalize,cse)' | FileCheck %s
// RUN: %python_numpy -c "import numpy as np, sys; r = np.random.default_rng(7); d = sys.argv[1]; [np.save(d + '/in%d.npy' % i, r.standard_normal((8, 64)).astype(np.float32)) for i in range(2)]" %t
// RUN: grad-run %t/fused.mlir --fn=loss_grad --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/out --quiet
// RUN: grad-run %t/fused.mlir --fn=loss_grad --interpret --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy -c "import shutil, sys; d = sys.argv[1]; [shutil.copy(d + '/interp/out%d.npy' % i, d + '/interp/ref%d.npy' % i) for i in range(2)]" %t
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py --rtol 1e-4 --atol 1e-5 %t/interp %t/out | FileCheck %s --check-prefix=MATCH
// MATCH: all 2 outputs match

// The row sums of the backward are siblings in one region (and the forward's variance and
// sum(xc) in another).
// FUSED-LABEL: func.func @loss_grad
// FUSED:       grad.fusion{{.*}} -> (tensor<8x1xf32>, tensor<8x1xf32>) {
// FUSED:         grad.mean {{.*}} {axes = array<i64: 1>, keepdim = true}
// FUSED:         grad.sum {{.*}} {axes = array<i64: 1>, keepdim = true}
// FUSED:       grad.fusion{{.*}} -> (tensor<8x1xf32>, tensor<8x1xf32>) {
// FUSED:         grad.sum {{.*}} {axes = array<i64: 1>, keepdim = true}
// FUSED:         grad.sum {{.*}} {axes = array<i64: 1>, keepdim = true}

// One loop nest for the value's row sums and both backward sums, one tanh in it; one more tanh
// in the loop that writes dx.
// CHECK-LABEL: func.func @loss_grad
// CHECK:       %{{.*}}:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:       linalg.yield {{.*}} : f32, f32
// CHECK:       %{{.*}}:3 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:         math.tanh
// CHECK-NOT:     math.tanh
// CHECK:         linalg.yield {{.*}} : f32, f32, f32
// CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK:         math.tanh
// CHECK-NOT:     math.tanh
// CHECK:       return
func.func @loss(%x: tensor<8x64xf32>, %w: tensor<8x64xf32>) -> tensor<f32> {
  %mu = grad.mean %x {axes = array<i64: 1>, keepdim = true} : tensor<8x64xf32> -> tensor<8x1xf32>
  %mub = grad.broadcast %mu {dims = array<i64: 0, 1>} : tensor<8x1xf32> -> tensor<8x64xf32>
  %c = grad.sub %x, %mub : tensor<8x64xf32>
  %sq = grad.mul %c, %c : tensor<8x64xf32>
  %var = grad.mean %sq {axes = array<i64: 1>, keepdim = true} : tensor<8x64xf32> -> tensor<8x1xf32>
  %eps = grad.constant dense<1.0e-5> : tensor<8x1xf32>
  %ve = grad.add %var, %eps : tensor<8x1xf32>
  %r = grad.rsqrt %ve : tensor<8x1xf32>
  %rb = grad.broadcast %r {dims = array<i64: 0, 1>} : tensor<8x1xf32> -> tensor<8x64xf32>
  %n = grad.mul %c, %rb : tensor<8x64xf32>
  %g = grad.gelu %n : tensor<8x64xf32>
  %y = grad.add %g, %x : tensor<8x64xf32>
  %p = grad.mul %y, %w : tensor<8x64xf32>
  %s = grad.sum %p {axes = array<i64: 0, 1>} : tensor<8x64xf32> -> tensor<f32>
  return %s : tensor<f32>
}
