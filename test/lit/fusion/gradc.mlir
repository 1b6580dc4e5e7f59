// gradc runs --grad-fuse after fold/autodiff by default; --no-fuse really turns it off;
// --fusion-report prints the counts (stderr, file:line:col of the function).
// RUN: gradc %s --emit=mlir | FileCheck %s --check-prefix=FUSED
// RUN: gradc %s --emit=mlir --no-fuse | FileCheck %s --check-prefix=UNFUSED
// RUN: gradc %s --emit=mlir --fusion-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: gradc %s --emit=mlir --no-fuse --fusion-report -o /dev/null 2>&1 | count 0
// RUN: gradc %s --emit=mlir --grad=f --fusion-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=GRAD

// FUSED-LABEL: func.func @f
// FUSED-NEXT:    grad.fusion
// FUSED:           grad.matmul
// FUSED-NEXT:      grad.broadcast
// FUSED-NEXT:      grad.add
// FUSED-NEXT:      grad.tanh
// FUSED-NEXT:      grad.yield
// FUSED-NEXT:    }
// FUSED-NEXT:    grad.sum
// UNFUSED-LABEL: func.func @f
// UNFUSED-NOT:   grad.fusion
// UNFUSED:       return
// REPORT: gradc.mlir:[[@LINE+3]]:1: remark: grad-fuse: @f: kernels before: 5, after: 2
// GRAD-DAG: remark: grad-fuse: @f: kernels before: 5, after: 2
// GRAD-DAG: remark: grad-fuse: @f_grad: kernels before:
func.func @f(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<f32> {
  %m = grad.matmul %x, %w : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %bb = grad.broadcast %b {dims = array<i64: 1>} : tensor<16xf32> -> tensor<4x16xf32>
  %s = grad.add %m, %bb : tensor<4x16xf32>
  %t = grad.tanh %s : tensor<4x16xf32>
  %l = grad.sum %t {axes = array<i64: 0, 1>} : tensor<4x16xf32> -> tensor<f32>
  return %l : tensor<f32>
}
