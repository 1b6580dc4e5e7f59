// In-place ops. Each computes its result with the out-of-place op, writes it into this tensor's
// storage and bumps the storage's version counter (shared by all views), so that a tensor saved
// for backward and changed afterwards is caught at backward (SavedVariable::unpack).
//
// Note [In-place and autograd]
// Under grad mode, when this tensor or the operand requires grad:
//  - a leaf requiring grad is an error (its .grad would no longer match its value);
//  - a view is an error (its base's history would not see the change: PyTorch rebases the
//    base's graph, which we do not implement);
//  - otherwise the tensor takes the history of the result (PyTorch's rebase_history). The old
//    value is snapshotted first when the op's VJP reads it, so the saved copy stays valid.
#include <fmt/format.h>

#include "autograd/graph.h"
#include "core/tensor_impl.h"
#include "grad/ops.h"
#include "kernels/kernels.h"

namespace grad {
namespace {

enum class InplaceKind { Add, Sub, Mul, Div, Copy };

const char* inplace_name(InplaceKind k) {
  switch (k) {
  case InplaceKind::Add:
    return "add_";
  case InplaceKind::Sub:
    return "sub_";
  case InplaceKind::Mul:
    return "mul_";
  case InplaceKind::Div:
    return "div_";
  case InplaceKind::Copy:
    return "copy_";
  }
  return "?";
}

void check_writable(const Tensor& self, const char* op) {
  check_defined(self, op);
  if (self.is_symbolic())
    throw Error(fmt::format("{}: in-place ops are not traceable (symbolic tensor of shape {}, "
                            "{}); use the out-of-place op",
                            op, shape_str(self.shape()), dtype_name(self.dtype())));
  const Shape& s = self.shape();
  const auto& st = self.strides();
  for (size_t i = 0; i < s.size(); ++i)
    if (st[i] == 0 && s[i] > 1)
      throw Error(fmt::format("{}: cannot write into a broadcast view (shape {}): several "
                              "elements share one memory location",
                              op, shape_str(s)));
}

Tensor compute(InplaceKind k, const Tensor& self, const Tensor& other) {
  switch (k) {
  case InplaceKind::Add:
    return add(self, other);
  case InplaceKind::Sub:
    return sub(self, other);
  case InplaceKind::Mul:
    return mul(self, other);
  case InplaceKind::Div:
    return div(self, other);
  case InplaceKind::Copy: {
    Tensor src = other.dtype() == self.dtype() ? other : convert(other, self.dtype());
    return broadcast_to(src, self.shape());
  }
  }
  return Tensor();
}

// The common case without autograd (optimizer updates, buffers): a contiguous f32/f64 target and
// an operand of the same dtype that is either contiguous with the same shape or a single element.
// The result is written straight into `self` in one pass: self = self (op) alpha * other.
// Returns false when the general path (out-of-place op + copy) must run.
template <class T>
void inplace_loop(InplaceKind k, T* dst, const T* src, int64_t n, bool scalar, T alpha) {
  switch (k) {
  case InplaceKind::Add:
    if (scalar)
      for (int64_t i = 0; i < n; ++i) dst[i] += alpha * src[0];
    else
      for (int64_t i = 0; i < n; ++i) dst[i] += alpha * src[i];
    return;
  case InplaceKind::Sub:
    if (scalar)
      for (int64_t i = 0; i < n; ++i) dst[i] -= src[0];
    else
      for (int64_t i = 0; i < n; ++i) dst[i] -= src[i];
    return;
  case InplaceKind::Mul:
    if (scalar)
      for (int64_t i = 0; i < n; ++i) dst[i] *= src[0];
    else
      for (int64_t i = 0; i < n; ++i) dst[i] *= src[i];
    return;
  case InplaceKind::Div:
    if (scalar)
      for (int64_t i = 0; i < n; ++i) dst[i] /= src[0];
    else
      for (int64_t i = 0; i < n; ++i) dst[i] /= src[i];
    return;
  case InplaceKind::Copy:
    return;
  }
}

bool try_inplace_kernel(InplaceKind k, Tensor& self, const Tensor& other, double alpha) {
  if (k == InplaceKind::Copy || self.dtype() != other.dtype() || !self.is_contiguous() ||
      other.is_symbolic())
    return false;
  if (self.dtype() != DType::f32 && self.dtype() != DType::f64)
    return false;
  const bool scalar = other.numel() == 1 && other.dim() <= self.dim();
  if (!scalar && (other.shape() != self.shape() || !other.is_contiguous()))
    return false;
  // `other` may overlap `self` only when it is the very same elements (x.add_(x)): elementwise
  // in order, each element is read before it is written.
  auto* si = self.unsafe_impl();
  auto* oi = other.unsafe_impl();
  if (si->storage == oi->storage && !(si->offset == oi->offset && !scalar))
    return false;
  const int64_t n = self.numel();
  kernels::count_kernel();
  if (self.dtype() == DType::f32)
    inplace_loop(k, self.data_ptr<float>(), other.data_ptr<float>(), n, scalar,
                 static_cast<float>(alpha));
  else
    inplace_loop(k, self.data_ptr<double>(), other.data_ptr<double>(), n, scalar, alpha);
  ++si->storage->version;
  return true;
}

Tensor& inplace(Tensor& self, InplaceKind k, const Tensor& other) {
  const char* op = inplace_name(k);
  check_writable(self, op);
  check_defined(other, op);
  bool record = is_grad_enabled() && (self.requires_grad() || other.requires_grad());
  if (!record && try_inplace_kernel(k, self, other, 1.0))
    return self;
  if (!record) {
    Tensor r;
    {
      NoGradGuard no_grad;
      r = compute(k, self, other);
    }
    if (r.shape() != self.shape())
      throw Error(fmt::format("{}: result shape {} differs from the in-place target shape {}", op,
                              shape_str(r.shape()), shape_str(self.shape())));
    kernels::copy_into(self, r);
    ++self.unsafe_impl()->storage->version;
    return self;
  }
  if (self.is_leaf() && self.requires_grad())
    throw Error(fmt::format("{}: a leaf tensor that requires grad (shape {}) is used in an "
                            "in-place operation; wrap it in NoGradGuard or use the out-of-place op",
                            op, shape_str(self.shape())));
  if (self.unsafe_impl()->is_view)
    throw Error(fmt::format("{}: in-place change of a view (shape {}) while recording gradients "
                            "is not supported; use the out-of-place op",
                            op, shape_str(self.shape())));
  // See Note [In-place and autograd]: snapshot the old value when the VJP reads it.
  Tensor old =
      (k == InplaceKind::Mul || k == InplaceKind::Div) ? convert(self, self.dtype()) : self;
  Tensor r = compute(k, old, other);
  if (r.shape() != self.shape())
    throw Error(fmt::format("{}: result shape {} differs from the in-place target shape {}", op,
                            shape_str(r.shape()), shape_str(self.shape())));
  kernels::copy_into(self, r);
  ++self.unsafe_impl()->storage->version;
  AutogradMeta& m = self.unsafe_impl()->meta();
  m.requires_grad = r.requires_grad();
  m.grad_fn = r.grad_fn();
  m.output_nr = r.output_nr();
  return self;
}

Tensor scalar_for(const Tensor& self, double v) {
  check_defined(self, "in-place op");
  return scalar_tensor(v, self.dtype());
}

} // namespace

Tensor& Tensor::add_(const Tensor& o) { return inplace(*this, InplaceKind::Add, o); }
Tensor& Tensor::add_(const Tensor& o, double alpha) {
  if (alpha == 1.0)
    return add_(o);
  check_writable(*this, "add_");
  check_defined(o, "add_");
  const bool record = is_grad_enabled() && (requires_grad() || o.requires_grad());
  if (!record && try_inplace_kernel(InplaceKind::Add, *this, o, alpha))
    return *this;
  return inplace(*this, InplaceKind::Add, mul(o, scalar_tensor(alpha, o.dtype())));
}
Tensor& Tensor::add_(double o) { return inplace(*this, InplaceKind::Add, scalar_for(*this, o)); }
Tensor& Tensor::sub_(const Tensor& o) { return inplace(*this, InplaceKind::Sub, o); }
Tensor& Tensor::sub_(double o) { return inplace(*this, InplaceKind::Sub, scalar_for(*this, o)); }
Tensor& Tensor::mul_(const Tensor& o) { return inplace(*this, InplaceKind::Mul, o); }
Tensor& Tensor::mul_(double o) { return inplace(*this, InplaceKind::Mul, scalar_for(*this, o)); }
Tensor& Tensor::div_(const Tensor& o) { return inplace(*this, InplaceKind::Div, o); }
Tensor& Tensor::div_(double o) { return inplace(*this, InplaceKind::Div, scalar_for(*this, o)); }
Tensor& Tensor::copy_(const Tensor& src) { return inplace(*this, InplaceKind::Copy, src); }

Tensor& Tensor::fill_(double value) {
  check_writable(*this, "fill_");
  if (is_grad_enabled() && requires_grad()) {
    if (is_leaf())
      throw Error(fmt::format("fill_: a leaf tensor that requires grad (shape {}) is used in an "
                              "in-place operation",
                              shape_str(shape())));
    // The new value is a constant: no gradient flows to the old history.
    AutogradMeta& m = unsafe_impl()->meta();
    m.grad_fn = nullptr;
    m.requires_grad = false;
  }
  kernels::fill(*this, value);
  ++unsafe_impl()->storage->version;
  return *this;
}

Tensor& Tensor::zero_() { return fill_(0.0); }

} // namespace grad
