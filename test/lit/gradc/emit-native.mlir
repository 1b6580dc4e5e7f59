// gradc --emit=llvm|asm|obj: each public function becomes `_mlir_ciface_<f>` taking one
// descriptor pointer per input and per output (results are out-params); private functions are
// not entry points. The object needs nothing from MLIR or LLVM at link time.
// RUN: gradc %s --emit=llvm | FileCheck %s --check-prefix=LLVM
// RUN: gradc %s --emit=llvm -O0 | FileCheck %s --check-prefix=LLVM
// RUN: gradc %s --emit=asm | FileCheck %s --check-prefix=ASM
// RUN: gradc %s --emit=obj -o %t.o
// RUN: llvm-nm %t.o | FileCheck %s --check-prefix=OBJ
// RUN: llvm-nm -u %t.o | FileCheck %s --allow-empty --check-prefix=UNDEF
// RUN: cat %s | gradc - -o %t.stdin.o
// RUN: llvm-nm %t.stdin.o | FileCheck %s --check-prefix=OBJ

// LLVM: target triple = "x86_64
// LLVM: define void @_mlir_ciface_scale(ptr {{[^,]*}}%0, ptr {{[^,]*}}%1, ptr {{[^,]*}}%2)
// LLVM: define void @_mlir_ciface_stats(ptr {{[^,]*}}%0, ptr {{[^,]*}}%1, ptr {{[^,]*}}%2)
// LLVM-NOT: define {{.*}}_mlir_ciface_helper

// ASM: .globl _mlir_ciface_scale
// ASM: _mlir_ciface_scale:
// ASM: .globl _mlir_ciface_stats

// OBJ-DAG: T _mlir_ciface_scale
// OBJ-DAG: T _mlir_ciface_stats
// UNDEF-NOT: mlir
// UNDEF-NOT: llvm

func.func @scale(%x: tensor<8xf32>, %y: tensor<8xf32>) -> tensor<8xf32> {
  %0 = func.call @helper(%x) : (tensor<8xf32>) -> tensor<8xf32>
  %1 = grad.mul %0, %y : tensor<8xf32>
  return %1 : tensor<8xf32>
}

// Two results: the sum and the max of each row.
func.func @stats(%x: tensor<3x4xf64>) -> (tensor<3xf64>, tensor<3xf64>) {
  %0 = grad.sum %x {axes = array<i64: 1>} : tensor<3x4xf64> -> tensor<3xf64>
  %1 = grad.max %x {axes = array<i64: 1>} : tensor<3x4xf64> -> tensor<3xf64>
  return %0, %1 : tensor<3xf64>, tensor<3xf64>
}

func.func private @helper(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = grad.exp %x : tensor<8xf32>
  return %0 : tensor<8xf32>
}
