//===- GpuEmulator.cpp - gpu.launch with CUDA semantics on the CPU --------===//
//
// See GpuEmulator.h. One launch becomes
//
//   for bz, by, bx:                       block ids; workgroup buffers allocated per block
//     for t in threads: segment 0         ops up to the first split, thread ids from t
//     <split>                             gpu.barrier: nothing more to do
//                                         gpu.all_reduce: fold the per-thread values in
//                                           thread order with the op's region (one value)
//                                         scf.for containing a barrier: a uniform loop whose
//                                           body is emulated the same way; iter_args per thread
//     for t in threads: segment 1 ...
//
// A value used after the split that follows its definition is stored per thread into an array
// (memref<threads x T>) and loaded back by the later segment.
//
//===----------------------------------------------------------------------===//

#include "GpuEmulator.h"

#include "grad/Codegen/Pipeline.h"
#include "grad/Gpu/GpuPipeline.h"
#include "grad/dtype.h"
#include "grad/error.h"
#include "grad/ops.h"
#include "grad/tensor.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/Support/TargetSelect.h"

using namespace mlir;

namespace grad {

namespace {

bool containsSync(Operation *op) {
  return op
      ->walk([](Operation *inner) {
        return isa<gpu::BarrierOp, gpu::AllReduceOp>(inner) ? WalkResult::interrupt()
                                                            : WalkResult::advance();
      })
      .wasInterrupted();
}

class LaunchEmulator {
public:
  explicit LaunchEmulator(gpu::LaunchOp launch) : launch(launch), b(launch), loc(launch.getLoc()) {}

  LogicalResult run();

private:
  Value index(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }
  bool inKernel(Value v) { return launch.getBody().isAncestor(v.getParentRegion()); }
  Value allocArray(Type element);
  scf::ForOp threadLoop(IRMapping &m);
  FailureOr<Value> threadValue(Value v, IRMapping &m, Value t);
  FailureOr<Value> uniformValue(Value v);
  LogicalResult emulateBlock(Block &block);
  LogicalResult flush(SmallVectorImpl<Operation *> &segment);
  LogicalResult emulateAllReduce(gpu::AllReduceOp op);
  LogicalResult emulateSyncFor(scf::ForOp op);

  gpu::LaunchOp launch;
  OpBuilder b;
  Location loc;
  int64_t blockSize[3] = {1, 1, 1};
  int64_t threads = 1;
  IRMapping uniform;             // kernel values with one value per block
  DenseMap<Value, Value> arrays; // per-thread kernel values kept across a split
  Block *blockScope = nullptr;   // body of the block loop: arrays are allocated at its start
  SmallVector<Value> allocations;
};

Value LaunchEmulator::allocArray(Type element) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(blockScope);
  Value array = b.create<memref::AllocOp>(loc, MemRefType::get({threads}, element));
  allocations.push_back(array);
  return array;
}

/// A loop over the threads of the block; `m` maps the thread ids inside it.
scf::ForOp LaunchEmulator::threadLoop(IRMapping &m) {
  auto loop = b.create<scf::ForOp>(loc, index(0), index(threads), index(1));
  b.setInsertionPointToStart(loop.getBody());
  Value t = loop.getInductionVar();
  gpu::KernelDim3 ids = launch.getThreadIds();
  Value x = b.create<arith::RemUIOp>(loc, t, index(blockSize[0]));
  Value yz = b.create<arith::DivUIOp>(loc, t, index(blockSize[0]));
  m.map(ids.x, x);
  m.map(ids.y, b.create<arith::RemUIOp>(loc, yz, index(blockSize[1])));
  m.map(ids.z, b.create<arith::DivUIOp>(loc, yz, index(blockSize[1])));
  return loop;
}

FailureOr<Value> LaunchEmulator::threadValue(Value v, IRMapping &m, Value t) {
  if (Value mapped = m.lookupOrNull(v))
    return mapped;
  if (!inKernel(v))
    return v;
  if (Value u = uniform.lookupOrNull(v)) {
    m.map(v, u);
    return u;
  }
  auto it = arrays.find(v);
  if (it == arrays.end())
    return emitError(v.getLoc(), "grad-gpu-emulator: internal error: a kernel value crosses a "
                                 "split without being saved");
  Value loaded = b.create<memref::LoadOp>(loc, it->second, ValueRange{t});
  m.map(v, loaded);
  return loaded;
}

FailureOr<Value> LaunchEmulator::uniformValue(Value v) {
  if (!inKernel(v))
    return v;
  if (Value u = uniform.lookupOrNull(v))
    return u;
  Operation *def = v.getDefiningOp();
  if (!def || def->getNumRegions() != 0 || !isPure(def))
    return emitError(v.getLoc(), "grad-gpu-emulator: a loop around a barrier has a bound that "
                                 "may differ between threads");
  IRMapping m;
  for (Value operand : def->getOperands()) {
    FailureOr<Value> u = uniformValue(operand);
    if (failed(u))
      return failure();
    m.map(operand, *u);
  }
  Operation *clone = b.clone(*def, m);
  for (auto [from, to] : llvm::zip(def->getResults(), clone->getResults()))
    uniform.map(from, to);
  return uniform.lookup(v);
}

LogicalResult LaunchEmulator::flush(SmallVectorImpl<Operation *> &segment) {
  if (segment.empty())
    return success();
  llvm::SmallPtrSet<Operation *, 16> inSegment(segment.begin(), segment.end());
  Block *block = segment.front()->getBlock();
  SmallVector<Value> escaping;
  for (Operation *op : segment)
    for (Value result : op->getResults())
      for (OpOperand &use : result.getUses()) {
        Operation *owner = block->findAncestorOpInBlock(*use.getOwner());
        if (!owner || !inSegment.contains(owner)) {
          escaping.push_back(result);
          break;
        }
      }
  for (Value v : escaping) {
    if (!v.getType().isIntOrIndexOrFloat())
      return emitError(v.getLoc(), "grad-gpu-emulator: cannot keep a ")
             << v.getType() << " across a barrier";
    arrays[v] = allocArray(v.getType());
  }
  OpBuilder::InsertionGuard guard(b);
  IRMapping m;
  scf::ForOp loop = threadLoop(m);
  Value t = loop.getInductionVar();
  for (Operation *op : segment) {
    SetVector<Value> used;
    used.insert(op->getOperands().begin(), op->getOperands().end());
    getUsedValuesDefinedAbove(op->getRegions(), used);
    for (Value v : used)
      if (failed(threadValue(v, m, t)))
        return failure();
    b.clone(*op, m);
  }
  for (Value v : escaping)
    b.create<memref::StoreOp>(loc, m.lookup(v), arrays[v], ValueRange{t});
  b.setInsertionPointAfter(loop);
  segment.clear();
  return success();
}

LogicalResult LaunchEmulator::emulateAllReduce(gpu::AllReduceOp op) {
  if (op.getBody().empty())
    return op.emitError("grad-gpu-emulator: only gpu.all_reduce with a region is emulated");
  Value values = allocArray(op.getType());
  {
    OpBuilder::InsertionGuard guard(b);
    IRMapping m;
    scf::ForOp loop = threadLoop(m);
    FailureOr<Value> v = threadValue(op.getValue(), m, loop.getInductionVar());
    if (failed(v))
      return failure();
    b.create<memref::StoreOp>(loc, *v, values, ValueRange{loop.getInductionVar()});
  }
  Value first = b.create<memref::LoadOp>(loc, values, ValueRange{index(0)});
  auto fold = b.create<scf::ForOp>(loc, index(1), index(threads), index(1), ValueRange{first});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(fold.getBody());
    Value next = b.create<memref::LoadOp>(loc, values, ValueRange{fold.getInductionVar()});
    Block &region = op.getBody().front();
    IRMapping m;
    m.map(region.getArgument(0), fold.getRegionIterArg(0));
    m.map(region.getArgument(1), next);
    for (Operation &inner : region.without_terminator())
      b.clone(inner, m);
    b.create<scf::YieldOp>(loc, m.lookup(region.getTerminator()->getOperand(0)));
  }
  uniform.map(op.getResult(), fold.getResult(0));
  return success();
}

LogicalResult LaunchEmulator::emulateSyncFor(scf::ForOp op) {
  FailureOr<Value> lb = uniformValue(op.getLowerBound()), ub = uniformValue(op.getUpperBound()),
                   step = uniformValue(op.getStep());
  if (failed(lb) || failed(ub) || failed(step))
    return failure();
  // The loop-carried values are per thread: one array each, holding inits, then yields.
  SmallVector<Value> carried;
  for (BlockArgument arg : op.getRegionIterArgs()) {
    if (!arg.getType().isIntOrIndexOrFloat())
      return op.emitError("grad-gpu-emulator: cannot carry a ") << arg.getType();
    carried.push_back(allocArray(arg.getType()));
    arrays[arg] = carried.back();
  }
  auto storeAll = [&](ValueRange from) -> LogicalResult {
    OpBuilder::InsertionGuard guard(b);
    IRMapping m;
    scf::ForOp loop = threadLoop(m);
    Value t = loop.getInductionVar();
    SmallVector<Value> values;
    for (Value v : from) {
      FailureOr<Value> tv = threadValue(v, m, t);
      if (failed(tv))
        return failure();
      values.push_back(*tv);
    }
    for (auto [v, array] : llvm::zip(values, carried))
      b.create<memref::StoreOp>(loc, v, array, ValueRange{t});
    return success();
  };
  if (!carried.empty() && failed(storeAll(op.getInitArgs())))
    return failure();
  auto loop = b.create<scf::ForOp>(loc, *lb, *ub, *step);
  uniform.map(op.getInductionVar(), loop.getInductionVar());
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    if (failed(emulateBlock(*op.getBody())))
      return failure();
    if (!carried.empty() && failed(storeAll(op.getBody()->getTerminator()->getOperands())))
      return failure();
  }
  for (auto [result, array] : llvm::zip(op.getResults(), carried))
    arrays[result] = array;
  return success();
}

LogicalResult LaunchEmulator::emulateBlock(Block &block) {
  SmallVector<Operation *> segment;
  for (Operation &op : block) {
    if (op.hasTrait<OpTrait::IsTerminator>())
      break;
    if (isa<gpu::BarrierOp>(op)) {
      if (failed(flush(segment)))
        return failure();
      continue;
    }
    if (auto reduce = dyn_cast<gpu::AllReduceOp>(op)) {
      if (failed(flush(segment)) || failed(emulateAllReduce(reduce)))
        return failure();
      continue;
    }
    if (auto loop = dyn_cast<scf::ForOp>(op); loop && containsSync(loop)) {
      if (failed(flush(segment)) || failed(emulateSyncFor(loop)))
        return failure();
      continue;
    }
    if (containsSync(&op))
      return op.emitError("grad-gpu-emulator: a barrier inside ")
             << op.getName() << " (possibly divergent) cannot be emulated";
    segment.push_back(&op);
  }
  return flush(segment);
}

LogicalResult LaunchEmulator::run() {
  Value sizes[3] = {launch.getBlockSizeX(), launch.getBlockSizeY(), launch.getBlockSizeZ()};
  for (int i = 0; i < 3; ++i) {
    std::optional<int64_t> size = getConstantIntValue(sizes[i]);
    if (!size)
      return launch.emitError("grad-gpu-emulator: the block size must be a constant");
    blockSize[i] = *size;
  }
  threads = blockSize[0] * blockSize[1] * blockSize[2];
  gpu::KernelDim3 gridArgs = launch.getGridSize(), blockArgs = launch.getBlockSize();
  uniform.map(gridArgs.x, launch.getGridSizeX());
  uniform.map(gridArgs.y, launch.getGridSizeY());
  uniform.map(gridArgs.z, launch.getGridSizeZ());
  uniform.map(blockArgs.x, sizes[0]);
  uniform.map(blockArgs.y, sizes[1]);
  uniform.map(blockArgs.z, sizes[2]);
  auto lz = b.create<scf::ForOp>(loc, index(0), launch.getGridSizeZ(), index(1));
  b.setInsertionPointToStart(lz.getBody());
  auto ly = b.create<scf::ForOp>(loc, index(0), launch.getGridSizeY(), index(1));
  b.setInsertionPointToStart(ly.getBody());
  auto lx = b.create<scf::ForOp>(loc, index(0), launch.getGridSizeX(), index(1));
  b.setInsertionPointToStart(lx.getBody());
  blockScope = lx.getBody();
  gpu::KernelDim3 ids = launch.getBlockIds();
  uniform.map(ids.x, lx.getInductionVar());
  uniform.map(ids.y, ly.getInductionVar());
  uniform.map(ids.z, lz.getInductionVar());
  for (BlockArgument shared : launch.getWorkgroupAttributions()) {
    auto type = cast<MemRefType>(shared.getType());
    Value buffer =
        b.create<memref::AllocOp>(loc, MemRefType::get(type.getShape(), type.getElementType()));
    allocations.push_back(buffer);
    uniform.map(shared, buffer);
  }
  if (failed(emulateBlock(launch.getBody().front())))
    return failure();
  b.setInsertionPoint(lx.getBody()->getTerminator());
  for (Value buffer : allocations)
    b.create<memref::DeallocOp>(loc, buffer);
  launch.erase();
  return success();
}

} // namespace

LogicalResult emulateGpuLaunchesOnCpu(ModuleOp module) {
  SmallVector<gpu::LaunchOp> launches;
  module.walk([&](gpu::LaunchOp launch) { launches.push_back(launch); });
  for (gpu::LaunchOp launch : launches)
    if (failed(LaunchEmulator(launch).run()))
      return failure();
  // Device memory is host memory here: the host code's gpu.alloc / gpu.memcpy / gpu.dealloc
  // (GpuDeviceBuffers) run as their memref counterparts, so that their placement is checked too.
  SmallVector<Operation *> memoryOps;
  module.walk([&](Operation *op) {
    if (isa<gpu::AllocOp, gpu::DeallocOp, gpu::MemcpyOp>(op))
      memoryOps.push_back(op);
  });
  for (Operation *op : memoryOps) {
    OpBuilder b(op);
    if (auto alloc = dyn_cast<gpu::AllocOp>(op)) {
      if (alloc.getAsyncToken() || alloc.getHostShared())
        return alloc.emitError("grad-gpu-emulator: unexpected asynchronous or shared gpu.alloc");
      Value buffer = b.create<memref::AllocOp>(op->getLoc(), alloc.getType(),
                                               alloc.getDynamicSizes(), alloc.getSymbolOperands());
      alloc.getMemref().replaceAllUsesWith(buffer);
    } else if (auto dealloc = dyn_cast<gpu::DeallocOp>(op)) {
      b.create<memref::DeallocOp>(op->getLoc(), dealloc.getMemref());
    } else {
      auto copy = cast<gpu::MemcpyOp>(op);
      b.create<memref::CopyOp>(op->getLoc(), copy.getSrc(), copy.getDst());
    }
    op->erase();
  }
  return success();
}

GpuEmulatedModule::GpuEmulatedModule() : CompiledModuleBase("emulated GPU module") {}
GpuEmulatedModule::~GpuEmulatedModule() = default;

FailureOr<std::unique_ptr<GpuEmulatedModule>> GpuEmulatedModule::compile(ModuleOp module) {
  FailureOr<std::vector<FunctionSignature>> signatures = collectSignatures(module);
  if (failed(signatures))
    return failure();
  OwningOpRef<ModuleOp> clone = module.clone();
  if (failed(lowerToGpuLaunches(*clone, {})) || failed(emulateGpuLaunchesOnCpu(*clone)))
    return failure();
  PassManager pm(clone->getContext());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertSCFToCFPass());
  buildToLLVMDialect(pm, LLVMLoweringOptions{});
  if (failed(pm.run(*clone)))
    return failure();
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  ExecutionEngineOptions options;
  options.transformer = makeOptimizingTransformer(2, 0, nullptr);
  options.enableGDBNotificationListener = false;
  auto engine = ExecutionEngine::create(*clone, options);
  if (!engine)
    return emitError(module.getLoc())
           << "GPU emulator: JIT failed: " << llvm::toString(engine.takeError());
  std::unique_ptr<GpuEmulatedModule> result(new GpuEmulatedModule());
  result->engine_ = std::move(*engine);
  result->signatures_ = std::move(*signatures);
  return result;
}

FailureOr<std::vector<Tensor>> GpuEmulatedModule::runChecked(llvm::StringRef fn,
                                                             const FunctionSignature &sig,
                                                             const std::vector<Tensor> &inputs,
                                                             std::string *error) const {
  std::vector<Tensor> buffers;
  for (const Tensor &input : inputs)
    buffers.push_back(input.contiguous());
  for (const TensorSignature &o : sig.outputs)
    buffers.push_back(empty(o.shape, o.dtype));
  std::vector<llvm::SmallVector<int64_t, 8>> descriptors;
  for (const Tensor &t : buffers)
    appendDescriptor(descriptors.emplace_back(), t.data_ptr(), t.shape());
  if (llvm::Error err = invokeCInterface(*engine_, fn, descriptors))
    return fail(error, "function '" + fn.str() + "': " + llvm::toString(std::move(err)));
  return std::vector<Tensor>(buffers.begin() + inputs.size(), buffers.end());
}

} // namespace grad
