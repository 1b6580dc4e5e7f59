// gradc --grad=FUNC runs the autodiff pass: @FUNC_grad returns FUNC's result then the gradients
// of the chosen arguments, and is exported like any public function.
// RUN: gradc %s --grad=loss --emit=mlir | FileCheck %s
// RUN: gradc %s --grad=loss --grad-argnums=1 --emit=mlir | FileCheck %s --check-prefix=ARG1
// RUN: gradc %s --grad=loss --emit=header | FileCheck %s --check-prefix=HEADER
// RUN: gradc %s --grad=loss --emit=obj -o %t.o
// RUN: llvm-nm %t.o | FileCheck %s --check-prefix=OBJ

// CHECK-LABEL: func.func @loss(
// CHECK-LABEL: func.func @loss_grad(
// CHECK-SAME: %{{.+}}: tensor<3xf32>, %{{.+}}: tensor<3xf32>) -> (tensor<f32>, tensor<3xf32>, tensor<3xf32>)
// CHECK: return {{.*}} : tensor<f32>, tensor<3xf32>, tensor<3xf32>

// ARG1-LABEL: func.func @loss_grad(
// ARG1-SAME: -> (tensor<f32>, tensor<3xf32>)

// HEADER: void _mlir_ciface_loss(grad_memref_f32_1d* in0, grad_memref_f32_1d* in1, grad_memref_f32_0d* out0);
// HEADER: void _mlir_ciface_loss_grad(grad_memref_f32_1d* in0, grad_memref_f32_1d* in1, grad_memref_f32_0d* out0, grad_memref_f32_1d* out1, grad_memref_f32_1d* out2);

// OBJ-DAG: T _mlir_ciface_loss
// OBJ-DAG: T _mlir_ciface_loss_grad

// sum(x * w)
func.func @loss(%x: tensor<3xf32>, %w: tensor<3xf32>) -> tensor<f32> {
  %0 = grad.mul %x, %w : tensor<3xf32>
  %1 = grad.sum %0 {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}
