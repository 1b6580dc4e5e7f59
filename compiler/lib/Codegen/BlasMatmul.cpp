//===- BlasMatmul.cpp - matmuls as calls into a BLAS library --------------===//
//
// Two passes of the BLAS matmul lowering (CodegenOptions::matmulLowering = Blas,
// docs/codegen.md "Matmul: generated code vs OpenBLAS"):
//
// --grad-fold-matmul-transposes (tensors): a 2-D transpose feeding a matmul
//   becomes the transpose flag of linalg.matmul_transpose_a/_b, and a
//   transpose of such a matmul's zero-initialized result swaps its operands
//   ((A^T B)^T = B^T A). Autodiff's weight gradients (x^T g, then transposed
//   back to the weight's layout) then run without materialized transposes.
// --grad-matmul-to-blas (buffers): linalg.matmul / matmul_transpose_a /
//   matmul_transpose_b on f32 or f64 memrefs with unit inner stride become one
//   call to cblas_sgemm / cblas_dgemm (row major, beta = 1: C += op(A) op(B),
//   the linalg semantics; beta = 0 replaces a zero fill of C just before).
//   Other matmuls are left alone (loops later).
// --grad-split-matmul-fills (tensors, before bufferization): each such matmul
//   gets its own zero fill (CSE merged them), so its buffer is filled in place
//   rather than copied from one shared zero buffer.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace grad {
#define GEN_PASS_DEF_GRADFOLDMATMULTRANSPOSES
#define GEN_PASS_DEF_GRADMATMULTOBLAS
#define GEN_PASS_DEF_GRADSPLITMATMULFILLS
#include "grad/Codegen/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace {

/// The source of a 2-D `linalg.transpose` with permutation [1, 0] defining `v`, or null.
Value transposedSource(Value v) {
  auto t = v.getDefiningOp<linalg::TransposeOp>();
  if (!t || t.getPermutation() != ArrayRef<int64_t>{1, 0})
    return {};
  return t.getInput();
}

/// matmul(transpose(A), B) -> matmul_transpose_a(A, B); matmul(A, transpose(B)) ->
/// matmul_transpose_b(A, B). (Both transposed: only A is folded.)
struct FoldOperandTranspose : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::MatmulOp op, PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return failure();
    Value a = op.getInputs()[0], b = op.getInputs()[1], init = op.getOutputs()[0];
    if (Value src = transposedSource(a)) {
      rewriter.replaceOpWithNewOp<linalg::MatmulTransposeAOp>(op, TypeRange{init.getType()},
                                                              ValueRange{src, b}, ValueRange{init});
      return success();
    }
    if (Value src = transposedSource(b)) {
      rewriter.replaceOpWithNewOp<linalg::MatmulTransposeBOp>(op, TypeRange{init.getType()},
                                                              ValueRange{a, src}, ValueRange{init});
      return success();
    }
    return failure();
  }
};

/// True if `scalar` is a constant zero.
bool isZeroConstant(Value scalar) {
  Attribute value;
  if (!matchPattern(scalar, m_Constant(&value)))
    return false;
  if (auto f = dyn_cast<FloatAttr>(value))
    return f.getValue().isZero();
  if (auto i = dyn_cast<IntegerAttr>(value))
    return i.getValue().isZero();
  return false;
}

/// True if `init` is a linalg.fill of a constant zero.
bool isZeroFill(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  return fill && isZeroConstant(fill.getInputs()[0]);
}

/// transpose(matmul_transpose_a(A, B)) -> matmul_transpose_a(B, A) and
/// transpose(matmul_transpose_b(A, B)) -> matmul_transpose_b(B, A), for a matmul whose result
/// has no other use and whose accumulator starts at zero.
struct FoldResultTranspose : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::TransposeOp op, PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getPermutation() != ArrayRef<int64_t>{1, 0})
      return failure();
    Operation *producer = op.getInput().getDefiningOp();
    if (!producer || !isa<linalg::MatmulTransposeAOp, linalg::MatmulTransposeBOp>(producer) ||
        !producer->hasOneUse())
      return failure();
    auto matmul = cast<linalg::LinalgOp>(producer);
    Value init = matmul.getDpsInitOperand(0)->get();
    auto resultType = cast<RankedTensorType>(op.getResult()[0].getType());
    if (!isZeroFill(init) || !resultType.hasStaticShape())
      return failure();
    auto fill = init.getDefiningOp<linalg::FillOp>();
    Location loc = op.getLoc();
    Value empty =
        rewriter.create<tensor::EmptyOp>(loc, resultType.getShape(), resultType.getElementType());
    Value zero = rewriter.create<linalg::FillOp>(loc, fill.getInputs()[0], empty).getResult(0);
    SmallVector<Value> inputs = {matmul.getDpsInputOperand(1)->get(),
                                 matmul.getDpsInputOperand(0)->get()};
    Operation *replacement;
    if (isa<linalg::MatmulTransposeAOp>(producer))
      replacement = rewriter.create<linalg::MatmulTransposeAOp>(loc, TypeRange{resultType}, inputs,
                                                                ValueRange{zero});
    else
      replacement = rewriter.create<linalg::MatmulTransposeBOp>(loc, TypeRange{resultType}, inputs,
                                                                ValueRange{zero});
    rewriter.replaceOp(op, replacement->getResults());
    rewriter.eraseOp(producer);
    return success();
  }
};

struct FoldMatmulTransposes : grad::impl::GradFoldMatmulTransposesBase<FoldMatmulTransposes> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldOperandTranspose, FoldResultTranspose>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

bool grad::isBlasMatmulCandidate(Operation *op) {
  if (!isa<linalg::MatmulOp, linalg::MatmulTransposeAOp, linalg::MatmulTransposeBOp>(op))
    return false;
  Type element = getElementTypeOrSelf(cast<linalg::LinalgOp>(op).getDpsInitOperand(0)->get());
  return element.isF32() || element.isF64();
}

namespace {

/// Gives each BLAS matmul whose accumulator is a linalg.fill shared with other ops (CSE merges
/// the identical zero fills of a whole training step) its own fill, so that bufferization fills
/// each matmul's buffer in place instead of copying one zero buffer into each.
struct SplitMatmulFills : grad::impl::GradSplitMatmulFillsBase<SplitMatmulFills> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> matmuls;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && grad::isBlasMatmulCandidate(op))
        matmuls.push_back(op);
    });
    OpBuilder b(&getContext());
    for (linalg::LinalgOp op : matmuls) {
      OpOperand *init = op.getDpsInitOperand(0);
      auto fill = init->get().getDefiningOp<linalg::FillOp>();
      auto type = dyn_cast<RankedTensorType>(init->get().getType());
      if (!fill || fill->getResult(0).hasOneUse() || !type || !type.hasStaticShape())
        continue;
      b.setInsertionPoint(op);
      Value empty = b.create<tensor::EmptyOp>(op.getLoc(), type.getShape(), type.getElementType());
      Value own = b.create<linalg::FillOp>(op.getLoc(), fill.getInputs()[0], empty).getResult(0);
      init->set(own);
      if (fill->use_empty()) {
        Operation *dest = fill.getOutputs()[0].getDefiningOp();
        fill->erase();
        if (dest && isa<tensor::EmptyOp>(dest) && dest->use_empty())
          dest->erase();
      }
    }
  }
};

/// A rank-2 memref operand that BLAS can read: static shape and strides, unit inner stride,
/// row stride >= max(1, columns), all extents within `int`.
bool isBlasOperand(Type type, Type elementType) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || memref.getRank() != 2 || memref.getElementType() != elementType ||
      !memref.hasStaticShape())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(getStridesAndOffset(memref, strides, offset)) ||
      llvm::any_of(strides, ShapedType::isDynamic))
    return false;
  int64_t limit = std::numeric_limits<int32_t>::max();
  ArrayRef<int64_t> shape = memref.getShape();
  return strides[1] == 1 && strides[0] >= std::max<int64_t>(1, shape[1]) && shape[0] > 0 &&
         shape[1] > 0 && shape[0] <= limit && shape[1] <= limit && strides[0] <= limit;
}

/// Whether `op` is one of the matmuls this lowering turns into a BLAS call (on buffers).
bool isBlasMatmul(linalg::LinalgOp op) {
  if (!isa<linalg::MatmulOp, linalg::MatmulTransposeAOp, linalg::MatmulTransposeBOp>(op))
    return false;
  if (!op.hasPureBufferSemantics())
    return false;
  Type element = cast<MemRefType>(op.getDpsInitOperand(0)->get().getType()).getElementType();
  if (!element.isF32() && !element.isF64())
    return false;
  return llvm::all_of(op->getOperandTypes(), [&](Type t) { return isBlasOperand(t, element); });
}

struct MatmulToBlas : grad::impl::GradMatmulToBlasBase<MatmulToBlas> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::LinalgOp> work;
    module.walk([&](linalg::LinalgOp op) {
      if (isBlasMatmul(op))
        work.push_back(op);
    });
    if (work.empty())
      return;
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    Type i32 = b.getI32Type(), ptr = LLVM::LLVMPointerType::get(ctx);

    // cblas_?gemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc).
    auto declare = [&](StringRef name, Type element) {
      if (auto existing = module.lookupSymbol<func::FuncOp>(name))
        return existing;
      b.setInsertionPointToStart(module.getBody());
      auto type = b.getFunctionType(
          {i32, i32, i32, i32, i32, i32, element, ptr, i32, ptr, i32, element, ptr, i32}, {});
      auto fn = b.create<func::FuncOp>(module.getLoc(), name, type);
      fn.setPrivate();
      return fn;
    };

    constexpr int32_t kRowMajor = 101, kNoTrans = 111, kTrans = 112;
    for (linalg::LinalgOp op : work) {
      Location loc = op.getLoc();
      b.setInsertionPoint(op);
      Value a = op.getDpsInputOperand(0)->get(), bm = op.getDpsInputOperand(1)->get(),
            c = op.getDpsInitOperand(0)->get();
      // A zero fill of C right before the matmul: gemm's beta = 0 overwrites C instead.
      bool overwrite = false;
      if (auto fill = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode())) {
        if (fill.hasPureBufferSemantics() && fill.getOutputs()[0] == c &&
            isZeroConstant(fill.getInputs()[0])) {
          fill->erase();
          overwrite = true;
        }
      }
      auto aType = cast<MemRefType>(a.getType()), cType = cast<MemRefType>(c.getType());
      Type element = cType.getElementType();
      bool transA = isa<linalg::MatmulTransposeAOp>(op);
      bool transB = isa<linalg::MatmulTransposeBOp>(op);
      int64_t m = cType.getShape()[0], n = cType.getShape()[1];
      int64_t k = transA ? aType.getShape()[0] : aType.getShape()[1];
      auto cst = [&](int64_t v) -> Value { return b.create<arith::ConstantIntOp>(loc, v, 32); };
      // The data pointer (aligned base + offset) and row stride of a memref.
      auto pointerAndStride = [&](Value memref) -> std::pair<Value, Value> {
        auto type = cast<MemRefType>(memref.getType());
        SmallVector<int64_t> strides;
        int64_t offset;
        (void)getStridesAndOffset(type, strides, offset);
        Value base = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, memref);
        Value asInt = b.create<arith::IndexCastOp>(loc, b.getI64Type(), base);
        Value p = b.create<LLVM::IntToPtrOp>(loc, ptr, asInt);
        Value off;
        if (ShapedType::isDynamic(offset)) {
          auto meta = b.create<memref::ExtractStridedMetadataOp>(loc, memref);
          off = b.create<arith::IndexCastOp>(loc, b.getI64Type(), meta.getOffset());
        } else {
          off = b.create<arith::ConstantIntOp>(loc, offset, 64);
        }
        p = b.create<LLVM::GEPOp>(loc, ptr, element, p, ValueRange{off});
        return {p, cst(strides[0])};
      };
      auto [pa, lda] = pointerAndStride(a);
      auto [pb, ldb] = pointerAndStride(bm);
      auto [pc, ldc] = pointerAndStride(c);
      Value one = b.create<arith::ConstantOp>(loc, FloatAttr::get(element, 1.0));
      Value beta = overwrite ? b.create<arith::ConstantOp>(loc, FloatAttr::get(element, 0.0)) : one;
      func::FuncOp callee = declare(element.isF32() ? "cblas_sgemm" : "cblas_dgemm", element);
      b.setInsertionPoint(op);
      b.create<func::CallOp>(loc, callee,
                             ValueRange{cst(kRowMajor), cst(transA ? kTrans : kNoTrans),
                                        cst(transB ? kTrans : kNoTrans), cst(m), cst(n), cst(k),
                                        one, pa, lda, pb, ldb, beta, pc, ldc});
      op->erase();
    }
  }
};

} // namespace
