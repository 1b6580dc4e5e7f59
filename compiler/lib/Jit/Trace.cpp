//===- Trace.cpp - grad::trace: user function -> grad func.func ----------===//
//
// Runs the user's function once on symbolic tensors (the eager Tensor API, unchanged), with an
// IRSymbolicContext appending one grad op per primitive to a func.func whose arguments are the
// inputs. Host loops unroll; reading a symbolic value on the host throws (see grad/symbolic.h).
//
//===----------------------------------------------------------------------===//

#include "grad/Jit/Executable.h"
#include "grad/Autodiff/SymbolicBuilder.h"
#include "grad/Jit/Tracer.h"

#include "grad/Dialect/Registration.h"
#include "grad/autograd.h"
#include "grad/error.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

#include <fstream>

using namespace mlir;

namespace grad {

std::unique_ptr<MLIRContext> createTraceContext() {
  DialectRegistry registry;
  registerGradDialects(registry);
  registry.insert<func::FuncDialect>();
  auto ctx = std::make_unique<MLIRContext>(registry, MLIRContext::Threading::DISABLED);
  ctx->loadAllAvailableDialects();
  return ctx;
}

std::string collectDiagnostics(MLIRContext *ctx, const std::function<LogicalResult()> &body,
                               bool &ok) {
  std::string text;
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
      llvm::raw_string_ostream os(text);
      if (!text.empty())
        os << "\n";
      os << diag.getLocation() << ": " << diag.str();
      for (Diagnostic &note : diag.getNotes())
        os << "\n  note: " << note.str();
      return success();
    });
    ok = succeeded(body());
  }
  return text;
}

func::FuncOp traceFunction(ModuleOp module, StringRef name, const detail::FlatFn &fn,
                           const std::vector<Tensor> &inputs, std::vector<size_t> &structure) {
  MLIRContext *ctx = module.getContext();
  Location loc = NameLoc::get(StringAttr::get(ctx, name));
  SmallVector<Type> argTypes;
  for (const Tensor &t : inputs) {
    if (!t.defined())
      throw Error("trace: argument #" + std::to_string(argTypes.size()) + " is undefined");
    argTypes.push_back(tensorTypeOf(ctx, t.shape(), t.dtype()));
  }
  OpBuilder moduleBuilder = OpBuilder::atBlockEnd(module.getBody());
  auto func = moduleBuilder.create<func::FuncOp>(loc, name, FunctionType::get(ctx, argTypes, {}));
  Block *entry = func.addEntryBlock();
  auto sctx = IRSymbolicContext::create(OpBuilder::atBlockEnd(entry), loc);
  try {
    std::vector<Tensor> args;
    for (BlockArgument arg : entry->getArguments())
      args.push_back(sctx->wrap(arg));
    std::vector<Tensor> outputs;
    {
      NoGradGuard noGrad;
      outputs = fn(args, structure);
    }
    SmallVector<Value> results;
    for (const Tensor &out : outputs)
      results.push_back(sctx->valueOf(out));
    sctx->getBuilder().create<func::ReturnOp>(loc, results);
    func.setType(FunctionType::get(ctx, argTypes, ValueRange(results).getTypes()));
  } catch (...) {
    sctx->close();
    func.erase();
    throw;
  }
  sctx->close();
  return func;
}

void optimizeTracedModule(ModuleOp module, bool optimize) {
  bool ok = false;
  std::string diags = collectDiagnostics(
      module.getContext(),
      [&]() -> LogicalResult {
        if (failed(verify(module)))
          return failure();
        if (!optimize)
          return success();
        PassManager pm(module.getContext());
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
        return pm.run(module);
      },
      ok);
  if (!ok)
    throw Error("trace: the traced module is invalid:\n" + diags);
}

//===----------------------------------------------------------------------===//
// TracedFunction
//===----------------------------------------------------------------------===//

struct TracedFunction::Impl {
  std::unique_ptr<MLIRContext> context;
  OwningOpRef<ModuleOp> module;
  std::string name;
  std::vector<size_t> structure;
  std::unique_ptr<Executable> executable; // compiled on the first call
};

TracedFunction trace_flat(detail::FlatFn fn, const std::vector<Tensor> &exampleInputs,
                          const JitOptions &options) {
  registerSymbolicValueAndGrad();
  auto impl = std::make_shared<TracedFunction::Impl>();
  impl->context = createTraceContext();
  impl->name = options.name;
  impl->module = ModuleOp::create(UnknownLoc::get(impl->context.get()));
  traceFunction(*impl->module, options.name, fn, exampleInputs, impl->structure);
  optimizeTracedModule(*impl->module, options.optimize);
  return TracedFunction(std::move(impl));
}

std::string TracedFunction::mlir() const {
  std::string text;
  llvm::raw_string_ostream os(text);
  impl_->module->print(os);
  return text;
}

void TracedFunction::save(const std::string &path) const {
  std::ofstream file(path);
  if (!file)
    throw Error("TracedFunction::save: cannot open '" + path + "' for writing");
  file << mlir();
  if (!file.flush())
    throw Error("TracedFunction::save: cannot write '" + path + "'");
}

const std::string &TracedFunction::name() const { return impl_->name; }

std::vector<Tensor> TracedFunction::operator()(const std::vector<Tensor> &inputs) const {
  if (!impl_->executable)
    impl_->executable = compileEntry(*impl_->module, impl_->name, JitBackend::Interpreter);
  return impl_->executable->run(inputs);
}

} // namespace grad
