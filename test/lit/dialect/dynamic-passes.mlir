// Passes on dynamic dims (Note [Dynamic dims]): --grad-fuse and --grad-lower-to-linalg take them
// (test/lit/codegen/dynamic.mlir runs the code); --grad-factor-reductions leaves a function
// with `?` dims unchanged; --grad-autodiff builds an @f_grad with `?` dims, its sizes read at
// run time (test/lit/autodiff/dynamic.mlir runs them); gradc --target=nvptx rejects them with
// a diagnostic at the first op that has one (gradc's CPU object code takes them:
// test/lit/gradc/run-dynamic.mlir); folding and canonicalization leave them alone.
// RUN: grad-opt %s --grad-fuse | FileCheck %s --check-prefix=FUSE
// RUN: grad-opt %s --grad-autodiff=func=f --canonicalize --cse | FileCheck %s --check-prefix=AD
// RUN: grad-opt %s --grad-lower-to-linalg | FileCheck %s --check-prefix=LOWER
// RUN: grad-opt %s --grad-factor-reductions | FileCheck %s --check-prefix=FACTOR
// RUN: not gradc %s --target=nvptx --emit=ptx -o %t.ptx 2>&1 | FileCheck %s --check-prefix=GRADC
// RUN: grad-opt %s --grad-fold --canonicalize | FileCheck %s --check-prefix=FOLD
// FUSE: grad.fusion(%{{.*}}) : (tensor<?x4xf32>) -> tensor<f32>
// FUSE: grad.exp %{{.*}} : tensor<?x4xf32>
// AD-LABEL: func.func @f_grad(%arg0: tensor<?x4xf32>) -> (tensor<f32>, tensor<?x4xf32>)
// AD:         %[[N:.*]] = tensor.dim %arg0, %c0 : tensor<?x4xf32>
// AD:         %[[E:.*]] = grad.exp %arg0 : tensor<?x4xf32>
// AD:         %[[ONES:.*]] = grad.broadcast %{{.*}} sizes(%[[N]]) {dims = array<i64: 0, 1>} : tensor<1x1xf32> -> tensor<?x4xf32>
// AD-NEXT:    %[[G:.*]] = grad.mul %[[ONES]], %[[E]] : tensor<?x4xf32>
// AD-NEXT:    return %{{.*}}, %[[G]] : tensor<f32>, tensor<?x4xf32>
// LOWER: %[[C0:.*]] = arith.constant 0 : index
// LOWER: %[[N:.*]] = tensor.dim %arg0, %[[C0]] : tensor<?x4xf32>
// LOWER: tensor.empty(%[[N]]) : tensor<?x4xf32>
// LOWER: math.exp
// LOWER: tensor.empty(%{{.*}}) : tensor<?xf32>
// FACTOR: grad.exp %{{.*}} : tensor<?x4xf32>
// FACTOR: grad.sum %{{.*}} {axes = array<i64: 0, 1>} : tensor<?x4xf32> -> tensor<f32>
// GRADC: error: {{.*}}has dynamic dims ('tensor<?x4xf32>'); gradc --target=nvptx needs static shapes
// FOLD-LABEL: func.func @f
// FOLD: grad.exp %{{.*}} : tensor<?x4xf32>
// FOLD: grad.sum %{{.*}} {axes = array<i64: 0, 1>} : tensor<?x4xf32> -> tensor<f32>

func.func @f(%x: tensor<?x4xf32>) -> tensor<f32> {
  %e = grad.exp %x : tensor<?x4xf32>
  %s = grad.sum %e {axes = array<i64: 0, 1>} : tensor<?x4xf32> -> tensor<f32>
  return %s : tensor<f32>
}
