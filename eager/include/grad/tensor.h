// grad::Tensor: a reference-counted handle to a strided view of a storage buffer (or to a
// symbolic value while tracing), with the autograd state of PyTorch's AutogradMeta.
// Copying a Tensor copies the handle, not the data (like at::Tensor).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "grad/dtype.h"
#include "grad/error.h"

namespace grad {

class Node;
class SymbolicValue;
struct TensorImpl;

/// A multi-dimensional array. Undefined when default-constructed.
class Tensor {
public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl);

  // ---- metadata -------------------------------------------------------------------------------
  /// False for a default-constructed Tensor.
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  /// Size of dimension `d` (negative counts from the end).
  int64_t size(int64_t d) const;
  /// Number of dimensions (0 for a scalar).
  int64_t dim() const;
  int64_t numel() const;
  DType dtype() const;
  /// Element strides (not bytes); 0 for a broadcast dimension.
  const std::vector<int64_t>& strides() const;
  /// Offset of element [0,...,0] in the storage, in elements.
  int64_t storage_offset() const;
  /// True when the elements are dense, row-major, starting at the view's offset.
  bool is_contiguous() const;
  /// This tensor if contiguous, else a row-major copy (recorded by autograd as a view-copy).
  Tensor contiguous() const;
  /// True when both handles refer to the same TensorImpl.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  /// True when both tensors view the same storage buffer.
  bool shares_storage(const Tensor& other) const;

  // ---- data -----------------------------------------------------------------------------------
  /// The value of a one-element tensor, converted to T (float, double, int64_t, int, bool).
  template <class T> T item() const;
  /// Row-major copy of the elements, converted to T (float, double, int64_t, int, bool).
  template <class T> std::vector<T> to_vector() const;
  /// Pointer to element [0,...,0]; T must match dtype() exactly (float, double, int64_t, bool).
  template <class T> T* data_ptr() const;
  /// Untyped pointer to element [0,...,0] (any dtype; torch's untyped data_ptr()).
  void* data_ptr() const;
  /// Version counter of the storage (shared by all views); bumped by every in-place op.
  uint64_t version() const;
  /// Human-readable text: values, shape, dtype, grad_fn / requires_grad.
  std::string str() const;

  // ---- autograd -------------------------------------------------------------------------------
  bool requires_grad() const;
  /// Switches requires_grad on a leaf (error on a non-leaf or a non-floating dtype).
  Tensor& requires_grad_(bool requires_grad = true);
  /// True for tensors without grad_fn (user-created, detached, or results made without grad).
  bool is_leaf() const;
  /// Accumulated gradient of a leaf (or of a non-leaf after retain_grad()); undefined if none.
  Tensor grad() const;
  /// Replaces the accumulated gradient (optimizers, clip_grad_norm_).
  void set_grad(const Tensor& grad);
  /// Drops the accumulated gradient.
  void zero_grad();
  /// The backward node that produced this tensor; null for leaves. grad_fn()->name() is e.g.
  /// "AddBackward0".
  std::shared_ptr<Node> grad_fn() const;
  /// Which output of grad_fn() this tensor is.
  uint32_t output_nr() const;
  /// Runs reverse mode from this tensor. A scalar needs no `gradient`; a non-scalar needs one of
  /// the same shape. retain_graph keeps saved tensors for another backward; create_graph
  /// records the backward pass itself (higher-order gradients) and implies retain_graph.
  void backward(const Tensor& gradient = {}, bool retain_graph = false,
                bool create_graph = false) const;
  /// Makes backward() store this non-leaf tensor's gradient in grad().
  void retain_grad();
  bool retains_grad() const;
  /// Same data, cut from the graph (shares storage and version counter).
  Tensor detach() const;
  /// Registers a hook run on this tensor's gradient during backward; a defined return value
  /// replaces the gradient.
  void register_hook(std::function<Tensor(const Tensor&)> hook);
  /// Registers a hook run on a leaf right after backward accumulated a gradient into its grad()
  /// (torch's register_post_accumulate_grad_hook); the hook receives the leaf and may read or
  /// replace its grad(). Distributed data parallel starts a gradient bucket's all-reduce from it.
  /// grad::Error on a non-leaf or a tensor that does not require grad.
  void register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook);
  /// Converted copy (the same tensor when dtype already matches).
  Tensor to(DType dtype) const;

  // ---- in-place (bump the version counter; error on a leaf requiring grad in grad mode) -------
  Tensor& add_(const Tensor& other);
  /// this += alpha * other in one pass (torch's add_(other, alpha=)): optimizers use it.
  Tensor& add_(const Tensor& other, double alpha);
  Tensor& add_(double other);
  Tensor& sub_(const Tensor& other);
  Tensor& sub_(double other);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(double other);
  /// Copies `src` (broadcast to this shape, converted to this dtype) into this tensor.
  Tensor& copy_(const Tensor& src);
  Tensor& zero_();
  Tensor& fill_(double value);

  // ---- symbolic (tracing) ---------------------------------------------------------------------
  /// True for a tensor made by make_symbolic() (no data, only shape and dtype).
  bool is_symbolic() const;
  /// The tracer's handle; null for concrete tensors.
  const std::shared_ptr<SymbolicValue>& symbolic() const;

  // ---- convenience methods (same as the free functions in ops.h) -----------------------------
  Tensor reshape(Shape shape) const;
  Tensor sum() const;
  Tensor mean() const;

  /// The implementation object (for the library's own code and the compiler).
  TensorImpl* unsafe_impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

private:
  std::shared_ptr<TensorImpl> impl_;
};

/// Prints str().
std::ostream& operator<<(std::ostream& os, const Tensor& t);

/// Exchanges, in place, what the two handles' implementations hold (data, shape, autograd state,
/// symbolic value): every other handle sharing `a`'s implementation now sees `b`'s tensor and vice
/// versa. grad::functional_call uses it to run an unchanged nn::Module on traced parameters.
void swap_tensor_contents(const Tensor& a, const Tensor& b);

// ---- operators (scalars take the tensor's dtype) ----------------------------------------------
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& a);

// ---- factories --------------------------------------------------------------------------------
// `shape` = {} means: a scalar (0-d) when data has one element, else 1-D [data.size()].

/// f32 tensor from row-major data.
Tensor tensor(std::vector<float> data, Shape shape = {}, bool requires_grad = false);
/// f64 tensor from row-major data.
Tensor tensor(std::vector<double> data, Shape shape = {}, bool requires_grad = false);
/// i64 tensor from row-major data.
Tensor tensor(std::vector<int64_t> data, Shape shape = {});
/// Braced-list forms: tensor({1.f, 2.f}) is f32, tensor({1.0, 2.0}) is f64, tensor({1, 2}) is i64.
Tensor tensor(std::initializer_list<float> data, Shape shape = {}, bool requires_grad = false);
Tensor tensor(std::initializer_list<double> data, Shape shape = {}, bool requires_grad = false);
Tensor tensor(std::initializer_list<int> data, Shape shape = {});
/// b8 tensor from row-major data.
Tensor bool_tensor(std::vector<bool> data, Shape shape = {});
/// 0-d tensor holding `value` converted to `dtype`.
Tensor scalar_tensor(double value, DType dtype = DType::f32);
/// Uninitialized contiguous tensor.
Tensor empty(Shape shape, DType dtype = DType::f32);
Tensor zeros(Shape shape, DType dtype = DType::f32);
Tensor ones(Shape shape, DType dtype = DType::f32);
Tensor full(Shape shape, double value, DType dtype = DType::f32);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
/// [0, 1, ..., n-1].
Tensor arange(int64_t n, DType dtype = DType::f32);
/// Standard normal samples; the same (shape, seed, dtype) gives the same values on every
/// platform (splitmix64 counter-based generator + Box-Muller).
Tensor randn(Shape shape, uint64_t seed, DType dtype = DType::f32);
/// Uniform samples in [0, 1); reproducible like randn.
Tensor rand(Shape shape, uint64_t seed, DType dtype = DType::f32);

namespace detail {
/// Bumps `t`'s storage version counter: its buffer was written outside the eager in-place ops
/// (a compiled function's donated input, JitOptions::donate).
void bump_version(const Tensor& t);
} // namespace detail

} // namespace grad
