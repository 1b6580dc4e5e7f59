//===- GpuNativeMath.cpp - libdevice calls with a PTX instruction -> intrinsics ===//
//
// MLIR 19's convert-gpu-to-nvvm turns every math op into a call to libdevice
// (math.absf -> __nv_fabsf, math.sqrt -> __nv_sqrtf, ...) and marks the LLVM
// intrinsics illegal while it runs, so PTX for even an abs needs a CUDA
// toolkit's libdevice.10.bc at compile time. Some of those functions are one
// PTX instruction: fabs (abs), sqrt (sqrt.rn), floor/ceil (cvt.rmi/rpi), fma
// (fma.rn), copysign. This pass runs after convert-gpu-to-nvvm and replaces
// the calls to them with the LLVM intrinsics the NVPTX backend selects those
// instructions from (the same instructions libdevice's bodies use, no
// fast-math flags), then drops the unused declarations. libdevice is then
// needed only for what has no instruction (f64 exp/log/tanh, sin/cos, pow).
//
//===----------------------------------------------------------------------===//

#include "grad/Gpu/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/Pass.h"

#include "llvm/ADT/StringSwitch.h"

namespace grad {
#define GEN_PASS_DEF_GRADGPUNATIVEMATH
#include "grad/Gpu/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace grad {
namespace {

/// The intrinsic op for a libdevice function with one PTX instruction, or nullptr.
Operation *buildIntrinsic(OpBuilder &b, LLVM::CallOp call, StringRef callee) {
  Location loc = call.getLoc();
  ValueRange args = call.getArgOperands();
  if (call.getNumResults() != 1)
    return nullptr;
  Type type = call.getResult().getType();
  StringRef base = callee;
  // __nv_<name>f is the f32 form, __nv_<name> the f64 one.
  if (type.isF32() && base.consume_back("f")) {
  } else if (!type.isF64()) {
    return nullptr;
  }
  auto unary = [&](auto tag) -> Operation * {
    using Op = decltype(tag);
    if (args.size() != 1)
      return nullptr;
    return b.create<Op>(loc, type, args[0]);
  };
  if (base == "__nv_fabs")
    return unary(LLVM::FAbsOp());
  if (base == "__nv_sqrt")
    return unary(LLVM::SqrtOp());
  if (base == "__nv_floor")
    return unary(LLVM::FFloorOp());
  if (base == "__nv_ceil")
    return unary(LLVM::FCeilOp());
  if (base == "__nv_copysign" && args.size() == 2)
    return b.create<LLVM::CopySignOp>(loc, type, args[0], args[1]);
  if (base == "__nv_fma" && args.size() == 3)
    return b.create<LLVM::FMAOp>(loc, type, args[0], args[1], args[2]);
  return nullptr;
}

struct GpuNativeMathPass : impl::GradGpuNativeMathBase<GpuNativeMathPass> {
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    SmallVector<LLVM::CallOp> calls;
    module.walk([&](LLVM::CallOp call) {
      if (auto callee = call.getCallee(); callee && callee->starts_with("__nv_"))
        calls.push_back(call);
    });
    OpBuilder b(&getContext());
    for (LLVM::CallOp call : calls) {
      b.setInsertionPoint(call);
      if (Operation *intrinsic = buildIntrinsic(b, call, *call.getCallee())) {
        call.getResult().replaceAllUsesWith(intrinsic->getResult(0));
        call.erase();
      }
    }
    // Declarations nothing calls any more.
    for (auto func : llvm::make_early_inc_range(module.getOps<LLVM::LLVMFuncOp>()))
      if (func.isExternal() && func.getName().starts_with("__nv_") &&
          SymbolTable::symbolKnownUseEmpty(func, module))
        func.erase();
  }
};

} // namespace

} // namespace grad
