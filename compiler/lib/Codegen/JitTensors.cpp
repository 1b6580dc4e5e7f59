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

static const void *rawData(const Tensor &t) {
  switch (t.dtype()) {
  case DType::f32:
    return t.data_ptr<float>();
  case DType::f64:
    return t.data_ptr<double>();
  case DType::i64:
    return t.data_ptr<int64_t>();
  case DType::b8:
    return t.data_ptr<bool>();
  }
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
  const FunctionSignature *sig = signature(fn);
  if (!sig)
    return fail("compiled module has no function '" + fn.str() + "'");
  if (inputs.size() != sig->inputs.size())
    return fail("function '" + fn.str() + "' takes " + std::to_string(sig->inputs.size()) +
                " arguments, got " + std::to_string(inputs.size()));
  try {
    std::vector<Tensor> contiguous;
    std::vector<const void *> in;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor &t = inputs[i];
      const TensorSignature &want = sig->inputs[i];
      if (!t.defined())
        return fail("function '" + fn.str() + "': argument #" + std::to_string(i) +
                    " is an undefined tensor");
      if (t.dtype() != want.dtype || t.shape() != want.shape)
        return fail("function '" + fn.str() + "': argument #" + std::to_string(i) + " has " +
                    dtype_name(t.dtype()) + shape_str(t.shape()) + ", expected " +
                    dtype_name(want.dtype) + shape_str(want.shape));
      contiguous.push_back(t.contiguous());
      in.push_back(rawData(contiguous.back()));
    }
    std::vector<Tensor> outputs;
    std::vector<void *> out;
    for (const TensorSignature &o : sig->outputs) {
      outputs.push_back(empty(o.shape, o.dtype));
      out.push_back(const_cast<void *>(rawData(outputs.back())));
    }
    if (failed(runRaw(fn, in, out, error)))
      return failure();
    return outputs;
  } catch (const std::exception &e) {
    return fail("function '" + fn.str() + "': " + e.what());
  }
}

} // namespace grad
