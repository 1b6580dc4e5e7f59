//===- CompiledModuleBase.cpp - the start of every compiled module's run --===//
//
// CompiledModuleBase (CompiledModuleBase.h): the signature lookup, the argument
// checks against a signature (checkArguments) and the memref descriptors that
// the CPU JIT, the GPU JIT and the GPU emulator all pass to their entry points.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/CompiledModuleBase.h"

#include "grad/tensor.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"

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

CompiledModuleBase::~CompiledModuleBase() = default;

const FunctionSignature *CompiledModuleBase::signature(llvm::StringRef fn) const {
  for (const FunctionSignature &sig : signatures_)
    if (sig.name == fn)
      return &sig;
  return nullptr;
}

FailureOr<std::vector<Tensor>> CompiledModuleBase::run(llvm::StringRef fn,
                                                       const std::vector<Tensor> &inputs,
                                                       std::string *error) const {
  const FunctionSignature *sig = signature(fn);
  if (!sig)
    return fail(error, kind_ + " has no function '" + fn.str() + "'");
  if (std::string message = checkArguments(fn, *sig, inputs); !message.empty())
    return fail(error, std::move(message));
  try {
    return runChecked(fn, *sig, inputs, error);
  } catch (const std::exception &e) {
    return fail(error, "function '" + fn.str() + "': " + e.what());
  }
}

LogicalResult CompiledModuleBase::fail(std::string *error, std::string message) {
  if (error)
    *error = std::move(message);
  return failure();
}

void CompiledModuleBase::appendDescriptor(llvm::SmallVectorImpl<int64_t> &words, const void *data,
                                          const Shape &shape) {
  size_t rank = shape.size(), at = words.size();
  words.resize(at + 3 + 2 * rank);
  int64_t *w = words.data() + at;
  w[0] = w[1] = static_cast<int64_t>(reinterpret_cast<intptr_t>(data));
  w[2] = 0;
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    w[3 + d] = shape[d];
    w[3 + rank + d] = stride;
    stride *= shape[d];
  }
}

llvm::Error
CompiledModuleBase::invokeCInterface(mlir::ExecutionEngine &engine, llvm::StringRef fn,
                                     std::vector<llvm::SmallVector<int64_t, 8>> &descriptors) {
  std::vector<void *> argValues, args;
  for (auto &d : descriptors)
    argValues.push_back(d.data());
  for (void *&v : argValues)
    args.push_back(&v);
  return engine.invokePacked("_mlir_ciface_" + fn.str(), args);
}

} // namespace grad
