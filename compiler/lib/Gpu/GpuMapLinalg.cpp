//===- GpuMapLinalg.cpp - linalg on buffers -> gpu.launch -----------------===//
//
// Maps each linalg.generic of a host function (after bufferization, static
// shapes) to one gpu.launch that computes it; after fusion one generic is one
// kernel. Three shapes of kernel (docs/gpu.md):
//
//   elementwise  all loops parallel: 1-D grid of 256-thread blocks, one
//                element per thread (grid-stride loop beyond 2^20 blocks),
//                the flat index delinearized into the loop indices, so
//                consecutive threads touch consecutive innermost elements.
//   reduction    one block per output element; each thread folds a strided
//                share of the reduced elements with the payload, then
//                gpu.all_reduce (warp shuffles + shared memory) combines the
//                partials and thread 0 combines with the output. Outputs many
//                and reduced extent tiny, outputs many along the contiguous
//                dimension, or a payload whose combiner is not a plain binary
//                op with a neutral element: one thread per output, a loop.
//   contraction  one M, N, K dimension (matmul, batched or transposed):
//                16x16 output tile per block, 16x16 tiles of both operands
//                staged in shared memory per K step; M, N >= 64: 64x64 tile
//                per block, 4x4 outputs per thread in registers.
//
// A fill of a reduction's output (or a copy of a filled buffer) right
// before it becomes the kernel's initial value instead of a launch.
//
//===----------------------------------------------------------------------===//

#include "grad/Gpu/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/Pass.h"

namespace grad {
#define GEN_PASS_DEF_GRADGPUMAPLINALG
#include "grad/Gpu/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace grad {
namespace {

constexpr int64_t kBlockThreads = 256;
constexpr int64_t kMaxElementwiseBlocks = int64_t(1) << 20;
constexpr int64_t kTile = 16;
/// Register-tiled matmul: a kBigTile x kBigTile output tile per 16x16 block, kMicro x kMicro
/// outputs per thread.
constexpr int64_t kBigTile = 64, kMicro = 4;
constexpr int64_t kMaxGridYZ = 65535;

int64_t product(ArrayRef<int64_t> values) {
  int64_t p = 1;
  for (int64_t v : values)
    p *= v;
  return p;
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

class KernelBuilder {
public:
  /// `initValue`, when set, is the value the single output holds before `op` (a fill that
  /// was folded into this kernel): it replaces the output's loads.
  KernelBuilder(OpBuilder &b, linalg::GenericOp op, Value initValue = {})
      : b(b), op(op), loc(op.getLoc()), ranges(op.getStaticLoopRanges()), initValue(initValue) {}

  void buildElementwise();
  void buildBlockReduction(Operation *combiner, TypedAttr neutral);
  void buildSerialReduction();
  void buildContraction(const linalg::ContractionDimensions &dims);
  void buildRegisterTiledContraction(const linalg::ContractionDimensions &dims);

private:
  /// The launch both contraction kernels start with: blocks of 16 x 16 threads, each block
  /// computing a `tileRows` x `tileCols` tile of the output (grid x over N, y over M, z over the
  /// batch), and two workgroup buffers for the A tile (`tileRows` x 16 k) and the B tile
  /// (16 k x `tileCols`).
  struct ContractionLaunch {
    gpu::LaunchOp kernel;
    OpOperand *lhs, *rhs; ///< lhs is the operand indexed by M (the tile's row operand)
    Value lhsShared, rhsShared, tx, ty;
    SmallVector<int64_t> batchExtents;
  };
  ContractionLaunch launchContraction(const linalg::ContractionDimensions &dims, int64_t tileRows,
                                      int64_t tileCols);
  Value index(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }
  gpu::LaunchOp launch(int64_t gx, int64_t gy, int64_t gz, int64_t bx, int64_t by,
                       TypeRange workgroup = {});
  void finish(gpu::LaunchOp launch);
  SmallVector<Value> delinearize(Value linear, ArrayRef<int64_t> extents);
  SmallVector<Value> operandIndices(OpOperand &operand, ValueRange ivs);
  Value load(OpOperand &operand, ValueRange ivs);
  SmallVector<Value> clonePayload(ArrayRef<Value> args, ValueRange ivs);
  /// Loads the inputs (and the outputs the payload reads, unless `outs` gives
  /// them) at `ivs`, runs the payload and returns its yielded values.
  SmallVector<Value> payloadAt(ValueRange ivs, ArrayRef<Value> outs = {});
  void storeOutputs(ValueRange values, ValueRange ivs);
  /// Loads operand `o` at `ivs` when `valid`, else zero (the payload's additive identity).
  Value guardedLoad(OpOperand *o, Value valid, ValueRange ivs);

  OpBuilder &b;
  linalg::GenericOp op;
  Location loc;
  SmallVector<int64_t> ranges;
  Value initValue;
};

gpu::LaunchOp KernelBuilder::launch(int64_t gx, int64_t gy, int64_t gz, int64_t bx, int64_t by,
                                    TypeRange workgroup) {
  Value one = index(1);
  auto launch = b.create<gpu::LaunchOp>(loc, index(gx), index(gy), index(gz), index(bx), index(by),
                                        one, /*dynamicSharedMemorySize=*/nullptr,
                                        /*asyncTokenType=*/nullptr, ValueRange{}, workgroup);
  b.setInsertionPointToStart(&launch.getBody().front());
  return launch;
}

void KernelBuilder::finish(gpu::LaunchOp launch) {
  Block &body = launch.getBody().front();
  if (body.empty() || !body.back().hasTrait<OpTrait::IsTerminator>()) {
    b.setInsertionPointToEnd(&body);
    b.create<gpu::TerminatorOp>(loc);
  }
  b.setInsertionPointAfter(launch);
}

SmallVector<Value> KernelBuilder::delinearize(Value linear, ArrayRef<int64_t> extents) {
  SmallVector<Value> out(extents.size());
  for (int i = int(extents.size()) - 1; i >= 0; --i) {
    if (i == 0) {
      out[0] = linear;
      break;
    }
    Value extent = index(extents[i]);
    out[i] = b.create<arith::RemUIOp>(loc, linear, extent);
    linear = b.create<arith::DivUIOp>(loc, linear, extent);
  }
  return out;
}

SmallVector<Value> KernelBuilder::operandIndices(OpOperand &operand, ValueRange ivs) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  SmallVector<Value> indices;
  for (unsigned i = 0; i < map.getNumResults(); ++i) {
    AffineExpr expr = map.getResult(i);
    if (auto dim = dyn_cast<AffineDimExpr>(expr))
      indices.push_back(ivs[dim.getPosition()]);
    else if (auto constant = dyn_cast<AffineConstantExpr>(expr))
      indices.push_back(index(constant.getValue()));
    else
      indices.push_back(b.create<affine::AffineApplyOp>(loc, map.getSubMap({i}), ivs));
  }
  return indices;
}

Value KernelBuilder::load(OpOperand &operand, ValueRange ivs) {
  Value buffer = operand.get();
  if (!isa<MemRefType>(buffer.getType()))
    return buffer; // a scalar operand
  return b.create<memref::LoadOp>(loc, buffer, operandIndices(operand, ivs));
}

SmallVector<Value> KernelBuilder::clonePayload(ArrayRef<Value> args, ValueRange ivs) {
  Block &body = op.getRegion().front();
  IRMapping mapping;
  for (auto [arg, value] : llvm::zip(body.getArguments(), args))
    if (value)
      mapping.map(arg, value);
  for (Operation &inner : body.without_terminator()) {
    if (auto indexOp = dyn_cast<linalg::IndexOp>(inner)) {
      mapping.map(indexOp.getResult(), ivs[indexOp.getDim()]);
      continue;
    }
    b.clone(inner, mapping);
  }
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  return llvm::map_to_vector(yield.getValues(),
                             [&](Value v) { return mapping.lookupOrDefault(v); });
}

SmallVector<Value> KernelBuilder::payloadAt(ValueRange ivs, ArrayRef<Value> outs) {
  SmallVector<Value> args;
  for (OpOperand *input : op.getDpsInputOperands())
    args.push_back(op.payloadUsesValueFromOperand(input) ? load(*input, ivs) : Value());
  for (auto [i, init] : llvm::enumerate(op.getDpsInitsMutable())) {
    if (!outs.empty())
      args.push_back(outs[i]);
    else
      args.push_back(op.payloadUsesValueFromOperand(&init) ? load(init, ivs) : Value());
  }
  return clonePayload(args, ivs);
}

void KernelBuilder::storeOutputs(ValueRange values, ValueRange ivs) {
  for (auto [value, init] : llvm::zip(values, op.getDpsInitsMutable()))
    b.create<memref::StoreOp>(loc, value, init.get(), operandIndices(init, ivs));
}

Value KernelBuilder::guardedLoad(OpOperand *o, Value valid, ValueRange ivs) {
  Type type = getElementTypeOrSelf(o->get().getType());
  auto ifOp = b.create<scf::IfOp>(loc, type, valid, /*withElseRegion=*/true);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  b.create<scf::YieldOp>(loc, load(*o, ivs));
  b.setInsertionPointToStart(&ifOp.getElseRegion().front());
  b.create<scf::YieldOp>(loc, b.create<arith::ConstantOp>(loc, b.getZeroAttr(type)).getResult());
  b.setInsertionPointAfter(ifOp);
  return ifOp.getResult(0);
}

void KernelBuilder::buildElementwise() {
  int64_t n = product(ranges);
  int64_t threads = std::min(kBlockThreads, ceilDiv(n, 32) * 32);
  int64_t blocks = std::min(ceilDiv(n, threads), kMaxElementwiseBlocks);
  gpu::LaunchOp kernel = launch(blocks, 1, 1, threads, 1);
  Value first = b.create<arith::AddIOp>(
      loc, b.create<arith::MulIOp>(loc, kernel.getBlockIds().x, kernel.getBlockSize().x),
      kernel.getThreadIds().x);
  Value step = b.create<arith::MulIOp>(loc, kernel.getGridSize().x, kernel.getBlockSize().x);
  auto loop = b.create<scf::ForOp>(loc, first, index(n), step);
  b.setInsertionPointToStart(loop.getBody());
  SmallVector<Value> ivs = delinearize(loop.getInductionVar(), ranges);
  storeOutputs(payloadAt(ivs), ivs);
  finish(kernel);
}

/// Splits the loops of `op` into its parallel and reduction dimensions.
void splitDims(linalg::GenericOp op, SmallVectorImpl<unsigned> &parallel,
               SmallVectorImpl<unsigned> &reduction) {
  for (auto [i, kind] : llvm::enumerate(op.getIteratorTypesArray()))
    (linalg::isParallelIterator(kind) ? parallel : reduction).push_back(i);
}

void KernelBuilder::buildBlockReduction(Operation *combiner, TypedAttr neutral) {
  SmallVector<unsigned> parDims, redDims;
  splitDims(op, parDims, redDims);
  SmallVector<int64_t> parExtents, redExtents;
  for (unsigned d : parDims)
    parExtents.push_back(ranges[d]);
  for (unsigned d : redDims)
    redExtents.push_back(ranges[d]);
  int64_t outputs = product(parExtents), reduced = product(redExtents);
  int64_t threads = std::min(kBlockThreads, ceilDiv(reduced, 32) * 32);
  gpu::LaunchOp kernel = launch(outputs, 1, 1, threads, 1);
  Value tid = kernel.getThreadIds().x;
  SmallVector<Value> ivs(ranges.size());
  for (auto [d, iv] : llvm::zip(parDims, delinearize(kernel.getBlockIds().x, parExtents)))
    ivs[d] = iv;

  Value identity = b.create<arith::ConstantOp>(loc, neutral);
  auto loop =
      b.create<scf::ForOp>(loc, tid, index(reduced), kernel.getBlockSize().x, ValueRange{identity});
  b.setInsertionPointToStart(loop.getBody());
  for (auto [d, iv] : llvm::zip(redDims, delinearize(loop.getInductionVar(), redExtents)))
    ivs[d] = iv;
  SmallVector<Value> partial = payloadAt(ivs, {loop.getRegionIterArg(0)});
  b.create<scf::YieldOp>(loc, partial);
  b.setInsertionPointAfter(loop);

  // Combine the threads' partials: the region is the payload's combiner.
  Type type = identity.getType();
  auto reduce = b.create<gpu::AllReduceOp>(loc, type, loop.getResult(0),
                                           gpu::AllReduceOperationAttr(), b.getUnitAttr());
  {
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&reduce.getBody(), {}, {type, type}, {loc, loc});
    IRMapping mapping;
    mapping.map(combiner->getOperand(0), block->getArgument(0));
    mapping.map(combiner->getOperand(1), block->getArgument(1));
    Operation *combined = b.clone(*combiner, mapping);
    b.create<gpu::YieldOp>(loc, combined->getResults());
  }
  // Thread 0 folds the block's total into the output element.
  Value isFirst = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, tid, index(0));
  auto ifFirst = b.create<scf::IfOp>(loc, isFirst, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&ifFirst.getThenRegion().front());
  for (unsigned d : redDims)
    ivs[d] = index(0); // the output map does not read them
  OpOperand &init = op.getDpsInitsMutable()[0];
  Value old = initValue ? initValue : load(init, ivs);
  IRMapping mapping;
  mapping.map(combiner->getOperand(0), old);
  mapping.map(combiner->getOperand(1), reduce.getResult());
  Operation *combined = b.clone(*combiner, mapping);
  storeOutputs(combined->getResults(), ivs);
  b.setInsertionPointAfter(ifFirst);
  finish(kernel);
}

void KernelBuilder::buildSerialReduction() {
  SmallVector<unsigned> parDims, redDims;
  splitDims(op, parDims, redDims);
  SmallVector<int64_t> parExtents, redExtents;
  for (unsigned d : parDims)
    parExtents.push_back(ranges[d]);
  for (unsigned d : redDims)
    redExtents.push_back(ranges[d]);
  int64_t outputs = product(parExtents), reduced = product(redExtents);
  int64_t threads = std::min(kBlockThreads, ceilDiv(outputs, 32) * 32);
  int64_t blocks = std::min(ceilDiv(outputs, threads), kMaxElementwiseBlocks);
  gpu::LaunchOp kernel = launch(blocks, 1, 1, threads, 1);
  Value first = b.create<arith::AddIOp>(
      loc, b.create<arith::MulIOp>(loc, kernel.getBlockIds().x, kernel.getBlockSize().x),
      kernel.getThreadIds().x);
  Value step = b.create<arith::MulIOp>(loc, kernel.getGridSize().x, kernel.getBlockSize().x);
  auto outer = b.create<scf::ForOp>(loc, first, index(outputs), step);
  b.setInsertionPointToStart(outer.getBody());
  SmallVector<Value> ivs(ranges.size());
  for (auto [d, iv] : llvm::zip(parDims, delinearize(outer.getInductionVar(), parExtents)))
    ivs[d] = iv;
  for (unsigned d : redDims)
    ivs[d] = index(0);
  SmallVector<Value> initial;
  for (OpOperand &init : op.getDpsInitsMutable())
    initial.push_back(initValue ? initValue : load(init, ivs));
  auto inner = b.create<scf::ForOp>(loc, index(0), index(reduced), index(1), initial);
  b.setInsertionPointToStart(inner.getBody());
  SmallVector<Value> innerIvs = ivs;
  for (auto [d, iv] : llvm::zip(redDims, delinearize(inner.getInductionVar(), redExtents)))
    innerIvs[d] = iv;
  SmallVector<Value> carried(inner.getRegionIterArgs());
  b.create<scf::YieldOp>(loc, payloadAt(innerIvs, carried));
  b.setInsertionPointAfter(inner);
  storeOutputs(inner.getResults(), ivs);
  finish(kernel);
}

KernelBuilder::ContractionLaunch
KernelBuilder::launchContraction(const linalg::ContractionDimensions &dims, int64_t tileRows,
                                 int64_t tileCols) {
  ContractionLaunch c;
  for (unsigned d : dims.batch)
    c.batchExtents.push_back(ranges[d]);
  c.lhs = op.getDpsInputOperand(0);
  c.rhs = op.getDpsInputOperand(1);
  if (!op.getMatchingIndexingMap(c.lhs).isFunctionOfDim(dims.m[0]))
    std::swap(c.lhs, c.rhs);
  auto elementType = [](OpOperand *o) { return getElementTypeOrSelf(o->get().getType()); };
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Type lhsTile = MemRefType::get({tileRows, kTile}, elementType(c.lhs), AffineMap(), workgroup);
  Type rhsTile = MemRefType::get({kTile, tileCols}, elementType(c.rhs), AffineMap(), workgroup);
  c.kernel = launch(ceilDiv(ranges[dims.n[0]], tileCols), ceilDiv(ranges[dims.m[0]], tileRows),
                    product(c.batchExtents), kTile, kTile, {lhsTile, rhsTile});
  c.lhsShared = c.kernel.getWorkgroupAttributions()[0];
  c.rhsShared = c.kernel.getWorkgroupAttributions()[1];
  c.tx = c.kernel.getThreadIds().x;
  c.ty = c.kernel.getThreadIds().y;
  return c;
}

void KernelBuilder::buildContraction(const linalg::ContractionDimensions &dims) {
  unsigned m = dims.m[0], n = dims.n[0], k = dims.k[0];
  auto [kernel, lhs, rhs, lhsShared, rhsShared, tx, ty, batchExtents] =
      launchContraction(dims, kTile, kTile);
  Value tile = index(kTile), zero = index(0);
  Value row =
      b.create<arith::AddIOp>(loc, b.create<arith::MulIOp>(loc, kernel.getBlockIds().y, tile), ty);
  Value col =
      b.create<arith::AddIOp>(loc, b.create<arith::MulIOp>(loc, kernel.getBlockIds().x, tile), tx);
  SmallVector<Value> ivs(ranges.size(), zero);
  for (auto [d, iv] : llvm::zip(dims.batch, delinearize(kernel.getBlockIds().z, batchExtents)))
    ivs[d] = iv;
  ivs[m] = row;
  ivs[n] = col;
  auto less = [&](Value a, int64_t bound) {
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, a, index(bound));
  };
  Value inOutput = b.create<arith::AndIOp>(loc, less(row, ranges[m]), less(col, ranges[n]));
  OpOperand &init = op.getDpsInitsMutable()[0];
  Value initial = initValue ? initValue : guardedLoad(&init, inOutput, ivs);

  auto kLoop = b.create<scf::ForOp>(loc, zero, index(ranges[k]), tile, ValueRange{initial});
  b.setInsertionPointToStart(kLoop.getBody());
  Value k0 = kLoop.getInductionVar();
  // Stage lhs[row, k0 + tx] and rhs[k0 + ty, col]: consecutive threads read consecutive
  // elements of row-major operands.
  SmallVector<Value> at = ivs;
  at[k] = b.create<arith::AddIOp>(loc, k0, tx);
  Value lhsValid = b.create<arith::AndIOp>(loc, less(row, ranges[m]), less(at[k], ranges[k]));
  b.create<memref::StoreOp>(loc, guardedLoad(lhs, lhsValid, at), lhsShared, ValueRange{ty, tx});
  at[k] = b.create<arith::AddIOp>(loc, k0, ty);
  Value rhsValid = b.create<arith::AndIOp>(loc, less(at[k], ranges[k]), less(col, ranges[n]));
  b.create<memref::StoreOp>(loc, guardedLoad(rhs, rhsValid, at), rhsShared, ValueRange{ty, tx});
  b.create<gpu::BarrierOp>(loc);
  auto kkLoop = b.create<scf::ForOp>(loc, zero, tile, index(1), kLoop.getRegionIterArgs());
  b.setInsertionPointToStart(kkLoop.getBody());
  Value kk = kkLoop.getInductionVar();
  SmallVector<Value> args(3);
  args[lhs->getOperandNumber()] = b.create<memref::LoadOp>(loc, lhsShared, ValueRange{ty, kk});
  args[rhs->getOperandNumber()] = b.create<memref::LoadOp>(loc, rhsShared, ValueRange{kk, tx});
  args[2] = kkLoop.getRegionIterArg(0);
  b.create<scf::YieldOp>(loc, clonePayload(args, ivs));
  b.setInsertionPointAfter(kkLoop);
  b.create<gpu::BarrierOp>(loc);
  b.create<scf::YieldOp>(loc, kkLoop.getResults());
  b.setInsertionPointAfter(kLoop);

  auto ifStore = b.create<scf::IfOp>(loc, inOutput, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&ifStore.getThenRegion().front());
  storeOutputs(kLoop.getResults(), ivs);
  b.setInsertionPointAfter(ifStore);
  finish(kernel);
}

void KernelBuilder::buildRegisterTiledContraction(const linalg::ContractionDimensions &dims) {
  unsigned m = dims.m[0], n = dims.n[0], k = dims.k[0];
  // The A tile is 64 rows x 16 k, the B tile 16 k x 64 columns.
  auto [kernel, lhs, rhs, lhsShared, rhsShared, tx, ty, batchExtents] =
      launchContraction(dims, kBigTile, kBigTile);
  Value zero = index(0);
  auto add = [&](Value a, Value c) { return b.create<arith::AddIOp>(loc, a, c).getResult(); };
  auto mul = [&](Value a, int64_t c) {
    return b.create<arith::MulIOp>(loc, a, index(c)).getResult();
  };
  auto less = [&](Value a, int64_t bound) {
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, a, index(bound)).getResult();
  };
  auto both = [&](Value p, Value q) { return b.create<arith::AndIOp>(loc, p, q).getResult(); };
  Value row0 = mul(kernel.getBlockIds().y, kBigTile), col0 = mul(kernel.getBlockIds().x, kBigTile);
  SmallVector<Value> base(ranges.size(), zero);
  for (auto [d, iv] : llvm::zip(dims.batch, delinearize(kernel.getBlockIds().z, batchExtents)))
    base[d] = iv;
  // Thread (tx, ty) owns rows ty + 16 i and columns tx + 16 j, i, j < 4: a warp's stores and
  // its B-tile reads are consecutive, its A-tile reads broadcasts.
  SmallVector<Value> rows, cols;
  for (int64_t i = 0; i < kMicro; ++i) {
    rows.push_back(add(add(row0, ty), index(kTile * i)));
    cols.push_back(add(add(col0, tx), index(kTile * i)));
  }
  auto at = [&](Value row, Value col, Value kIdx) {
    SmallVector<Value> ivs = base;
    ivs[m] = row ? row : zero;
    ivs[n] = col ? col : zero;
    ivs[k] = kIdx ? kIdx : zero;
    return ivs;
  };
  OpOperand &init = op.getDpsInitsMutable()[0];
  SmallVector<Value> initial;
  for (int64_t i = 0; i < kMicro; ++i)
    for (int64_t j = 0; j < kMicro; ++j)
      initial.push_back(
          initValue ? initValue
                    : guardedLoad(&init, both(less(rows[i], ranges[m]), less(cols[j], ranges[n])),
                                  at(rows[i], cols[j], Value())));

  auto kLoop = b.create<scf::ForOp>(loc, zero, index(ranges[k]), index(kTile), initial);
  b.setInsertionPointToStart(kLoop.getBody());
  Value k0 = kLoop.getInductionVar();
  // Stage A[row0 + ty + 16 q][k0 + tx] and B[k0 + ty / 4 + 4 q][col0 + (ty % 4) * 16 + tx]:
  // the 256 threads cover each 64x16 (16x64) tile in 4 steps, consecutive threads reading
  // consecutive elements.
  Value aK = add(k0, tx);
  Value bRow = b.create<arith::DivUIOp>(loc, ty, index(4));
  Value bCol = add(mul(b.create<arith::RemUIOp>(loc, ty, index(4)), kTile), tx);
  for (int64_t q = 0; q < kMicro; ++q) {
    Value aRow = add(ty, index(kTile * q));
    Value aGlobalRow = add(row0, aRow);
    Value aVal = guardedLoad(lhs, both(less(aGlobalRow, ranges[m]), less(aK, ranges[k])),
                             at(aGlobalRow, Value(), aK));
    b.create<memref::StoreOp>(loc, aVal, lhsShared, ValueRange{aRow, tx});
    Value bTileRow = add(bRow, index(4 * q));
    Value bK = add(k0, bTileRow), bGlobalCol = add(col0, bCol);
    Value bVal = guardedLoad(rhs, both(less(bK, ranges[k]), less(bGlobalCol, ranges[n])),
                             at(Value(), bGlobalCol, bK));
    b.create<memref::StoreOp>(loc, bVal, rhsShared, ValueRange{bTileRow, bCol});
  }
  b.create<gpu::BarrierOp>(loc);
  auto kkLoop = b.create<scf::ForOp>(loc, zero, index(kTile), index(1), kLoop.getRegionIterArgs());
  b.setInsertionPointToStart(kkLoop.getBody());
  Value kk = kkLoop.getInductionVar();
  SmallVector<Value> aVals, bVals, next;
  for (int64_t i = 0; i < kMicro; ++i) {
    aVals.push_back(
        b.create<memref::LoadOp>(loc, lhsShared, ValueRange{add(ty, index(kTile * i)), kk}));
    bVals.push_back(
        b.create<memref::LoadOp>(loc, rhsShared, ValueRange{kk, add(tx, index(kTile * i))}));
  }
  for (int64_t i = 0; i < kMicro; ++i)
    for (int64_t j = 0; j < kMicro; ++j) {
      SmallVector<Value> args(3);
      args[lhs->getOperandNumber()] = aVals[i];
      args[rhs->getOperandNumber()] = bVals[j];
      args[2] = kkLoop.getRegionIterArgs()[i * kMicro + j];
      next.push_back(clonePayload(args, at(rows[i], cols[j], kk))[0]);
    }
  b.create<scf::YieldOp>(loc, next);
  b.setInsertionPointAfter(kkLoop);
  b.create<gpu::BarrierOp>(loc);
  b.create<scf::YieldOp>(loc, kkLoop.getResults());
  b.setInsertionPointAfter(kLoop);

  for (int64_t i = 0; i < kMicro; ++i)
    for (int64_t j = 0; j < kMicro; ++j) {
      auto ifStore =
          b.create<scf::IfOp>(loc, both(less(rows[i], ranges[m]), less(cols[j], ranges[n])), false);
      b.setInsertionPointToStart(&ifStore.getThenRegion().front());
      storeOutputs(kLoop.getResult(i * kMicro + j), at(rows[i], cols[j], Value()));
      b.setInsertionPointAfter(ifStore);
    }
  finish(kernel);
}

/// The contraction dimensions when `op` suits the tiled matmul kernel.
std::optional<linalg::ContractionDimensions> tiledContraction(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  for (OpOperand *input : op.getDpsInputOperands())
    if (!isa<MemRefType>(input->get().getType()))
      return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 || dims->k.size() != 1)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t batch = 1;
  for (unsigned d : dims->batch)
    batch *= ranges[d];
  if (batch > kMaxGridYZ || ceilDiv(ranges[dims->m[0]], kTile) > kMaxGridYZ)
    return std::nullopt;
  return *dims;
}

/// The value `op` writes to every element of its single output when it is a fill (all loops
/// parallel, the output not read, the yielded value a scalar operand or defined outside), else
/// null.
Value fillValue(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 0 ||
      op.payloadUsesValueFromOperand(op.getDpsInitOperand(0)))
    return {};
  Block &body = op.getRegion().front();
  Value yielded = cast<linalg::YieldOp>(body.getTerminator()).getValues()[0];
  if (auto arg = dyn_cast<BlockArgument>(yielded); arg && arg.getOwner() == &body) {
    OpOperand *operand = op.getMatchingOpOperand(arg);
    if (!operand || isa<ShapedType>(operand->get().getType()))
      return {};
    return operand->get();
  }
  if (op.getRegion().isAncestor(yielded.getParentRegion()))
    return {};
  return yielded;
}

/// True when `fill` can be folded into `next`: `next` is a reduction, the next op of the same
/// block that touches the filled buffer, and only writes it (as its single output).
bool foldableFill(linalg::GenericOp fill, linalg::GenericOp next) {
  if (!next || next->getBlock() != fill->getBlock() || next.getNumReductionLoops() == 0 ||
      next.getNumDpsInits() != 1)
    return false;
  Value buffer = fill.getDpsInitOperand(0)->get();
  if (next.getDpsInitOperand(0)->get() != buffer)
    return false;
  for (OpOperand *input : next.getDpsInputOperands())
    if (input->get() == buffer)
      return false;
  for (Operation *user : buffer.getUsers()) {
    Operation *at = fill->getBlock()->findAncestorOpInBlock(*user);
    if (at && at != fill && at != next && fill->isBeforeInBlock(at) && at->isBeforeInBlock(next))
      return false;
  }
  return true;
}

/// True when the innermost index of the first input is a parallel loop.
bool innerParallel(linalg::GenericOp op) {
  if (op.getNumDpsInputs() == 0)
    return false;
  AffineMap map = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  if (map.getNumResults() == 0)
    return false;
  auto dim = dyn_cast<AffineDimExpr>(map.getResult(map.getNumResults() - 1));
  return dim && linalg::isParallelIterator(op.getIteratorTypesArray()[dim.getPosition()]);
}

/// The combiner of a single-output reduction whose partials can be combined
/// in any order from a neutral element, else null.
Operation *blockCombiner(linalg::GenericOp op, TypedAttr &neutral) {
  if (op.getNumDpsInits() != 1 || op.getNumLoops() == 0)
    return nullptr;
  SmallVector<Operation *> combiners;
  BlockArgument out = op.getRegionOutputArgs()[0];
  if (!matchReduction(op.getRegionOutputArgs(), 0, combiners) || combiners.size() != 1)
    return nullptr;
  Operation *combiner = combiners[0];
  if (combiner->getNumOperands() != 2 || combiner->getNumResults() != 1 || !out.hasOneUse())
    return nullptr;
  std::optional<TypedAttr> identity = arith::getNeutralElement(combiner);
  if (!identity)
    return nullptr;
  neutral = *identity;
  return combiner;
}

struct GpuMapLinalgPass : impl::GradGpuMapLinalgBase<GpuMapLinalgPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // Copies (bufferization's, and results written to out-params) become kernels too.
    SmallVector<memref::CopyOp> copies;
    func.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::makeMemRefCopyOp(b, copy.getLoc(), copy.getSource(), copy.getTarget());
      copy.erase();
    }

    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    // A fill of a reduction's output becomes the reduction kernel's initial value: one launch
    // (and one pass over the output) less.
    DenseMap<Operation *, Value> foldedInit;
    llvm::SmallPtrSet<Operation *, 8> foldedFills;
    // A copy of a buffer whose last write before it was a fill is a fill too (bufferization
    // shares one zero-filled buffer between the accumulators of several matmuls).
    auto filledWith = [&](linalg::GenericOp op) -> Value {
      if (Value value = fillValue(op))
        return value;
      if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 0)
        return {};
      Block &body = op.getRegion().front();
      if (cast<linalg::YieldOp>(body.getTerminator()).getValues()[0] != body.getArgument(0) ||
          op.payloadUsesValueFromOperand(op.getDpsInitOperand(0)))
        return {};
      Value source = op.getDpsInputOperand(0)->get();
      // The last op before the copy that writes (or might write) the source.
      Operation *lastWrite = nullptr;
      for (OpOperand &use : source.getUses()) {
        Operation *at = op->getBlock()->findAncestorOpInBlock(*use.getOwner());
        if (!at || !at->isBeforeInBlock(op))
          continue;
        auto user = dyn_cast<linalg::LinalgOp>(use.getOwner());
        if (user && user.isDpsInput(&use))
          continue; // a read
        if (!lastWrite || lastWrite->isBeforeInBlock(at))
          lastWrite = at;
      }
      auto fill = dyn_cast_or_null<linalg::GenericOp>(lastWrite);
      return fill && fill.getDpsInitOperand(0)->get() == source ? fillValue(fill) : Value();
    };
    for (linalg::LinalgOp linalgOp : ops) {
      auto fill = dyn_cast<linalg::GenericOp>(linalgOp.getOperation());
      Value value = fill && fill.hasPureBufferSemantics() ? filledWith(fill) : Value();
      if (!value)
        continue;
      // The first op after the fill (same block) that touches the buffer.
      Operation *first = nullptr;
      for (Operation *user : fill.getDpsInitOperand(0)->get().getUsers()) {
        Operation *at = fill->getBlock()->findAncestorOpInBlock(*user);
        if (at && fill->isBeforeInBlock(at) && (!first || at->isBeforeInBlock(first)))
          first = at;
      }
      auto next = dyn_cast_or_null<linalg::GenericOp>(first);
      if (next && next.hasPureBufferSemantics() && foldableFill(fill, next)) {
        foldedInit[next] = value;
        foldedFills.insert(fill);
      }
    }
    for (linalg::LinalgOp linalgOp : ops) {
      auto op = dyn_cast<linalg::GenericOp>(linalgOp.getOperation());
      if (!op) {
        linalgOp->emitError("grad-gpu: ")
            << linalgOp->getName() << " was not generalized; run linalg-generalize-named-ops first";
        return signalPassFailure();
      }
      if (!op.hasPureBufferSemantics()) {
        op.emitError("grad-gpu: linalg.generic on tensors: bufferize before mapping to the GPU");
        return signalPassFailure();
      }
      if (op->getParentOfType<gpu::LaunchOp>())
        continue;
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::any_of(ranges, ShapedType::isDynamic)) {
        op.emitError("grad-gpu: dynamic shapes are not supported by the GPU backend (loop "
                     "ranges of this linalg.generic are not all static)");
        return signalPassFailure();
      }
      if (llvm::any_of(ranges, [](int64_t r) { return r == 0; })) {
        op.erase(); // nothing to compute
        continue;
      }
      if (foldedFills.contains(op.getOperation())) {
        op.erase(); // folded into the reduction that follows
        continue;
      }
      OpBuilder b(op);
      KernelBuilder kernel(b, op, foldedInit.lookup(op.getOperation()));
      TypedAttr neutral;
      if (op.getNumReductionLoops() == 0) {
        kernel.buildElementwise();
      } else if (std::optional<linalg::ContractionDimensions> dims = tiledContraction(op)) {
        // Large enough for 64x64 tiles: 4x4 outputs per thread (4x fewer shared-memory loads
        // per multiply-add); else one output per thread.
        if (ranges[dims->m[0]] >= kBigTile && ranges[dims->n[0]] >= kBigTile)
          kernel.buildRegisterTiledContraction(*dims);
        else
          kernel.buildContraction(*dims);
      } else if (Operation *combiner = blockCombiner(op, neutral)) {
        int64_t outputs = 1, reduced = 1;
        for (auto [range, kind] : llvm::zip(ranges, op.getIteratorTypesArray()))
          (linalg::isParallelIterator(kind) ? outputs : reduced) *= range;
        // Many outputs with a tiny reduced extent: a block per output would idle most threads.
        // Many outputs along the innermost (contiguous) dimension of the input, reduced over
        // outer ones (a bias gradient: sum over the batch): one thread per output reads
        // consecutive addresses across a warp, where a block per output would stride.
        if ((reduced < 32 && outputs >= 4096) || (innerParallel(op) && outputs >= 2048))
          kernel.buildSerialReduction();
        else
          kernel.buildBlockReduction(combiner, neutral);
      } else {
        kernel.buildSerialReduction();
      }
      op.erase();
    }
  }
};

} // namespace

} // namespace grad
