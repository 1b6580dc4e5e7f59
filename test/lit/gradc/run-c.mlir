// A C program runs a gradc-compiled module through the generated wrapper with every dtype at
// the boundary: f64, i64, booleans (one byte each) in and out, f32. Expected values are worked
// out by hand from the inputs in Inputs/run_mix.c.
// RUN: rm -rf %t && mkdir -p %t
// RUN: gradc %s --emit=obj -o %t/mix.o
// RUN: gradc %s --emit=header -o %t/mix.h
// RUN: clang -std=c11 -Wall -Werror -I %t -I %grad_src/runtime/include %S/Inputs/run_mix.c %t/mix.o -L %grad_lib -lgradrt -lm -Wl,-rpath,%grad_lib -o %t/run_mix
// RUN: %t/run_mix | FileCheck %s

// a = [[1, 2], [3, 4]] -> a^T = [[1, 3], [2, 4]]
// CHECK: transpose: 1 3 2 4
// n = [-5, 0, 7] -> n + n
// CHECK-NEXT: double: -10 0 14
// m = [1, 0, 1], u = [10, 20, 30], v = [-1, -2, -3] -> select(m, u, v)
// CHECK-NEXT: select: 10 -2 30
// n > 0
// CHECK-NEXT: positive: 0 0 1

func.func @mix(%a: tensor<2x2xf64>, %n: tensor<3xi64>, %m: tensor<3xi1>, %u: tensor<3xf32>,
               %v: tensor<3xf32>)
    -> (tensor<2x2xf64>, tensor<3xi64>, tensor<3xf32>, tensor<3xi1>) {
  %0 = grad.transpose %a {perm = array<i64: 1, 0>} : tensor<2x2xf64> -> tensor<2x2xf64>
  %1 = grad.add %n, %n : tensor<3xi64>
  %2 = grad.select %m, %u, %v : tensor<3xi1>, tensor<3xf32>
  %zero = grad.constant dense<0> : tensor<3xi64>
  %3 = grad.cmp "gt", %n, %zero : tensor<3xi64>
  return %0, %1, %2, %3 : tensor<2x2xf64>, tensor<3xi64>, tensor<3xf32>, tensor<3xi1>
}
