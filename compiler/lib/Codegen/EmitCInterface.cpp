//===- EmitCInterface.cpp - public functions get a C interface ------------===//
//
// Implements --grad-emit-c-interface: marks public functions so that
// convert-func-to-llvm emits the `_mlir_ciface_<name>` wrappers that the JIT
// and AOT callers use (docs/codegen.md, calling convention).
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace grad {
#define GEN_PASS_DEF_GRADEMITCINTERFACE
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

struct EmitCInterface : grad::impl::GradEmitCInterfaceBase<EmitCInterface> {
  void runOnOperation() override {
    UnitAttr unit = UnitAttr::get(&getContext());
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), unit);
  }
};

} // namespace
