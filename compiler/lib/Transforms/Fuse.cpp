//===- Fuse.cpp - the --grad-fuse pass: fusion groups -> grad.fusion ------===//
//
// Partitions the top-level ops of each block of a function into fusion groups and wraps each
// group into one grad.fusion region. Three phases per block, all in program order, so the
// output depends only on the input IR:
//
//   1. Grouping. Every op with a fusion role (FusionPolicy.h) starts a group. An elementwise op
//      or a reduction then merges with the group of each operand's producer when the roles
//      allow it (canAbsorb) and the merge creates no cycle (Note [Fusion cycles]). A matmul
//      absorbs no producer; its elementwise consumers merge into it (output fusion).
//   2. Planning. A group's body is its members plus clones of the broadcasts and splat
//      constants its non-matmul members read from outside (Note [Cloned producers]). Groups
//      with fewer than two body ops that compute stay as they are. An elementwise member read
//      outside only by other regions is recomputed in them (Note [Recomputed members]).
//      Inputs are the values a body reads from outside (first use first); results are the
//      member values another region or a top-level op still reads (multi-output fusion).
//   3. Rewriting. One grad.fusion per planned group; uses of the results are redirected, the
//      original ops erased, and the block sorted topologically (a fusion is created where its
//      last member was; a user of an earlier member may sit before it).
//
// Note [Fusion cycles]: contracting groups A and B into one node is legal only if no path of
// the grouped graph leaves A u B and comes back: the op or group on it would need a result of
// the fused node and feed it at the same time. Other groups are nodes of that graph too, so
// wouldCycle() searches forward from the members' outside users and, on reaching one member of
// another group, continues from all of its members (op-level paths alone miss a cycle such as
// A -> transpose -> g1 in G, g2 in G -> A).
//
// Note [Cloned producers]: a broadcast read by a group is recomputed inside it from its smaller
// operand instead of being materialized for it (XLA duplicates cheap producers the same way);
// the original stays only while something else still reads it.
//
// Note [Recomputed members]: linalg's elementwise fusion only merges a producer that has one
// use, so a region that yields an intermediate as well as its root lowers to two loop nests and
// writes the intermediate to memory. When an elementwise member is read outside its group only
// by other regions (none of them as a matmul operand), those regions recompute the member's
// elementwise cone (at most kMaxRecomputedOps ops, never a matmul or a reduction) from the
// group's inputs, and the group no longer yields it (softmax: exp(x - max) is recomputed by the
// division instead of being stored between the sum and the division). A recomputed cone may
// read values of a third region, which may in turn be recomputed: planning repeats until no
// region gains a clone (at most kMaxPlanningRounds rounds). A group left with no result at all
// disappears.
//
// Neither kind of clone can create a cycle: a body op reads a value only if that value reached
// the region through some path before, so every edge between regions after cloning follows a
// path of the acyclic grouped graph.
//
//===----------------------------------------------------------------------===//

#include "FusionPolicy.h"

#include "grad/Dialect/GradDialect.h"
#include "grad/Dialect/ShapeInference.h"
#include "grad/Transforms/Passes.h"

#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"

namespace grad {
#define GEN_PASS_DEF_GRADFUSEPASS
#include "grad/Transforms/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace grad {
namespace {

/// Largest elementwise cone a region recomputes instead of reading its materialized value.
constexpr size_t kMaxRecomputedOps = 32;
/// Rounds of planning (Note [Recomputed members]); each round can only add clones.
constexpr unsigned kMaxPlanningRounds = 4;

/// A set of top-level ops of one block that will become one kernel.
struct FusionGroup {
  SmallVector<Operation *> members;
  /// The group's matmul (at most one per group), or null.
  Operation *matmul = nullptr;
  /// Holds a reduction: the group is sealed, no consumer joins it.
  bool hasReduction = false;
  /// False once merged into another group.
  bool alive = true;
};

/// What phase 2 decided for one group.
struct FusionPlan {
  unsigned group = 0;
  /// Members and cloned producers in program order: the body, in a valid order.
  SmallVector<Operation *> bodyOps;
  SmallVector<Operation *> members;
  /// Ops of other groups (or of none) recomputed in this body: broadcasts and splat constants
  /// read from outside, cones of recomputed members.
  llvm::SetVector<Operation *> clones;
  llvm::SetVector<Value> inputs;
  SmallVector<Value> results;
};

/// The fusion of one block: grouping, planning, rewriting.
class BlockFuser {
public:
  explicit BlockFuser(Block &block) : block(block) {
    unsigned n = 0;
    for (Operation &op : block)
      position[&op] = n++;
  }

  void formGroups();
  void planRegions();
  /// Rewrites the block; fails (with a diagnostic) only on an internal inconsistency.
  LogicalResult rewrite();

  unsigned numFusions() const { return createdFusions; }
  /// Ops moved into (or erased with) regions, and ops cloned into the regions built.
  unsigned numFusedOps() const {
    unsigned n = 0;
    for (const FusionPlan &p : plans)
      n += p.members.size();
    return n;
  }
  unsigned numClones() const {
    unsigned n = 0;
    for (const FusionPlan &p : plans)
      n += p.results.empty() ? 0 : p.clones.size();
    return n;
  }

private:
  std::optional<unsigned> groupOf(Operation *op) const {
    auto it = groupIndex.find(op);
    if (it == groupIndex.end())
      return std::nullopt;
    return it->second;
  }
  /// The op of this block that holds `user` (itself, or an ancestor), or null.
  Operation *topLevel(Operation *user) const { return block.findAncestorOpInBlock(*user); }

  bool canAbsorb(const FusionGroup &consumer, const FusionGroup &producer,
                 FusionRole consumerRole) const;
  /// Note [Sibling reductions]: `producer` holds a reduction over the same operand shape that
  /// lowers to a loop nest of the same shape as `reduction`'s.
  bool hasSiblingReduction(const FusionGroup &producer, Operation *reduction) const;
  bool wouldCycle(unsigned a, unsigned b) const;
  void merge(unsigned into, unsigned from);
  /// Adds `def` (a clonable producer outside the group) and its clonable operands to `plan`.
  void addClone(FusionPlan &plan, Operation *def);
  SmallVector<Operation *> recomputableCone(Operation *member, unsigned group) const;
  /// True when an op that stays at the top level (not in a region, or func.return) uses `value`.
  bool readOutsideRegions(Value value) const;
  void computeBodies();
  void computeResults();
  /// Note [Recomputed members]: one round; true if some region got new clones.
  bool recomputeMembers();
  bool isMemberOf(Operation *op, unsigned group) const {
    std::optional<unsigned> g = groupOf(op);
    return g && *g == group;
  }

  Block &block;
  llvm::DenseMap<Operation *, unsigned> position;
  llvm::DenseMap<Operation *, unsigned> groupIndex;
  std::vector<FusionGroup> groups;
  std::vector<FusionPlan> plans;
  unsigned createdFusions = 0;
  /// Plan index of each group that becomes a region.
  llvm::DenseMap<unsigned, unsigned> planOfGroup;
};

//===----------------------------------------------------------------------===//
// Phase 1: grouping
//===----------------------------------------------------------------------===//

bool BlockFuser::canAbsorb(const FusionGroup &consumer, const FusionGroup &producer,
                           FusionRole consumerRole) const {
  // A reduction ends its group: what consumes it needs the finished value.
  if (producer.hasReduction)
    return false;
  // Input fusion: a reduction takes an elementwise chain, not a matmul and its epilogue.
  if (consumerRole == FusionRole::Reduction)
    return !producer.matmul;
  // One matmul (the root of the output fusion) per group.
  if (consumer.matmul && producer.matmul)
    return false;
  // No input fusion into a matmul: an epilogue op that also reads the producer of a matmul
  // operand does not pull that producer into the matmul's group.
  const FusionGroup &withMatmul = consumer.matmul ? consumer : producer;
  const FusionGroup &other = consumer.matmul ? producer : consumer;
  if (!withMatmul.matmul)
    return true;
  return llvm::none_of(withMatmul.matmul->getOperands(), [&](Value operand) {
    Operation *def = operand.getDefiningOp();
    return def && llvm::is_contained(other.members, def);
  });
}

/// The reduced dims of the first linalg.generic that `reduction` lowers to: its axes, or only the
/// innermost one when it reduces the innermost dim and others (StructuredToLinalg reduces the
/// rows first, then the rest).
static llvm::SmallVector<int64_t> firstStageAxes(Operation *reduction) {
  ArrayRef<int64_t> axes = reduction->getAttrOfType<DenseI64ArrayAttr>("axes").asArrayRef();
  int64_t rank = cast<RankedTensorType>(reduction->getOperand(0).getType()).getRank();
  llvm::SmallVector<int64_t> sorted(axes.begin(), axes.end());
  llvm::sort(sorted);
  if (rank > 1 && sorted.size() > 1 && sorted.back() == rank - 1)
    return {rank - 1};
  return sorted;
}

bool BlockFuser::hasSiblingReduction(const FusionGroup &producer, Operation *reduction) const {
  if (!producer.hasReduction || producer.matmul)
    return false;
  Type operandType = reduction->getOperand(0).getType();
  if (!isa<FloatType>(cast<RankedTensorType>(operandType).getElementType()))
    return false;
  llvm::SmallVector<int64_t> axes = firstStageAxes(reduction);
  return llvm::any_of(producer.members, [&](Operation *member) {
    return getFusionRole(member) == FusionRole::Reduction &&
           member->getOperand(0).getType() == operandType && firstStageAxes(member) == axes;
  });
}

bool BlockFuser::wouldCycle(unsigned a, unsigned b) const {
  auto inUnion = [&](Operation *op) {
    std::optional<unsigned> g = groupOf(op);
    return g && (*g == a || *g == b);
  };
  SmallVector<Operation *> worklist;
  llvm::DenseSet<Operation *> visited;
  // Reaching one member of another group reaches the whole group (it is one node).
  auto reach = [&](Operation *op) {
    if (!visited.insert(op).second)
      return;
    worklist.push_back(op);
    if (std::optional<unsigned> g = groupOf(op))
      for (Operation *member : groups[*g].members)
        if (visited.insert(member).second)
          worklist.push_back(member);
  };
  // Seeds: outside users of the union. Reaching the union again from there is a cycle.
  for (unsigned g : {a, b})
    for (Operation *member : groups[g].members)
      for (Operation *user : member->getUsers())
        if (Operation *top = topLevel(user); top && !inUnion(top))
          reach(top);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    for (Operation *user : op->getUsers()) {
      Operation *top = topLevel(user);
      if (!top)
        continue;
      if (inUnion(top))
        return true;
      reach(top);
    }
  }
  return false;
}

void BlockFuser::merge(unsigned into, unsigned from) {
  FusionGroup &dst = groups[into], &src = groups[from];
  for (Operation *op : src.members) {
    dst.members.push_back(op);
    groupIndex[op] = into;
  }
  if (!dst.matmul)
    dst.matmul = src.matmul;
  dst.hasReduction |= src.hasReduction;
  src.members.clear();
  src.alive = false;
}

void BlockFuser::formGroups() {
  for (Operation &op : block) {
    FusionRole role = getFusionRole(&op);
    if (role == FusionRole::None)
      continue;
    unsigned current = groups.size();
    FusionGroup group;
    group.members.push_back(&op);
    group.matmul = role == FusionRole::Matmul ? &op : nullptr;
    group.hasReduction = role == FusionRole::Reduction;
    groups.push_back(std::move(group));
    groupIndex[&op] = current;
    if (role == FusionRole::Matmul)
      continue; // no input fusion into a matmul
    for (Value operand : op.getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (!def || def->getBlock() != &block)
        continue;
      std::optional<unsigned> producer = groupOf(def);
      if (!producer || *producer == current)
        continue;
      bool absorb = canAbsorb(groups[current], groups[*producer], role) ||
                    (role == FusionRole::Reduction && hasSiblingReduction(groups[*producer], &op));
      if (!absorb || wouldCycle(current, *producer))
        continue;
      // Keep the older group's index, so that group indices follow program order.
      unsigned into = std::min(current, *producer), from = std::max(current, *producer);
      merge(into, from);
      current = into;
    }
  }
}

//===----------------------------------------------------------------------===//
// Phase 2: planning
//===----------------------------------------------------------------------===//

void BlockFuser::addClone(FusionPlan &plan, Operation *def) {
  if (plan.clones.contains(def))
    return;
  if (auto broadcast = dyn_cast<BroadcastOp>(def)) {
    Operation *operandDef = broadcast.getOperand().getDefiningOp();
    if (operandDef && operandDef->getBlock() == &block && isSplatConstant(operandDef))
      addClone(plan, operandDef);
  }
  plan.clones.insert(def);
}

/// The elementwise cone of `member` inside its group: the member and, transitively, the members
/// its operands come from. Empty when the cone holds a matmul or a reduction (never
/// recomputed) or more than `kMaxRecomputedOps` ops.
SmallVector<Operation *> BlockFuser::recomputableCone(Operation *member, unsigned group) const {
  SmallVector<Operation *> cone, worklist = {member};
  llvm::DenseSet<Operation *> seen = {member};
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (getFusionRole(op) != FusionRole::Elementwise || cone.size() >= kMaxRecomputedOps)
      return {};
    cone.push_back(op);
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp();
          def && isMemberOf(def, group) && seen.insert(def).second)
        worklist.push_back(def);
  }
  return cone;
}

void BlockFuser::planRegions() {
  auto byPosition = [&](Operation *x, Operation *y) { return position[x] < position[y]; };
  // (a) Members, clones of broadcasts / splat constants, and which groups become regions.
  for (auto [index, group] : llvm::enumerate(groups)) {
    if (!group.alive)
      continue;
    FusionPlan plan;
    plan.group = index;
    plan.members = group.members;
    llvm::sort(plan.members, byPosition);
    for (Operation *member : plan.members) {
      if (getFusionRole(member) == FusionRole::Matmul)
        continue; // a matmul reads its operands as they are
      for (Value operand : member->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if (def && def->getBlock() == &block && !isMemberOf(def, index) && isClonableProducer(def))
          addClone(plan, def);
      }
    }
    unsigned computing = plan.members.size();
    for (Operation *clone : plan.clones)
      computing += isa<BroadcastOp>(clone);
    if (computing < 2)
      continue;
    planOfGroup[index] = plans.size();
    plans.push_back(std::move(plan));
  }

  // (b) Bodies, inputs and results, then Note [Recomputed members]; a round of recomputation
  // can expose new candidates (a recomputed cone reads a value of a third region), so the
  // rounds repeat until nothing changes.
  for (unsigned round = 1;; ++round) {
    computeBodies();
    computeResults();
    if (round == kMaxPlanningRounds || !recomputeMembers())
      break;
  }
}

bool BlockFuser::readOutsideRegions(Value value) const {
  return llvm::any_of(value.getUsers(), [&](Operation *user) {
    Operation *top = topLevel(user);
    std::optional<unsigned> g = top ? groupOf(top) : std::nullopt;
    return !top || !g || !planOfGroup.count(*g);
  });
}

void BlockFuser::computeBodies() {
  auto byPosition = [&](Operation *x, Operation *y) {
    return position.lookup(x) < position.lookup(y);
  };
  for (FusionPlan &plan : plans) {
    // Recomputed cones may read broadcasts too: those are cloned as well.
    SmallVector<Operation *> recomputed(plan.clones.begin(), plan.clones.end());
    while (!recomputed.empty()) {
      Operation *op = recomputed.pop_back_val();
      for (Value operand : op->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if (def && def->getBlock() == &block && !isMemberOf(def, plan.group) &&
            isClonableProducer(def) && !plan.clones.contains(def)) {
          addClone(plan, def);
          recomputed.push_back(def);
        }
      }
    }
    plan.bodyOps.assign(plan.members.begin(), plan.members.end());
    for (Operation *clone : plan.clones)
      if (!isMemberOf(clone, plan.group))
        plan.bodyOps.push_back(clone);
    llvm::sort(plan.bodyOps, byPosition);
    llvm::DenseSet<Operation *> inBody(plan.bodyOps.begin(), plan.bodyOps.end());
    plan.inputs.clear();
    for (Operation *op : plan.bodyOps)
      for (Value operand : op->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if (!def || !inBody.contains(def))
          plan.inputs.insert(operand);
      }
  }
}

void BlockFuser::computeResults() {
  // Member values another region reads as an input, or that an op staying at the top level
  // (func.return included) uses.
  llvm::DenseSet<Value> readByRegions;
  for (const FusionPlan &plan : plans)
    readByRegions.insert(plan.inputs.begin(), plan.inputs.end());
  for (FusionPlan &plan : plans) {
    plan.results.clear();
    for (Operation *member : plan.members)
      for (Value value : member->getResults())
        if (readByRegions.contains(value) || readOutsideRegions(value))
          plan.results.push_back(value);
  }
}

bool BlockFuser::recomputeMembers() {
  bool changed = false;
  for (FusionPlan &plan : plans) {
    for (Operation *member : plan.members) {
      if (getFusionRole(member) != FusionRole::Elementwise)
        continue;
      for (Value value : member->getResults()) {
        if (!llvm::is_contained(plan.results, value) || readOutsideRegions(value))
          continue;
        SmallVector<FusionPlan *> readers;
        bool readByMatmul = false;
        for (FusionPlan &other : plans) {
          if (&other == &plan || !other.inputs.contains(value))
            continue;
          readers.push_back(&other);
          readByMatmul |= llvm::any_of(other.members, [&](Operation *op) {
            return getFusionRole(op) == FusionRole::Matmul &&
                   llvm::is_contained(op->getOperands(), value);
          });
        }
        if (readByMatmul || readers.empty())
          continue;
        SmallVector<Operation *> cone = recomputableCone(member, plan.group);
        for (FusionPlan *reader : readers)
          for (Operation *op : cone)
            changed |= reader->clones.insert(op);
      }
    }
  }
  return changed;
}

//===----------------------------------------------------------------------===//
// Phase 3: rewriting
//===----------------------------------------------------------------------===//

LogicalResult BlockFuser::rewrite() {
  if (plans.empty())
    return success();
  SmallVector<std::pair<Value, Value>> replacements;
  for (FusionPlan &plan : plans) {
    // Every value of the group is recomputed by the regions that read it: nothing to build, the
    // members are erased below.
    if (plan.results.empty())
      continue;
    ++createdFusions;
    Operation *last = plan.members.back();
    OpBuilder builder(last);
    SmallVector<Location> locations;
    for (Operation *member : plan.members)
      locations.push_back(member->getLoc());
    Location loc = builder.getFusedLoc(locations);
    SmallVector<Type> resultTypes;
    for (Value v : plan.results)
      resultTypes.push_back(v.getType());
    SmallVector<Value> inputs(plan.inputs.begin(), plan.inputs.end());
    auto fusion = builder.create<FusionOp>(loc, resultTypes, inputs);

    Block *body = new Block();
    fusion.getBody().push_back(body);
    IRMapping mapping;
    for (Value input : inputs)
      mapping.map(input, body->addArgument(input.getType(), input.getLoc()));
    OpBuilder bodyBuilder = OpBuilder::atBlockEnd(body);
    for (Operation *op : plan.bodyOps)
      bodyBuilder.clone(*op, mapping);
    SmallVector<Value> yielded;
    for (Value v : plan.results)
      yielded.push_back(mapping.lookup(v));
    bodyBuilder.create<YieldOp>(loc, yielded);
    // A member recomputed by every region that read it (Note [Recomputed members]) may be left
    // without a reader here; grad ops are pure, so drop it.
    SmallVector<Operation *> bodyOrder;
    for (Operation &op : body->without_terminator())
      bodyOrder.push_back(&op);
    for (Operation *op : llvm::reverse(bodyOrder))
      if (op->use_empty())
        op->erase();
    for (auto [original, result] : llvm::zip(plan.results, fusion.getResults()))
      replacements.push_back({original, result});
  }
  for (auto [original, result] : replacements)
    original.replaceAllUsesWith(result);

  // Erase users before producers: members of every region, then the clones' originals that
  // nothing reads any more (a clone may itself be a member of a region, erased already).
  SmallVector<Operation *> fused, clonedOriginals;
  llvm::DenseSet<Operation *> fusedSet;
  for (const FusionPlan &plan : plans)
    for (Operation *member : plan.members) {
      fused.push_back(member);
      fusedSet.insert(member);
    }
  for (const FusionPlan &plan : plans)
    for (Operation *clone : plan.clones)
      if (!fusedSet.contains(clone) && !llvm::is_contained(clonedOriginals, clone))
        clonedOriginals.push_back(clone);
  auto laterFirst = [&](Operation *x, Operation *y) { return position[x] > position[y]; };
  llvm::sort(fused, laterFirst);
  llvm::sort(clonedOriginals, laterFirst);
  for (Operation *op : fused) {
    if (!op->use_empty())
      return op->emitError("grad-fuse: internal error: a fused op is still used outside its "
                           "region");
    op->erase();
  }
  for (Operation *op : clonedOriginals)
    if (op->use_empty())
      op->erase();

  if (!sortTopologically(&block))
    return block.getParentOp()->emitError("grad-fuse: internal error: the fused block has a "
                                          "cycle");
  return success();
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

class GradFusePass : public impl::GradFusePassBase<GradFusePass> {
public:
  using GradFusePassBase::GradFusePassBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    int64_t before = countKernels(fn);
    for (Block &block : fn.getBody()) {
      BlockFuser fuser(block);
      fuser.formGroups();
      fuser.planRegions();
      numFusions += fuser.numFusions();
      numFusedOps += fuser.numFusedOps();
      numClonedProducers += fuser.numClones();
      if (failed(fuser.rewrite()))
        return signalPassFailure();
    }
    if (report)
      fn.emitRemark() << "grad-fuse: @" << fn.getSymName() << ": kernels before: " << before
                      << ", after: " << countKernels(fn);
  }
};

} // namespace
} // namespace grad
