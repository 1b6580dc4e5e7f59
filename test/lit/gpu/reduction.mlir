// Reductions. Few outputs with a long reduced extent (max over 1000 of each of 64 rows): one
// block of 256 threads per row; each thread folds a strided share (coalesced: consecutive
// threads read consecutive elements), then the block combines the partials with warp
// shuffles, one partial per warp in shared memory and barriers; thread 0 folds the total
// into the output. Many outputs with a tiny extent (sum of 4 in each of 8192 rows): one
// thread per output and a sequential loop, no barrier.
// RUN: gradc %s --target=nvptx --emit=mlir | FileCheck %s --check-prefix=GRID
// RUN: gradc %s --target=nvptx --emit=ptx | FileCheck %s

// GRID-LABEL: func.func @reductions(
// The outputs' initial fills (-inf for max, 0 for sum) are folded into the reduction kernels:
// two launches, no fill kernel.
// GRID: gpu.launch_func @grad_kernels::@reductions_kernel blocks in (%c64, %c1, %c1) threads in (%c256, %c1, %c1)
// GRID-NEXT: gpu.launch_func @grad_kernels::@reductions_kernel_0 blocks in (%c32, %c1, %c1) threads in (%c256, %c1, %c1)
// GRID-NOT: gpu.launch_func

// GRID: gpu.func @reductions_kernel(%[[X:.*]]: memref<64x1x1000xf32>, %[[OUT:.*]]: memref<64x1xf32>)
// GRID-DAG: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// GRID-DAG: %[[C1000:.*]] = arith.constant 1000 : index
// GRID: %[[PARTIAL:.*]] = scf.for %[[R:.*]] = %thread_id_x to %[[C1000]] step %block_dim_x iter_args(%[[ACC:.*]] = %[[NEG_INF]])
// GRID: %[[V:.*]] = memref.load %[[X]][%block_id_x, %{{.*}}, %[[R]]]
// GRID: arith.maximumf %[[V]], %[[ACC]]
// GRID: %[[TOTAL:.*]] = gpu.all_reduce %[[PARTIAL]] uniform {
// GRID: arith.maximumf
// GRID: arith.cmpi eq, %thread_id_x, %c0
// GRID: scf.if
// (max(-inf, total) folds to total)
// GRID-NEXT: memref.store %[[TOTAL]], %[[OUT]][%block_id_x, %c0]
// GRID: gpu.func @reductions_kernel_0(%[[Y:.*]]: memref<8192x4xf32>, %[[SUMS:.*]]: memref<8192xf32>)
// GRID-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// GRID: scf.for %[[ROW:.*]] = {{.*}} to %c8192
// GRID: %[[SUM:.*]] = scf.for %[[J:.*]] = %c0 to %c4 step %c1 iter_args(%{{.*}} = %[[ZERO]])
// GRID: memref.load %[[Y]][%[[ROW]], %[[J]]]
// GRID: memref.store %[[SUM]], %[[SUMS]][%[[ROW]]]
// GRID-NOT: gpu.all_reduce

// CHECK-LABEL: .visible .entry reductions_kernel(
// CHECK: .maxntid 256, 1, 1
// CHECK: ld.global.f32
// CHECK: shfl.sync.bfly.b32
// CHECK: st.shared.f32
// CHECK: bar.sync 0;
// CHECK: ld.shared.f32
// CHECK: st.global.f32
// CHECK-LABEL: .visible .entry reductions_kernel_0(
// CHECK-NOT: bar.sync
// CHECK-NOT: shfl
// CHECK: st.global.f32
func.func @reductions(%x: tensor<64x1000xf32>, %y: tensor<8192x4xf32>)
    -> (tensor<64x1xf32>, tensor<8192xf32>) {
  %m = grad.max %x {axes = array<i64: 1>, keepdim = true} : tensor<64x1000xf32> -> tensor<64x1xf32>
  %s = grad.sum %y {axes = array<i64: 1>} : tensor<8192x4xf32> -> tensor<8192xf32>
  return %m, %s : tensor<64x1xf32>, tensor<8192xf32>
}
