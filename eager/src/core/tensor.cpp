// Tensor: metadata, data access and the autograd accessors (AutogradMeta lives on the impl).
#include "core/tensor_impl.h"
#include "grad/checked.h"

#include <cstring>
#include <ostream>
#include <string>

#include <fmt/format.h>

#include "grad/memory.h"
#include "grad/ops.h"
#include "kernels/kernels.h"

namespace grad {

Storage::Storage(size_t n) : nbytes(n) {
  // 64-byte alignment for vector loads; aligned_alloc needs a size that is a multiple of it.
  size_t rounded = (n + 63) / 64 * 64;
  if (rounded < n)
    throw Error(fmt::format("out of memory allocating {} bytes", n));
  data = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
  if (!data)
    throw Error(fmt::format("out of memory allocating {} bytes", n));
  detail::note_allocation(nbytes);
}

Storage::~Storage() {
  std::free(data);
  detail::note_free(nbytes);
}

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    // Wraps only for shapes whose element count overflows, which new_tensor and make_symbolic
    // reject before the strides are used.
    s = static_cast<int64_t>(static_cast<uint64_t>(s) * static_cast<uint64_t>(shape[i]));
  }
  return strides;
}

bool is_contiguous_layout(const Shape& shape, const std::vector<int64_t>& strides) {
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 1)
      continue;
    if (strides[i] != expected)
      return false;
    expected *= shape[i];
  }
  return true;
}

Tensor new_tensor(Shape shape, DType dtype, const char* op) {
  std::string prefix = op ? std::string(op) + ": " : std::string();
  for (int64_t d : shape)
    if (d < 0)
      throw Error(fmt::format("{}invalid shape {}: negative size", prefix, shape_str(shape)));
  int64_t nbytes = checked_nbytes(shape, dtype);
  if (nbytes < 0)
    throw Error(fmt::format("{}cannot allocate a tensor of shape {} and dtype {}: {}", prefix,
                            shape_str(shape), dtype_name(dtype),
                            checked_numel(shape) < 0 ? "it has more than 2^63 elements"
                                                     : "its byte size exceeds 2^63"));
  auto impl = std::make_shared<TensorImpl>();
  impl->numel = shape_numel(shape);
  impl->storage = std::make_shared<Storage>(static_cast<size_t>(nbytes));
  impl->strides = contiguous_strides(shape);
  impl->shape = std::move(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, Shape shape, std::vector<int64_t> strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  TensorImpl* b = base.unsafe_impl();
  impl->storage = b->storage;
  impl->numel = shape_numel(shape);
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = b->dtype;
  impl->is_view = true;
  return Tensor(std::move(impl));
}

void throw_symbolic_read(const char* op, const Tensor& t) {
  throw Error(fmt::format(
      "{}: cannot read the value of a symbolic tensor while tracing (shape {}, {}); "
      "data-dependent host control flow is not traceable: use grad::where for a data-dependent "
      "choice, or run eagerly",
      op, shape_str(t.shape()), dtype_name(t.dtype())));
}

void check_defined(const Tensor& t, const char* op) {
  if (!t.defined())
    throw Error(fmt::format("{}: undefined tensor", op));
}

Tensor::Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

#define GRAD_CHECK_DEFINED(op) check_defined(*this, op)

const Shape& Tensor::shape() const {
  GRAD_CHECK_DEFINED("shape");
  return impl_->shape;
}
int64_t Tensor::size(int64_t d) const {
  GRAD_CHECK_DEFINED("size");
  int64_t n = static_cast<int64_t>(impl_->shape.size());
  if (d < -n || d >= n)
    throw Error(fmt::format("size: dim {} out of range for shape {}", d, shape_str(impl_->shape)));
  return impl_->shape[d < 0 ? d + n : d];
}
int64_t Tensor::dim() const {
  GRAD_CHECK_DEFINED("dim");
  return static_cast<int64_t>(impl_->shape.size());
}
int64_t Tensor::numel() const {
  GRAD_CHECK_DEFINED("numel");
  return impl_->numel;
}
DType Tensor::dtype() const {
  GRAD_CHECK_DEFINED("dtype");
  return impl_->dtype;
}
const std::vector<int64_t>& Tensor::strides() const {
  GRAD_CHECK_DEFINED("strides");
  return impl_->strides;
}
int64_t Tensor::storage_offset() const {
  GRAD_CHECK_DEFINED("storage_offset");
  return impl_->offset;
}
bool Tensor::is_contiguous() const {
  GRAD_CHECK_DEFINED("is_contiguous");
  return is_contiguous_layout(impl_->shape, impl_->strides);
}
bool Tensor::shares_storage(const Tensor& other) const {
  return defined() && other.defined() && impl_->storage && impl_->storage == other.impl_->storage;
}
bool Tensor::is_symbolic() const { return defined() && impl_->symbolic != nullptr; }
const std::shared_ptr<SymbolicValue>& Tensor::symbolic() const {
  static const std::shared_ptr<SymbolicValue> kNone;
  return defined() ? impl_->symbolic : kNone;
}

Tensor Tensor::contiguous() const {
  GRAD_CHECK_DEFINED("contiguous");
  if (is_contiguous() || is_symbolic())
    return *this;
  // A copy that autograd sees as Convert to the same dtype (identity gradient).
  return convert(*this, impl_->dtype);
}

uint64_t Tensor::version() const {
  GRAD_CHECK_DEFINED("version");
  return impl_->storage ? impl_->storage->version : 0;
}

void detail::bump_version(const Tensor& t) {
  if (t.defined() && t.unsafe_impl()->storage)
    ++t.unsafe_impl()->storage->version;
}

namespace {
template <class T> constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>)
    return DType::f32;
  else if constexpr (std::is_same_v<T, double>)
    return DType::f64;
  else if constexpr (std::is_same_v<T, int64_t>)
    return DType::i64;
  else
    return DType::b8;
}

template <class T, class S> void convert_into(const Tensor& t, T* out) {
  Tensor c = t.is_contiguous() ? t : t.contiguous();
  const S* src = reinterpret_cast<const S*>(c.unsafe_impl()->data());
  for (int64_t i = 0, n = c.numel(); i < n; ++i)
    out[i] = static_cast<T>(src[i]);
}

template <class T> void read_values(const Tensor& t, T* out) {
  NoGradGuard no_grad;
  switch (t.dtype()) {
  case DType::f32:
    convert_into<T, float>(t, out);
    break;
  case DType::f64:
    convert_into<T, double>(t, out);
    break;
  case DType::i64:
    convert_into<T, int64_t>(t, out);
    break;
  case DType::b8:
    convert_into<T, bool>(t, out);
    break;
  }
}
} // namespace

template <class T> T Tensor::item() const {
  GRAD_CHECK_DEFINED("item");
  if (is_symbolic())
    throw_symbolic_read("item", *this);
  if (impl_->numel != 1)
    throw Error(fmt::format("item: tensor of shape {} has {} elements, expected one",
                            shape_str(impl_->shape), impl_->numel));
  T value{};
  read_values<T>(*this, &value);
  return value;
}

template <class T> std::vector<T> Tensor::to_vector() const {
  GRAD_CHECK_DEFINED("to_vector");
  if (is_symbolic())
    throw_symbolic_read("to_vector", *this);
  if constexpr (std::is_same_v<T, bool>) {
    std::unique_ptr<bool[]> tmp(new bool[impl_->numel]);
    read_values<bool>(*this, tmp.get());
    return std::vector<bool>(tmp.get(), tmp.get() + impl_->numel);
  } else {
    std::vector<T> out(impl_->numel);
    read_values<T>(*this, out.data());
    return out;
  }
}

template <class T> T* Tensor::data_ptr() const {
  GRAD_CHECK_DEFINED("data_ptr");
  if (is_symbolic())
    throw_symbolic_read("data_ptr", *this);
  if (dtype_of<T>() != impl_->dtype)
    throw Error(fmt::format("data_ptr: tensor has dtype {}, requested {}", dtype_name(impl_->dtype),
                            dtype_name(dtype_of<T>())));
  return reinterpret_cast<T*>(impl_->data());
}

void* Tensor::data_ptr() const {
  GRAD_CHECK_DEFINED("data_ptr");
  if (is_symbolic())
    throw_symbolic_read("data_ptr", *this);
  return impl_->data();
}

template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;
template int Tensor::item<int>() const;
template bool Tensor::item<bool>() const;
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<int> Tensor::to_vector<int>() const;
template std::vector<bool> Tensor::to_vector<bool>() const;
template float* Tensor::data_ptr<float>() const;
template double* Tensor::data_ptr<double>() const;
template int64_t* Tensor::data_ptr<int64_t>() const;
template bool* Tensor::data_ptr<bool>() const;

// ---- autograd accessors ---------------------------------------------------------------------

bool Tensor::requires_grad() const {
  return defined() && impl_->autograd && impl_->autograd->requires_grad;
}

Tensor& Tensor::requires_grad_(bool requires_grad) {
  GRAD_CHECK_DEFINED("requires_grad_");
  if (!is_leaf())
    throw Error(fmt::format(
        "requires_grad_: only leaf tensors can change requires_grad (this one has grad_fn {}); "
        "use detach() to make a leaf",
        impl_->autograd->grad_fn->name()));
  if (requires_grad && !is_floating(impl_->dtype))
    throw Error(fmt::format("requires_grad_: only f32/f64 tensors can require grad, got {}",
                            dtype_name(impl_->dtype)));
  if (requires_grad || impl_->autograd)
    impl_->meta().requires_grad = requires_grad;
  return *this;
}

bool Tensor::is_leaf() const {
  GRAD_CHECK_DEFINED("is_leaf");
  return !impl_->autograd || !impl_->autograd->grad_fn;
}

Tensor Tensor::grad() const {
  GRAD_CHECK_DEFINED("grad");
  if (!impl_->autograd)
    return Tensor();
  std::lock_guard<std::mutex> lock(impl_->autograd->mutex);
  return impl_->autograd->grad;
}

void Tensor::set_grad(const Tensor& g) {
  GRAD_CHECK_DEFINED("set_grad");
  if (g.defined() && g.shape() != impl_->shape)
    throw Error(fmt::format("set_grad: gradient shape {} differs from the tensor shape {}",
                            shape_str(g.shape()), shape_str(impl_->shape)));
  AutogradMeta& m = impl_->meta();
  std::lock_guard<std::mutex> lock(m.mutex);
  m.grad = g;
}

void Tensor::zero_grad() {
  GRAD_CHECK_DEFINED("zero_grad");
  if (impl_->autograd) {
    std::lock_guard<std::mutex> lock(impl_->autograd->mutex);
    impl_->autograd->grad = Tensor();
  }
}

std::shared_ptr<Node> Tensor::grad_fn() const {
  GRAD_CHECK_DEFINED("grad_fn");
  return impl_->autograd ? impl_->autograd->grad_fn : nullptr;
}

uint32_t Tensor::output_nr() const {
  return defined() && impl_->autograd ? impl_->autograd->output_nr : 0;
}

void Tensor::retain_grad() {
  GRAD_CHECK_DEFINED("retain_grad");
  if (!requires_grad())
    throw Error("retain_grad: called on a tensor that does not require grad");
  if (is_leaf())
    return; // leaves keep their gradient anyway
  AutogradMeta& m = impl_->meta();
  if (m.retains_grad)
    return;
  m.retains_grad = true;
  m.grad_fn->add_retained_grad(m.output_nr, impl_);
}

bool Tensor::retains_grad() const {
  return defined() && impl_->autograd && impl_->autograd->retains_grad;
}

void swap_tensor_contents(const Tensor& a, const Tensor& b) {
  check_defined(a, "swap_tensor_contents");
  check_defined(b, "swap_tensor_contents");
  if (a.unsafe_impl() != b.unsafe_impl())
    std::swap(*a.unsafe_impl(), *b.unsafe_impl());
}

Tensor Tensor::detach() const {
  GRAD_CHECK_DEFINED("detach");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->shape = impl_->shape;
  impl->strides = impl_->strides;
  impl->offset = impl_->offset;
  impl->numel = impl_->numel;
  impl->dtype = impl_->dtype;
  impl->is_view = impl_->is_view;
  impl->symbolic =
      impl_->symbolic ? impl_->symbolic->context().stop_gradient(impl_->symbolic) : nullptr;
  return Tensor(std::move(impl));
}

void Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) {
  GRAD_CHECK_DEFINED("register_hook");
  if (!requires_grad())
    throw Error("register_hook: cannot register a hook on a tensor that does not require grad");
  AutogradMeta& m = impl_->meta();
  if (m.grad_fn)
    m.grad_fn->add_tensor_pre_hook(m.output_nr, std::move(hook));
  else
    m.hooks.push_back(std::move(hook));
}

void Tensor::register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) {
  GRAD_CHECK_DEFINED("register_post_accumulate_grad_hook");
  if (!requires_grad())
    throw Error(fmt::format("register_post_accumulate_grad_hook: the tensor (shape {}) does not "
                            "require grad",
                            shape_str(shape())));
  AutogradMeta& m = impl_->meta();
  if (m.grad_fn)
    throw Error(fmt::format("register_post_accumulate_grad_hook: only leaf tensors accumulate "
                            "gradients; this tensor (shape {}) has grad_fn {}",
                            shape_str(shape()), m.grad_fn->name()));
  m.post_accumulate_hooks.push_back(std::move(hook));
}

Tensor Tensor::to(DType dtype) const {
  GRAD_CHECK_DEFINED("to");
  if (impl_->dtype == dtype)
    return *this;
  return convert(*this, dtype);
}

Tensor Tensor::reshape(Shape shape) const { return grad::reshape(*this, std::move(shape)); }
Tensor Tensor::sum() const { return grad::sum(*this); }
Tensor Tensor::mean() const { return grad::mean(*this); }

Tensor make_symbolic(Shape shape, DType dtype, std::shared_ptr<SymbolicValue> value) {
  if (!value)
    throw Error("make_symbolic: null symbolic value");
  auto impl = std::make_shared<TensorImpl>();
  impl->numel = shape_numel(shape);
  impl->strides = contiguous_strides(shape);
  impl->shape = std::move(shape);
  impl->dtype = dtype;
  impl->symbolic = std::move(value);
  return Tensor(std::move(impl));
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

} // namespace grad
