// Matmul: one kernel (the zero fill of the output is folded in as the accumulators' initial
// value), a 16x16 output tile per block of 16x16 threads, grid (ceil(N/16), ceil(M/16)) =
// (4, 7) for 100x70 @ 70x50. Each K step stages a 16x16 tile of both operands in shared memory
// (two 1 KiB buffers), with a barrier before and after the 16 multiply-adds; loads outside
// the matrices (70 = 4*16 + 6, 100 and 50 not multiples of 16 either) read zero and the
// out-of-range threads store nothing.
// RUN: gradc %s --target=nvptx --emit=mlir | FileCheck %s --check-prefix=GRID
// RUN: gradc %s --target=nvptx --emit=ptx | FileCheck %s
// RUN: gradc %s --target=nvptx --emit=ptx | grep -c "bar.sync" | FileCheck %s --check-prefix=BARS

// GRID: gpu.launch_func @grad_kernels::@mm_kernel blocks in (%c4, %c7, %c1) threads in (%c16, %c16, %c1)
// GRID-NOT: gpu.launch_func
// GRID: gpu.func @mm_kernel(%[[A:.*]]: memref<100x70xf32>, %[[B:.*]]: memref<70x50xf32>, %[[C:.*]]: memref<100x50xf32>) workgroup(%[[AS:.*]] : memref<16x16xf32, #gpu.address_space<workgroup>>, %[[BS:.*]] : memref<16x16xf32, #gpu.address_space<workgroup>>)
// GRID: scf.for %[[K0:.*]] = %c0 to %c70 step %c16 iter_args(%{{.*}} = %cst)
// GRID: memref.load %[[A]]
// GRID: memref.store %{{.*}}, %[[AS]][%thread_id_y, %thread_id_x]
// GRID: memref.load %[[B]]
// GRID: memref.store %{{.*}}, %[[BS]][%thread_id_y, %thread_id_x]
// GRID: gpu.barrier
// GRID: scf.for %[[KK:.*]] = %c0 to %c16 step %c1
// GRID: memref.load %[[AS]][%thread_id_y, %[[KK]]]
// GRID: memref.load %[[BS]][%[[KK]], %thread_id_x]
// GRID: arith.mulf
// GRID: arith.addf
// GRID: gpu.barrier
// GRID: memref.store %{{.*}}, %[[C]]

// CHECK-LABEL: .visible .entry mm_kernel(
// CHECK: .maxntid 16, 16, 1
// CHECK-DAG: .shared .align 4 .b8 __wg_mm_kernel_0[1024];
// CHECK-DAG: .shared .align 4 .b8 __wg_mm_kernel_1[1024];
// CHECK-DAG: ld.global.f32
// CHECK-DAG: st.shared.f32
// CHECK-DAG: ld.shared
// CHECK-DAG: st.global.f32
// Two barriers per K step (after staging, after the multiply-adds); LLVM orders the blocks.
// BARS: 2
func.func @mm(%a: tensor<100x70xf32>, %b: tensor<70x50xf32>) -> tensor<100x50xf32> {
  %0 = grad.matmul %a, %b : tensor<100x70xf32>, tensor<70x50xf32> -> tensor<100x50xf32>
  return %0 : tensor<100x50xf32>
}
