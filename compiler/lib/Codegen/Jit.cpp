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
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
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
#include "llvm/Transforms/Utils/SplitModule.h"

#include <chrono>
#include <cstdlib>
#include <dlfcn.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#ifndef GRAD_VERSION_STRING
#define GRAD_VERSION_STRING "unknown"
#endif

using namespace mlir;

namespace grad {

CompiledModule::CompiledModule() : CompiledModuleBase("compiled module") {}
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
      std::to_string(options.jitAllocator) + " " + std::to_string(options.optimizeEntries));
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

constexpr llvm::StringLiteral kCacheMagic = "GRADOBJ2\n";

/// The objects stored under `key` (several when code generation ran in parallel), or none
/// (missing, unreadable, or not written by us for this key: a truncated or foreign file is
/// ignored and recompiled). Layout: magic, key, object count, then per object its size in
/// decimal on one line and its bytes.
std::vector<std::unique_ptr<llvm::MemoryBuffer>> readCached(const std::string &path,
                                                            const std::string &key) {
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects;
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!file)
    return objects;
  llvm::StringRef data = (*file)->getBuffer();
  std::string header = kCacheMagic.str() + key + "\n";
  if (!data.consume_front(header))
    return objects;
  auto number = [&](uint64_t &value) {
    auto [line, rest] = data.split('\n');
    if (line.size() == data.size() || line.getAsInteger(10, value))
      return false;
    data = rest;
    return true;
  };
  uint64_t count = 0;
  if (!number(count) || count == 0 || count > 1024)
    return objects;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t size = 0;
    if (!number(size) || size == 0 || size > data.size())
      return {};
    objects.push_back(llvm::MemoryBuffer::getMemBufferCopy(data.take_front(size),
                                                           "grad-jit-" + key + "-" + std::to_string(i)));
    data = data.drop_front(size);
  }
  if (!data.empty())
    return {};
  return objects;
}

/// Writes the objects atomically (temporary file + rename). Returns an error message or "".
std::string writeCached(const std::string &dir, const std::string &path, const std::string &key,
                        llvm::ArrayRef<llvm::SmallVector<char, 0>> objects) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return "cannot create '" + dir + "': " + ec.message();
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec, llvm::sys::fs::OF_None);
    if (ec)
      return "cannot write '" + tmp + "': " + ec.message();
    os << kCacheMagic << key << "\n" << objects.size() << "\n";
    for (const auto &object : objects)
      os << object.size() << "\n" << llvm::StringRef(object.data(), object.size());
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

/// Optimizes `module` and writes its machine code into `object` (one thread).
std::string optimizeAndEmit(llvm::Module &module, const CodegenOptions &options,
                            llvm::SmallVector<char, 0> &object) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(options, error);
  if (!tm)
    return error;
  if (llvm::Error err = optimizeLLVMModule(module, options.optLevel, tm.get()))
    return "LLVM optimization failed: " + llvm::toString(std::move(err));
  llvm::raw_svector_ostream os(object);
  return emitMachineCode(module, *tm, os, llvm::CodeGenFileType::ObjectFile);
}

/// How many parts LLVM's optimization and code generation are split into: one per hardware
/// thread (at most 8, and one per 16 functions), one for small modules.
unsigned codegenParts(const llvm::Module &module) {
  size_t functions = 0;
  for (const llvm::Function &fn : module)
    functions += !fn.isDeclaration();
  // GRAD_COMPILE_THREADS=N forces N parts (at most one per function): for tests and tuning.
  if (const char *env = std::getenv("GRAD_COMPILE_THREADS"))
    return static_cast<unsigned>(
        std::max<size_t>(1, std::min<size_t>(std::max(1, std::atoi(env)), functions)));
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  // A part per 16 functions at least: splitting a tiny module costs more than it saves.
  return static_cast<unsigned>(std::max<size_t>(1, std::min<size_t>({threads, 8, functions / 16})));
}

/// Lowered module -> LLVM IR -> optimized machine code, one object per part. The outlined
/// kernels (grad-outline-kernels) are independent functions, so the module is split by function
/// (llvm::SplitModule) and each part optimized and compiled on its own thread in its own
/// LLVMContext (a bitcode round trip), as LLVM's own parallel LTO code generation does.
LogicalResult emitObjects(ModuleOp lowered, llvm::TargetMachine &tm, const CodegenOptions &options,
                          llvm::ArrayRef<FunctionSignature> signatures,
                          std::vector<llvm::SmallVector<char, 0>> &objects) {
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateForTarget(lowered, llvmContext, tm);
  if (!llvmModule)
    return failure();
  addPackedEntries(*llvmModule, signatures);
  markEntriesUnoptimized(*llvmModule, options);

  unsigned parts = codegenParts(*llvmModule);
  if (parts <= 1) {
    objects.resize(1);
    std::string error = optimizeAndEmit(*llvmModule, options, objects[0]);
    if (!error.empty())
      return emitError(lowered.getLoc()) << error;
    return success();
  }
  std::vector<llvm::SmallVector<char, 0>> bitcode;
  llvm::SplitModule(
      *llvmModule, parts,
      [&](std::unique_ptr<llvm::Module> part) {
        bitcode.emplace_back();
        llvm::raw_svector_ostream os(bitcode.back());
        llvm::WriteBitcodeToFile(*part, os);
      },
      /*PreserveLocals=*/false, /*RoundRobin=*/true);
  objects.assign(bitcode.size(), {});
  std::vector<std::string> errors(bitcode.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < bitcode.size(); ++i)
    threads.emplace_back([&, i] {
      llvm::LLVMContext context;
      auto part = llvm::parseBitcodeFile(
          llvm::MemoryBufferRef(llvm::StringRef(bitcode[i].data(), bitcode[i].size()), "part"),
          context);
      if (!part) {
        errors[i] = llvm::toString(part.takeError());
        return;
      }
      errors[i] = optimizeAndEmit(**part, options, objects[i]);
    });
  for (std::thread &thread : threads)
    thread.join();
  for (const std::string &error : errors)
    if (!error.empty())
      return emitError(lowered.getLoc()) << error;
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
  FailureOr<std::vector<FunctionSignature>> signatures =
      collectSignatures(module, /*allowDynamic=*/true);
  if (failed(signatures))
    return failure();
  CodegenOptions jitOptions = options;
  jitOptions.jitAllocator = true;
  // The signatures are static and supported (collectSignatures): one verification after the
  // lowering instead of one per pass (CodegenOptions::verifyEachPass).
  jitOptions.verifyEachPass = false;
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(jitOptions, error);
  if (!tm)
    return emitError(module.getLoc()) << error;

  std::unique_ptr<CompiledModule> result(new CompiledModule());
  CodegenTimings &timings = result->timings_;
  std::string cachePath;
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects;
  if (!cacheDir.empty()) {
    timings.cacheKey = cacheKey(module, jitOptions, *tm);
    llvm::SmallString<256> path(cacheDir);
    llvm::sys::path::append(path, timings.cacheKey + ".gradobj");
    cachePath = path.str().str();
    objects = readCached(cachePath, timings.cacheKey);
    timings.cacheHit = !objects.empty();
  }

  // Loads `objects` into a fresh LLJIT and looks the entries up (linking happens here, so the
  // cost is paid now, not by the first call). Returns an error message or "".
  auto load = [&](std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects) -> std::string {
    auto jit = createLLJIT();
    if (!jit)
      return "JIT creation failed: " + llvm::toString(jit.takeError());
    for (auto &object : objects)
      if (llvm::Error err = (*jit)->addObjectFile(std::move(object)))
        return "JIT loading failed: " + llvm::toString(std::move(err));
    std::vector<void (*)(void **)> entries;
    for (const FunctionSignature &sig : *signatures) {
      auto entry = (*jit)->lookup(packedName(sig.name));
      if (!entry)
        return "JIT compilation of '" + sig.name + "' failed: " + llvm::toString(entry.takeError());
      entries.push_back(entry->toPtr<void (*)(void **)>());
    }
    result->jit_ = std::move(*jit);
    result->entries_ = std::move(entries);
    return "";
  };

  auto t0 = std::chrono::steady_clock::now();
  if (!objects.empty()) {
    size_t bytes = 0;
    for (const auto &object : objects)
      bytes += object->getBufferSize();
    std::string error = load(std::move(objects));
    objects.clear();
    if (error.empty()) {
      timings.objectBytes = bytes;
    } else { // A damaged or foreign entry: compile again (and overwrite it).
      timings.cacheHit = false;
      timings.cacheError = "cached object rejected: " + error;
    }
  }
  if (!timings.cacheHit) {
    t0 = std::chrono::steady_clock::now();
    OwningOpRef<ModuleOp> clone = module.clone();
    if (failed(lowerToLLVMDialect(*clone, jitOptions)))
      return failure();
    timings.lowering = secondsSince(t0);
    t0 = std::chrono::steady_clock::now();
    std::vector<llvm::SmallVector<char, 0>> bytes;
    if (failed(emitObjects(*clone, *tm, jitOptions, *signatures, bytes)))
      return failure();
    timings.llvm = secondsSince(t0);
    if (!cachePath.empty())
      timings.cacheError = writeCached(cacheDir, cachePath, timings.cacheKey, bytes);
    for (size_t i = 0; i < bytes.size(); ++i) {
      timings.objectBytes += bytes[i].size();
      objects.push_back(llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(bytes[i].data(), bytes[i].size()), "grad-jit-" + std::to_string(i)));
    }
    t0 = std::chrono::steady_clock::now();
    std::string error = load(std::move(objects));
    if (!error.empty())
      return emitError(module.getLoc()) << error;
  }
  result->signatures_ = std::move(*signatures);
  timings.load = secondsSince(t0);
  timings.llvm += timings.load;
  return result;
}

LogicalResult CompiledModule::runRaw(llvm::StringRef fn, llvm::ArrayRef<const void *> inputs,
                                     llvm::ArrayRef<void *> outputs, std::string *error,
                                     const std::vector<Shape> *inputShapes,
                                     const std::vector<Shape> *outputShapes) const {
  const FunctionSignature *sig = signature(fn);
  if (!sig)
    return fail(error, "compiled module has no function '" + fn.str() + "'");
  if (inputs.size() != sig->inputs.size() || outputs.size() != sig->outputs.size())
    return fail(error, "function '" + fn.str() + "' takes " + std::to_string(sig->inputs.size()) +
                           " inputs and " + std::to_string(sig->outputs.size()) + " outputs, got " +
                           std::to_string(inputs.size()) + " and " +
                           std::to_string(outputs.size()));

  // All descriptors in one buffer (no reallocation after the offsets are taken).
  size_t words = 0;
  for (const TensorSignature &t : sig->inputs)
    words += 3 + 2 * t.shape.size();
  for (const TensorSignature &t : sig->outputs)
    words += 3 + 2 * t.shape.size();
  llvm::SmallVector<int64_t, 128> storage;
  storage.reserve(words);
  llvm::SmallVector<size_t, 16> offsets;
  auto dynamic = [](const TensorSignature &t) { return llvm::is_contained(t.shape, kDynamicSize); };
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (dynamic(sig->inputs[i]) && !inputShapes)
      return fail(error,
                  "function '" + fn.str() + "' has dynamic dims: runRaw needs the input shapes");
    offsets.push_back(storage.size());
    appendDescriptor(storage, inputs[i],
                     dynamic(sig->inputs[i]) ? (*inputShapes)[i] : sig->inputs[i].shape);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (dynamic(sig->outputs[i]) && !outputShapes)
      return fail(error,
                  "function '" + fn.str() + "' has dynamic dims: runRaw needs the output shapes");
    offsets.push_back(storage.size());
    appendDescriptor(storage, outputs[i],
                     dynamic(sig->outputs[i]) ? (*outputShapes)[i] : sig->outputs[i].shape);
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
