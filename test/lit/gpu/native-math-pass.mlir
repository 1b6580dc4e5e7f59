// --grad-gpu-native-math on its own, after convert-gpu-to-nvvm: the libdevice calls that are one
// PTX instruction (here __nv_fabsf, __nv_sqrtf, __nv_floor) become LLVM intrinsics and their
// declarations go; a call with no single instruction (__nv_expf) stays a libdevice call.
// native-math.mlir checks the PTX that gradc emits for such kernels.
// RUN: grad-opt %s \
// RUN:   --pass-pipeline='builtin.module(gpu.module(convert-gpu-to-nvvm,grad-gpu-native-math))' \
// RUN:   | FileCheck %s

// CHECK-NOT:     llvm.func @__nv_fabsf
// CHECK-NOT:     llvm.func @__nv_sqrtf
// CHECK-NOT:     llvm.func @__nv_floor
// CHECK:         llvm.func @__nv_expf(f32) -> f32
// CHECK-LABEL:   llvm.func @k(
// CHECK:           %[[ABS:.+]] = llvm.intr.fabs(%{{.+}}) : (f32) -> f32
// CHECK:           %[[SQRT:.+]] = llvm.intr.sqrt(%[[ABS]]) : (f32) -> f32
// CHECK:           llvm.call @__nv_expf(%[[SQRT]]) : (f32) -> f32
// CHECK:           llvm.intr.floor(%{{.+}}) : (f64) -> f64
// CHECK-NOT:       @__nv_f
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%a: memref<4xf32>, %b: memref<4xf64>) kernel {
      %tx = gpu.thread_id x
      %x = memref.load %a[%tx] : memref<4xf32>
      %y = math.absf %x : f32
      %z = math.sqrt %y : f32
      %e = math.exp %z : f32
      memref.store %e, %a[%tx] : memref<4xf32>
      %p = memref.load %b[%tx] : memref<4xf64>
      %q = math.floor %p : f64
      memref.store %q, %b[%tx] : memref<4xf64>
      gpu.return
    }
  }
}
