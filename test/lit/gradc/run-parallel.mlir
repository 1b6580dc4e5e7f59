// An AOT object whose ops are large enough to be split over threads calls into libomp
// (__kmpc_fork_call), links with libgradrt and libomp, and gives the same results at 1 and 2
// threads. x[i][j] = j, so every row of x + 1 sums to 1 + 2 + ... + 256 = 32896, and
// y = 2x ends in 2 * 255 = 510.
// RUN: rm -rf %t && mkdir -p %t
// RUN: gradc %s --emit=obj -o %t/par.o
// RUN: gradc %s --emit=header -o %t/par.h
// RUN: llvm-nm %t/par.o | FileCheck %s --check-prefix=SYMS
// RUN: clang -std=c11 -Wall -Werror -I %t -I %grad_src/runtime/include %S/Inputs/run_parallel.c %t/par.o -L %grad_lib -lgradrt -L %libomp_dir -lomp -lm -Wl,-rpath,%grad_lib -o %t/run_parallel
// RUN: env OMP_NUM_THREADS=1 %t/run_parallel | FileCheck %s
// RUN: env OMP_NUM_THREADS=2 %t/run_parallel | FileCheck %s

// SYMS: U __kmpc_fork_call
// CHECK: threads: {{[12]}}
// CHECK-NEXT: rows: 512 of 512 equal 32896
// CHECK-NEXT: y: 0 2 4 510

func.func @par(%x: tensor<512x256xf32>) -> (tensor<512xf32>, tensor<512x256xf32>) {
  %one = grad.constant dense<1.0> : tensor<512x256xf32>
  %0 = grad.add %x, %one : tensor<512x256xf32>
  %1 = grad.sum %0 {axes = array<i64: 1>} : tensor<512x256xf32> -> tensor<512xf32>
  %2 = grad.add %x, %x : tensor<512x256xf32>
  return %1, %2 : tensor<512xf32>, tensor<512x256xf32>
}
