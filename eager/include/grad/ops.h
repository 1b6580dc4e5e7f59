// The public eager ops (free functions). Binary ops follow numpy broadcasting and require equal
// dtypes (a `double` scalar operand takes the tensor's dtype). Reductions take `axes` (empty =
// all, negative counts from the end) and `keepdim`. Primitive ops map 1:1 to an OpKind
// (op_table.h); composite ops (softmax, layer_norm, cross_entropy, ...) are written with the
// public ops, so they run eagerly, trace and differentiate without a rule of their own.
// docs/op-reference.md lists every op with its shape rule and VJP.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "grad/dtype.h"
#include "grad/tensor.h"

namespace grad {

// ---- elementwise unary (primitives) -----------------------------------------------------------
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor tanh(const Tensor& x);
/// 1 / (1 + exp(-x)), computed without overflow for large |x|.
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
/// Tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
Tensor gelu(const Tensor& x);
/// GELU with PyTorch's `approximate` argument: "tanh" is gelu(x); "none" is the exact form
/// 0.5 x (1 + erf(x / sqrt(2))) (PyTorch's default), a composite of erf, mul and add whose
/// grad_fn is MulBackward0. Any other value is a grad::Error.
Tensor gelu(const Tensor& x, std::string_view approximate);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
/// The error function, 2/sqrt(pi) * integral of exp(-t^2) from 0 to x.
Tensor erf(const Tensor& x);

// ---- elementwise binary (numpy broadcasting) --------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
/// Elementwise a^b.
Tensor pow(const Tensor& a, const Tensor& b);
/// a^exponent (a Pow with a broadcast constant).
Tensor pow(const Tensor& a, double exponent);

// ---- comparisons (b8 results, not differentiable) and select ----------------------------------
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, double b);
Tensor le(const Tensor& a, double b);
Tensor gt(const Tensor& a, double b);
Tensor ge(const Tensor& a, double b);
Tensor eq(const Tensor& a, double b);
/// cond ? a : b elementwise (cond is b8; all three broadcast together).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, double b);
Tensor where(const Tensor& cond, double a, const Tensor& b);

// ---- linear algebra ---------------------------------------------------------------------------
/// numpy matmul: 1-D operands are promoted (and the added dim removed), batch dims broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);

// ---- shape (views share storage with their base where the layout allows) ----------------------
/// Swaps two dims (a view).
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
/// Reorders dims: result dim i = x dim perm[i] (a view).
Tensor permute(const Tensor& x, std::vector<int64_t> perm);
/// New shape with the same numel; one size may be -1. A view when x is contiguous.
Tensor reshape(const Tensor& x, Shape shape);
/// numpy broadcast of x to `shape` (a view with stride 0 in the expanded dims).
Tensor broadcast_to(const Tensor& x, Shape shape);
/// Same as broadcast_to (PyTorch's name).
Tensor expand(const Tensor& x, Shape shape);
/// Removes the given size-1 dims (all size-1 dims when `axes` is empty).
Tensor squeeze(const Tensor& x, std::vector<int64_t> axes = {});
/// Inserts a size-1 dim at `axis` (in the result's numbering; negative counts from the end).
Tensor unsqueeze(const Tensor& x, int64_t axis);
/// Joins tensors of equal dtype along `axis`; other dims must agree.
Tensor concat(const std::vector<Tensor>& xs, int64_t axis = 0);
/// x[start:end:step] along `axis` (python-style clamping of start/end; negative counts from the
/// end; step > 0). A view.
Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t end, int64_t step = 1);
/// Converted copy (Convert primitive).
Tensor convert(const Tensor& x, DType dtype);

// ---- reductions -------------------------------------------------------------------------------
Tensor sum(const Tensor& x, std::vector<int64_t> axes = {}, bool keepdim = false);
Tensor sum(const Tensor& x, int64_t axis, bool keepdim = false);
Tensor mean(const Tensor& x, std::vector<int64_t> axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, int64_t axis, bool keepdim = false);
/// Max reduction; its gradient is split equally among tied maxima (like JAX / torch.amax).
Tensor max(const Tensor& x, std::vector<int64_t> axes = {}, bool keepdim = false);
Tensor max(const Tensor& x, int64_t axis, bool keepdim = false);
/// log(sum(exp(x))) computed stably (subtracting the detached max). Composite.
Tensor logsumexp(const Tensor& x, std::vector<int64_t> axes = {}, bool keepdim = false);
/// Sums `grad` down to `shape` (the reverse of numpy broadcasting): the VJP of broadcasting.
Tensor sum_to(const Tensor& grad, const Shape& shape);

// ---- nn (composites unless noted) -------------------------------------------------------------
Tensor softmax(const Tensor& x, int64_t axis = -1);
Tensor log_softmax(const Tensor& x, int64_t axis = -1);
/// Mean over the batch of -log_softmax(logits)[label]; logits [N,C] float, labels [N] i64.
Tensor cross_entropy(const Tensor& logits, const Tensor& labels);
/// mean((a - b)^2).
Tensor mse_loss(const Tensor& a, const Tensor& b);
/// Normalizes over the trailing dims `normalized_shape` (empty = the last axis), then scales by
/// `weight` and shifts by `bias` when they are defined.
Tensor layer_norm(const Tensor& x, Shape normalized_shape = {}, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
/// Rows of `weight` [V, D...] picked by i64 `indices` [N...] -> [N..., D...] (Gather primitive).
Tensor embedding(const Tensor& weight, const Tensor& indices);
/// Same as embedding (the primitive's name).
Tensor gather(const Tensor& table, const Tensor& indices);
/// [indices..., num_classes] in `dtype`: 1 where the class equals the index (cmp + convert).
Tensor one_hot(const Tensor& indices, int64_t num_classes, DType dtype = DType::f32);

} // namespace grad
