//===- CollectivesToCalls.cpp - grad.all_reduce -> a call into libgradrt_mpi ===//
//
// grad.all_reduce has no linalg form: it becomes a call into the MPI runtime library on a
// private copy of the operand, bracketed by the bufferization ops that let one-shot
// bufferization see a tensor in and a tensor out:
//
//   %r = grad.all_reduce %x {op = "mean"} : tensor<4x3xf32>
// becomes
//   %c = bufferization.alloc_tensor() copy(%x) : tensor<4x3xf32>    // the buffer to reduce
//   %m = bufferization.to_memref %c : memref<4x3xf32>
//   %p = memref.extract_aligned_pointer_as_index %m -> i64 (arith.index_cast)
//   func.call @gradrt_all_reduce_f32(%p, %c12_i64, %c1_i32) : (i64, i64, i32) -> ()
//   %r = bufferization.to_tensor %m restrict writable : memref<4x3xf32>
//
// The callee is `void gradrt_all_reduce_f32(float *data, int64_t count, int32_t op)` (f64:
// `_f64`), declared here as taking the pointer as i64 (the same register on x86-64 and AArch64).
// The copy keeps the operand unchanged for its other users (the autodiff pass reuses forward
// values); the copy starts out as the freshly allocated buffer `restrict` promises. The op
// number is grad_reduce_op (gradrt_mpi.h): sum 0, mean 1, max 2, which is CollectiveOp's order.
// A JIT resolves the symbol in the process (which links libgradrt_mpi through grad::dist); an
// AOT object is linked with -lgradrt_mpi.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include "grad/Dialect/GradDialect.h"
#include "grad/op_table.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace {

/// The runtime entry point for `element`, declared once per module.
func::FuncOp declareAllReduce(ModuleOp module, Type element, PatternRewriter &rewriter) {
  StringRef name = element.isF32() ? "gradrt_all_reduce_f32" : "gradrt_all_reduce_f64";
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(module.getBody());
  Type i64 = rewriter.getI64Type(), i32 = rewriter.getI32Type();
  auto fn = rewriter.create<func::FuncOp>(module.getLoc(), name,
                                          rewriter.getFunctionType({i64, i64, i32}, {}));
  fn.setPrivate();
  return fn;
}

struct AllReduceToCall : OpConversionPattern<grad::AllReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(grad::AllReduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    std::optional<grad::CollectiveOp> kind = grad::collective_op_from_name(op.getOp().str());
    if (!kind || !type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "unknown op or dynamic shape");
    auto module = op->getParentOfType<ModuleOp>();
    func::FuncOp callee = declareAllReduce(module, type.getElementType(), rewriter);
    Location loc = op.getLoc();
    Value copy = rewriter.create<bufferization::AllocTensorOp>(loc, type, ValueRange{},
                                                               adaptor.getOperand());
    auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
    Value buffer = rewriter.create<bufferization::ToMemrefOp>(loc, memrefType, copy);
    Value pointer = rewriter.create<memref::ExtractAlignedPointerAsIndexOp>(loc, buffer);
    Value data = rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), pointer);
    Value count = rewriter.create<arith::ConstantIntOp>(loc, type.getNumElements(), 64);
    Value code = rewriter.create<arith::ConstantIntOp>(loc, static_cast<int64_t>(*kind), 32);
    rewriter.create<func::CallOp>(loc, callee, ValueRange{data, count, code});
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(op, type, buffer, /*restrict=*/true,
                                                           /*writable=*/true);
    return success();
  }
};

} // namespace

void grad::populateCollectivesToCallsPatterns(RewritePatternSet &patterns) {
  patterns.add<AllReduceToCall>(patterns.getContext());
}
