//===- Passes.td - graph-level passes on the grad dialect --*- tablegen -*-===//
//
// Declares the passes that transform grad-dialect functions before lowering: constant-subgraph
// folding with the eager kernels (Fold.cpp) and, added by the autodiff work, reverse-mode
// differentiation. One pass per file under compiler/lib/Transforms; thresholds are Options.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_TRANSFORMS_PASSES_TD
#define GRAD_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def GradFoldPass : Pass<"grad-fold", "::mlir::func::FuncOp"> {
  let summary = "Evaluate constant subgraphs with the eager kernels";
  let description = [{
    Finds the maximal subgraphs of grad ops whose inputs are all constants, evaluates them with
    the eager kernels (the same code the reference interpreter and eager mode run: one
    implementation per op) and replaces each value that leaves such a subgraph by one
    `grad.constant`. Ops left dead are erased. A result (or an intermediate) with more than
    `max-elements` elements is not evaluated, so that folding never bloats the IR: the subgraph
    stops there and the ops above it stay.

    Before:
    ```mlir
    %a = grad.constant dense<[1.0, 2.0]> : tensor<2xf32>
    %b = grad.exp %a : tensor<2xf32>
    %c = grad.add %b, %x : tensor<2xf32>
    ```
    After:
    ```mlir
    %b = grad.constant dense<[2.71828175, 7.38905621]> : tensor<2xf32>
    %c = grad.add %b, %x : tensor<2xf32>
    ```
  }];
  let dependentDialects = ["::grad::GradDialect"];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"65536",
           "Largest number of elements of a tensor the folder evaluates and materializes">,
  ];
  let statistics = [
    Statistic<"numFolded", "num-folded", "Number of ops evaluated and removed">,
    Statistic<"numConstants", "num-constants", "Number of grad.constant ops materialized">,
  ];
}

#endif // GRAD_TRANSFORMS_PASSES_TD
