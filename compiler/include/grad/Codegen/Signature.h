//===- Signature.h - entry point signatures of compiled functions -*- C++ -*-===//
//
// The tensor signature (dtype + static shape of each input and output) of the
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

/// One input or output of an entry point: a contiguous row-major buffer.
struct TensorSignature {
  DType dtype = DType::f32;
  Shape shape;
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
};

/// Function attribute `grad.donate = array<i64: i0, j0, i1, j1, ...>`: argument i's buffer
/// is donated to result j (JitOptions::donate; Note [Buffer donation]).
inline constexpr llvm::StringLiteral kDonateAttrName = "grad.donate";

class Tensor;

/// Checks `inputs` against entry point `fn`'s signature: count, defined, dtype and shape.
/// Returns "" when they match, else the message ("function 'f': argument #1 has f32[3,4],
/// expected f32[4,3]"). Used by every compiled module's run (CPU JIT, GPU).
std::string checkArguments(llvm::StringRef fn, const FunctionSignature &sig,
                           const std::vector<Tensor> &inputs);

/// The start of every compiled module's run: the signature of `fn` among `signatures`, with
/// `inputs` checked against it (checkArguments). On a mismatch, or when there is no `fn`
/// ("<moduleKind> has no function 'fn'"), returns nullptr with the message in *error if given.
const FunctionSignature *checkedSignature(llvm::ArrayRef<FunctionSignature> signatures,
                                          llvm::StringRef fn, llvm::StringRef moduleKind,
                                          const std::vector<Tensor> &inputs, std::string *error);

/// Maps an MLIR element type to a DType (i1 -> b8); fails for other types.
mlir::FailureOr<DType> dtypeFromElementType(mlir::Type type);

/// Signatures of all public, defined functions of `module`, in order. Emits a
/// diagnostic on the function and fails when an argument or result is not a
/// statically shaped tensor of f32/f64/i64/i1.
mlir::FailureOr<std::vector<FunctionSignature>> collectSignatures(mlir::ModuleOp module);

} // namespace grad

#endif // GRAD_CODEGEN_SIGNATURE_H
