//===- grad-run.cpp - run a grad function on .npy inputs ------------------===//
//
//   grad-run FILE.mlir --fn=NAME --input=a.npy --input=b.npy [--output-dir=DIR] [--interpret]
//
// Parses FILE (or stdin for "-"), loads the inputs, runs @NAME, prints every output (header line
// with dtype and shape, then numpy-style values) and writes out0.npy, out1.npy, ... into DIR.
// Until the CPU backend exists every run uses the reference interpreter; runFunction() is the
// one place where the compiled path will branch off. Any error is a message on stderr and exit
// code 1 (parse errors as MLIR diagnostics with file:line:col), never a crash.
//
//===----------------------------------------------------------------------===//

#include "TensorPrinter.h"

#include "grad/Dialect/Registration.h"
#include "grad/Interpreter/Interpreter.h"
#include "grad/error.h"
#include "grad/npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <exception>

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
    "interpret", llvm::cl::desc("Run with the reference interpreter (currently always the case)"));
llvm::cl::opt<bool> quiet("quiet", llvm::cl::desc("Do not print the outputs"));
llvm::cl::opt<int64_t>
    summarizeAbove("print-threshold", llvm::cl::init(1000),
                   llvm::cl::desc("Print only the edges of outputs with more elements than this"));

int fail(const llvm::Twine &message) {
  llvm::errs() << "grad-run: error: " << message << "\n";
  return 1;
}

/// Runs `fn`: the branch point between the reference interpreter and (later) compiled code.
FailureOr<std::vector<grad::Tensor>> runFunction(func::FuncOp fn,
                                                 llvm::ArrayRef<grad::Tensor> inputs) {
  // No compiled backend yet: --interpret and the default both interpret.
  return grad::interpret(fn, inputs);
}

int runMain() {
  DialectRegistry registry;
  grad::registerGradDialects(registry);
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

  FailureOr<std::vector<grad::Tensor>> outputs = runFunction(fn, inputs);
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
