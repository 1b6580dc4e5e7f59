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
    A function with `?` dims gets an `@f_grad` with the same `?` dims, its sizes read at run
    time with `tensor.dim` (Note [Autodiff with dynamic dims] in compiler/lib/Autodiff).

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
  let dependentDialects = ["::grad::GradDialect", "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect", "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"funcName", "func", "std::string", /*default=*/"\"\"",
           "Function to differentiate (default: every func.func with a grad.autodiff attribute)">,
    ListOption<"argnums", "argnums", "int64_t",
               "Arguments to differentiate with respect to (default: all floating-point ones)">,
  ];
}

def GradFactorReductionsPass : Pass<"grad-factor-reductions", "::mlir::func::FuncOp"> {
  let summary = "Distribute sums over their terms and pull out factors constant along the axes";
  let description = [{
    For each `grad.sum` / `grad.mean` whose operand is a sum of terms (add, sub, neg) in which
    some term is multiplied or divided by a value constant along the reduced axes (a broadcast
    that repeats along them, a splat constant, or an elementwise expression of those), rewrites
    `sum_A(a * bcast(s) + b)` into `sum_A(a) * s' + sum_A(b)`, s' being s at the reduced shape.
    A reduction with no such factor is left alone. The layer_norm backward needs it: its second
    row sum reads the first only through such a factor, and once factored the row sums are
    independent siblings that the lowering computes in one pass over the rows. Results differ
    from the original by reassociation of the sum only.

    Before:
    ```mlir
    %b = grad.broadcast %s {dims = array<i64: 0, 1>} : tensor<4x1xf32> -> tensor<4x8xf32>
    %m = grad.mul %a, %b : tensor<4x8xf32>
    %t = grad.add %m, %c : tensor<4x8xf32>
    %r = grad.sum %t {axes = array<i64: 1>, keepdim = true} : tensor<4x8xf32> -> tensor<4x1xf32>
    ```
    After:
    ```mlir
    %0 = grad.sum %a {axes = array<i64: 1>, keepdim = true} : tensor<4x8xf32> -> tensor<4x1xf32>
    %1 = grad.mul %0, %s : tensor<4x1xf32>
    %2 = grad.sum %c {axes = array<i64: 1>, keepdim = true} : tensor<4x8xf32> -> tensor<4x1xf32>
    %r = grad.add %1, %2 : tensor<4x1xf32>
    ```
  }];
  let dependentDialects = ["::grad::GradDialect"];
  let statistics = [
    Statistic<"numFactored", "num-factored", "Number of reductions distributed and factored">,
  ];
}

def GradFusePass : Pass<"grad-fuse", "::mlir::func::FuncOp"> {
  let summary = "Group elementwise chains, reductions and matmul epilogues into grad.fusion";
  let description = [{
    Partitions the top-level grad ops of each function into fusion groups and wraps every
    group of two or more ops into one `grad.fusion` region (one kernel). The policy
    (docs/fusion.md): elementwise ops (unary, binary, cmp, select, convert, broadcast) fuse
    with their elementwise producers; a reduction (sum, mean, max) absorbs the elementwise
    chain that feeds it and ends its group (input fusion); a matmul starts a group that takes
    its elementwise consumers, e.g. bias add + activation (output fusion), one matmul per
    group. Two groups never merge when a path between them leaves the union (a cycle).
    Broadcasts and splat constants read by a group are cloned into it (recomputed, never
    materialized for it); an elementwise value read outside its group only by other regions is
    recomputed by them (its elementwise cone, up to 32 ops); any other value of a group used
    outside becomes an extra result.
    Existing grad.fusion ops are left alone, so the pass is idempotent. `report=true` emits
    one remark per function: `kernels before: N, after: M`.

    Before:
    ```mlir
    %m = grad.matmul %x, %w : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
    %bb = grad.broadcast %b {dims = array<i64: 1>} : tensor<16xf32> -> tensor<4x16xf32>
    %s = grad.add %m, %bb : tensor<4x16xf32>
    %g = grad.gelu %s : tensor<4x16xf32>
    ```
    After:
    ```mlir
    %g = grad.fusion (%x, %w, %b) : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>)
        -> tensor<4x16xf32> {
    ^bb0(%a0: tensor<4x8xf32>, %a1: tensor<8x16xf32>, %a2: tensor<16xf32>):
      %m = grad.matmul %a0, %a1 : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
      %bb = grad.broadcast %a2 {dims = array<i64: 1>} : tensor<16xf32> -> tensor<4x16xf32>
      %s = grad.add %m, %bb : tensor<4x16xf32>
      %r = grad.gelu %s : tensor<4x16xf32>
      grad.yield %r : tensor<4x16xf32>
    }
    ```
  }];
  let dependentDialects = ["::grad::GradDialect"];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark per function: kernels before and after fusion">,
  ];
  let statistics = [
    Statistic<"numFusions", "num-fusions", "Number of grad.fusion ops created">,
    Statistic<"numFusedOps", "num-fused-ops", "Number of ops moved into grad.fusion bodies">,
    Statistic<"numClonedProducers", "num-cloned-producers",
              "Ops recomputed in a fusion instead of read (broadcasts, splat constants, cones)">,
  ];
}

def GradCheckLimitsPass : Pass<"grad-check-limits", "::mlir::ModuleOp"> {
  let summary = "Reject constants (and tensors) above the configured size limits";
  let description = [{
    Fails with a diagnostic at the op when a non-splat constant holds more than
    `max-constant-bytes` bytes of data (default: the GRAD_MAX_CONSTANT_BYTES environment variable,
    else 1 GiB), or, when `max-tensor-bytes` is given (or GRAD_MAX_TENSOR_BYTES is set), when a
    function argument or op result is a tensor of more bytes than that. Splat constants are one
    value whatever their shape and never count. gradc runs it after the graph passes (flag
    --max-constant-bytes), grad-run before running (--max-constant-bytes, --max-tensor-bytes).
    See docs/limits.md.
  }];
  let options = [
    Option<"maxConstantBytes", "max-constant-bytes", "int64_t", /*default=*/"-1",
           "Largest constant in bytes (-1: GRAD_MAX_CONSTANT_BYTES, else 1 GiB)">,
    Option<"maxTensorBytes", "max-tensor-bytes", "int64_t", /*default=*/"-1",
           "Largest tensor in bytes (-1: GRAD_MAX_TENSOR_BYTES, else not checked)">,
  ];
}

#endif // GRAD_TRANSFORMS_PASSES_TD
