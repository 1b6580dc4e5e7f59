// A matmul with M, N >= 64: a 64x64 output tile per block of 16x16 threads, 4x4 outputs per
// thread held in registers across K (16 loop-carried accumulators), A and B staged per K step
// as 64x16 and 16x64 shared tiles (4 KiB each), 4 + 4 shared loads feeding 16 multiply-adds.
// 200x96 @ 96x130: grid (ceil(130/64), ceil(200/64)) = (3, 4).
// RUN: gradc %s --target=nvptx --emit=mlir | FileCheck %s --check-prefix=GRID
// RUN: gradc %s --target=nvptx --emit=ptx | FileCheck %s

// GRID: gpu.launch_func @grad_kernels::@mm_kernel blocks in (%c3, %c4, %c1) threads in (%c16, %c16, %c1)
// GRID: gpu.func @mm_kernel({{.*}}) workgroup(%[[AS:.*]] : memref<64x16xf32, #gpu.address_space<workgroup>>, %[[BS:.*]] : memref<16x64xf32, #gpu.address_space<workgroup>>)
// GRID: scf.for {{.*}} = %c0 to %c96 step %c16 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// GRID-COUNT-4: memref.store {{.*}}, %[[AS]]
// GRID: gpu.barrier
// GRID: scf.for {{.*}} = %c0 to %c16 step %c1
// GRID-COUNT-4: memref.load %[[AS]]
// GRID-COUNT-16: arith.addf
// GRID: gpu.barrier

// CHECK-LABEL: .visible .entry mm_kernel(
// CHECK: .maxntid 16, 16, 1
// CHECK-DAG: .shared .align 4 .b8 __wg_mm_kernel_0[4096];
// CHECK-DAG: .shared .align 4 .b8 __wg_mm_kernel_1[4096];
// CHECK-DAG: bar.sync
// CHECK-DAG: ld.shared
// CHECK-DAG: st.global.f32
func.func @mm(%a: tensor<200x96xf32>, %b: tensor<96x130xf32>) -> tensor<200x130xf32> {
  %0 = grad.matmul %a, %b : tensor<200x96xf32>, tensor<96x130xf32> -> tensor<200x130xf32>
  return %0 : tensor<200x130xf32>
}
