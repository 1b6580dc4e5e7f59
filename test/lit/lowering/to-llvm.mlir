// RUN: grad-opt %s --grad-lower-to-llvm | FileCheck %s
// RUN: grad-opt %s --grad-lower-to-llvm=opt-level=0 | FileCheck %s --check-prefix=NAIVE

// The whole CPU pipeline: results become caller-allocated out-params, public
// functions get the C interface, matmul is vectorized into FMAs, and nothing
// calls the MLIR runtime library (memrefCopy).

// Each loop nest is its own internal function (grad-outline-kernels), called by @mlp.
// CHECK-LABEL: llvm.func internal @mlp_k{{[0-9]+}}(
// CHECK: llvm.intr.fma
// CHECK-LABEL: llvm.func @mlp(
// CHECK: llvm.call @mlp_k{{[0-9]+}}(
// CHECK-LABEL: llvm.func @_mlir_ciface_mlp(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: !llvm.ptr, %arg3: !llvm.ptr)
// CHECK-NOT: memrefCopy
// NAIVE-LABEL: llvm.func @_mlir_ciface_mlp(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: !llvm.ptr, %arg3: !llvm.ptr)
// NAIVE-NOT: vector<
func.func @mlp(%x: tensor<16x32xf32>, %w: tensor<32x64xf32>, %b: tensor<64xf32>) -> tensor<16x64xf32> {
  %0 = grad.matmul %x, %w : tensor<16x32xf32>, tensor<32x64xf32> -> tensor<16x64xf32>
  %1 = grad.broadcast %b {dims = array<i64: 1>} : tensor<64xf32> -> tensor<16x64xf32>
  %2 = grad.add %0, %1 : tensor<16x64xf32>
  %3 = grad.gelu %2 : tensor<16x64xf32>
  return %3 : tensor<16x64xf32>
}
