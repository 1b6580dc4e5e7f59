// grad::dist's eager collectives: init/rank/world_size, all_reduce_, broadcast_, the
// differentiable and traceable all_reduce (the op table's AllReduce, whose transport init()
// installs), and the terminate handler that turns an uncaught exception on one rank into the end
// of the whole job.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "grad/autograd.h"
#include "grad/dist.h"
#include "grad/op_table.h"
#include "grad/ops.h"
#include "status.h"

namespace grad::dist {
namespace {

using detail::throw_if_error;
using detail::to_rt;

void report_uncaught_and_abort() {
  std::string message = "terminate called without an active exception";
  if (std::exception_ptr e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      message = fmt::format("uncaught exception: {}", ex.what());
    } catch (...) {
      message = "uncaught exception of an unknown type";
    }
  }
  gradrt_dist_abort(1, (message + "; aborting every rank").c_str());
}

void check_initialized(const char* op) {
  if (!gradrt_dist_is_initialized())
    throw Error(fmt::format("{}: grad::dist is not initialized: call grad::dist::init() first",
                            op));
}

// Note [Cross-rank signature check]
// A collective whose ranks pass buffers of different sizes is undefined behaviour in MPI
// (a truncation error at best, a hang or silently wrong data at worst). Before each eager
// collective every rank contributes a fixed header (op, dtype, rank, shape) to one small
// all-gather and compares: all ranks see the same table, so all of them throw the same error.
constexpr int kMaxHeaderDims = 8;
constexpr int kHeaderSize = 4 + kMaxHeaderDims;

std::vector<int64_t> header_of(const Tensor& t, int64_t op_code) {
  std::vector<int64_t> h(kHeaderSize, -1);
  h[0] = op_code;
  h[1] = static_cast<int64_t>(t.dtype());
  h[2] = t.dim();
  h[3] = t.numel();
  for (int64_t d = 0; d < t.dim() && d < kMaxHeaderDims; ++d)
    h[4 + d] = t.shape()[d];
  return h;
}

std::string describe_header(const int64_t* h, const char* (*op_name)(int64_t)) {
  Shape shape;
  for (int64_t d = 0; d < h[2] && d < kMaxHeaderDims; ++d)
    shape.push_back(h[4 + d]);
  std::string dims = shape_str(shape);
  if (h[2] > kMaxHeaderDims)
    dims = fmt::format("{} (rank {}, {} elements)", dims, h[2], h[3]);
  return fmt::format("{}{} {}", dtype_name(static_cast<DType>(h[1])), dims, op_name(h[0]));
}

void check_same_across_ranks(const char* op, const Tensor& t, int64_t op_code,
                             const char* (*op_name)(int64_t)) {
  const int n = world_size();
  if (n == 1)
    return;
  std::vector<int64_t> mine = header_of(t, op_code);
  std::vector<int64_t> all(static_cast<size_t>(n) * kHeaderSize);
  throw_if_error(gradrt_dist_all_gather_i64(mine.data(), kHeaderSize, all.data(), op));
  bool same = true;
  for (int r = 1; r < n && same; ++r)
    same = std::memcmp(all.data(), all.data() + r * kHeaderSize, kHeaderSize * sizeof(int64_t)) == 0;
  if (same)
    return;
  std::string table;
  for (int r = 0; r < n; ++r)
    table += fmt::format("{}rank {}: {}", r ? ", " : "", r,
                         describe_header(all.data() + r * kHeaderSize, op_name));
  throw Error(fmt::format("{}: the ranks passed different tensors or arguments ({}); every rank "
                          "must call it with the same shape, dtype and op",
                          op, table));
}

const char* reduce_header_name(int64_t code) {
  return reduce_op_name(static_cast<ReduceOp>(code));
}
const char* root_header_name(int64_t) { return "broadcast"; }

void check_reducible(const char* op, const Tensor& t, ReduceOp reduce) {
  if (!t.defined())
    throw Error(fmt::format("{}: undefined tensor", op));
  if (t.is_symbolic())
    throw Error(fmt::format("{}: the tensor (shape {}) is symbolic (inside grad::jit): use "
                            "grad::dist::all_reduce, which is traced as grad.all_reduce",
                            op, shape_str(t.shape())));
  if (t.dtype() == DType::b8)
    throw Error(fmt::format("{}: cannot reduce a b8 tensor (shape {}); use f32, f64 or i64", op,
                            shape_str(t.shape())));
  if (reduce == ReduceOp::Mean && t.dtype() == DType::i64)
    throw Error(fmt::format("{}: mean of an i64 tensor (shape {}) is not an integer; use Sum or "
                            "a floating dtype",
                            op, shape_str(t.shape())));
}

/// Reduces a contiguous copy of `t` across ranks (the collective itself).
Tensor reduced_copy(const char* op, const Tensor& t, ReduceOp reduce) {
  Tensor buf = empty(t.shape(), t.dtype());
  {
    NoGradGuard no_grad;
    buf.copy_(t);
  }
  throw_if_error(
      gradrt_dist_all_reduce(buf.data_ptr(), buf.numel(), to_rt(t.dtype()), to_rt(reduce), op));
  return buf;
}

CollectiveOp to_collective(ReduceOp op) {
  switch (op) {
  case ReduceOp::Sum:
    return CollectiveOp::Sum;
  case ReduceOp::Mean:
    return CollectiveOp::Mean;
  case ReduceOp::Max:
    return CollectiveOp::Max;
  }
  return CollectiveOp::Sum;
}

/// OpKind::AllReduce's transport (Note [Collective backend] in grad/op_table.h).
void all_reduce_backend(const Tensor& buffer, CollectiveOp op) {
  grad_reduce_op rt = op == CollectiveOp::Sum    ? GRAD_REDUCE_SUM
                      : op == CollectiveOp::Mean ? GRAD_REDUCE_MEAN
                                                 : GRAD_REDUCE_MAX;
  throw_if_error(gradrt_dist_all_reduce(buffer.data_ptr(), buffer.numel(), to_rt(buffer.dtype()),
                                        rt, "all_reduce"));
}

} // namespace

const char* reduce_op_name(ReduceOp op) { return gradrt_dist_reduce_op_name(to_rt(op)); }

void init() {
  if (gradrt_dist_is_initialized())
    return;
  throw_if_error(gradrt_dist_init());
  set_all_reduce_backend(all_reduce_backend);
  if (gradrt_dist_uses_mpi())
    std::set_terminate(report_uncaught_and_abort);
}

bool is_initialized() { return gradrt_dist_is_initialized() != 0; }

int rank() {
  int r = 0;
  throw_if_error(gradrt_dist_rank(&r));
  return r;
}

int world_size() {
  int n = 1;
  throw_if_error(gradrt_dist_world_size(&n));
  return n;
}

double timeout() { return gradrt_dist_timeout(); }

void set_timeout(double seconds) {
  if (!(seconds > 0))
    throw Error(fmt::format("grad::dist::set_timeout: {} s: the timeout must be positive",
                            seconds));
  gradrt_dist_set_timeout(seconds);
}

void all_reduce_(const Tensor& t, ReduceOp op) {
  const char* name = "grad::dist::all_reduce_";
  check_initialized(name);
  check_reducible(name, t, op);
  if (t.requires_grad() && is_grad_enabled() && t.is_leaf())
    throw Error(fmt::format("{}: in-place operation on a leaf tensor (shape {}) that requires "
                            "grad; reduce its .grad(), a detached copy, or use NoGradGuard",
                            name, shape_str(t.shape())));
  check_same_across_ranks(name, t, static_cast<int64_t>(op), reduce_header_name);
  Tensor reduced = reduced_copy(name, t, op);
  Tensor target = t; // copy_ is non-const; the handle shares t's storage
  NoGradGuard no_grad;
  target.copy_(reduced);
}

void broadcast_(const Tensor& t, int root) {
  const char* name = "grad::dist::broadcast_";
  check_initialized(name);
  if (!t.defined())
    throw Error(fmt::format("{}: undefined tensor", name));
  if (t.is_symbolic())
    throw Error(fmt::format("{}: the tensor (shape {}) is symbolic (inside grad::jit); "
                            "broadcast parameters before tracing",
                            name, shape_str(t.shape())));
  if (t.requires_grad() && is_grad_enabled() && t.is_leaf())
    throw Error(fmt::format("{}: in-place operation on a leaf tensor (shape {}) that requires "
                            "grad; call it under NoGradGuard",
                            name, shape_str(t.shape())));
  check_same_across_ranks(name, t, root, root_header_name);
  // Through a private buffer: `t` may be a non-contiguous view, and copy_ bumps its version.
  Tensor buf = empty(t.shape(), t.dtype());
  NoGradGuard no_grad;
  buf.copy_(t);
  throw_if_error(
      gradrt_dist_broadcast(buf.data_ptr(), buf.numel(), to_rt(buf.dtype()), root, name));
  Tensor target = t;
  target.copy_(buf);
}

Tensor all_reduce(const Tensor& t, ReduceOp op) {
  const char* name = "grad::dist::all_reduce";
  check_initialized(name);
  if (!t.defined())
    throw Error(fmt::format("{}: undefined tensor", name));
  if (!t.is_symbolic()) { // traced: checked when the compiled code runs (same IR on every rank)
    check_reducible(name, t, op);
    if (!is_floating(t.dtype()))
      throw Error(fmt::format("{}: operand of shape {} has dtype {}; it needs f32 or f64 "
                              "(all_reduce_ also takes i64)",
                              name, shape_str(t.shape()), dtype_name(t.dtype())));
    check_same_across_ranks(name, t, static_cast<int64_t>(op), reduce_header_name);
  }
  OpAttrs attrs;
  attrs.collective = to_collective(op);
  return apply(OpKind::AllReduce, {t}, attrs);
}

void barrier() {
  check_initialized("grad::dist::barrier");
  throw_if_error(gradrt_dist_barrier());
}

void finalize() {
  set_all_reduce_backend(nullptr);
  throw_if_error(gradrt_dist_finalize());
}

} // namespace grad::dist
