//===- Jit.cpp - in-process compilation of grad modules -------------------===//
//
// CompiledModule: the CPU pipeline, then LLVM IR -> object file (TargetMachine), optionally
// cached on disk, loaded into ORC's LLJIT; and the calls into `_mlir_ciface_<fn>` with memref
// descriptors built from contiguous buffers (calling convention in docs/codegen.md).
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Jit.h"

#include "grad/Codegen/JitAllocator.h"
#include "grad/Codegen/ObjectEmitter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h"
#include "llvm/ExecutionEngine/JITEventListener.h"
#include "llvm/ExecutionEngine/SectionMemoryManager.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>
#include <cstdlib>
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef GRAD_VERSION_STRING
#define GRAD_VERSION_STRING "unknown"
#endif

using namespace mlir;

namespace grad {

CompiledModule::~CompiledModule() = default;

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Name of the packed entry of `_mlir_ciface_<fn>`: void(void **args).
std::string packedName(llvm::StringRef fn) { return "_grad_packed_" + fn.str(); }

/// Defines, for each entry `_mlir_ciface_<fn>` (all arguments pointers to memref descriptors),
/// `_grad_packed_<fn>(void **args)` that calls it with *args[i] (the calling form of
/// mlir::ExecutionEngine's packed functions).
void addPackedEntries(llvm::Module &module, llvm::ArrayRef<FunctionSignature> signatures) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  for (const FunctionSignature &sig : signatures) {
    llvm::Function *callee = module.getFunction("_mlir_ciface_" + sig.name);
    if (!callee || callee->isDeclaration())
      continue;
    auto *type = llvm::FunctionType::get(b.getVoidTy(), {b.getPtrTy()}, false);
    auto *packed = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage,
                                          packedName(sig.name), module);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", packed));
    llvm::SmallVector<llvm::Value *, 16> args;
    for (auto [i, arg] : llvm::enumerate(callee->args())) {
      llvm::Value *slot = b.CreateGEP(b.getPtrTy(), packed->getArg(0), b.getInt64(i));
      llvm::Value *argPtr = b.CreateLoad(b.getPtrTy(), slot);
      args.push_back(b.CreateLoad(arg.getType(), argPtr));
    }
    b.CreateCall(callee, args);
    b.CreateRetVoid();
  }
}

/// Identifies the build of this library: its version, LLVM's, and the size and mtime of the
/// shared object (or executable) holding this code, so that a rebuilt compiler never loads
/// objects an older build wrote.
std::string libraryBuildId() {
  std::string id = std::string("grad ") + GRAD_VERSION_STRING + "; llvm " LLVM_VERSION_STRING;
  Dl_info info;
  if (dladdr(reinterpret_cast<void *>(&libraryBuildId), &info) && info.dli_fname) {
    struct stat st;
    if (stat(info.dli_fname, &st) == 0)
      id += "; " + std::string(info.dli_fname) + " " + std::to_string(st.st_size) + " " +
            std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  }
  return id;
}

/// Hex SHA-256 of everything the object code depends on.
std::string cacheKey(ModuleOp module, const CodegenOptions &options, llvm::TargetMachine &tm) {
  llvm::SHA256 hash;
  std::string text;
  {
    llvm::raw_string_ostream os(text);
    OpPrintingFlags flags;
    flags.printGenericOpForm();
    module->print(os, flags);
  }
  auto add = [&](llvm::StringRef part) {
    hash.update(part);
    hash.update(llvm::StringRef("\0", 1));
  };
  add(text);
  add(std::to_string(options.optLevel) + " " + std::to_string(options.vectorize) + " " +
      std::to_string(static_cast<int>(options.matmulLowering)) + " " +
      std::to_string(options.packMatmulRhs) + " " + std::to_string(options.vectorSize) + " " +
      std::to_string(options.jitAllocator));
  for (int64_t v : options.matmulTile)
    add(std::to_string(v));
  for (int64_t v : options.matmulRegisterTile)
    add(std::to_string(v));
  add(tm.getTargetTriple().str());
  add(tm.getTargetCPU());
  add(tm.getTargetFeatureString());
  add(libraryBuildId());
  std::array<uint8_t, 32> digest = hash.final();
  std::string hex;
  for (uint8_t byte : digest) {
    static const char *digits = "0123456789abcdef";
    hex.push_back(digits[byte >> 4]);
    hex.push_back(digits[byte & 15]);
  }
  return hex;
}

constexpr llvm::StringLiteral kCacheMagic = "GRADOBJ1\n";

/// The object stored under `key`, or null (missing, unreadable, or not written by us for this
/// key: a truncated or foreign file is ignored and recompiled).
std::unique_ptr<llvm::MemoryBuffer> readCached(const std::string &path, const std::string &key) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!file)
    return nullptr;
  llvm::StringRef data = (*file)->getBuffer();
  std::string header = kCacheMagic.str() + key + "\n";
  if (!data.starts_with(header) || data.size() == header.size())
    return nullptr;
  return llvm::MemoryBuffer::getMemBufferCopy(data.drop_front(header.size()), "grad-jit-" + key);
}

/// Writes the object atomically (temporary file + rename). Returns an error message or "".
std::string writeCached(const std::string &dir, const std::string &path, const std::string &key,
                        llvm::StringRef object) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return "cannot create '" + dir + "': " + ec.message();
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec, llvm::sys::fs::OF_None);
    if (ec)
      return "cannot write '" + tmp + "': " + ec.message();
    os << kCacheMagic << key << "\n" << object;
    os.close();
    if (os.has_error()) {
      os.clear_error();
      llvm::sys::fs::remove(tmp);
      return "cannot write '" + tmp + "'";
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path)) {
    llvm::sys::fs::remove(tmp);
    return "cannot rename to '" + path + "': " + ec.message();
  }
  return "";
}

/// Lowered module -> optimized LLVM IR -> object file bytes.
LogicalResult emitObject(ModuleOp lowered, llvm::TargetMachine &tm, const CodegenOptions &options,
                         llvm::ArrayRef<FunctionSignature> signatures,
                         llvm::SmallVectorImpl<char> &object) {
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(lowered, llvmContext);
  if (!llvmModule)
    return emitError(lowered.getLoc()) << "translation to LLVM IR failed";
  llvmModule->setTargetTriple(tm.getTargetTriple().str());
  llvmModule->setDataLayout(tm.createDataLayout());
  for (llvm::Function &fn : *llvmModule) {
    if (fn.isDeclaration())
      continue;
    fn.addFnAttr("target-cpu", tm.getTargetCPU());
    fn.addFnAttr("target-features", tm.getTargetFeatureString());
  }
  addPackedEntries(*llvmModule, signatures);
  if (llvm::Error err = optimizeLLVMModule(*llvmModule, options.optLevel, &tm))
    return emitError(lowered.getLoc())
           << "LLVM optimization failed: " << llvm::toString(std::move(err));
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager codegen;
  if (tm.addPassesToEmitFile(codegen, os, nullptr, llvm::CodeGenFileType::ObjectFile))
    return emitError(lowered.getLoc()) << "the target cannot emit an object file";
  codegen.run(*llvmModule);
  return success();
}

/// An LLJIT (RuntimeDyld linking, as mlir::ExecutionEngine uses) that resolves undefined symbols
/// in this process (libm, OpenBLAS) and the JIT allocator's three functions.
llvm::Expected<std::unique_ptr<llvm::orc::LLJIT>> createLLJIT() {
  auto jit =
      llvm::orc::LLJITBuilder()
          .setObjectLinkingLayerCreator([](llvm::orc::ExecutionSession &session, const llvm::Triple &)
                                            -> llvm::Expected<std::unique_ptr<llvm::orc::ObjectLayer>> {
            auto layer = std::make_unique<llvm::orc::RTDyldObjectLinkingLayer>(
                session, [] { return std::make_unique<llvm::SectionMemoryManager>(); });
            // GRAD_PERF_JIT=1: tell `perf` about the JIT-ed functions (perf record -k 1, then
            // perf inject --jit) so that profiles name the kernels.
            const char *perf = std::getenv("GRAD_PERF_JIT");
            if (perf && *perf && std::string(perf) != "0")
              if (llvm::JITEventListener *listener =
                      llvm::JITEventListener::createPerfJITEventListener())
                layer->registerJITEventListener(*listener);
            return layer;
          })
          .create();
  if (!jit)
    return jit.takeError();
  llvm::orc::JITDylib &dylib = (*jit)->getMainJITDylib();
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      (*jit)->getDataLayout().getGlobalPrefix());
  if (!process)
    return process.takeError();
  dylib.addGenerator(std::move(*process));
  llvm::orc::MangleAndInterner interner((*jit)->getExecutionSession(), (*jit)->getDataLayout());
  if (llvm::Error err = dylib.define(llvm::orc::absoluteSymbols(jitAllocatorSymbols(interner))))
    return std::move(err);
  return jit;
}

} // namespace

FailureOr<std::unique_ptr<CompiledModule>>
CompiledModule::compile(ModuleOp module, const CodegenOptions &options,
                        const std::string &cacheDir) {
  FailureOr<std::vector<FunctionSignature>> signatures = collectSignatures(module);
  if (failed(signatures))
    return failure();
  CodegenOptions jitOptions = options;
  jitOptions.jitAllocator = true;
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(jitOptions, error);
  if (!tm)
    return emitError(module.getLoc()) << error;

  std::unique_ptr<CompiledModule> result(new CompiledModule());
  CodegenTimings &timings = result->timings_;
  std::string cachePath;
  std::unique_ptr<llvm::MemoryBuffer> object;
  if (!cacheDir.empty()) {
    timings.cacheKey = cacheKey(module, jitOptions, *tm);
    llvm::SmallString<256> path(cacheDir);
    llvm::sys::path::append(path, timings.cacheKey + ".o");
    cachePath = path.str().str();
    object = readCached(cachePath, timings.cacheKey);
    timings.cacheHit = object != nullptr;
  }

  if (!object) {
    auto t0 = std::chrono::steady_clock::now();
    OwningOpRef<ModuleOp> clone = module.clone();
    if (failed(lowerToLLVMDialect(*clone, jitOptions)))
      return failure();
    timings.lowering = secondsSince(t0);
    t0 = std::chrono::steady_clock::now();
    llvm::SmallVector<char, 0> bytes;
    if (failed(emitObject(*clone, *tm, jitOptions, *signatures, bytes)))
      return failure();
    timings.llvm = secondsSince(t0);
    llvm::StringRef data(bytes.data(), bytes.size());
    if (!cachePath.empty())
      timings.cacheError = writeCached(cacheDir, cachePath, timings.cacheKey, data);
    object = llvm::MemoryBuffer::getMemBufferCopy(data, "grad-jit");
  }
  timings.objectBytes = object->getBufferSize();

  auto t0 = std::chrono::steady_clock::now();
  auto jit = createLLJIT();
  if (!jit)
    return emitError(module.getLoc()) << "JIT creation failed: " << llvm::toString(jit.takeError());
  if (llvm::Error err = (*jit)->addObjectFile(std::move(object)))
    return emitError(module.getLoc())
           << "JIT loading failed: " << llvm::toString(std::move(err));
  result->jit_ = std::move(*jit);
  result->signatures_ = std::move(*signatures);
  // Links the code now (the cost is paid here, not by the first call).
  for (const FunctionSignature &sig : result->signatures_) {
    auto entry = result->jit_->lookup(packedName(sig.name));
    if (!entry)
      return emitError(module.getLoc()) << "JIT compilation of '" << sig.name
                                        << "' failed: " << llvm::toString(entry.takeError());
    result->entries_.push_back(entry->toPtr<void (*)(void **)>());
  }
  timings.load = secondsSince(t0);
  timings.llvm += timings.load;
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
