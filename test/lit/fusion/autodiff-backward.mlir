// Backward passes have few kernels after fusion. --grad-autodiff builds @f_grad from the eager
// VJP rules, canonicalize + CSE clean it, then --grad-fuse groups it. Counts (also in
// docs/fusion.md): layer_norm forward 15 -> 3 kernels, its gradient (value + d/dx, d/dgamma,
// d/dbeta) 36 -> 8; softmax cross-entropy forward 11 -> 4, its gradient 27 -> 8.
// RUN: grad-opt %s --grad-autodiff="func=layer_norm argnums=0,1,2" --grad-autodiff="func=softmax_ce argnums=0" --canonicalize --cse > %t.grad.mlir
// RUN: grad-opt %t.grad.mlir --grad-fuse=report=true -mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=REPORT
// RUN: grad-opt %t.grad.mlir --grad-fuse | FileCheck %s
// Every region yields only its root (intermediates read by later regions are recomputed there,
// in several planning rounds for softmax_ce_grad), so each lowers to one loop nest.
// RUN: grad-opt %t.grad.mlir --grad-fuse | FileCheck %s --check-prefix=ONE-RESULT
// ONE-RESULT-NOT: :{{[0-9]+}} = grad.fusion
// Fusion does not change the numbers: the interpreter gives identical output before and after.
// RUN: %python_numpy -c "import numpy as np; r = np.random.default_rng(0); [np.save('%t.' + n + '.npy', r.standard_normal(s).astype(np.float32)) for n, s in [('x', (4, 8)), ('g', (8,)), ('b', (8,)), ('t', (4, 8)), ('l', (4, 5))]]; np.save('%t.oh.npy', np.eye(5, dtype=np.float32)[[0, 3, 1, 4]])"
// RUN: grad-run %t.grad.mlir --fn=layer_norm_grad --input=%t.x.npy --input=%t.g.npy --input=%t.b.npy --input=%t.t.npy > %t.ln.before
// RUN: grad-opt %t.grad.mlir --grad-fuse > %t.fused.mlir
// RUN: grad-run %t.fused.mlir --fn=layer_norm_grad --input=%t.x.npy --input=%t.g.npy --input=%t.b.npy --input=%t.t.npy > %t.ln.after
// RUN: diff %t.ln.before %t.ln.after
// RUN: grad-run %t.grad.mlir --fn=softmax_ce_grad --input=%t.l.npy --input=%t.oh.npy > %t.ce.before
// RUN: grad-run %t.fused.mlir --fn=softmax_ce_grad --input=%t.l.npy --input=%t.oh.npy > %t.ce.after
// RUN: diff %t.ce.before %t.ce.after

// REPORT: remark: grad-fuse: @layer_norm: kernels before: 15, after: 3
// REPORT: remark: grad-fuse: @layer_norm_grad: kernels before: 36, after: 8
// REPORT: remark: grad-fuse: @softmax_ce: kernels before: 11, after: 4
// REPORT: remark: grad-fuse: @softmax_ce_grad: kernels before: 27, after: 8

// The forward layer_norm: mean | variance pass (centering recomputed) | normalize + affine +
// loss, one region each after the first mean.
// CHECK-LABEL: func.func @layer_norm(
// CHECK-COUNT-2: grad.fusion
// CHECK-NOT:     grad.fusion
// CHECK:         return
// CHECK-LABEL: func.func @layer_norm_grad(
// CHECK-COUNT-6: grad.fusion
// CHECK-NOT:     grad.fusion
// CHECK:         return
// CHECK-LABEL: func.func @softmax_ce(
// CHECK-COUNT-2: grad.fusion
// CHECK-NOT:     grad.fusion
// CHECK:         return
// CHECK-LABEL: func.func @softmax_ce_grad(
// CHECK-COUNT-6: grad.fusion
// CHECK-NOT:     grad.fusion
// CHECK:         return

func.func @layer_norm(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>, %t: tensor<4x8xf32>) -> tensor<f32> {
  %mean = grad.mean %x {axes = array<i64: 1>, keepdim = true} : tensor<4x8xf32> -> tensor<4x1xf32>
  %mb = grad.broadcast %mean {dims = array<i64: 0, 1>} : tensor<4x1xf32> -> tensor<4x8xf32>
  %xc = grad.sub %x, %mb : tensor<4x8xf32>
  %sq = grad.mul %xc, %xc : tensor<4x8xf32>
  %var = grad.mean %sq {axes = array<i64: 1>, keepdim = true} : tensor<4x8xf32> -> tensor<4x1xf32>
  %eps = grad.constant dense<1.0e-5> : tensor<4x1xf32>
  %ve = grad.add %var, %eps : tensor<4x1xf32>
  %r = grad.rsqrt %ve : tensor<4x1xf32>
  %rb = grad.broadcast %r {dims = array<i64: 0, 1>} : tensor<4x1xf32> -> tensor<4x8xf32>
  %n = grad.mul %xc, %rb : tensor<4x8xf32>
  %gb = grad.broadcast %g {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xf32>
  %bb = grad.broadcast %b {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xf32>
  %y0 = grad.mul %n, %gb : tensor<4x8xf32>
  %y = grad.add %y0, %bb : tensor<4x8xf32>
  %yt = grad.mul %y, %t : tensor<4x8xf32>
  %l = grad.sum %yt {axes = array<i64: 0, 1>} : tensor<4x8xf32> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @softmax_ce(%logits: tensor<4x5xf32>, %onehot: tensor<4x5xf32>) -> tensor<f32> {
  %m = grad.max %logits {axes = array<i64: 1>, keepdim = true} : tensor<4x5xf32> -> tensor<4x1xf32>
  %mb = grad.broadcast %m {dims = array<i64: 0, 1>} : tensor<4x1xf32> -> tensor<4x5xf32>
  %z = grad.sub %logits, %mb : tensor<4x5xf32>
  %e = grad.exp %z : tensor<4x5xf32>
  %s = grad.sum %e {axes = array<i64: 1>, keepdim = true} : tensor<4x5xf32> -> tensor<4x1xf32>
  %ls = grad.log %s : tensor<4x1xf32>
  %lb = grad.broadcast %ls {dims = array<i64: 0, 1>} : tensor<4x1xf32> -> tensor<4x5xf32>
  %lp = grad.sub %z, %lb : tensor<4x5xf32>
  %p = grad.mul %lp, %onehot : tensor<4x5xf32>
  %tot = grad.sum %p {axes = array<i64: 0, 1>} : tensor<4x5xf32> -> tensor<f32>
  %c = grad.constant dense<-0.25> : tensor<f32>
  %loss = grad.mul %tot, %c : tensor<f32>
  return %loss : tensor<f32>
}
