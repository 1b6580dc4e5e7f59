// The passes that need sizes reject dynamic dims with a diagnostic at the first op that has one
// (Note [Dynamic dims]); folding and canonicalization leave them alone.
// RUN: not grad-opt %s --grad-fuse 2>&1 | FileCheck %s --check-prefix=FUSE
// RUN: not grad-opt %s --grad-autodiff=func=f 2>&1 | FileCheck %s --check-prefix=AD
// RUN: not grad-opt %s --grad-lower-to-linalg 2>&1 | FileCheck %s --check-prefix=LOWER
// RUN: not grad-opt %s --grad-factor-reductions 2>&1 | FileCheck %s --check-prefix=FACTOR
// RUN: not gradc %s --emit=obj -o %t.o 2>&1 | FileCheck %s --check-prefix=GRADC
// RUN: grad-opt %s --grad-fold --canonicalize | FileCheck %s --check-prefix=FOLD
// FUSE: dynamic-passes.mlir:19:8: error: 'grad.exp' op has dynamic dims ('tensor<?x4xf32>'); --grad-fuse needs static shapes (dynamic dims run on the reference interpreter only so far; docs/dynamic-shapes.md)
// AD: error: {{.*}}has dynamic dims ('tensor<?x4xf32>'); --grad-autodiff needs static shapes
// LOWER: error: {{.*}}has dynamic dims ('tensor<?x4xf32>'); --grad-lower-to-linalg needs static shapes
// FACTOR: error: {{.*}}has dynamic dims ('tensor<?x4xf32>'); --grad-factor-reductions needs static shapes
// GRADC: error: {{.*}}has dynamic dims ('tensor<?x4xf32>'); {{.*}} needs static shapes
// FOLD-LABEL: func.func @f
// FOLD: grad.exp %{{.*}} : tensor<?x4xf32>
// FOLD: grad.sum %{{.*}} {axes = array<i64: 0, 1>} : tensor<?x4xf32> -> tensor<f32>

func.func @f(%x: tensor<?x4xf32>) -> tensor<f32> {
  %e = grad.exp %x : tensor<?x4xf32>
  %s = grad.sum %e {axes = array<i64: 0, 1>} : tensor<?x4xf32> -> tensor<f32>
  return %s : tensor<f32>
}
