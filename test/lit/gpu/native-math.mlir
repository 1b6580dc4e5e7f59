// abs and sqrt are single PTX instructions: the kernels use them directly instead of calling
// libdevice's __nv_fabsf/__nv_sqrtf, so this PTX needs no CUDA toolkit at compile time.
// RUN: gradc %s --target=nvptx --gpu-arch=sm_90 --emit=ptx | FileCheck %s

// CHECK-NOT:   .extern
// CHECK:       .entry
// CHECK-DAG:   abs.f32
// CHECK-DAG:   sqrt.rn.f32
// CHECK-DAG:   abs.f64
// CHECK-DAG:   sqrt.rn.f64
// CHECK-NOT:   call
// CHECK-NOT:   __nv_
func.func @f(%a: tensor<1000xf32>, %b: tensor<8xf64>) -> (tensor<1000xf32>, tensor<8xf64>) {
  %0 = grad.abs %a : tensor<1000xf32>
  %1 = grad.sqrt %0 : tensor<1000xf32>
  %2 = grad.abs %b : tensor<8xf64>
  %3 = grad.sqrt %2 : tensor<8xf64>
  return %1, %3 : tensor<1000xf32>, tensor<8xf64>
}
