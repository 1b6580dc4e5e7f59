// An element count that is not a multiple of the block: 3000 elements = 12 blocks of 256 (the
// last one partly idle), and the broadcast operand is read through its own indexing (row index
// = flat index / 3).
// RUN: gradc %s --target=nvptx --emit=mlir | FileCheck %s

// CHECK: gpu.launch_func @grad_kernels::@bias_kernel blocks in (%c12, %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK: gpu.func @bias_kernel(%[[X:.*]]: memref<1000x3xf32>, %[[B:.*]]: memref<3xf32>, %[[OUT:.*]]: memref<1000x3xf32>)
// CHECK-DAG: %[[N:.*]] = arith.constant 3000 : index
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[N]] step
// CHECK: %[[COL:.*]] = arith.remui %[[I]], %c3
// CHECK: %[[ROW:.*]] = arith.divui %[[I]], %c3
// CHECK: memref.load %[[X]][%[[ROW]], %[[COL]]]
// CHECK: memref.load %[[B]][%[[COL]]]
// CHECK: memref.store %{{.*}}, %[[OUT]][%[[ROW]], %[[COL]]]
func.func @bias(%x: tensor<1000x3xf32>, %b: tensor<3xf32>) -> tensor<1000x3xf32> {
  %0 = grad.broadcast %b {dims = array<i64: 1>} : tensor<3xf32> -> tensor<1000x3xf32>
  %1 = grad.add %x, %0 : tensor<1000x3xf32>
  return %1 : tensor<1000x3xf32>
}
