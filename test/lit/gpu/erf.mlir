// Exact gelu (the composite over grad.erf that grad::gelu(x, "none") traces to) on the GPU: one
// fused kernel, f32 erf as MLIR's polynomial (fma chains), no libdevice call.
// RUN: gradc %s --target=nvptx --emit=ptx | FileCheck %s
// CHECK: .visible .entry g_kernel(
// CHECK-NOT: call
// CHECK: ld.global.f32
// CHECK: fma.rn.f32
// CHECK-NOT: call
// CHECK: st.global.f32
// CHECK-NOT: .entry
func.func @g(%x: tensor<64x128xf32>) -> tensor<64x128xf32> {
  %half = grad.constant dense<0.5> : tensor<64x128xf32>
  %one = grad.constant dense<1.0> : tensor<64x128xf32>
  %r = grad.constant dense<0.707106769> : tensor<64x128xf32>
  %hx = grad.mul %x, %half : tensor<64x128xf32>
  %s = grad.mul %x, %r : tensor<64x128xf32>
  %es = grad.erf %s : tensor<64x128xf32>
  %p = grad.add %es, %one : tensor<64x128xf32>
  %g = grad.mul %hx, %p : tensor<64x128xf32>
  return %g : tensor<64x128xf32>
}
