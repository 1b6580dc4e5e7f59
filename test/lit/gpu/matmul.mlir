// Matmul: a 16x16 output tile per block of 16x16 threads, grid (ceil(N/16), ceil(M/16)) =
// (4, 7) for 100x70 @ 70x50. Each K step stages a 16x16 tile of both operands in shared memory
// (two 1 KiB buffers), with a barrier before and after the 16 multiply-adds; loads outside
// the matrices (70 = 4*16 + 6, 100 and 50 not multiples of 16 either) read zero and the
// out-of-range threads store nothing.
// RUN: gradc %s --target=nvptx --emit=mlir | FileCheck %s --check-prefix=GRID
// RUN: gradc %s --target=nvptx --emit=ptx | FileCheck %s

// GRID: gpu.launch_func @grad_kernels::@mm_kernel_0 blocks in (%c4, %c7, %c1) threads in (%c16, %c16, %c1)
// GRID: gpu.func @mm_kernel_0(%[[C:.*]]: memref<100x50xf32>, %[[A:.*]]: memref<100x70xf32>, %[[B:.*]]: memref<70x50xf32>) workgroup(%[[AS:.*]] : memref<16x16xf32, #gpu.address_space<workgroup>>, %[[BS:.*]] : memref<16x16xf32, #gpu.address_space<workgroup>>)
// GRID: scf.for %[[K0:.*]] = %c0 to %c70 step %c16
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

// CHECK-LABEL: .visible .entry mm_kernel_0(
// CHECK: .maxntid 16, 16, 1
// CHECK-DAG: .shared .align 4 .b8 __wg_mm_kernel_0_0[1024];
// CHECK-DAG: .shared .align 4 .b8 __wg_mm_kernel_0_1[1024];
// CHECK: ld.global.f32
// CHECK: st.shared.f32
// CHECK: bar.sync 0;
// CHECK: ld.shared
// CHECK: bar.sync 0;
// CHECK: st.global.f32
func.func @mm(%a: tensor<100x70xf32>, %b: tensor<70x50xf32>) -> tensor<100x50xf32> {
  %0 = grad.matmul %a, %b : tensor<100x70xf32>, tensor<70x50xf32> -> tensor<100x50xf32>
  return %0 : tensor<100x50xf32>
}
