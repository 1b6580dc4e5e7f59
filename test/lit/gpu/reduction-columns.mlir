// A reduction over the outer dimension with many outputs along the inner one (a bias gradient:
// sum over the batch) is one thread per output: each thread walks down its column, so the
// threads of a warp read consecutive addresses at every step. 4100 columns: 17 blocks of 256.
// RUN: gradc %s --target=nvptx --emit=mlir | FileCheck %s

// CHECK: gpu.launch_func @grad_kernels::@column_sums_kernel blocks in (%c17, %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.func @column_sums_kernel(%[[X:.*]]: memref<33x4100xf32>, %[[OUT:.*]]: memref<4100xf32>)
// CHECK: scf.for %[[COL:.*]] = %{{.*}} to %c4100 step
// CHECK: %[[SUM:.*]] = scf.for %[[ROW:.*]] = %c0 to %c33 step %c1
// CHECK: memref.load %[[X]][%[[ROW]], %[[COL]]]
// CHECK: memref.store %[[SUM]], %[[OUT]][%[[COL]]]
// CHECK-NOT: gpu.all_reduce
func.func @column_sums(%x: tensor<33x4100xf32>) -> tensor<4100xf32> {
  %0 = grad.sum %x {axes = array<i64: 0>} : tensor<33x4100xf32> -> tensor<4100xf32>
  return %0 : tensor<4100xf32>
}
