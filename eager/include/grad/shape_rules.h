// grad/shape_rules.h: the shape rules of the irregular ops (broadcast, reshape, transpose, slice,
// concat, gather, matmul, the axes of reductions), written once for both sides.
//
// Plain C++ with no LLVM and no eager library, like op_table.def: the eager engine
// (eager/src/ops/infer.h) and the grad dialect (compiler/lib/Dialect/ShapeInference.cpp) include
// it. A rule reads dims, where kDynamic (the value of mlir::ShapedType::kDynamic) is a size known
// only at run time, and returns the result dims or an error message. The message names neither
// the op nor the side: eager throws grad::Error("<op>: " + message), the dialect emits
// "'grad.<op>' op " + message. Eager shapes never hold kDynamic (eager rejects negative sizes
// before calling a rule), so for eager the rules are the static rules. Dtypes and element types
// stay with each side: they are different types there.
//
// Note [Dynamic dims] in grad/Dialect/ShapeInference.h says which rules take dynamic dims.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace grad::shape_rules {

/// A size known only at run time (equal to mlir::ShapedType::kDynamic).
inline constexpr int64_t kDynamic = std::numeric_limits<int64_t>::min();

using Dims = std::span<const int64_t>;

/// The result of a rule: the result dims, or an error message (without the op's name).
struct Result {
  std::vector<int64_t> dims;
  std::string error;
  bool ok() const { return error.empty(); }
};

inline bool is_dynamic(int64_t d) { return d == kDynamic; }

inline bool has_dynamic(Dims dims) {
  for (int64_t d : dims)
    if (is_dynamic(d))
      return true;
  return false;
}

/// `[2,3]`, with `?` for a dynamic size: the format of every rule message.
inline std::string str(Dims dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i)
      s += ',';
    s += is_dynamic(dims[i]) ? std::string("?") : std::to_string(dims[i]);
  }
  s += ']';
  return s;
}

/// The element count of static non-negative dims, or -1 if it exceeds int64.
inline int64_t checked_numel(Dims dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    if (__builtin_mul_overflow(n, d, &n))
      return -1;
  return n;
}

namespace detail {
inline std::string piece(std::string_view s) { return std::string(s); }
inline std::string piece(const char* s) { return s; }
inline std::string piece(const std::string& s) { return s; }
template <class T>
  requires std::is_integral_v<T>
std::string piece(T v) {
  return std::to_string(v);
}
inline std::string size_str(int64_t d) { return is_dynamic(d) ? "?" : std::to_string(d); }
template <class... A> Result fail(const A&... parts) {
  Result r;
  (r.error += ... += piece(parts));
  return r;
}
inline Result dims(std::vector<int64_t> d) { return {std::move(d), {}}; }
} // namespace detail

/// broadcast: operand dim i goes to result dim dims[i] (strictly increasing), and is 1 or the
/// result size. A dynamic operand dim is 1 or the result size at run time; a dynamic result dim
/// takes its size from a dynamic operand dim mapped to it, or from the op's `sizes` operands
/// (`num_sizes`: 0, or one per dynamic result dim).
inline Result broadcast(Dims in, Dims dims, Dims out, size_t num_sizes = 0) {
  using detail::fail;
  if (dims.size() != in.size())
    return fail("dims ", str(dims), " has ", dims.size(), " entries but the operand shape ",
                str(in), " has rank ", in.size());
  for (int64_t d : out)
    if (d < 0 && !is_dynamic(d))
      return fail("cannot broadcast shape ", str(in), " to ", str(out), ": negative size");
  if (!has_dynamic(out) && checked_numel(out) < 0)
    return fail("cannot broadcast shape ", str(in), " to ", str(out),
                ": more than 2^63 elements");
  int64_t rank = static_cast<int64_t>(out.size());
  std::vector<bool> mapped_from_dynamic(out.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = dims[i];
    if (d < 0 || d >= rank)
      return fail("dims[", i, "] = ", d, " is out of range for the result shape ", str(out),
                  " of rank ", rank);
    if (i > 0 && d <= dims[i - 1])
      return fail("dims ", str(dims), " must be strictly increasing");
    if (is_dynamic(in[i])) {
      mapped_from_dynamic[d] = true;
      continue;
    }
    if (in[i] != 1 && in[i] != out[d])
      return fail("cannot broadcast shape ", str(in), " to ", str(out), ": operand dim ", i,
                  " of size ", in[i], " cannot expand into result dim ", d, " of size ",
                  detail::size_str(out[d]));
  }
  if (num_sizes > 0) {
    size_t dynamic_dims = 0;
    for (int64_t d : out)
      dynamic_dims += is_dynamic(d);
    if (num_sizes != dynamic_dims)
      return fail("has ", num_sizes, " sizes but the result shape ", str(out), " has ",
                  dynamic_dims, " dynamic dims (one size per dynamic dim)");
    return detail::dims({out.begin(), out.end()});
  }
  for (int64_t d = 0; d < rank; ++d)
    if (is_dynamic(out[d]) && !mapped_from_dynamic[d])
      return fail("result dim ", d, " is dynamic but no dynamic operand dim gives its size (shape ",
                  str(in), " to ", str(out), "; give it with `sizes(...)`)");
  return detail::dims({out.begin(), out.end()});
}

/// numpy-style broadcast of `in` into `out` (trailing dims aligned): the `dims` of the
/// equivalent broadcast.
inline Result numpy_broadcast_dims(Dims in, Dims out) {
  if (in.size() > out.size())
    return detail::fail("cannot broadcast shape ", str(in), " to the lower-rank shape ", str(out));
  size_t offset = out.size() - in.size();
  std::vector<int64_t> dims;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != 1 && in[i] != out[offset + i])
      return detail::fail("cannot broadcast shape ", str(in), " to ", str(out), ": dim ", i,
                          " of size ", detail::size_str(in[i]), " is neither 1 nor ",
                          detail::size_str(out[offset + i]));
    dims.push_back(static_cast<int64_t>(offset + i));
  }
  return detail::dims(std::move(dims));
}

/// reshape: the same element count. With a dynamic dim on either side, the reshape may only
/// insert or remove dims of static size 1 (the other dims stay in order), unless the op's
/// `sizes` operands give its dynamic result dims (`num_sizes`: 0, or one per dynamic result
/// dim): then it may merge and split dynamic dims, and the element counts are compared at run
/// time (statically: a static operand's count is a multiple of the result's static dims).
inline Result reshape(Dims in, Dims out, size_t num_sizes = 0) {
  using detail::fail;
  if (num_sizes > 0) {
    size_t dynamic_dims = 0;
    int64_t static_count = 1;
    for (int64_t d : out) {
      if (is_dynamic(d)) {
        ++dynamic_dims;
        continue;
      }
      if (d < 0)
        return fail("result shape ", str(out), " has a negative size");
      static_count *= d;
    }
    if (num_sizes != dynamic_dims)
      return fail("has ", num_sizes, " sizes but the result shape ", str(out), " has ",
                  dynamic_dims, " dynamic dims (one size per dynamic dim)");
    if (!has_dynamic(in) && static_count != 0 && checked_numel(in) % static_count != 0)
      return fail("cannot reshape ", str(in), " (", checked_numel(in), " elements) to ",
                  str(out), " (a multiple of ", static_count, " elements)");
    return detail::dims({out.begin(), out.end()});
  }
  if (has_dynamic(in) || has_dynamic(out)) {
    auto squeeze = [](Dims shape) {
      std::vector<int64_t> kept;
      for (int64_t d : shape)
        if (d != 1)
          kept.push_back(d);
      return kept;
    };
    if (squeeze(in) != squeeze(out))
      return fail("with dynamic dims only inserts or removes dims of size 1 (the other dims "
                  "stay in order) unless `sizes` give its dynamic result dims: operand shape ",
                  str(in), ", result shape ", str(out));
    return detail::dims({out.begin(), out.end()});
  }
  for (int64_t d : out)
    if (d < 0)
      return fail("result shape ", str(out), " has a negative size");
  int64_t n = checked_numel(out);
  if (n < 0)
    return fail("result shape ", str(out), " has more than 2^63 elements");
  int64_t m = checked_numel(in);
  if (n != m)
    return fail("cannot reshape ", str(in), " (", m, " elements) to ", str(out), " (", n,
                " elements)");
  return detail::dims({out.begin(), out.end()});
}

/// transpose: `perm` a permutation of [0, rank); result dim i = operand dim perm[i].
inline Result transpose(Dims in, Dims perm) {
  size_t rank = in.size();
  std::vector<bool> seen(rank, false);
  std::vector<int64_t> out;
  bool ok = perm.size() == rank;
  for (size_t i = 0; ok && i < perm.size(); ++i) {
    int64_t p = perm[i];
    ok = p >= 0 && static_cast<size_t>(p) < rank && !seen[p];
    if (ok) {
      seen[p] = true;
      out.push_back(in[p]);
    }
  }
  if (!ok)
    return detail::fail("perm ", str(perm), " is not a permutation of [0, ", rank,
                        ") for the operand shape ", str(in));
  return detail::dims(std::move(out));
}

/// slice: per dim 0 <= start <= limit <= size and stride > 0; result size
/// ceil((limit - start) / stride). Along a dynamic operand dim: a static limit gives a static
/// result size (limit <= size is checked at run time), and the limit kDynamic (`?`) is the
/// operand's size (the dim kept to its end: a dynamic result size; start <= size at run time).
/// A kDynamic limit along a static dim is an error (write the size).
inline Result slice(Dims in, Dims starts, Dims limits, Dims strides) {
  using detail::fail;
  size_t rank = in.size();
  if (starts.size() != rank || limits.size() != rank || strides.size() != rank)
    return fail("starts ", str(starts), ", limits ", str(limits), " and strides ", str(strides),
                " must each have one entry per dim of the operand shape ", str(in));
  std::vector<int64_t> out(rank);
  for (size_t d = 0; d < rank; ++d) {
    int64_t s = starts[d], l = limits[d], st = strides[d];
    if (st <= 0)
      return fail("stride ", st, " of dim ", d, " must be positive");
    if (is_dynamic(l)) {
      if (!is_dynamic(in[d]))
        return fail("dim ", d, ": the limit `?` (the operand's run-time size) needs a dynamic "
                    "operand dim, but the operand shape ",
                    str(in), " has size ", in[d], " there (write the limit ", in[d], ")");
      if (s < 0)
        return fail("dim ", d, ": start ", s, " is negative");
      out[d] = kDynamic;
      continue;
    }
    if (s < 0 || s > l || (!is_dynamic(in[d]) && l > in[d]))
      return fail("dim ", d, ": [", s, ", ", l, ") is out of bounds for size ",
                  detail::size_str(in[d]), " of the operand shape ", str(in));
    // ceil((l - s) / st) without overflow for any int64 stride.
    out[d] = l == s ? 0 : (l - s - 1) / st + 1;
  }
  return detail::dims(std::move(out));
}

/// concat along `axis` (in [0, rank)): equal shapes outside the axis. A dynamic dim outside the
/// axis must agree with the others at run time (the result takes a static size if any input has
/// one); a dynamic size along the axis makes the result's axis dynamic.
inline Result concat(std::span<const Dims> inputs, int64_t axis) {
  using detail::fail;
  if (inputs.empty())
    return fail("needs at least one operand");
  Dims first = inputs[0];
  int64_t rank = static_cast<int64_t>(first.size());
  if (axis < 0 || axis >= rank)
    return fail("axis ", axis, " is out of range for inputs of rank ", rank);
  std::vector<int64_t> out(first.begin(), first.end());
  std::vector<size_t> from(first.size(), 0); // the input that gave out[d]
  for (size_t i = 1; i < inputs.size(); ++i) {
    Dims s = inputs[i];
    bool ok = static_cast<int64_t>(s.size()) == rank;
    int64_t bad = 0;
    for (int64_t d = 0; ok && d < rank; ++d) {
      if (d == axis)
        continue;
      ok = s[d] == out[d] || is_dynamic(s[d]) || is_dynamic(out[d]);
      bad = d;
      if (ok && is_dynamic(out[d]) && !is_dynamic(s[d])) {
        out[d] = s[d];
        from[d] = i;
      }
    }
    if (!ok) {
      size_t j = static_cast<int64_t>(s.size()) == rank ? from[bad] : 0;
      return fail("input #", i, " of shape ", str(s), " does not match input #", j,
                  " of shape ", str(inputs[j]), " outside axis ", axis);
    }
    if (is_dynamic(out[axis]) || is_dynamic(s[axis]))
      out[axis] = kDynamic;
    else if (__builtin_add_overflow(out[axis], s[axis], &out[axis]))
      return fail("the result size along axis ", axis, " overflows int64");
  }
  return detail::dims(std::move(out));
}

/// gather: rows of `table` (rank >= 1) picked by `indices`; result = indices ++ table[1:].
inline Result gather(Dims table, Dims indices) {
  if (table.empty())
    return detail::fail("table must have rank >= 1, got shape ", str(table));
  std::vector<int64_t> out(indices.begin(), indices.end());
  out.insert(out.end(), table.begin() + 1, table.end());
  return detail::dims(std::move(out));
}

/// matmul: [..., m, k] x [..., k, n] with equal batch dims; sizes that must agree may be
/// dynamic on one side (checked at run time).
inline Result matmul(Dims a, Dims b) {
  using detail::fail;
  auto compatible = [](int64_t x, int64_t y) { return x == y || is_dynamic(x) || is_dynamic(y); };
  size_t rank = a.size();
  if (rank < 2 || b.size() != rank)
    return fail("needs operands of equal rank >= 2, got lhs shape ", str(a), " and rhs shape ",
                str(b));
  std::vector<int64_t> out;
  for (size_t d = 0; d + 2 < rank; ++d) {
    if (!compatible(a[d], b[d]))
      return fail("batch dims differ: lhs shape ", str(a), ", rhs shape ", str(b));
    out.push_back(is_dynamic(a[d]) ? b[d] : a[d]);
  }
  if (!compatible(a[rank - 1], b[rank - 2]))
    return fail("inner dims differ: lhs shape ", str(a), " has k = ", detail::size_str(a[rank - 1]),
                ", rhs shape ", str(b), " has k = ", detail::size_str(b[rank - 2]));
  out.push_back(a[rank - 2]);
  out.push_back(b[rank - 1]);
  return detail::dims(std::move(out));
}

/// Reductions: `axes` name the reduced dims (each in [0, rank) once, any order; empty only for a
/// rank-0 operand); a reduced dim is dropped, or kept as 1 with `keepdim`. Eager reads an empty
/// list as all dims and negative axes from the end: it normalizes before calling this rule.
inline Result reduce(Dims in, Dims axes, bool keepdim) {
  using detail::fail;
  int64_t rank = static_cast<int64_t>(in.size());
  if (axes.empty() && rank > 0)
    return fail("axes must name the reduced dims of the operand shape ", str(in),
                " (an empty list would reduce nothing, while the eager API reads it as all "
                "dims)");
  std::vector<bool> reduced(in.size(), false);
  for (int64_t a : axes) {
    if (a < 0 || a >= rank)
      return fail("axis ", a, " in axes ", str(axes), " is out of range for the operand shape ",
                  str(in), " of rank ", rank);
    if (reduced[a])
      return fail("axis ", a, " appears twice in axes ", str(axes));
    reduced[a] = true;
  }
  std::vector<int64_t> out;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced[d])
      out.push_back(in[d]);
    else if (keepdim)
      out.push_back(1);
  }
  return detail::dims(std::move(out));
}

} // namespace grad::shape_rules
