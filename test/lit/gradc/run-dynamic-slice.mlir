// gradc with `?` slices and concats: the header's checked wrapper sizes the outputs from the
// run-time sizes (a strided slice to the end: ceil((T - 1) / 2); a concat along `?` B: B + 2)
// and checks a slice's static limit along `?` B (limit <= B) and the concat's other dims (T of
// x and y) before the call. Expected values: x[i][j] = 10 i + j, y[i][j] = -(10 i + j)
// (Inputs/run_dynamic_slice.c).
// RUN: rm -rf %t && mkdir -p %t
// RUN: gradc %s --emit=obj -o %t/sc.o
// RUN: gradc %s --emit=header --header-prefix=sc -o %t/sc.h
// RUN: FileCheck %s --check-prefix=HEADER < %t/sc.h
// RUN: clang -std=c11 -Wall -Werror -I %t -I %grad_src/runtime/include %S/Inputs/run_dynamic_slice.c %t/sc.o -L %grad_lib -lgradrt -lm -Wl,-rpath,%grad_lib -o %t/run
// RUN: %t/run | FileCheck %s

// HEADER: if ((2LL) > (inputs[0].shape[0]))
// HEADER: if ((inputs[1].shape[1]) != (inputs[0].shape[1]))
// HEADER: shape[0] = (2LL + inputs[0].shape[0]);
// HEADER: shape[1] = ((-1LL + inputs[0].shape[1]) <= 0 ? 0LL : ((-1LL + inputs[0].shape[1]) - 1) / 2LL + 1);

// CHECK: out0 [5, 5]: 0 1 2 3 4 10 11 12 13 14 20 21 22 23 24 0 -1 -2 -3 -4 -10 -11 -12 -13 -14
// CHECK-NEXT: out1 [2, 2]: 1 3 11 13
// CHECK-NEXT: out0 [8, 4]: 0 1 2 3 10 11 12 13 20 21 22 23 30 31 32 33 40 41 42 43 50 51 52 53 0 -1 -2 -3 -10 -11 -12 -13
// CHECK-NEXT: out1 [2, 2]: 1 3 11 13
// CHECK-NEXT: sc: sc_sc: 'grad.slice' op at {{.*}}run-dynamic-slice.mlir:[[@LINE+4]]:8: the limit of dim 0 is 2 but operand dim 0 has size 1 at run time (it must be at most that size)
// CHECK-NEXT: sc: sc_sc: 'grad.concat' op at {{.*}}run-dynamic-slice.mlir:[[@LINE+4]]:8: operand #1 dim 1 has size 4 but operand #0 dim 1 has size 5 at run time (they must agree)

func.func @sc(%x: tensor<?x?xf32>, %y: tensor<2x?xf32>) -> (tensor<?x?xf32>, tensor<2x?xf32>) {
  %s = grad.slice %x {starts = array<i64: 0, 1>, limits = array<i64: 2, -9223372036854775808>, strides = array<i64: 1, 2>} : tensor<?x?xf32> -> tensor<2x?xf32>
  %c = grad.concat %x, %y {axis = 0 : i64} : tensor<?x?xf32>, tensor<2x?xf32> -> tensor<?x?xf32>
  return %c, %s : tensor<?x?xf32>, tensor<2x?xf32>
}
