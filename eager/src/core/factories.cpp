// Tensor factories: from data, constants, arange, and the reproducible random generators
// (splitmix64 of (seed, element index) + Box-Muller: the same values on every platform and for
// any evaluation order).
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "core/tensor_impl.h"
#include "grad/checked.h"
#include "kernels/kernels.h"
#include "kernels/loops.h"

namespace grad {
namespace {

Shape resolve_shape(Shape shape, size_t n, const char* op) {
  if (shape.empty() && n != 1)
    return Shape{static_cast<int64_t>(n)};
  int64_t numel = checked_numel(shape);
  if (numel < 0)
    throw Error(fmt::format("{}: shape {} has a negative size or more than 2^63 elements", op,
                            shape_str(shape)));
  if (numel != static_cast<int64_t>(n))
    throw Error(fmt::format("{}: {} values do not fill shape {} ({} elements)", op, n,
                            shape_str(shape), numel));
  return shape;
}

template <class T> Tensor from_data(const std::vector<T>& data, Shape shape, DType dtype) {
  Tensor t = new_tensor(resolve_shape(std::move(shape), data.size(), "tensor"), dtype);
  if (!data.empty())
    std::memcpy(t.unsafe_impl()->data(), data.data(), data.size() * sizeof(T));
  return t;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// Uniform in (0, 1]: 53 random bits of the counter's hash.
double uniform_open0(uint64_t seed, uint64_t counter) {
  uint64_t bits = splitmix64(splitmix64(seed) ^ counter);
  return (static_cast<double>(bits >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

template <class F> Tensor generate(Shape shape, DType dtype, const char* op, F value_at) {
  if (!is_floating(dtype))
    throw Error(fmt::format("{}: dtype must be f32 or f64, got {}", op, dtype_name(dtype)));
  Tensor t = new_tensor(std::move(shape), dtype, op);
  kernels::dispatch_float(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = kernels::typed<T>(t);
    for (int64_t i = 0, n = t.numel(); i < n; ++i)
      p[i] = static_cast<T>(value_at(i));
  });
  return t;
}

} // namespace

Tensor tensor(std::vector<float> data, Shape shape, bool requires_grad) {
  Tensor t = from_data(data, std::move(shape), DType::f32);
  if (requires_grad)
    t.requires_grad_();
  return t;
}
Tensor tensor(std::vector<double> data, Shape shape, bool requires_grad) {
  Tensor t = from_data(data, std::move(shape), DType::f64);
  if (requires_grad)
    t.requires_grad_();
  return t;
}
Tensor tensor(std::vector<int64_t> data, Shape shape) {
  return from_data(data, std::move(shape), DType::i64);
}
Tensor tensor(std::initializer_list<float> data, Shape shape, bool requires_grad) {
  return tensor(std::vector<float>(data), std::move(shape), requires_grad);
}
Tensor tensor(std::initializer_list<double> data, Shape shape, bool requires_grad) {
  return tensor(std::vector<double>(data), std::move(shape), requires_grad);
}
Tensor tensor(std::initializer_list<int> data, Shape shape) {
  return tensor(std::vector<int64_t>(data.begin(), data.end()), std::move(shape));
}
Tensor bool_tensor(std::vector<bool> data, Shape shape) {
  Tensor t = new_tensor(resolve_shape(std::move(shape), data.size(), "bool_tensor"), DType::b8);
  bool* p = t.data_ptr<bool>();
  for (size_t i = 0; i < data.size(); ++i)
    p[i] = data[i];
  return t;
}

Tensor empty(Shape shape, DType dtype) { return new_tensor(std::move(shape), dtype, "empty"); }

namespace {
Tensor filled(Shape shape, double value, DType dtype, const char* op) {
  Tensor t = new_tensor(std::move(shape), dtype, op);
  kernels::fill(t, value);
  return t;
}
} // namespace

Tensor full(Shape shape, double value, DType dtype) {
  return filled(std::move(shape), value, dtype, "full");
}
Tensor scalar_tensor(double value, DType dtype) { return full({}, value, dtype); }
Tensor zeros(Shape shape, DType dtype) { return filled(std::move(shape), 0.0, dtype, "zeros"); }
Tensor ones(Shape shape, DType dtype) { return filled(std::move(shape), 1.0, dtype, "ones"); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }

Tensor arange(int64_t n, DType dtype) {
  if (n < 0)
    throw Error(fmt::format("arange: negative length {}", n));
  Tensor t = new_tensor({n}, dtype);
  kernels::dispatch(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      throw Error("arange: dtype b8 is not supported");
    } else {
      T* p = kernels::typed<T>(t);
      for (int64_t i = 0; i < n; ++i)
        p[i] = static_cast<T>(i);
    }
  });
  return t;
}

Tensor randn(Shape shape, uint64_t seed, DType dtype) {
  return generate(std::move(shape), dtype, "randn", [seed](int64_t i) {
    // Element i uses the pair (2*(i/2), 2*(i/2)+1): cos for even i, sin for odd i.
    uint64_t pair = static_cast<uint64_t>(i) / 2;
    double u1 = uniform_open0(seed, 2 * pair), u2 = uniform_open0(seed, 2 * pair + 1);
    double r = std::sqrt(-2.0 * std::log(u1));
    double theta = 6.283185307179586 * u2;
    return (i % 2 == 0) ? r * std::cos(theta) : r * std::sin(theta);
  });
}

Tensor rand(Shape shape, uint64_t seed, DType dtype) {
  return generate(std::move(shape), dtype, "rand", [seed](int64_t i) {
    return 1.0 - uniform_open0(seed ^ 0x5851f42d4c957f2dull, static_cast<uint64_t>(i));
  });
}

} // namespace grad
