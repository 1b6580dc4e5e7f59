//===- Gradc.cpp - the gradc compiler driver ------------------------------===//
//
// Flow of one gradc run:
//
//   parse FILE (or stdin) -> verify -> graph passes: canonicalize + grad-fold (unless
//   --no-fold), grad-autodiff (--grad=F), CSE, grad-fuse (unless --no-fuse) -> emit:
//     mlir    the grad module after the graph passes
//     header  the C header of the entry points (HeaderEmitter)
//     dot     a Graphviz picture (DotEmitter)
//     llvm | asm | obj   lower to the LLVM dialect (Codegen pipeline) and translate
//
// Every error is an MLIR diagnostic printed with file:line:col by the source manager handler;
// the exit code says which phase failed (GradcExitCode). Command line options are constructed
// inside runGradcMain, not as globals, so linking this library registers nothing.
//
//===----------------------------------------------------------------------===//

#include "grad/Driver/Gradc.h"

#include "grad/Gpu/GpuPipeline.h"
#include "grad/Codegen/ObjectEmitter.h"
#include "grad/Codegen/Pipeline.h"
#include "grad/Dialect/Registration.h"
#include "grad/Dialect/ShapeInference.h"
#include "grad/Driver/DotEmitter.h"
#include "grad/Driver/HeaderEmitter.h"
#include "grad/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Support/ToolUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Pass.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"

#include <list>

using namespace mlir;
namespace cl = llvm::cl;

namespace grad {

//===----------------------------------------------------------------------===//
// Graph passes
//===----------------------------------------------------------------------===//

LogicalResult runGraphPasses(ModuleOp module, const GradcOptions &options,
                             const std::function<void(PassManager &)> &configure) {
  // The same graph pipeline as the CPU and CUDA jits (buildGraphPipeline), with gradc's flags.
  GraphPipelineOptions graph;
  graph.fold = options.fold;
  graph.gradFunc = options.gradFunc;
  graph.gradArgnums = options.gradArgnums;
  graph.fuse = options.fuse;
  graph.fusionReport = options.fusionReport;
  graph.maxConstantBytes = options.maxConstantBytes;
  PassManager pm(module->getName());
  buildGraphPipeline(pm, graph);
  if (configure)
    configure(pm);
  return pm.run(module);
}

LogicalResult prefixFunctionSymbols(ModuleOp module, StringRef prefix) {
  if (!llvm::all_of(prefix, [](char c) { return llvm::isAlnum(c) || c == '_'; }))
    return emitError(module.getLoc())
           << "gradc: --symbol-prefix='" << prefix
           << "' may only hold letters, digits and '_' (it becomes part of C symbols)";
  SymbolTable table(module);
  SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
  for (func::FuncOp fn : functions)
    if (failed(table.rename(fn, (prefix + fn.getSymName()).str())))
      return fn.emitError() << "gradc: cannot rename @" << fn.getSymName();
  return success();
}

namespace {

//===----------------------------------------------------------------------===//
// Command line
//===----------------------------------------------------------------------===//

/// gradc's flags, constructed per run (see the file comment).
struct CommandLine {
  cl::OptionCategory category{"gradc options"};
  cl::opt<std::string> input{cl::Positional, cl::desc("<input .mlir file, or - for stdin>"),
                             cl::init("-"), cl::cat(category)};
  cl::opt<std::string> output{"o", cl::desc("Output file (default: stdout)"),
                              cl::value_desc("file"), cl::init("-"), cl::cat(category)};
  cl::opt<EmitKind> emit{
      "emit", cl::desc("What to write"), cl::init(EmitKind::Obj),
      cl::values(clEnumValN(EmitKind::Mlir, "mlir", "grad dialect after the graph passes"),
                 clEnumValN(EmitKind::Llvm, "llvm", "LLVM IR (text)"),
                 clEnumValN(EmitKind::Asm, "asm", "assembly for the target CPU"),
                 clEnumValN(EmitKind::Obj, "obj", "object file (default)"),
                 clEnumValN(EmitKind::Header, "header", "C header of the object's entry points"),
                 clEnumValN(EmitKind::Ptx, "ptx", "PTX of every kernel (--target=nvptx)"),
                 clEnumValN(EmitKind::Dot, "dot", "Graphviz DOT picture of the functions")),
      cl::cat(category)};
  cl::opt<std::string> target{"target", cl::desc("host (default) or nvptx (NVIDIA GPU: --emit=ptx|mlir)"),
                              cl::init("host"), cl::cat(category)};
  cl::opt<std::string> gpuArch{"gpu-arch", cl::desc("GPU architecture for --target=nvptx: sm_80 or sm_90"),
                               cl::init("sm_90"), cl::cat(category)};
  cl::opt<unsigned> optLevel{"O", cl::Prefix, cl::desc("Optimization level 0..3 (default 3)"),
                             cl::init(3), cl::cat(category)};
  cl::opt<std::string> gradFunc{"grad",
                                cl::desc("Differentiate @FUNC (reverse mode) into @FUNC_grad"),
                                cl::value_desc("FUNC"), cl::cat(category)};
  cl::list<int64_t> gradArgnums{
      "grad-argnums",
      cl::desc("Arguments of --grad's function to differentiate (default: all float ones)"),
      cl::CommaSeparated, cl::cat(category)};
  cl::opt<bool> noFold{"no-fold", cl::desc("Skip canonicalization and --grad-fold"),
                       cl::cat(category)};
  cl::opt<bool> noFuse{"no-fuse", cl::desc("Skip --grad-fuse (no grad.fusion regions)"),
                       cl::cat(category)};
  cl::opt<bool> dotCollapseFusions{
      "dot-collapse-fusions",
      cl::desc("--emit=dot: one box per grad.fusion (kernel) listing its ops, not a cluster"),
      cl::cat(category)};
  cl::opt<bool> fusionReport{
      "fusion-report",
      cl::desc("Print a remark per function: kernels before and after --grad-fuse (to stderr)"),
      cl::cat(category)};
  cl::opt<bool> printIrAfterAll{"print-ir-after-all",
                                cl::desc("Print the IR after every pass (to stderr)"),
                                cl::cat(category)};
  // --time-passes is LLVM's own global flag (llvm::TimePassesIsEnabled, registered by
  // libLLVM); gradc reads it, which also times LLVM's code generation passes.
  cl::opt<std::string> symbolPrefix{
      "symbol-prefix",
      cl::desc("Prefix every function symbol of the object (llvm/asm/obj/header), e.g. "
               "--symbol-prefix=net_ gives _mlir_ciface_net_f: several models in one program"),
      cl::cat(category)};
  cl::opt<int64_t> maxConstantBytes{
      "max-constant-bytes",
      cl::desc("Largest non-splat constant (bytes of data) compiled into the output (default: "
               "GRAD_MAX_CONSTANT_BYTES, else 1 GiB)"),
      cl::value_desc("bytes"), cl::init(-1), cl::cat(category)};
  cl::opt<std::string> headerPrefix{
      "header-prefix",
      cl::desc("Prefix of the C wrappers of --emit=header (default: the output file's stem, "
               "else the input's)"),
      cl::cat(category)};
};

/// Default C prefix: stem of the output file, else of the input file, else "model".
std::string defaultPrefix(StringRef output, StringRef input) {
  for (StringRef path : {output, input})
    if (path != "-" && !path.empty())
      return sanitizeCIdentifier(llvm::sys::path::stem(path));
  return "model";
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

/// Stops a timing scope when its pass manager is destroyed (instrumentations are owned by the
/// pass manager). MLIR calls the pipeline hooks only for nested pipelines, so destruction is
/// the one reliable "the passes are over" signal for a pass manager created by a callee.
class StopTimingWithPassManager : public PassInstrumentation {
public:
  explicit StopTimingWithPassManager(TimingScope &scope) : scope(scope) {}
  ~StopTimingWithPassManager() override { scope.stop(); }

private:
  TimingScope &scope;
};

class Gradc {
public:
  Gradc(const GradcOptions &options, StringRef inputPath, StringRef outputPath)
      : options(options), inputPath(inputPath), outputPath(outputPath) {}

  int run();

private:
  void configurePassManager(PassManager &pm, TimingScope *parent, StringRef phase);
  int emitNative(ModuleOp module, llvm::raw_pwrite_stream &os);
  int emitGpu(ModuleOp module, llvm::raw_ostream &os);

  const GradcOptions &options;
  StringRef inputPath, outputPath;
  DefaultTimingManager timing;
  std::optional<TimingScope> rootTiming;
  std::list<TimingScope> phaseTimings;
};

void Gradc::configurePassManager(PassManager &pm, TimingScope *parent, StringRef phase) {
  if (options.printIrAfterAll) {
    // Module scope needs a single-threaded context; IR printing is a debugging aid.
    pm.getContext()->disableMultithreading();
    pm.enableIRPrinting([](Pass *, Operation *) { return false; },
                        [](Pass *, Operation *) { return true; },
                        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
  }
  if (options.timePasses && parent) {
    // The pass manager keeps a reference to the scope: it must outlive the run. The scope is
    // stopped with the pass manager, so that work done after the passes by the same callee
    // (LLVM translation and code generation) is not counted as pass time.
    phaseTimings.push_back(parent->nest(phase));
    pm.addInstrumentation(std::make_unique<StopTimingWithPassManager>(phaseTimings.back()));
    pm.enableTiming(phaseTimings.back());
  }
}

int Gradc::run() {
  if (options.timePasses) {
    timing.setEnabled(true);
    rootTiming.emplace(timing.getRootScope());
  }

  DialectRegistry registry;
  registerGradDialects(registry);
  registerCodegenDialects(registry);
  MLIRContext ctx(registry);
  // Diagnostics point at the source line; the generic dump of the op adds only noise.
  ctx.printOpOnDiagnostic(false);

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> buffer = openInputFile(inputPath, &error);
  if (!buffer) {
    llvm::errs() << "gradc: " << error << "\n";
    return kGradcInputError;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &ctx);

  OwningOpRef<ModuleOp> module;
  {
    std::optional<TimingScope> parseTiming;
    if (rootTiming)
      parseTiming.emplace(rootTiming->nest("parse"));
    module = parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&ctx));
  }
  if (!module)
    return kGradcInputError;
  // Errors about the whole module (flags that do not fit it) point at the file's first line:
  // the parsed module itself is located at line 0, which reads like a missing location.
  Location fileStart = FileLineColLoc::get(
      &ctx, sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBufferIdentifier(), 1, 1);

  if (options.target != "host" && options.target != "nvptx") {
    emitError(fileStart) << "gradc: unknown --target=" << options.target;
    return kGradcInputError;
  }
  bool nvptx = options.target == "nvptx";
  if (options.emit == EmitKind::Ptx && !nvptx) {
    emitError(fileStart) << "gradc: --emit=ptx needs --target=nvptx";
    return kGradcInputError;
  }
  if (nvptx && !isSupportedGpuArch(options.gpuArch)) {
    emitError(fileStart) << "gradc: --gpu-arch=" << options.gpuArch
                         << " is not supported (use sm_80 or sm_90)";
    return kGradcInputError;
  }
  if (!options.gradFunc.empty() && !module->lookupSymbol<func::FuncOp>(options.gradFunc)) {
    emitError(fileStart) << "gradc: --grad=" << options.gradFunc << ": the module has no function @"
                         << options.gradFunc;
    return kGradcInputError;
  }

  // CPU code for `?` dims reads the sizes from the memref descriptors; the header's checked
  // wrapper does the run-time size checks that grad::jit and grad-run do before a call (Note
  // [The C ABI of `?` dims] in HeaderEmitter.cpp). The GPU backend takes static shapes only.
  bool emitsCode = options.emit != EmitKind::Mlir && options.emit != EmitKind::Dot;
  if (emitsCode && nvptx && failed(checkStaticShapes(*module, "gradc --target=nvptx")))
    return kGradcInputError;

  if (failed(runGraphPasses(*module, options, [&](PassManager &pm) {
        configurePassManager(pm, rootTiming ? &*rootTiming : nullptr, "graph passes");
      })))
    return kGradcInputError;
  phaseTimings.clear(); // the graph pass manager is gone, and with it the last use

  // Symbols are renamed after the graph passes (which name functions, e.g. @f_grad) and only
  // for the outputs that define or declare symbols.
  bool definesSymbols = options.emit == EmitKind::Llvm || options.emit == EmitKind::Asm ||
                        options.emit == EmitKind::Obj || options.emit == EmitKind::Header;
  if (definesSymbols && !options.symbolPrefix.empty() &&
      failed(prefixFunctionSymbols(*module, options.symbolPrefix)))
    return kGradcInputError;

  // Open the output only now, so that a failed compilation leaves no file behind.
  std::unique_ptr<llvm::ToolOutputFile> out = openOutputFile(outputPath, &error);
  if (!out) {
    llvm::errs() << "gradc: " << error << "\n";
    return kGradcOutputError;
  }

  int code = kGradcSuccess;
  switch (options.emit) {
  case EmitKind::Mlir:
    if (nvptx) {
      code = emitGpu(*module, out->os());
      break;
    }
    module->print(out->os());
    out->os() << "\n";
    break;
  case EmitKind::Header: {
    HeaderOptions header;
    header.prefix = options.headerPrefix;
    header.sourceName = inputPath == "-" ? "<stdin>" : llvm::sys::path::filename(inputPath).str();
    header.symbolPrefix = options.symbolPrefix;
    if (failed(emitCHeader(*module, out->os(), header)))
      code = kGradcInputError;
    break;
  }
  case EmitKind::Dot:
    if (failed(emitDot(*module, out->os(), DotOptions{options.dotCollapseFusions})))
      code = kGradcInputError;
    break;
  case EmitKind::Llvm:
  case EmitKind::Asm:
  case EmitKind::Obj:
    code = emitNative(*module, out->os());
    break;
  case EmitKind::Ptx:
    code = emitGpu(*module, out->os());
    break;
  }
  if (code != kGradcSuccess)
    return code;
  out->os().flush();
  if (out->os().has_error()) {
    llvm::errs() << "gradc: cannot write " << outputPath << "\n";
    out->os().clear_error();
    return kGradcOutputError;
  }
  out->keep();
  return kGradcSuccess;
}

int Gradc::emitNative(ModuleOp module, llvm::raw_pwrite_stream &os) {
  CodegenOptions codegen;
  codegen.optLevel = options.optLevel;
  // The emitters lower a clone of the module, translate it to LLVM IR and run LLVM's codegen;
  // the lowering passes are timed and printed like the graph passes.
  std::optional<TimingScope> codegenTiming;
  if (rootTiming)
    codegenTiming.emplace(rootTiming->nest("lowering, LLVM translation, -O<n> and codegen"));
  codegen.configurePassManager = [&](PassManager &pm) {
    configurePassManager(pm, codegenTiming ? &*codegenTiming : nullptr, "MLIR lowering passes");
  };
  LogicalResult emitted = failure();
  if (options.target == "nvptx") {
    // The host code of the GPU module: launches through libgradrt, PTX embedded.
    GpuCodegenOptions gpu;
    gpu.chip = options.gpuArch;
    gpu.optLevel = options.optLevel;
    gpu.configurePassManager = codegen.configurePassManager;
    GpuHostOutput kind = options.emit == EmitKind::Obj   ? GpuHostOutput::Object
                         : options.emit == EmitKind::Asm ? GpuHostOutput::Assembly
                                                         : GpuHostOutput::LlvmIR;
    emitted = emitGpuHostCode(module, os, kind, gpu);
    if (codegenTiming && !phaseTimings.empty())
      phaseTimings.pop_back();
    return succeeded(emitted) ? kGradcSuccess : kGradcCodegenError;
  }
  switch (options.emit) {
  case EmitKind::Llvm:
    emitted = emitLLVMIR(module, os, codegen);
    break;
  case EmitKind::Asm:
    emitted = emitAssembly(module, os, codegen);
    break;
  case EmitKind::Obj:
    emitted = emitObjectFile(module, os, codegen);
    break;
  default:
    llvm_unreachable("not a native emit kind");
  }
  // The lowering pass manager is gone: close its timing scope before the parent's.
  if (codegenTiming && !phaseTimings.empty())
    phaseTimings.pop_back();
  return succeeded(emitted) ? kGradcSuccess : kGradcCodegenError;
}

int Gradc::emitGpu(ModuleOp module, llvm::raw_ostream &os) {
  // --target=nvptx: --emit=ptx writes the kernels' PTX, --emit=mlir the GPU dialect IR.
  GpuCodegenOptions gpu;
  gpu.chip = options.gpuArch;
  gpu.optLevel = options.optLevel;
  gpu.configurePassManager = [&](PassManager &pm) {
    configurePassManager(pm, rootTiming ? &*rootTiming : nullptr, "GPU lowering passes");
  };
  if (options.emit == EmitKind::Ptx)
    return succeeded(emitPtx(module, os, gpu)) ? kGradcSuccess : kGradcCodegenError;
  if (failed(lowerToGpuKernels(module, gpu)))
    return kGradcCodegenError;
  module.print(os);
  os << "\n";
  return kGradcSuccess;
}

} // namespace

int runGradcMain(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerCanonicalizerPass();
  registerCSEPass();
  registerGradPasses();
  registerCodegenPipelines();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();

  CommandLine cli;
  if (cl::Option *timePasses = cl::getRegisteredOptions().lookup("time-passes")) {
    timePasses->addCategory(cli.category);
    timePasses->setHiddenFlag(cl::NotHidden);
    timePasses->setDescription("Report the time of parsing, each pass and LLVM code generation "
                               "(to stderr)");
  }
  cl::HideUnrelatedOptions(cli.category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "gradc: compiles a grad-dialect module to an object file, its C header, LLVM IR, "
      "assembly, MLIR or a Graphviz picture for the host CPU, or PTX for NVIDIA GPUs.\n\n"
      "  gradc model.mlir --emit=obj -o model.o && gradc model.mlir --emit=header -o model.h\n"
      "  gradc model.mlir --target=nvptx --gpu-arch=sm_90 --emit=ptx -o model.ptx\n\n"
      "Errors are MLIR diagnostics (file:line:col). Exit codes: 0 success, 1 bad input or flags,\n"
      "2 lowering/code generation failure, 3 output not writable.\n");

  if (cli.optLevel > 3) {
    llvm::errs() << "gradc: -O" << cli.optLevel << " is not a valid level (use -O0..-O3)\n";
    return kGradcInputError;
  }
  GradcOptions options;
  options.emit = cli.emit;
  options.target = cli.target;
  options.gpuArch = cli.gpuArch;
  options.optLevel = cli.optLevel;
  options.gradFunc = cli.gradFunc;
  options.gradArgnums.assign(cli.gradArgnums.begin(), cli.gradArgnums.end());
  options.fold = !cli.noFold;
  options.fuse = !cli.noFuse;
  options.fusionReport = cli.fusionReport;
  options.dotCollapseFusions = cli.dotCollapseFusions;
  options.printIrAfterAll = cli.printIrAfterAll;
  options.timePasses = llvm::TimePassesIsEnabled;
  options.symbolPrefix = cli.symbolPrefix;
  options.maxConstantBytes = cli.maxConstantBytes;
  options.headerPrefix = cli.headerPrefix.getNumOccurrences()
                             ? std::string(cli.headerPrefix)
                             : defaultPrefix(cli.output, cli.input);
  if (!llvm::all_of(options.symbolPrefix, [](char c) { return llvm::isAlnum(c) || c == '_'; })) {
    llvm::errs() << "gradc: --symbol-prefix='" << options.symbolPrefix
                 << "' may only hold letters, digits and '_' (it becomes part of C symbols)\n";
    return kGradcInputError;
  }
  if (!options.gradArgnums.empty() && options.gradFunc.empty()) {
    llvm::errs() << "gradc: --grad-argnums needs --grad=FUNC\n";
    return kGradcInputError;
  }
  if (options.emit == EmitKind::Obj || options.emit == EmitKind::Asm) {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }
  return Gradc(options, cli.input, cli.output).run();
}

} // namespace grad
