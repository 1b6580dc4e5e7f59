// Internal: what a Tensor handle points to. Storage (the buffer and the version counter shared
// by all views of it), AutogradMeta (PyTorch's per-tensor autograd state) and TensorImpl (a
// strided view of a storage, or a symbolic value while tracing).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include "grad/autograd.h"
#include "grad/symbolic.h"
#include "grad/tensor.h"

namespace grad {

/// A contiguous byte buffer. Views of it share the buffer and the version counter.
struct Storage {
  explicit Storage(size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data = nullptr;
  size_t nbytes = 0;
  uint64_t version = 0;
};

/// Autograd state of one tensor (absent for tensors that never required grad).
struct AutogradMeta {
  // Guards `grad` and `grad_accumulator` against concurrent backward passes (and forward passes
  // creating the accumulator) from several threads: AccumulateGrad, gradient_edge and the grad
  // accessors lock it (PyTorch's AutogradMeta::mutex_). The other fields are set before a tensor
  // is shared between threads.
  std::mutex mutex;
  bool requires_grad = false;
  bool retains_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
  uint32_t output_nr = 0;
  std::weak_ptr<AccumulateGrad> grad_accumulator;
  std::vector<std::function<Tensor(const Tensor&)>> hooks; // leaf hooks (non-leaf: on grad_fn)
  std::vector<std::function<void(const Tensor&)>> post_accumulate_hooks; // leaves only
};

struct TensorImpl {
  std::shared_ptr<Storage> storage; // null for symbolic tensors
  Shape shape;
  std::vector<int64_t> strides;
  int64_t offset = 0;
  int64_t numel = 0;
  DType dtype = DType::f32;
  bool is_view = false; // made by a view op from another tensor (shares its storage)
  std::shared_ptr<SymbolicValue> symbolic;
  std::unique_ptr<AutogradMeta> autograd;

  char* data() const {
    return static_cast<char*>(storage->data) + offset * static_cast<int64_t>(dtype_size(dtype));
  }
  AutogradMeta& meta() {
    if (!autograd)
      autograd = std::make_unique<AutogradMeta>();
    return *autograd;
  }
};

/// Row-major strides of `shape`.
std::vector<int64_t> contiguous_strides(const Shape& shape);
/// True when `strides` are the row-major strides of `shape` (size-1 dims ignored).
bool is_contiguous_layout(const Shape& shape, const std::vector<int64_t>& strides);
/// A new contiguous tensor with uninitialized data (one buffer allocation). Throws grad::Error
/// (prefixed with `op` when given) for a negative size or an element count or byte size that
/// overflows int64.
Tensor new_tensor(Shape shape, DType dtype, const char* op = nullptr);
/// A view of `base`'s storage with the given layout (no autograd state).
Tensor make_view(const Tensor& base, Shape shape, std::vector<int64_t> strides, int64_t offset);
/// Throws the "cannot read the value of a symbolic tensor" error for `op`.
[[noreturn]] void throw_symbolic_read(const char* op, const Tensor& t);
/// Throws grad::Error("<op>: ...") if `t` is undefined.
void check_defined(const Tensor& t, const char* op);

} // namespace grad
