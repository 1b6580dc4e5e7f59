// f64 transcendental functions have no PTX instruction and no polynomial expansion here: they
// become calls to libdevice's __nv_* functions, linked from the CUDA toolkit into the module, so
// the PTX has no external call left and ptxas accepts it.
// REQUIRES: ptxas
// RUN: gradc %s --target=nvptx --emit=ptx -o %t.ptx
// RUN: %ptxas -arch=sm_90 %t.ptx -o %t.cubin
// RUN: FileCheck %s < %t.ptx

// CHECK: .entry f64_math_kernel(
// CHECK-NOT: .extern
// CHECK-DAG: ld.global.f64
// CHECK-DAG: st.global.f64
func.func @f64_math(%x: tensor<1000xf64>) -> tensor<1000xf64> {
  %0 = grad.exp %x : tensor<1000xf64>
  %1 = grad.tanh %0 : tensor<1000xf64>
  %2 = grad.log %0 : tensor<1000xf64>
  %3 = grad.add %1, %2 : tensor<1000xf64>
  return %3 : tensor<1000xf64>
}
