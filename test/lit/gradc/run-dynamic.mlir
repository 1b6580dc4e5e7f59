// gradc compiles a function with `?` dims (a batch of sequences [B,T,4] flattened for a matmul
// and split back) to an object and a header whose wrapper takes the sizes at run time (Note
// [The C ABI of `?` dims] in HeaderEmitter.cpp). A C program runs it at (B,T) = (2,3) and
// (4,5); then sizes that do not agree, outputs of the wrong size, a wrong static dim and a
// wrong rank are each an error status naming what differs, never undefined behaviour.
// Expected values are worked out by hand in Inputs/run_dynamic.c.
// RUN: rm -rf %t && mkdir -p %t
// RUN: gradc %s --emit=obj -o %t/dyn.o
// RUN: gradc %s --emit=header --header-prefix=dyn -o %t/dyn.h
// RUN: FileCheck %s --check-prefix=HEADER < %t/dyn.h
// RUN: clang -std=c11 -Wall -Werror -I %t -I %grad_src/runtime/include %S/Inputs/run_dynamic.c %t/dyn.o -L %grad_lib -lgradrt -L %libomp_dir -lomp -lm -Wl,-rpath,%grad_lib -o %t/run_dynamic
// RUN: %t/run_dynamic | FileCheck %s

// HEADER: /* @seq: (f32[?, ?, 4], f32[4, 3], f32[?, 3]) -> (f32[?, ?, 3], f32[?, 3]) */
// HEADER: static inline grad_status dyn_seq_check_inputs(const grad_tensor* inputs) {
// HEADER: if ((inputs[2].shape[0]) != ((int64_t)((uint64_t)inputs[0].shape[0] * (uint64_t)inputs[0].shape[1])))
// HEADER: static inline grad_status dyn_seq_alloc_outputs(const grad_tensor* inputs, grad_tensor* out_outputs) {
// HEADER: static inline grad_status dyn_seq(const grad_tensor* inputs, grad_tensor* outputs) {

// CHECK: seq: u [2, 3, 3], m [6, 3]; m[5][2] = 3.5, u[1][2][0] = 33.1155 (exp 33.1155)
// CHECK-NEXT: seq: u [4, 5, 3], m [20, 3]; m[19][2] = 10.5, u[3][4][0] = 36315.5{{[0-9]*}} (exp 36315.5{{[0-9]*}})
// CHECK-NEXT: alloc_outputs: dyn_seq: 'grad.add' op at {{.*}}run-dynamic.mlir:[[@LINE+14]]:8: operand #1 dim 0 has size 7 but operand #0 dim 0 has size 6 at run time (they must agree)
// CHECK-NEXT: stale outputs: dyn_seq: output 0: shape mismatch at dimension 0: expected f32[4, 5, 3], got f32[2, 3, 3]
// CHECK-NEXT: static dim: dyn_seq: input 0: shape mismatch at dimension 2: expected f32[4, 5, 4], got f32[4, 5, 3]
// CHECK-NEXT: rank: dyn_seq: input 0: rank mismatch: expected f32[-1, -1, 4], got f32[20, 4]

func.func @seq(%x: tensor<?x?x4xf32>, %w: tensor<4x3xf32>, %y: tensor<?x3xf32>)
    -> (tensor<?x?x3xf32>, tensor<?x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x4xf32>
  %t = tensor.dim %x, %c1 : tensor<?x?x4xf32>
  %bt = arith.muli %b, %t : index
  %f = grad.reshape %x sizes(%bt) : tensor<?x?x4xf32> -> tensor<?x4xf32>
  %xw = grad.matmul %f, %w : tensor<?x4xf32>, tensor<4x3xf32> -> tensor<?x3xf32>
  %m = grad.add %xw, %y : tensor<?x3xf32>
  %e = grad.exp %m : tensor<?x3xf32>
  %u = grad.reshape %e sizes(%b, %t) : tensor<?x3xf32> -> tensor<?x?x3xf32>
  return %u, %m : tensor<?x?x3xf32>, tensor<?x3xf32>
}
