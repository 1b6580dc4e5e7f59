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

def GradAutodiffPass : Pass<"grad-autodiff", "::mlir::ModuleOp"> {
  let summary = "Reverse-mode autodiff: build @f_grad returning f's results and gradients";
  let description = [{
    For each requested `@f` adds `@f_grad` with the same arguments, returning f's results
    followed by the gradients of f's first result (a floating-point tensor with one element)
    with respect to the chosen arguments. The backward ops come from the eager op table's VJP
    rules (one rule per primitive, shared with the eager tape), run on symbolic tensors that
    wrap the forward SSA values. Cotangents of a value used several times are summed; an
    argument the result does not depend on gets a zero constant; integer and boolean values
    (cmp results, select predicates, gather indices) carry no gradient. Requests: the `func`
    and `argnums` options, or every func.func with a `grad.autodiff` attribute (unit: all
    floating-point arguments; `array<i64: ...>`: those argnums). Run canonicalize and CSE after
    it. The result is ordinary grad IR: the pass differentiates its own output (grad of grad).

    Before (`--grad-autodiff="func=f"`):
    ```mlir
    func.func @f(%x: tensor<3xf32>) -> tensor<f32> {
      %e = grad.exp %x : tensor<3xf32>
      %s = grad.sum %e {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
      return %s : tensor<f32>
    }
    ```
    After (with canonicalize, cse), @f unchanged plus:
    ```mlir
    func.func @f_grad(%x: tensor<3xf32>) -> (tensor<f32>, tensor<3xf32>) {
      %e = grad.exp %x : tensor<3xf32>
      %s = grad.sum %e {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
      %one = grad.constant dense<1.0> : tensor<3xf32>
      %g = grad.mul %one, %e : tensor<3xf32>
      return %s, %g : tensor<f32>, tensor<3xf32>
    }
    ```
  }];
  let dependentDialects = ["::grad::GradDialect", "::mlir::func::FuncDialect"];
  let options = [
    Option<"funcName", "func", "std::string", /*default=*/"\"\"",
           "Function to differentiate (default: every func.func with a grad.autodiff attribute)">,
    ListOption<"argnums", "argnums", "int64_t",
               "Arguments to differentiate with respect to (default: all floating-point ones)">,
  ];
}

#endif // GRAD_TRANSFORMS_PASSES_TD
