// A chain of elementwise ops is one fused kernel: a 1-D grid of 256-thread blocks, one element
// per thread, global loads of both inputs and one global store; no shared memory, no barrier.
// RUN: gradc %s --target=nvptx --emit=mlir | FileCheck %s --check-prefix=GRID
// RUN: gradc %s --target=nvptx --emit=ptx | FileCheck %s
// RUN: gradc %s --target=nvptx --gpu-arch=sm_80 --emit=ptx | FileCheck %s --check-prefix=SM80

// 1024 * 512 = 524288 elements = 2048 blocks of 256 threads.
// GRID-LABEL: func.func @chain(
// GRID-SAME: %[[X:.*]]: memref<1024x512xf32>, %[[Y:.*]]: memref<1024x512xf32>, %[[OUT:.*]]: memref<1024x512xf32>)
// GRID-NOT: gpu.alloc
// GRID: gpu.launch_func @grad_kernels::@chain_kernel blocks in (%c2048, %c1, %c1) threads in (%c256, %c1, %c1) args(%[[X]] : {{.*}}, %[[Y]] : {{.*}}, %[[OUT]] : {{.*}})
// GRID-NOT: gpu.launch_func
// GRID: return
// GRID: gpu.module @grad_kernels
// GRID: gpu.func @chain_kernel({{.*}}) kernel attributes {known_block_size = array<i32: 256, 1, 1>, known_grid_size = array<i32: 2048, 1, 1>}

// CHECK: .version 8.0
// CHECK: .target sm_90
// CHECK: .visible .entry chain_kernel(
// CHECK: .maxntid 256, 1, 1
// CHECK-NOT: .shared
// CHECK-NOT: bar.sync
// CHECK: ld.global.f32
// CHECK: ld.global.f32
// CHECK: mul.rn.f32
// CHECK: st.global.f32
// CHECK-NOT: .entry
// SM80: .target sm_80
func.func @chain(%x: tensor<1024x512xf32>, %y: tensor<1024x512xf32>) -> tensor<1024x512xf32> {
  %0 = grad.mul %x, %y : tensor<1024x512xf32>
  %1 = grad.tanh %0 : tensor<1024x512xf32>
  %2 = grad.add %1, %x : tensor<1024x512xf32>
  return %2 : tensor<1024x512xf32>
}
