// --grad-gpu-device-buffers on its own: the host function's temporaries move to the device
// (memref.alloc -> gpu.alloc, freed with gpu.dealloc before the return instead of at their
// memref.dealloc), a constant global is copied to a device buffer that the kernel then reads,
// and a host load of a buffer (it would read device memory) is an error.
// RUN: grad-opt %s -split-input-file -verify-diagnostics --grad-gpu-device-buffers | FileCheck %s

memref.global "private" constant @cst : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

// CHECK-LABEL: func.func @f(
// CHECK-SAME:      %[[OUT:[^:]+]]: memref<4xf32>
// CHECK-NOT:     memref.alloc
// CHECK:         %[[T:.+]] = gpu.alloc () : memref<4xf32>
// CHECK:         %[[HOST:.+]] = memref.get_global @cst : memref<4xf32>
// CHECK:         %[[CST:.+]] = gpu.alloc () : memref<4xf32>
// CHECK:         gpu.memcpy %[[CST]], %[[HOST]] : memref<4xf32>, memref<4xf32>
// CHECK:         gpu.launch
// CHECK:           memref.load %[[CST]]
// CHECK:           memref.store %{{.+}}, %[[T]]
// CHECK:           memref.load %[[T]]
// CHECK:           memref.store %{{.+}}, %[[OUT]]
// CHECK:           gpu.terminator
// CHECK-NOT:     memref.dealloc
// CHECK:         gpu.dealloc %[[T]] : memref<4xf32>
// CHECK-NEXT:    gpu.dealloc %[[CST]] : memref<4xf32>
// CHECK-NEXT:    return
func.func @f(%out: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %t = memref.alloc() : memref<4xf32>
  %c = memref.get_global @cst : memref<4xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %v = memref.load %c[%tx] : memref<4xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %t[%tx] : memref<4xf32>
    %u = memref.load %t[%tx] : memref<4xf32>
    memref.store %u, %out[%tx] : memref<4xf32>
    gpu.terminator
  }
  memref.dealloc %t : memref<4xf32>
  return
}

// -----

func.func @host_load(%a: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{grad-gpu: memref.load on the host would read device memory; this op has no GPU mapping yet}}
  %v = memref.load %a[%c0] : memref<4xf32>
  return %v : f32
}
