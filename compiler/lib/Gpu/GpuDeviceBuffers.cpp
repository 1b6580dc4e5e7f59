//===- GpuDeviceBuffers.cpp - host function buffers on the device ---------===//
//
// After GpuMapLinalg the host function only allocates, views and launches.
// Its arguments are device buffers (the caller's contract, docs/gpu.md); this
// pass puts the rest there too:
//   memref.alloc       -> gpu.alloc, freed with gpu.dealloc before each return
//                         (the functions are straight-line; results are
//                         caller-allocated out-params, so nothing escapes)
//   memref.dealloc     -> gpu.dealloc
//   memref.get_global  -> gpu.alloc + gpu.memcpy from the host constant
// A memref.load/store left in host code would dereference a device pointer
// on the host: an error naming the op.
//
//===----------------------------------------------------------------------===//

#include "grad/Gpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/Pass.h"

namespace grad {
#define GEN_PASS_DEF_GRADGPUDEVICEBUFFERS
#include "grad/Gpu/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace grad {
namespace {

struct GpuDeviceBuffersPass : impl::GradGpuDeviceBuffersBase<GpuDeviceBuffersPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    bool failedHostAccess = false;
    func.walk([&](Operation *op) {
      if (op->getParentOfType<gpu::LaunchOp>())
        return WalkResult::skip();
      if (isa<memref::LoadOp, memref::StoreOp>(op)) {
        op->emitError("grad-gpu: ")
            << op->getName() << " on the host would read device memory; this op has no GPU "
            << "mapping yet";
        failedHostAccess = true;
      }
      return WalkResult::advance();
    });
    if (failedHostAccess)
      return signalPassFailure();

    SmallVector<Value> temporaries;
    SmallVector<Operation *> erase;
    func.walk([&](Operation *op) {
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      OpBuilder b(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        auto device = b.create<gpu::AllocOp>(loc, alloc.getType(), /*asyncToken=*/Type(),
                                             ValueRange{}, alloc.getDynamicSizes(),
                                             alloc.getSymbolOperands(), /*hostShared=*/false);
        alloc.getResult().replaceAllUsesWith(device.getMemref());
        temporaries.push_back(device.getMemref());
        erase.push_back(op);
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        erase.push_back(op); // freed at the return, below
      } else if (auto global = dyn_cast<memref::GetGlobalOp>(op)) {
        b.setInsertionPointAfter(global);
        auto device = b.create<gpu::AllocOp>(loc, global.getType(), Type(), ValueRange{},
                                             ValueRange{}, ValueRange{}, false);
        auto copy = b.create<gpu::MemcpyOp>(loc, /*asyncToken=*/Type(), ValueRange{},
                                            device.getMemref(), global.getResult());
        global.getResult().replaceAllUsesExcept(device.getMemref(), copy);
        temporaries.push_back(device.getMemref());
      }
    });
    for (Operation *op : erase)
      op->erase();

    func.walk([&](func::ReturnOp ret) {
      OpBuilder b(ret);
      for (Value buffer : temporaries) {
        if (llvm::is_contained(ret.getOperands(), buffer))
          continue;
        b.create<gpu::DeallocOp>(ret.getLoc(), /*asyncToken=*/Type(), ValueRange{}, buffer);
      }
    });
  }
};

} // namespace

} // namespace grad
