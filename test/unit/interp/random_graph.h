//===- random_graph.h - seeded random grad functions for property tests ---*- C++ -*-===//
//
// GraphGenerator builds random well-typed grad functions (arguments and constants feeding
// unary, binary, broadcast, reduction, transpose, reshape, matmul, cmp/select, slice, concat,
// gather and convert ops) from a seed. Shared by the property tests that check a pass never
// changes results: --grad-fold (test/unit/interp) and --grad-fuse (test/unit/fusion).
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_TEST_UNIT_INTERP_RANDOM_GRAPH_H
#define GRAD_TEST_UNIT_INTERP_RANDOM_GRAPH_H

#include "grad/Bridge/OpTableBridge.h"
#include "grad/op_table.h"
#include "grad/ops.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace grad::proptest {

using namespace mlir;
using grad::DType;
using grad::OpAttrs;
using grad::OpKind;
using grad::Tensor;

/// Builds one random function (f32 arguments; f32, f64 and i64 values inside). All choices come
/// from `rng`, so a seed reproduces the graph.
class GraphGenerator {
public:
  GraphGenerator(MLIRContext &ctx, uint64_t seed) : ctx(ctx), rng(seed), builder(&ctx) {}

  /// A module with one function @f; `args` receives random arguments for it.
  OwningOpRef<ModuleOp> generate(std::vector<Tensor> &args) {
    Location loc = builder.getUnknownLoc();
    OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
    // Arguments: 1-2 f32 tensors of random small shapes.
    SmallVector<Type> argTypes;
    int numArgs = uniform(1, 2);
    for (int i = 0; i < numArgs; ++i) {
      grad::Shape shape = randomShape();
      argTypes.push_back(tensorType(shape, DType::f32));
      args.push_back(grad::randn(shape, rng(), DType::f32));
    }
    builder.setInsertionPointToEnd(module->getBody());
    auto fn = builder.create<func::FuncOp>(loc, "f", builder.getFunctionType(argTypes, {}));
    Block *entry = fn.addEntryBlock();
    builder.setInsertionPointToEnd(entry);
    for (Value a : entry->getArguments())
      pool.push_back(a);
    int numConstants = uniform(1, 3);
    for (int i = 0; i < numConstants; ++i)
      pool.push_back(constant(randomShape(), DType::f32));

    int steps = uniform(4, 16);
    for (int i = 0; i < steps; ++i)
      step();

    // Return the last 1-2 values made (they depend on most of the graph) and maybe one more.
    SmallVector<Value> results;
    results.push_back(pool.back());
    if (pool.size() > 1 && uniform(0, 1))
      results.push_back(pool[pool.size() - 2]);
    if (uniform(0, 2) == 0)
      results.push_back(pick());
    builder.create<func::ReturnOp>(loc, results);
    fn.setFunctionType(builder.getFunctionType(argTypes, TypeRange(ValueRange(results))));
    return module;
  }

private:
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  Value pick() { return pool[uniform(0, static_cast<int>(pool.size()) - 1)]; }
  Value pickFloat() {
    for (int tries = 0; tries < 20; ++tries) {
      Value v = pick();
      if (isa<FloatType>(elemType(v)))
        return v;
    }
    return pool.front(); // an f32 argument
  }
  static Type elemType(Value v) { return cast<RankedTensorType>(v.getType()).getElementType(); }
  static ArrayRef<int64_t> shapeOf(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  }
  static DType dtypeOf(Value v) { return *grad::dtypeFromElementType(elemType(v)); }

  grad::Shape randomShape() {
    int rank = uniform(0, 3);
    grad::Shape s;
    for (int i = 0; i < rank; ++i)
      s.push_back(uniform(1, 4));
    return s;
  }
  RankedTensorType tensorType(const grad::Shape &shape, DType dtype) {
    return grad::tensorTypeFor(&ctx, shape, dtype);
  }

  Value build(OpKind kind, ValueRange operands, const OpAttrs &attrs = {}) {
    FailureOr<Value> v = grad::buildGradOp(builder, builder.getUnknownLoc(), kind, operands, attrs);
    if (failed(v)) {
      ADD_FAILURE() << "generator built an invalid " << grad::op_info(kind).name;
      return operands.empty() ? pool.front() : operands.front();
    }
    return *v;
  }

  Value constant(const grad::Shape &shape, DType dtype) {
    OpAttrs attrs;
    Tensor t;
    if (dtype == DType::i64) {
      std::vector<int64_t> ints(grad::shape_numel(shape));
      for (int64_t &v : ints)
        v = uniform(-5, 5);
      t = grad::tensor(ints, shape);
    } else {
      t = grad::randn(shape, rng(), dtype);
    }
    attrs.value = std::make_shared<const Tensor>(t);
    return build(OpKind::Constant, {}, attrs);
  }
  /// A value of `v`'s type: another pool value when there is one (50%), else a new constant.
  Value partnerFor(Value v) {
    if (uniform(0, 1)) {
      for (int tries = 0; tries < 10; ++tries) {
        Value w = pick();
        if (w.getType() == v.getType())
          return w;
      }
    }
    return constant(grad::Shape(shapeOf(v)), dtypeOf(v));
  }

  void step() {
    // Every unary row of the op table (grad/op_table.def), so that a new op is fuzzed at once.
    static const std::vector<OpKind> unary = [] {
      std::vector<OpKind> kinds;
      for (int k = 0; k < grad::kNumOpKinds; ++k)
        if (grad::op_info(static_cast<OpKind>(k)).family == grad::OpFamily::Unary)
          kinds.push_back(static_cast<OpKind>(k));
      return kinds;
    }();
    // The first five also take i64 operands.
    static const OpKind binary[] = {OpKind::Add,     OpKind::Sub, OpKind::Mul, OpKind::Maximum,
                                    OpKind::Minimum, OpKind::Div, OpKind::Pow};
    // Mostly floats; i64 values (made by convert) take part in the ops defined on them.
    Value x = uniform(0, 2) == 0 ? pick() : pickFloat();
    bool isInt = dtypeOf(x) == DType::i64;
    grad::Shape shape(shapeOf(x));
    int rank = static_cast<int>(shape.size());
    OpAttrs attrs;
    switch (uniform(0, 11)) {
    case 0:
    case 1:
      pool.push_back(build(unary[uniform(0, static_cast<int>(unary.size()) - 1)], {pickFloat()}));
      return;
    case 2:
    case 3:
      pool.push_back(build(binary[uniform(0, isInt ? 4 : 6)], {x, partnerFor(x)}));
      return;
    case 4: { // broadcast: a new leading dim, and size-1 dims expanded to 3
      attrs.shape = {2};
      for (int i = 0; i < rank; ++i) {
        attrs.dims.push_back(i + 1);
        attrs.shape.push_back(shape[i] == 1 ? 3 : shape[i]);
      }
      pool.push_back(build(OpKind::Broadcast, {x}, attrs));
      return;
    }
    case 5: { // sum / mean / max over a random subset of axes
      if (rank == 0)
        return;
      for (int i = 0; i < rank; ++i)
        if (uniform(0, 1))
          attrs.axes.push_back(i);
      if (attrs.axes.empty())
        attrs.axes.push_back(uniform(0, rank - 1));
      attrs.keepdim = uniform(0, 1);
      OpKind kinds[] = {OpKind::Sum, OpKind::Max, OpKind::Mean};
      pool.push_back(build(kinds[uniform(0, isInt ? 1 : 2)], {x}, attrs));
      return;
    }
    case 6: { // transpose (random permutation) or reshape (flatten / split)
      if (rank >= 2 && uniform(0, 1)) {
        for (int i = 0; i < rank; ++i)
          attrs.perm.push_back(i);
        std::shuffle(attrs.perm.begin(), attrs.perm.end(), rng);
        pool.push_back(build(OpKind::Transpose, {x}, attrs));
      } else {
        int64_t n = grad::shape_numel(shape);
        attrs.shape = (rank == 1 && n % 2 == 0) ? grad::Shape{2, n / 2} : grad::Shape{n};
        pool.push_back(build(OpKind::Reshape, {x}, attrs));
      }
      return;
    }
    case 7: { // matmul [m,k] x [k,n]
      if (rank != 2 || isInt)
        return;
      Value rhs = constant({shape[1], uniform(1, 3)}, dtypeOf(x));
      for (int tries = 0; tries < 10; ++tries) {
        Value w = pick();
        if (shapeOf(w).size() == 2 && shapeOf(w)[0] == shape[1] && elemType(w) == elemType(x)) {
          rhs = w;
          break;
        }
      }
      pool.push_back(build(OpKind::Matmul, {x, rhs}));
      return;
    }
    case 8: { // cmp + select
      Value y = partnerFor(x);
      attrs.predicate = static_cast<grad::CmpPredicate>(uniform(0, 4));
      Value cond = build(OpKind::Cmp, {x, y}, attrs);
      pool.push_back(build(OpKind::Select, {cond, x, y}));
      return;
    }
    case 9: { // strided slice
      if (rank == 0)
        return;
      for (int i = 0; i < rank; ++i) {
        int64_t start = uniform(0, static_cast<int>(shape[i]) - 1);
        attrs.starts.push_back(start);
        attrs.limits.push_back(uniform(static_cast<int>(start) + 1, static_cast<int>(shape[i])));
        attrs.strides.push_back(uniform(1, 2));
      }
      pool.push_back(build(OpKind::Slice, {x}, attrs));
      return;
    }
    case 10: { // concat with a same-typed value, or gather rows
      if (rank == 0)
        return;
      if (uniform(0, 1)) {
        attrs.axis = uniform(0, rank - 1);
        pool.push_back(build(OpKind::Concat, {x, partnerFor(x)}, attrs));
      } else {
        std::vector<int64_t> idx = {uniform(0, static_cast<int>(shape[0]) - 1),
                                    uniform(0, static_cast<int>(shape[0]) - 1)};
        OpAttrs c;
        c.value = std::make_shared<const Tensor>(grad::tensor(idx, {2}));
        Value indices = build(OpKind::Constant, {}, c);
        pool.push_back(build(OpKind::Gather, {x, indices}));
      }
      return;
    }
    default: // convert f32 <-> f64, f32 -> i64 (truncation), i64 -> f32
      attrs.dtype = dtypeOf(x) != DType::f32 ? DType::f32
                    : uniform(0, 2) == 0     ? DType::i64
                                             : DType::f64;
      pool.push_back(build(OpKind::Convert, {x}, attrs));
      return;
    }
  }

  MLIRContext &ctx;
  std::mt19937_64 rng;
  OpBuilder builder;
  std::vector<Value> pool;
};

} // namespace grad::proptest

#endif // GRAD_TEST_UNIT_INTERP_RANDOM_GRAPH_H
