// grad-opt exposes the grad steps of the NVPTX pipeline: an elementwise chain on buffers becomes
// one gpu.launch, a grid of 256-thread blocks with a grid-stride loop over the 1000 elements.
// RUN: grad-opt %s --grad-lower-to-linalg --linalg-fuse-elementwise-ops \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --grad-gpu-map-linalg --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @f(
// CHECK-DAG:     %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG:     %[[C256:.+]] = arith.constant 256 : index
// CHECK:         gpu.launch blocks(%[[BX:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[C4]], %{{.+}}, %{{.+}}) threads(%[[TX:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[C256]],
// CHECK:           scf.for
// CHECK:             memref.load
// CHECK:             memref.load
// CHECK:             arith.mulf
// CHECK:             math.tanh
// CHECK:             memref.store
// CHECK:           gpu.terminator
// CHECK-NOT:     gpu.launch
// CHECK:         return
func.func @f(%a: tensor<1000xf32>, %b: tensor<1000xf32>) -> tensor<1000xf32> {
  %0 = grad.mul %a, %b : tensor<1000xf32>
  %1 = grad.tanh %0 : tensor<1000xf32>
  return %1 : tensor<1000xf32>
}
