//===- JitTensors.cpp - CompiledModule::run on grad::Tensor ---------------===//
//
// After CompiledModuleBase::run has checked the grad::Tensor arguments against
// the entry point's signature: sizes the dynamic outputs, makes the inputs
// contiguous, allocates the outputs and calls CompiledModule::runRaw. Eager
// errors (grad::Error) are caught by CompiledModuleBase::run and returned as
// the failure message; none crosses into LLVM code.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Jit.h"

#include "grad/tensor.h"

using namespace mlir;

namespace grad {

FailureOr<std::vector<Tensor>> CompiledModule::runChecked(llvm::StringRef fn,
                                                          const FunctionSignature &sig,
                                                          const std::vector<Tensor> &inputs,
                                                          std::string *error) const {
  // `?` dims: the sizes that must agree, and the output sizes (Note [Dynamic dims in compiled
  // code]). Static signatures have no checks and their outputs' shapes.
  std::vector<Shape> inputShapes, outputShapes;
  bool dynamic = !sig.checks.empty() || llvm::any_of(sig.inputs, [](const TensorSignature &t) {
    return llvm::is_contained(t.shape, kDynamicSize);
  });
  if (dynamic) {
    for (const Tensor &t : inputs)
      inputShapes.push_back(t.shape());
    std::string message = grad::outputShapes(fn, sig, inputShapes, outputShapes);
    if (!message.empty())
      return fail(error, message);
  }
  std::vector<Tensor> contiguous;
  std::vector<const void *> in;
  for (const Tensor &t : inputs) {
    contiguous.push_back(t.contiguous());
    in.push_back(contiguous.back().data_ptr());
  }
  std::vector<Tensor> outputs;
  std::vector<void *> out;
  for (size_t j = 0; j < sig.outputs.size(); ++j) {
    const TensorSignature &o = sig.outputs[j];
    int64_t donor = j < sig.outputAliases.size() ? sig.outputAliases[j] : -1;
    if (donor >= 0) {
      // Note [Buffer donation]: the code writes output j into input `donor`'s buffer, which
      // must then be read through no other argument.
      for (size_t k = 0; k < inputs.size(); ++k)
        if (k != size_t(donor) && contiguous[k].shares_storage(contiguous[donor]))
          return fail(error, "function '" + fn.str() + "': argument #" + std::to_string(donor) +
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
}

} // namespace grad
