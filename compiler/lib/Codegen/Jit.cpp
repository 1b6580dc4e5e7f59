//===- Jit.cpp - in-process compilation of grad modules -------------------===//
//
// CompiledModule: the CPU pipeline + mlir::ExecutionEngine, and the calls into
// `_mlir_ciface_<fn>` with memref descriptors built from contiguous buffers
// (calling convention in docs/codegen.md).
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Jit.h"

#include "grad/Codegen/JitAllocator.h"
#include "grad/Codegen/ObjectEmitter.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;

namespace grad {

CompiledModule::~CompiledModule() = default;

FailureOr<std::unique_ptr<CompiledModule>> CompiledModule::compile(ModuleOp module,
                                                                   const CodegenOptions &options) {
  FailureOr<std::vector<FunctionSignature>> signatures = collectSignatures(module);
  if (failed(signatures))
    return failure();
  OwningOpRef<ModuleOp> clone = module.clone();
  CodegenOptions jitOptions = options;
  jitOptions.jitAllocator = true;
  if (failed(lowerToLLVMDialect(*clone, jitOptions)))
    return failure();

  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(options, error);
  if (!tm)
    return emitError(module.getLoc()) << error;
  auto optimize = makeOptimizingTransformer(options.optLevel, /*sizeLevel=*/0, tm.get());
  auto transformer = [&](llvm::Module *m) -> llvm::Error {
    for (llvm::Function &fn : *m) {
      if (fn.isDeclaration())
        continue;
      fn.addFnAttr("target-cpu", tm->getTargetCPU());
      fn.addFnAttr("target-features", tm->getTargetFeatureString());
    }
    return optimize(m);
  };
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = tm->getOptLevel();
  engineOptions.enableGDBNotificationListener = false;
  auto engine = ExecutionEngine::create(*clone, engineOptions);
  if (!engine)
    return emitError(module.getLoc())
           << "JIT compilation failed: " << llvm::toString(engine.takeError());

  (*engine)->registerSymbols(jitAllocatorSymbols);

  std::unique_ptr<CompiledModule> result(new CompiledModule());
  result->engine_ = std::move(*engine);
  result->signatures_ = std::move(*signatures);
  // Materializes the code now (compile time is paid here, not by the first call).
  for (const FunctionSignature &sig : result->signatures_) {
    auto entry = result->engine_->lookupPacked("_mlir_ciface_" + sig.name);
    if (!entry)
      return emitError(module.getLoc()) << "JIT compilation of '" << sig.name
                                        << "' failed: " << llvm::toString(entry.takeError());
    result->entries_.push_back(*entry);
  }
  return result;
}

const FunctionSignature *CompiledModule::signature(llvm::StringRef fn) const {
  for (const FunctionSignature &sig : signatures_)
    if (sig.name == fn)
      return &sig;
  return nullptr;
}

namespace {
/// Appends the ranked memref descriptor {allocated, aligned, offset, sizes[R], strides[R]} of a
/// contiguous row-major buffer, as 64-bit words, to `words`.
void appendDescriptor(llvm::SmallVectorImpl<int64_t> &words, const void *data, const Shape &shape) {
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
} // namespace

LogicalResult CompiledModule::runRaw(llvm::StringRef fn, llvm::ArrayRef<const void *> inputs,
                                     llvm::ArrayRef<void *> outputs, std::string *error) const {
  auto fail = [&](std::string message) {
    if (error)
      *error = std::move(message);
    return failure();
  };
  const FunctionSignature *sig = signature(fn);
  if (!sig)
    return fail("compiled module has no function '" + fn.str() + "'");
  if (inputs.size() != sig->inputs.size() || outputs.size() != sig->outputs.size())
    return fail("function '" + fn.str() + "' takes " + std::to_string(sig->inputs.size()) +
                " inputs and " + std::to_string(sig->outputs.size()) + " outputs, got " +
                std::to_string(inputs.size()) + " and " + std::to_string(outputs.size()));

  // All descriptors in one buffer (no reallocation after the offsets are taken).
  size_t words = 0;
  for (const TensorSignature &t : sig->inputs)
    words += 3 + 2 * t.shape.size();
  for (const TensorSignature &t : sig->outputs)
    words += 3 + 2 * t.shape.size();
  llvm::SmallVector<int64_t, 128> storage;
  storage.reserve(words);
  llvm::SmallVector<size_t, 16> offsets;
  for (size_t i = 0; i < inputs.size(); ++i) {
    offsets.push_back(storage.size());
    appendDescriptor(storage, inputs[i], sig->inputs[i].shape);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    offsets.push_back(storage.size());
    appendDescriptor(storage, outputs[i], sig->outputs[i].shape);
  }
  // The packed entry takes a pointer to each argument; each argument is a pointer to a
  // descriptor.
  llvm::SmallVector<void *, 16> argValues, args;
  for (size_t offset : offsets)
    argValues.push_back(storage.data() + offset);
  for (void *&v : argValues)
    args.push_back(&v);
  entries_[sig - signatures_.data()](args.data());
  return success();
}

} // namespace grad
