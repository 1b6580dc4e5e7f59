// gradc --grad on a function with `?` dims: @loss_grad has the same `?` dims (the
// --grad-autodiff pass, test/lit/autodiff/dynamic.mlir), compiles to one object for all batch
// sizes, and its header's wrapper takes the sizes at run time (docs/gradc.md "Functions with `?`
// dims"). A C program runs it at N = 2 and N = 5 against the gradients of the mean squared
// error worked out in C, then with labels of another row count: an error status naming the op.
// RUN: rm -rf %t && mkdir -p %t
// RUN: gradc %s --grad=loss --emit=obj -o %t/ad.o
// RUN: gradc %s --grad=loss --emit=header --header-prefix=ad -o %t/ad.h
// RUN: FileCheck %s --check-prefix=HEADER < %t/ad.h
// RUN: clang -std=c11 -Wall -Werror -I %t -I %grad_src/runtime/include %S/Inputs/run_grad_dynamic.c %t/ad.o -L %grad_lib -lgradrt -L %libomp_dir -lomp -lm -Wl,-rpath,%grad_lib -o %t/run
// RUN: %t/run | FileCheck %s

// HEADER: /* @loss_grad: (f32[?, 3], f32[3, 2], f32[?, 2]) -> (f32[], f32[?, 3], f32[3, 2], f32[?, 2]) */
// HEADER: static inline grad_status ad_loss_grad_check_inputs(const grad_tensor* inputs) {
// HEADER: if ((inputs[2].shape[0]) != (inputs[0].shape[0]))
// HEADER: static inline void ad_loss_grad_output_shape(const grad_tensor* inputs, int index, int64_t* shape) {

// CHECK: loss_grad N=2: outputs [] [2, 3] [3, 2] [2, 2]; loss ok, dx ok, dw ok, dy ok
// CHECK-NEXT: loss_grad N=5: outputs [] [5, 3] [3, 2] [5, 2]; loss ok, dx ok, dw ok, dy ok
// CHECK-NEXT: mismatch: ad_loss_grad: 'grad.sub' op at {{.*}}grad-dynamic.mlir:[[@LINE+4]]:8: operand #1 dim 0 has size 4 but operand #0 dim 0 has size 5 at run time (they must agree)

func.func @loss(%x: tensor<?x3xf32>, %w: tensor<3x2xf32>, %y: tensor<?x2xf32>) -> tensor<f32> {
  %p = grad.matmul %x, %w : tensor<?x3xf32>, tensor<3x2xf32> -> tensor<?x2xf32>
  %d = grad.sub %p, %y : tensor<?x2xf32>
  %sq = grad.mul %d, %d : tensor<?x2xf32>
  %m = grad.mean %sq {axes = array<i64: 0, 1>} : tensor<?x2xf32> -> tensor<f32>
  return %m : tensor<f32>
}
