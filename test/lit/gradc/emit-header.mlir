// gradc --emit=header: memref structs, the _mlir_ciface_ declaration with inputs then outputs,
// and the checked wrapper; the header compiles as C11 and as C++, and two model headers can be
// included together (the memref structs are guarded).
// RUN: gradc %s --emit=header -o %t.h
// RUN: FileCheck %s < %t.h
// RUN: gradc %s --emit=header --header-prefix=other -o %t.other.h
// RUN: clang -fsyntax-only -std=c11 -Wall -Wextra -pedantic -Werror -x c -I %grad_src/runtime/include -include %t.h -include %t.other.h /dev/null
// RUN: clang++ -fsyntax-only -std=c++17 -Wall -Wextra -Werror -x c++ -I %grad_src/runtime/include -include %t.h /dev/null
// RUN: gradc %s --emit=header --header-prefix=net | FileCheck %s --check-prefix=PREFIX

// The default prefix is the output file's stem (%t.h -> emit-header.mlir.tmp -> sanitized).
// CHECK: #include <grad/gradrt.h>
// CHECK: typedef struct grad_memref_f32_2d {
// CHECK-NEXT: float* allocated;
// CHECK-NEXT: float* aligned;
// CHECK-NEXT: int64_t offset;
// CHECK-NEXT: int64_t sizes[2];
// CHECK-NEXT: int64_t strides[2];
// CHECK-NEXT: } grad_memref_f32_2d;
// CHECK: typedef struct grad_memref_f32_0d {
// CHECK-NEXT: float* allocated;
// CHECK-NEXT: float* aligned;
// CHECK-NEXT: int64_t offset;
// CHECK-NEXT: } grad_memref_f32_0d;
// CHECK: typedef struct grad_memref_b8_1d {
// CHECK-NEXT: uint8_t* allocated;

// CHECK: /* @affine: (f32[2, 3], f32[3]) -> (f32[2, 3], f32[]) */
// CHECK-NEXT: void _mlir_ciface_affine(grad_memref_f32_2d* in0, grad_memref_f32_1d* in1, grad_memref_f32_2d* out0, grad_memref_f32_0d* out1);
// CHECK: _affine_num_inputs = 2, {{.*}}_affine_num_outputs = 2 };
// CHECK: static inline grad_status {{.*}}_affine_alloc_outputs(grad_tensor* out_outputs) {
// CHECK: static inline grad_status [[W:.*_affine]](const grad_tensor* inputs, grad_tensor* outputs) {
// CHECK: static const int64_t in0_shape[2] = {2LL, 3LL};
// CHECK: status = grad_check_tensor_role(&inputs[0], "[[W]]", "input", 0, GRAD_DTYPE_F32, 2, in0_shape);
// CHECK: status = grad_check_tensor_role(&inputs[1], "[[W]]", "input", 1, GRAD_DTYPE_F32, 1, in1_shape);
// CHECK: status = grad_check_tensor_role(&outputs[0], "[[W]]", "output", 0, GRAD_DTYPE_F32, 2, out0_shape);
// CHECK: status = grad_check_tensor_role(&outputs[1], "[[W]]", "output", 1, GRAD_DTYPE_F32, 0, NULL);
// CHECK: status = grad_check_no_alias("[[W]]", inputs, 2, outputs, 2);
// CHECK: grad_memref_f32_2d in0 = {(float*)inputs[0].data, (float*)inputs[0].data, 0, {2LL, 3LL}, {3LL, 1LL}};
// CHECK: grad_memref_f32_0d out1 = {(float*)outputs[1].data, (float*)outputs[1].data, 0};
// CHECK: _mlir_ciface_affine(&in0, &in1, &out0, &out1);

// CHECK: /* @mask: (i64[4]) -> (b8[4]) */
// CHECK-NEXT: void _mlir_ciface_mask(grad_memref_i64_1d* in0, grad_memref_b8_1d* out0);
// CHECK: void _mlir_ciface_noin(grad_memref_i64_1d* out0);
// CHECK: static inline grad_status {{.*}}_noin(const grad_tensor* inputs, grad_tensor* outputs) {
// CHECK: (void)inputs;
// CHECK: void _mlir_ciface_sink(grad_memref_f32_1d* in0);
// CHECK: static inline grad_status {{.*}}_sink(const grad_tensor* inputs, grad_tensor* outputs) {
// CHECK: (void)outputs;
// CHECK-NOT: hidden

// PREFIX: static inline grad_status net_affine(const grad_tensor* inputs, grad_tensor* outputs)
// PREFIX: static inline grad_status net_mask(const grad_tensor* inputs, grad_tensor* outputs)

func.func @affine(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<f32>) {
  %0 = grad.broadcast %b {dims = array<i64: 1>} : tensor<3xf32> -> tensor<2x3xf32>
  %1 = grad.add %x, %0 : tensor<2x3xf32>
  %2 = grad.sum %1 {axes = array<i64: 0, 1>} : tensor<2x3xf32> -> tensor<f32>
  return %1, %2 : tensor<2x3xf32>, tensor<f32>
}

func.func @mask(%x: tensor<4xi64>) -> tensor<4xi1> {
  %z = grad.constant dense<0> : tensor<4xi64>
  %0 = grad.cmp "gt", %x, %z : tensor<4xi64>
  return %0 : tensor<4xi1>
}

// No inputs; no outputs.
func.func @noin() -> tensor<2xi64> {
  %0 = grad.constant dense<[3, 4]> : tensor<2xi64>
  return %0 : tensor<2xi64>
}

func.func @sink(%x: tensor<2xf32>) {
  return
}

// Private functions are not entry points.
func.func private @hidden(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
