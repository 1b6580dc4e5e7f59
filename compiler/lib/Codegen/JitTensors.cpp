//===- JitTensors.cpp - CompiledModule::run on grad::Tensor ---------------===//
//
// Checks grad::Tensor arguments against an entry point's signature (count,
// dtype, shape), makes them contiguous, allocates the outputs and calls
// CompiledModule::runRaw. Eager errors (grad::Error) are caught here and
// returned as the failure message; none crosses into LLVM code.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Jit.h"

#include "grad/tensor.h"

#include <exception>

using namespace mlir;

namespace grad {

std::string checkArguments(llvm::StringRef fn, const FunctionSignature &sig,
                           const std::vector<Tensor> &inputs) {
  if (inputs.size() != sig.inputs.size())
    return "function '" + fn.str() + "' takes " + std::to_string(sig.inputs.size()) +
           " arguments, got " + std::to_string(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor &t = inputs[i];
    const TensorSignature &want = sig.inputs[i];
    if (!t.defined())
      return "function '" + fn.str() + "': argument #" + std::to_string(i) +
             " is an undefined tensor";
    bool shapeMatches = t.shape().size() == want.shape.size();
    for (size_t d = 0; shapeMatches && d < want.shape.size(); ++d)
      shapeMatches = want.shape[d] == kDynamicSize || want.shape[d] == t.shape()[d];
    if (t.dtype() != want.dtype || !shapeMatches)
      return "function '" + fn.str() + "': argument #" + std::to_string(i) + " has " +
             dtype_name(t.dtype()) + shape_str(t.shape()) + ", expected " + signatureStr(want);
  }
  return "";
}

const FunctionSignature *checkedSignature(llvm::ArrayRef<FunctionSignature> signatures,
                                          llvm::StringRef fn, llvm::StringRef moduleKind,
                                          const std::vector<Tensor> &inputs, std::string *error) {
  std::string message = moduleKind.str() + " has no function '" + fn.str() + "'";
  const FunctionSignature *found = nullptr;
  for (const FunctionSignature &sig : signatures)
    if (sig.name == fn) {
      found = &sig;
      message = checkArguments(fn, sig, inputs);
      break;
    }
  if (found && message.empty())
    return found;
  if (error)
    *error = std::move(message);
  return nullptr;
}

FailureOr<std::vector<Tensor>> CompiledModule::run(llvm::StringRef fn,
                                                   const std::vector<Tensor> &inputs,
                                                   std::string *error) const {
  auto fail = [&](std::string message) {
    if (error)
      *error = std::move(message);
    return failure();
  };
  const FunctionSignature *sig = checkedSignature(signatures_, fn, "compiled module", inputs, error);
  if (!sig)
    return failure();
  // `?` dims: the sizes that must agree, and the output sizes (Note [Dynamic dims in compiled
  // code]). Static signatures have no checks and their outputs' shapes.
  std::vector<Shape> inputShapes, outputShapes;
  bool dynamic = !sig->checks.empty() ||
                 llvm::any_of(sig->inputs, [](const TensorSignature &t) {
                   return llvm::is_contained(t.shape, kDynamicSize);
                 });
  if (dynamic) {
    for (const Tensor &t : inputs)
      inputShapes.push_back(t.shape());
    std::string message = grad::outputShapes(fn, *sig, inputShapes, outputShapes);
    if (!message.empty())
      return fail(message);
  }
  try {
    std::vector<Tensor> contiguous;
    std::vector<const void *> in;
    for (const Tensor &t : inputs) {
      contiguous.push_back(t.contiguous());
      in.push_back(contiguous.back().data_ptr());
    }
    std::vector<Tensor> outputs;
    std::vector<void *> out;
    for (size_t j = 0; j < sig->outputs.size(); ++j) {
      const TensorSignature &o = sig->outputs[j];
      int64_t donor = j < sig->outputAliases.size() ? sig->outputAliases[j] : -1;
      if (donor >= 0) {
        // Note [Buffer donation]: the code writes output j into input `donor`'s buffer, which
        // must then be read through no other argument.
        for (size_t k = 0; k < inputs.size(); ++k)
          if (k != size_t(donor) && contiguous[k].shares_storage(contiguous[donor]))
            return fail("function '" + fn.str() + "': argument #" + std::to_string(donor) +
                        " is donated to output #" + std::to_string(j) +
                        " but shares its buffer with argument #" + std::to_string(k));
        outputs.push_back(contiguous[donor]);
      } else {
        outputs.push_back(empty(dynamic ? outputShapes[j] : o.shape, o.dtype));
      }
      out.push_back(outputs.back().data_ptr());
    }
    if (failed(runRaw(fn, in, out, error, dynamic ? &inputShapes : nullptr,
                      dynamic ? &outputShapes : nullptr)))
      return failure();
    return outputs;
  } catch (const std::exception &e) {
    return fail("function '" + fn.str() + "': " + e.what());
  }
}

} // namespace grad
