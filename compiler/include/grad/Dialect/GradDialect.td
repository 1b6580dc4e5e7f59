//===- GradDialect.td - the grad dialect and its type constraints -*- tablegen -*-===//
//
// The `grad` dialect: tensor-level ops of the grad deep-learning library, one op per primitive of
// the eager op table (eager/include/grad/op_table.h). This file declares the dialect, the tensor
// type constraints shared by all ops and the op base classes; GradOps.td declares the ops.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_DIALECT_GRADDIALECT_TD
#define GRAD_DIALECT_GRADDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Grad_Dialect : Dialect {
  let name = "grad";
  let cppNamespace = "::grad";
  let summary = "Tensor ops of the grad deep-learning compiler";
  let description = [{
    Ops on ranked, statically shaped tensors of f32, f64, i64 and i1. Binary ops take operands of
    the same shape: numpy broadcasting is explicit (`grad.broadcast`). Each op corresponds to one
    primitive of the eager op table, so that the reference interpreter, the constant folder and
    the autodiff pass share one implementation per op.
  }];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 0;
  let useDefaultTypePrinterParser = 0;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

/// A ranked tensor whose static part's element count and byte size fit in int64 (so that no
/// shape product downstream, in the folder, the interpreter, the lowering or the runtime,
/// overflows; ::grad::hasInt64Size is defined in GradOps.cpp). Dims may be dynamic (`?`, sizes
/// known at run time): the shape rules and the reference interpreter take them; the passes and
/// the code generators reject them with a diagnostic (Note [Dynamic dims] in ShapeInference.h).
class Grad_SizedTensorOf<list<Type> allowedTypes>
  : RankedTensorOf<allowedTypes,
                   [CPred<"::grad::hasInt64Size($_self)">],
                   "ranked tensor (static element count and byte size below 2^63)">;

/// Any tensor the dialect handles.
def Grad_Tensor : Grad_SizedTensorOf<[F32, F64, I64, I1]>;
/// Floating-point tensors: transcendental unary ops, div, pow, mean, matmul.
def Grad_FloatTensor : Grad_SizedTensorOf<[F32, F64]>;
/// Numeric (non-boolean) tensors: add, sub, mul, maximum, minimum, sum, max, cmp.
def Grad_NumTensor : Grad_SizedTensorOf<[F32, F64, I64]>;
/// Boolean masks (results of grad.cmp, condition of grad.select).
def Grad_BoolTensor : Grad_SizedTensorOf<[I1]>;
/// Index tensors (grad.gather indices).
def Grad_IndexTensor : Grad_SizedTensorOf<[I64]>;

/// A DenseElementsAttr (splat or not): the payload of grad.constant.
def Grad_DenseElementsAttr : ElementsAttrBase<
    CPred<"::llvm::isa<::mlir::DenseElementsAttr>($_self)">, "dense elements attribute"> {
  let storageType = "::mlir::DenseElementsAttr";
  let returnType = "::mlir::DenseElementsAttr";
  let convertFromStorage = "$_self";
}

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

class Grad_Op<string mnemonic, list<Trait> traits = []> :
    Op<Grad_Dialect, mnemonic, traits>;

#endif // GRAD_DIALECT_GRADDIALECT_TD
