// Ahead of time: the object gradc writes for a function with grad.all_reduce calls libgradrt_mpi's
// entry point, an undefined symbol that linking with -lgradrt_mpi resolves (no LLVM, no MLIR and
// no eager library needed at run time).
// RUN: gradc %s --emit=obj -o %t.o
// RUN: llvm-nm %t.o | FileCheck %s
// CHECK-DAG: U gradrt_all_reduce_f64
// CHECK-DAG: T _mlir_ciface_sync
func.func @sync(%g: tensor<8xf64>) -> tensor<8xf64> {
  %0 = grad.all_reduce %g {op = "mean"} : tensor<8xf64>
  return %0 : tensor<8xf64>
}
