// --grad-gpu-lower-all-reduce on a gpu.module: gpu.all_reduce becomes MLIR's warp reduction
// (five gpu.shuffle xor steps with offsets 1, 2, 4, 8, 16 for a 32-lane warp), the warps'
// partial sums meet in a workgroup buffer of 32 floats behind barriers, and no gpu.all_reduce
// is left for convert-gpu-to-nvvm, which would not lower it.
// RUN: grad-opt %s --pass-pipeline='builtin.module(gpu.module(grad-gpu-lower-all-reduce))' \
// RUN:   | FileCheck %s

// CHECK-LABEL: gpu.func @k(
// CHECK-SAME:      workgroup(%[[SHARED:.+]] : memref<32xf32, #gpu.address_space<workgroup>>) kernel
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : i32
// CHECK-DAG:     %[[C2:.+]] = arith.constant 2 : i32
// CHECK-DAG:     %[[C4:.+]] = arith.constant 4 : i32
// CHECK-DAG:     %[[C8:.+]] = arith.constant 8 : i32
// CHECK-DAG:     %[[C16:.+]] = arith.constant 16 : i32
// CHECK:         gpu.shuffle xor %{{.+}}, %[[C1]],
// CHECK:         arith.addf
// CHECK:         gpu.shuffle xor %{{.+}}, %[[C2]],
// CHECK:         gpu.shuffle xor %{{.+}}, %[[C4]],
// CHECK:         gpu.shuffle xor %{{.+}}, %[[C8]],
// CHECK:         gpu.shuffle xor %{{.+}}, %[[C16]],
// CHECK:         memref.store %{{.+}}, %[[SHARED]]
// CHECK:         gpu.barrier
// CHECK:         memref.load %[[SHARED]]
// CHECK-NOT:     gpu.all_reduce
// CHECK:         gpu.return
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%in: memref<256xf32>, %out: memref<1xf32>) kernel {
      %tx = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %v = memref.load %in[%tx] : memref<256xf32>
      %s = gpu.all_reduce add %v uniform {} : (f32) -> f32
      memref.store %s, %out[%c0] : memref<1xf32>
      gpu.return
    }
  }
}
