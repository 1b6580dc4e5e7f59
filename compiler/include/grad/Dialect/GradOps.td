//===- GradOps.td - ops of the grad dialect ----------------------*- tablegen -*-===//
//
// One op per primitive of the op table (grad/op_table.def). The unary, binary and reduction ops
// are generated from its rows (GradOpTable.td); the others are written below. Result types are
// inferred (InferTypeOpAdaptor) wherever operands and attributes determine them; the inference
// lives in ShapeInference.cpp and doubles as the verifier, so builders, the tracer and the
// verifier share one shape rule.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_DIALECT_GRADOPS_TD
#define GRAD_DIALECT_GRADOPS_TD

include "grad/Dialect/GradDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/IR/OpAsmInterface.td"

/// Verifies that all operands have one type, with a diagnostic naming both operand types
/// (listed before SameOperandsAndResultType/AllTypesMatch so that its message is the one shown).
def Grad_SameOperandTypes : NativeOpTrait<"SameOperandTypes"> {
  let cppNamespace = "::grad::OpTrait";
}

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

def Grad_ConstantOp : Grad_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "tensor constant";
  let description = [{
    A tensor whose elements are given by a dense elements attribute (splat or not).

    ```mlir
    %0 = grad.constant dense<[1.0, 2.0]> : tensor<2xf32>
    %1 = "grad.constant"() {value = dense<0> : tensor<3xi64>} : () -> tensor<3xi64>
    ```
  }];
  let arguments = (ins Grad_DenseElementsAttr:$value);
  let results = (outs Grad_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let builders = [OpBuilder<(ins "::mlir::DenseElementsAttr":$value), [{
    build($_builder, $_state, value.getType(), value);
  }]>];
}

//===----------------------------------------------------------------------===//
// Op classes of the regular families. Their ops are the rows of grad/op_table.def, expanded by
// the C preprocessor into GradOpTable.td (build tree, included below with the reductions).
//===----------------------------------------------------------------------===//

/// A unary elementwise op; `tensorType` is the table's dtype class (Grad_FloatTensor or
/// Grad_NumTensor).
class Grad_UnaryOp<string mnemonic, string summaryText, Type tensorType> :
    Grad_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = summaryText;
  let description = [{
    Elementwise; the result has the operand's type.

    ```mlir
    %1 = grad.}] # mnemonic # [{ %0 : tensor<2x3xf32>
    ```
  }];
  let arguments = (ins tensorType:$operand);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Binary elementwise ops (same-shape operands; broadcasting is explicit)
//===----------------------------------------------------------------------===//

/// A binary elementwise op (its rows in grad/op_table.def).
class Grad_BinaryOp<string mnemonic, string summaryText, Type tensorType, bit commutative> :
    Grad_Op<mnemonic, !listconcat([Grad_SameOperandTypes],
                                  !if(commutative, [Commutative], []),
                                  [Pure, SameOperandsAndResultType])> {
  let summary = summaryText;
  let description = [{
    Elementwise on two tensors of the same shape and element type (numpy broadcasting is made
    explicit with `grad.broadcast` beforehand); the result has the operands' type.

    ```mlir
    %2 = grad.}] # mnemonic # [{ %0, %1 : tensor<2x3xf32>
    ```
  }];
  let arguments = (ins tensorType:$lhs, tensorType:$rhs);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// cmp, select
//===----------------------------------------------------------------------===//

def Grad_CmpOp : Grad_Op<"cmp",
    [Grad_SameOperandTypes, Pure, AllTypesMatch<["lhs", "rhs"]>, InferTypeOpAdaptor]> {
  let summary = "elementwise comparison producing an i1 mask";
  let description = [{
    Compares two same-typed tensors elementwise with `predicate` (one of "lt", "le", "gt", "ge",
    "eq"); the result is an i1 tensor of the operands' shape. Any comparison with NaN is false.

    ```mlir
    %m = grad.cmp "lt", %a, %b : tensor<4xf32>
    %m = "grad.cmp"(%a, %b) {predicate = "lt"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
    ```
  }];
  let arguments = (ins StrAttr:$predicate, Grad_NumTensor:$lhs, Grad_NumTensor:$rhs);
  let results = (outs Grad_BoolTensor:$result);
  let assemblyFormat = "$predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs)";
  let hasFolder = 1;
}

def Grad_SelectOp : Grad_Op<"select",
    [Pure, AllTypesMatch<["on_true", "on_false", "result"]>]> {
  let summary = "elementwise choice between two tensors by an i1 mask";
  let description = [{
    `result[i] = condition[i] ? on_true[i] : on_false[i]`; all three operands have the same shape.

    ```mlir
    %r = grad.select %m, %a, %b : tensor<4xi1>, tensor<4xf32>
    ```
  }];
  let arguments = (ins Grad_Tensor:$condition, Grad_Tensor:$on_true, Grad_Tensor:$on_false);
  let results = (outs Grad_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $on_true `,` $on_false attr-dict `:` type($condition) `,` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

def Grad_BroadcastOp : Grad_Op<"broadcast", [Pure]> {
  let summary = "numpy-style expansion into a larger shape";
  let description = [{
    Operand dim `i` maps to result dim `dims[i]`; `dims` is strictly increasing, and each operand
    dim is either 1 (repeated along the result dim) or equal to it. Result dims not in `dims` are
    new (repeated). Element type is unchanged.

    ```mlir
    %1 = grad.broadcast %0 {dims = array<i64: 1>} : tensor<3xf32> -> tensor<2x3xf32>
    ```

    Dynamic result dims (Note [Dynamic dims]): without `sizes`, each takes the size of the
    dynamic operand dim mapped to it. With `sizes`, one `index` value per dynamic result dim, in
    order, gives their sizes (a bias added to a batch of run-time size):

    ```mlir
    %n = tensor.dim %x, %c0 : tensor<?x128xf32>
    %1 = grad.broadcast %b sizes(%n) {dims = array<i64: 1>} : tensor<128xf32> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins Grad_Tensor:$operand, Variadic<Index>:$sizes, DenseI64ArrayAttr:$dims);
  let results = (outs Grad_Tensor:$result);
  let assemblyFormat = [{
    $operand (`sizes` `(` $sizes^ `)`)? attr-dict `:` type($operand) `->` type($result)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$operand,
                   "::mlir::DenseI64ArrayAttr":$dims), [{
      build($_builder, $_state, result, operand, ::mlir::ValueRange(), dims);
    }]>,
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$operand,
                   "::llvm::ArrayRef<int64_t>":$dims), [{
      build($_builder, $_state, result, operand, ::mlir::ValueRange(),
            $_builder.getDenseI64ArrayAttr(dims));
    }]>,
  ];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Grad_ReshapeOp : Grad_Op<"reshape", [Pure]> {
  let summary = "row-major reshape preserving the number of elements";
  let description = [{
    ```mlir
    %1 = grad.reshape %0 : tensor<2x3xf32> -> tensor<6xf32>
    ```

    Dynamic dims (Note [Dynamic dims]): without `sizes`, the `?` dims stay in place (only dims
    of static size 1 are inserted or removed). With `sizes`, one `index` value per dynamic
    result dim, in order, gives its size, and the reshape may merge and split `?` dims like a
    static one (a batch of sequences flattened for a linear layer and back); the element counts
    of operand and result must agree at run time:

    ```mlir
    %bt = arith.muli %b, %t : index
    %1 = grad.reshape %0 sizes(%bt) : tensor<?x?x64xf32> -> tensor<?x64xf32>
    %2 = grad.reshape %1 sizes(%b, %t) : tensor<?x64xf32> -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Grad_Tensor:$operand, Variadic<Index>:$sizes);
  let results = (outs Grad_Tensor:$result);
  let assemblyFormat = [{
    $operand (`sizes` `(` $sizes^ `)`)? attr-dict `:` type($operand) `->` type($result)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$operand), [{
      build($_builder, $_state, result, operand, ::mlir::ValueRange());
    }]>,
  ];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Grad_TransposeOp : Grad_Op<"transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "permutation of the dimensions";
  let description = [{
    Result dim `i` is operand dim `perm[i]` (numpy.transpose semantics).

    ```mlir
    %1 = grad.transpose %0 {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
    ```
  }];
  let arguments = (ins Grad_Tensor:$operand, DenseI64ArrayAttr:$perm);
  let results = (outs Grad_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `->` type($result)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Grad_SliceOp : Grad_Op<"slice", [Pure, InferTypeOpAdaptor]> {
  let summary = "strided slice";
  let description = [{
    Per dimension `d`: elements `starts[d], starts[d] + strides[d], ...` below `limits[d]`
    (exclusive), with `0 <= starts[d] <= limits[d] <= dim(d)` and `strides[d] > 0`. Result dim d
    is `ceil((limits[d] - starts[d]) / strides[d])`.

    ```mlir
    %1 = grad.slice %0 {starts = array<i64: 0, 1>, limits = array<i64: 2, 3>,
                        strides = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x2xf32>
    ```

    Dynamic operand dims (Note [Dynamic dims]): a static limit along a `?` dim gives a static
    result size, and the limit must be within the run-time size (checked when the code runs);
    the limit `?` (MLIR's kDynamic, -9223372036854775808, as in tensor.extract_slice's static
    lists) runs to the end of a `?` dim, whose result size is then `?`. The three slices of a
    fused q, k, v projection of run-time batch and length:

    ```mlir
    %q = grad.slice %qkv {starts = array<i64: 0, 0, 0>,
                          limits = array<i64: -9223372036854775808, -9223372036854775808, 64>,
                          strides = array<i64: 1, 1, 1>} : tensor<?x?x192xf32> -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Grad_Tensor:$operand, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$limits, DenseI64ArrayAttr:$strides);
  let results = (outs Grad_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `->` type($result)";
  let hasFolder = 1;
}

def Grad_ConcatOp : Grad_Op<"concat", [Pure, InferTypeOpAdaptor]> {
  let summary = "concatenation along one axis";
  let description = [{
    All inputs have the same rank and element type, and equal sizes except along `axis`. A `?`
    size outside the axis must agree with the others at run time (a static size of another
    input gives the result's); a `?` size along the axis makes the result's `?`.

    ```mlir
    %2 = grad.concat %0, %1 {axis = 0 : i64} : tensor<1x3xf32>, tensor<2x3xf32> -> tensor<3x3xf32>
    ```
  }];
  let arguments = (ins Variadic<Grad_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Grad_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs) `->` type($result)";
  let hasFolder = 1;
}

def Grad_GatherOp : Grad_Op<"gather", [Pure, InferTypeOpAdaptor]> {
  let summary = "row lookup (embedding): table [V, D...] indexed by i64 [N...] -> [N..., D...]";
  let description = [{
    `result[n..., d...] = table[indices[n...], d...]`. Indices out of [0, V) are an error at run
    time (the eager kernel reports it); the folder does not fold them.

    ```mlir
    %e = grad.gather %w, %i : tensor<10x4xf32>, tensor<3xi64> -> tensor<3x4xf32>
    ```
  }];
  let arguments = (ins Grad_Tensor:$table, Grad_IndexTensor:$indices);
  let results = (outs Grad_Tensor:$result);
  let assemblyFormat = [{
    $table `,` $indices attr-dict `:` type($table) `,` type($indices) `->` type($result)
  }];
}

def Grad_ConvertOp : Grad_Op<"convert", [Pure]> {
  let summary = "elementwise element-type conversion";
  let description = [{
    Same shape, new element type. Float -> i64 truncates toward zero; x -> i1 is `x != 0`;
    i1 -> number is 0 or 1.

    ```mlir
    %1 = grad.convert %0 : tensor<4xi1> -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Grad_Tensor:$operand);
  let results = (outs Grad_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

def Grad_AllReduceOp : Grad_Op<"all_reduce", [SameOperandsAndResultType]> {
  let summary = "elementwise sum / mean / max of the operand over all processes (MPI ranks)";
  let description = [{
    Every process (rank of the MPI world, docs/distributed.md) passes a tensor of the same type;
    each gets the elementwise `op` over all of them: `"sum"`, `"mean"` (sum / world size) or
    `"max"`. The data-parallel gradient sync of a compiled training step.

    Not `Pure`: it communicates, so it is never CSE'd, hoisted, erased when unused or evaluated
    by the constant folder (every rank must run the same collectives in the same order). It has
    no folder either: with one process it is the identity, but the world size is known only when
    the program runs, not when it is compiled (and one compiled artifact serves every world
    size); at run time a world of one makes the call a copy.

    Gradient (the autodiff pass, the eager op table's VJP rule): for sum and mean, the same
    all-reduce of the incoming gradient; for max, the summed gradient goes to the ranks holding
    the maximum, shared equally on a tie. The interpreter evaluates it with the eager kernel,
    which calls the transport grad::dist::init() installed; compiled code calls
    `gradrt_all_reduce_f32/f64` in libgradrt_mpi.

    ```mlir
    %g = grad.all_reduce %0 {op = "mean"} : tensor<64x2xf32>
    ```
  }];
  let arguments = (ins Grad_FloatTensor:$operand, StrAttr:$op);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Grad_ReduceOp<string mnemonic, string summaryText, Type tensorType> :
    Grad_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = summaryText;
  let description = [{
    Reduces the dimensions listed in `axes` (unique, in [0, rank), any order; non-empty unless
    the operand is 0-d); `keepdim` keeps them as size-1 dims.

    ```mlir
    %1 = grad.}] # mnemonic # [{ %0 {axes = array<i64: 1>} : tensor<2x3xf32> -> tensor<2xf32>
    %2 = grad.}] # mnemonic # [{ %0 {axes = array<i64: 1>, keepdim = true} : tensor<2x3xf32> -> tensor<2x1xf32>
    ```
  }];
  let arguments = (ins tensorType:$operand, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "false">:$keepdim);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `->` type($result)";
  let hasFolder = 1;
}

/// The unary, binary and reduction ops: the rows of grad/op_table.def.
include "grad/Dialect/GradOpTable.td"

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

def Grad_MatmulOp : Grad_Op<"matmul", [Pure, InferTypeOpAdaptor]> {
  let summary = "matrix product, 2-D or batched with equal batch dims";
  let description = [{
    `[m, k] x [k, n] -> [m, n]`, or `[b..., m, k] x [b..., k, n] -> [b..., m, n]` with the same
    batch dims on both sides (batch broadcasting is explicit). Both operands have the same
    floating-point element type.

    ```mlir
    %c = grad.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
    ```
  }];
  let arguments = (ins Grad_FloatTensor:$lhs, Grad_FloatTensor:$rhs);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// fusion, yield
//===----------------------------------------------------------------------===//

def Grad_FusionOp : Grad_Op<"fusion",
    [IsolatedFromAbove, SingleBlock, RecursiveMemoryEffects, RecursivelySpeculatable]> {
  let summary = "a group of grad ops compiled as one kernel";
  let description = [{
    Made by the fusion pass. The body is one block whose arguments receive `inputs` (same
    types, in order); it holds grad ops and ends in `grad.yield`, whose operands are the
    results. Isolated from above: everything the body reads is an input, so a region lowers to
    one kernel with explicit parameters (as an XLA fusion computation).

    ```mlir
    %r = grad.fusion (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
      %s = grad.add %x, %y : tensor<4xf32>
      %t = grad.relu %s : tensor<4xf32>
      grad.yield %t : tensor<4xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<Grad_Tensor>:$inputs);
  let results = (outs Variadic<Grad_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $inputs `)` `:` functional-type($inputs, $results) attr-dict-with-keyword $body
  }];
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The terminator of the body.
    YieldOp getYield();
  }];
}

def Grad_YieldOp : Grad_Op<"yield",
    [Pure, ReturnLike, Terminator, HasParent<"FusionOp">]> {
  let summary = "returns the results of a grad.fusion body";
  let arguments = (ins Variadic<Grad_Tensor>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, ::mlir::ValueRange()); }]>];
}

#endif // GRAD_DIALECT_GRADOPS_TD
