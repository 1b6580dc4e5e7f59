// --print-ir-after-all prints the module after every pass, graph passes and lowering;
// --time-passes reports the phases and the passes in them.
// RUN: gradc %s --emit=obj -o %t.o --print-ir-after-all 2>&1 | FileCheck %s --check-prefix=PRINT
// RUN: gradc %s --emit=obj -o %t.o --time-passes 2>&1 | FileCheck %s --check-prefix=TIME

// PRINT: IR Dump After Canonicalizer (canonicalize)
// PRINT: IR Dump After CSE (cse)
// PRINT: grad.tanh
// PRINT: IR Dump After {{.*}}(one-shot-bufferize)
// PRINT: IR Dump After {{.*}}(reconcile-unrealized-casts)
// PRINT: llvm.func @_mlir_ciface_f

// TIME: Execution time report
// TIME: parse
// TIME: graph passes
// TIME: Canonicalizer
// TIME: lowering, LLVM translation, -O<n> and codegen
// TIME: MLIR lowering passes
// TIME: OneShotBufferize

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = grad.tanh %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
