//===- Signature.h - entry point signatures of compiled functions -*- C++ -*-===//
//
// The tensor signature (dtype + shape of each input and output, `?` dims included) of the
// public functions of a grad module, read before lowering erases it. The JIT
// checks calls against it; gradc's C header is written from it.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_CODEGEN_SIGNATURE_H
#define GRAD_CODEGEN_SIGNATURE_H

#include "grad/dtype.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"

#include <string>
#include <vector>

namespace grad {

/// A dim of a `?`-shaped entry point in `shape`s below (MLIR's `?`); printed as `?`.
inline constexpr int64_t kDynamicSize = -1;

/// A size known when an entry point runs: `size` if `input` < 0, else the size of dim `dim` of
/// input `input`, times `scale` and the sizes of the input dims in `times` (a product of sizes:
/// a reshape that merges a batch and a sequence dim, `[B, T, D] -> [B*T, D]`). With `terms`
/// (the fields above unused): ceil((the sum of the terms + `offset`) / `divisor`), a concat
/// along a `?` axis (a sum) or a slice of a `?` dim to its end (`(size - start) / stride`).
struct DimRef {
  int64_t input = -1;
  int64_t dim = -1;
  int64_t size = 0;
  int64_t scale = 1;
  std::vector<std::pair<int64_t, int64_t>> times;
  std::vector<DimRef> terms;
  int64_t offset = 0;
  int64_t divisor = 1;
  bool isConstant() const { return input < 0 && terms.empty(); }
};
/// The value of `ref` for inputs of shapes `inputShapes`.
int64_t evaluateDimRef(const DimRef &ref, const std::vector<Shape> &inputShapes);

/// One input or output of an entry point: a contiguous row-major buffer.
struct TensorSignature {
  DType dtype = DType::f32;
  /// kDynamicSize for a dynamic dim (an input of any size there; an output sized by `dims`).
  Shape shape;
  /// Outputs with dynamic dims: where each dim's size comes from (empty when static).
  std::vector<DimRef> dims;
};

/// Two sizes of a `?`-shaped entry point that must agree when it runs (an elementwise op's
/// operands, a matmul's inner dims, ...): checked before the code runs, which assumes them
/// (Note [Dynamic dims in compiled code] in Signature.cpp). `what` names the op, its location
/// and the operand dims compared ("'grad.add' op at f.mlir:3:8: operand #1 dim 0 vs operand #0
/// dim 0").
struct ShapeCheck {
  DimRef lhs, rhs;
  std::string what;
  /// lhs <= rhs instead of lhs == rhs (a slice's static bound along a `?` dim).
  bool atMost = false;
};

/// A public function `name`: `_mlir_ciface_<name>(inputs..., outputs...)`.
struct FunctionSignature {
  std::string name;
  std::vector<TensorSignature> inputs;
  std::vector<TensorSignature> outputs;
  /// Per output: the input whose buffer the output is written into (buffer donation, the
  /// function attribute kDonateAttrName), or -1. The caller passes that input's buffer as the
  /// output's out-param too (Note [Buffer donation] in IsolateResults.cpp).
  std::vector<int64_t> outputAliases;
  /// Sizes that must agree at run time (empty unless some input has a `?` dim).
  std::vector<ShapeCheck> checks;
};

/// `f32[?,3]`.
std::string signatureStr(const TensorSignature &t);

/// The output shapes of entry `sig` for inputs of shapes `inputShapes` (already checked by
/// checkArguments): runs sig.checks and sizes the dynamic output dims. Returns "" or the message
/// of the first failed check ("function 'f': 'grad.add' op at f.mlir:3:8: operand #1 dim 0 has
/// size 3 but operand #0 dim 0 has size 2").
std::string outputShapes(llvm::StringRef fn, const FunctionSignature &sig,
                         const std::vector<Shape> &inputShapes, std::vector<Shape> &outputs);

/// Function attribute `grad.donate = array<i64: i0, j0, i1, j1, ...>`: argument i's buffer
/// is donated to result j (JitOptions::donate; Note [Buffer donation]).
inline constexpr llvm::StringLiteral kDonateAttrName = "grad.donate";

class Tensor;

/// Checks `inputs` against entry point `fn`'s signature: count, defined, dtype and shape.
/// Returns "" when they match, else the message ("function 'f': argument #1 has f32[3,4],
/// expected f32[4,3]"). Used by every compiled module's run (CompiledModuleBase::run).
std::string checkArguments(llvm::StringRef fn, const FunctionSignature &sig,
                           const std::vector<Tensor> &inputs);

/// Maps an MLIR element type to a DType (i1 -> b8); fails for other types.
mlir::FailureOr<DType> dtypeFromElementType(mlir::Type type);

/// Signatures of all public, defined functions of `module`, in order. Emits a
/// diagnostic on the function and fails when an argument or result is not a
/// ranked tensor of f32/f64/i64/i1, statically shaped unless `allowDynamic` (the CPU JIT):
/// then `?` dims are analyzed into ShapeChecks and output DimRefs, and a function whose dynamic
/// sizes cannot be traced to its inputs is refused with a diagnostic.
mlir::FailureOr<std::vector<FunctionSignature>> collectSignatures(mlir::ModuleOp module,
                                                                  bool allowDynamic = false);

} // namespace grad

#endif // GRAD_CODEGEN_SIGNATURE_H
