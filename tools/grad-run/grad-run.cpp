//===- grad-run.cpp - run a grad function on .npy inputs ------------------===//
//
//   grad-run FILE.mlir --fn=NAME --input=a.npy --input=b.npy [--output-dir=DIR] [--interpret]
//
// Parses FILE (or stdin for "-"), loads the inputs, checks them against @NAME's signature, runs
// @NAME, prints every output (header line with dtype and shape, then numpy-style values) and
// writes out0.npy, out1.npy, ... into DIR. By default the module is compiled for the host CPU and
// run in-process (grad::CompiledModule); --interpret runs the reference interpreter instead.
// runFunction() is the one branch point. Any error is a message on stderr and exit code 1 (parse
// and compile errors as MLIR diagnostics with file:line:col), never a crash.
//
//===----------------------------------------------------------------------===//

#include "TensorPrinter.h"

#include "grad/Codegen/Jit.h"
#include "grad/Codegen/Pipeline.h"
#include "grad/Dialect/Registration.h"
#include "grad/Dialect/ResourceLimits.h"
#include "grad/Interpreter/Interpreter.h"
#include "grad/error.h"
#include "grad/npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <exception>
#include <functional>
#include <optional>

using namespace mlir;

namespace {

llvm::cl::opt<std::string> inputFilename(llvm::cl::Positional, llvm::cl::desc("<file.mlir>"),
                                         llvm::cl::init("-"));
llvm::cl::opt<std::string> functionName("fn", llvm::cl::desc("Function to run"),
                                        llvm::cl::value_desc("name"), llvm::cl::Required);
llvm::cl::list<std::string> inputFiles("input",
                                       llvm::cl::desc("A .npy file per argument, in order"),
                                       llvm::cl::value_desc("file.npy"));
llvm::cl::opt<std::string> outputDir("output-dir",
                                     llvm::cl::desc("Write out0.npy, out1.npy, ... here"),
                                     llvm::cl::value_desc("dir"));
llvm::cl::opt<bool> useInterpreter(
    "interpret",
    llvm::cl::desc("Run with the reference interpreter instead of JIT-compiled CPU code"));
llvm::cl::opt<bool> quiet("quiet", llvm::cl::desc("Do not print the outputs"));
llvm::cl::opt<int64_t>
    summarizeAbove("print-threshold", llvm::cl::init(1000),
                   llvm::cl::desc("Print only the edges of outputs with more elements than this"));

llvm::cl::opt<int64_t> maxTensorBytes(
    "max-tensor-bytes",
    llvm::cl::desc("Largest tensor (argument, intermediate or result) grad-run will allocate, in "
                   "bytes (default: GRAD_MAX_TENSOR_BYTES, else 16 GiB)"),
    llvm::cl::value_desc("bytes"), llvm::cl::init(-1));
llvm::cl::opt<int64_t> maxConstantBytes(
    "max-constant-bytes",
    llvm::cl::desc("Largest non-splat constant, in bytes (default: GRAD_MAX_CONSTANT_BYTES, "
                   "else 1 GiB)"),
    llvm::cl::value_desc("bytes"), llvm::cl::init(-1));

int fail(const llvm::Twine &message) {
  llvm::errs() << "grad-run: error: " << message << "\n";
  return 1;
}

/// The name of a function of `module` that can reach itself through func.call, if any. Compiled
/// code has no guard against unbounded recursion (it would overflow the stack), so grad-run
/// rejects such modules on the compiled path; the interpreter reports them with a call-depth limit.
std::optional<std::string> findRecursion(ModuleOp module) {
  llvm::StringMap<llvm::SmallVector<llvm::StringRef>> callees;
  for (auto fn : module.getOps<func::FuncOp>())
    fn.walk([&](func::CallOp call) { callees[fn.getSymName()].push_back(call.getCallee()); });
  // Depth-first search with the usual white/grey/black marking; a grey node reached again is a
  // cycle.
  llvm::StringMap<int> state; // 0 unvisited, 1 on the stack, 2 done
  std::function<std::optional<std::string>(llvm::StringRef)> visit =
      [&](llvm::StringRef name) -> std::optional<std::string> {
    int &st = state[name];
    if (st == 1)
      return name.str();
    if (st == 2)
      return std::nullopt;
    st = 1;
    for (llvm::StringRef callee : callees.lookup(name))
      if (std::optional<std::string> cycle = visit(callee))
        return cycle;
    state[name] = 2;
    return std::nullopt;
  };
  for (auto fn : module.getOps<func::FuncOp>())
    if (std::optional<std::string> cycle = visit(fn.getSymName()))
      return cycle;
  return std::nullopt;
}

/// `fn` and every function it reaches through func.call, each once.
std::vector<func::FuncOp> reachableFunctions(ModuleOp module, func::FuncOp fn) {
  std::vector<func::FuncOp> order{fn};
  llvm::SmallPtrSet<Operation *, 8> seen{fn};
  for (size_t i = 0; i < order.size(); ++i)
    order[i].walk([&](func::CallOp call) {
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      if (callee && seen.insert(callee).second)
        order.push_back(callee);
    });
  return order;
}

/// Runs `fn` of `module`: the branch point between the reference interpreter and compiled code.
/// Failures have been reported (diagnostics or a message) when this returns failure.
FailureOr<std::vector<grad::Tensor>> runFunction(ModuleOp module, func::FuncOp fn,
                                                 const std::vector<grad::Tensor> &inputs) {
  if (useInterpreter)
    return grad::interpret(fn, inputs);
  if (std::optional<std::string> cycle = findRecursion(module)) {
    fail("@" + *cycle +
         " is recursive: the compiled path does not support recursion "
         "(--interpret runs the reference interpreter)");
    return failure();
  }
  FailureOr<std::unique_ptr<grad::CompiledModule>> compiled = grad::CompiledModule::compile(module);
  if (failed(compiled)) {
    fail("cannot compile '" + inputFilename +
         "' for the host CPU (--interpret runs the "
         "reference interpreter)");
    return failure();
  }
  std::string error;
  FailureOr<std::vector<grad::Tensor>> outputs = (*compiled)->run(fn.getSymName(), inputs, &error);
  if (failed(outputs))
    fail(error);
  return outputs;
}

/// Checks the inputs against `fn`'s signature, naming the argument and its file.
bool checkInputs(func::FuncOp fn, const std::vector<grad::Tensor> &inputs) {
  FunctionType type = fn.getFunctionType();
  for (auto [i, t] : llvm::enumerate(inputs)) {
    if (grad::tensorMatchesType(t, type.getInput(i)))
      continue;
    std::string expected;
    llvm::raw_string_ostream os(expected);
    os << type.getInput(i);
    fail("argument #" + llvm::Twine(i) + " of @" + functionName + " must be " + expected +
         ", got " + grad::describeTensor(t) + " from '" + inputFiles[i] + "'");
    return false;
  }
  return true;
}

int runMain() {
  DialectRegistry registry;
  grad::registerGradDialects(registry);
  grad::registerCodegenDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(inputFilename, &errorMessage);
  if (!file)
    return fail("cannot read '" + inputFilename + "': " + errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  // Diagnostics (parse errors, interpreter errors at ops) print as file:line:col: error: ...
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  // Parsing also runs the verifiers, so a malformed op fails here with its diagnostic.
  if (!module)
    return fail("cannot parse '" + inputFilename + "'");

  auto fn = module->lookupSymbol<func::FuncOp>(functionName);
  if (!fn) {
    std::string names;
    for (auto f : module->getOps<func::FuncOp>())
      names += (names.empty() ? "@" : ", @") + f.getSymName().str();
    return fail(
        "no function @" + functionName + " in '" + inputFilename + "'" +
        (names.empty() ? std::string(" (it has no functions)") : " (functions: " + names + ")"));
  }
  // Resource limits (docs/limits.md), checked on @fn and its callees before any input is read:
  // every tensor they produce has a static type.
  std::optional<int64_t> tensorLimit = grad::resolveLimit(
      maxTensorBytes, "GRAD_MAX_TENSOR_BYTES", grad::kDefaultMaxTensorBytes, module->getLoc());
  std::optional<int64_t> constantLimit = grad::resolveLimit(
      maxConstantBytes, "GRAD_MAX_CONSTANT_BYTES", grad::kDefaultMaxConstantBytes, module->getLoc());
  if (!tensorLimit || !constantLimit)
    return 1;
  for (func::FuncOp reached : reachableFunctions(*module, fn))
    if (failed(grad::checkResourceLimits(reached, *constantLimit, *tensorLimit, "grad-run")))
      return fail("@" + reached.getSymName() + " is over a resource limit");
  unsigned numArgs = fn.getFunctionType().getNumInputs();
  if (inputFiles.size() != numArgs)
    return fail("@" + functionName + " takes " + llvm::Twine(numArgs) + " argument(s) but " +
                llvm::Twine(inputFiles.size()) + " --input file(s) were given");

  std::vector<grad::Tensor> inputs;
  try {
    for (const std::string &path : inputFiles)
      inputs.push_back(grad::load_npy(path));
  } catch (const std::exception &e) {
    return fail(e.what());
  }

  if (!checkInputs(fn, inputs))
    return 1;
  FailureOr<std::vector<grad::Tensor>> outputs = runFunction(*module, fn, inputs);
  if (failed(outputs))
    return fail("running @" + functionName + " failed");

  if (!outputDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
      return fail("cannot create '" + outputDir + "': " + ec.message());
  }
  for (auto [i, t] : llvm::enumerate(*outputs)) {
    if (!quiet) {
      llvm::outs() << "out" << i << ": " << grad::describeTensor(t) << "\n";
      grad::printTensorValues(llvm::outs(), t, summarizeAbove);
      llvm::outs() << "\n";
    }
    if (!outputDir.empty()) {
      llvm::SmallString<256> path(outputDir);
      llvm::sys::path::append(path, "out" + llvm::Twine(i) + ".npy");
      try {
        grad::save_npy(path.str().str(), t);
      } catch (const std::exception &e) {
        return fail(e.what());
      }
    }
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::cl::ParseCommandLineOptions(argc, argv, "grad-run: run a grad function on .npy inputs\n");
  return runMain();
}
