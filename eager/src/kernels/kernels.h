// Internal: the eager CPU kernels, one per primitive family. Kernels take concrete tensors whose
// shapes were already checked by the op table's shape rule and return new contiguous tensors
// (views are made by the op table itself). Split over the OpenMP pool above a size threshold
// (parallel/parallel.h); contiguous inputs take plain loops
// the compiler vectorizes, anything else the strided path.
#pragma once

#include <vector>

#include "grad/op_table.h"
#include "grad/tensor.h"

namespace grad::kernels {

/// The unary rows of grad/op_table.def.
Tensor unary(OpKind kind, const Tensor& x);
/// Add Sub Mul Div Maximum Minimum Pow on same-shape, same-dtype operands.
Tensor binary(OpKind kind, const Tensor& a, const Tensor& b);
/// b8 result of comparing same-shape operands.
Tensor compare(CmpPredicate predicate, const Tensor& a, const Tensor& b);
/// cond ? a : b, all the same shape.
Tensor select(const Tensor& cond, const Tensor& a, const Tensor& b);
/// Sum / Mean / Max over normalized `axes`, result laid out as `out_shape`.
Tensor reduce(OpKind kind, const Tensor& x, const std::vector<int64_t>& axes,
              const Shape& out_shape);
/// 2-D or batched (equal batch dims) matmul through OpenBLAS.
Tensor matmul(const Tensor& a, const Tensor& b, const Shape& out_shape);
/// Rows of `table` picked by i64 `indices`.
Tensor gather(const Tensor& table, const Tensor& indices, const Shape& out_shape);
/// Concatenation along `axis`.
Tensor concat(const std::vector<Tensor>& xs, int64_t axis, const Shape& out_shape);
/// dst[...] = src[...] (same shape; converts dtype; dst may be a strided view).
void copy_into(const Tensor& dst, const Tensor& src);
/// Sets every element of `dst` (any layout) to `value`.
void fill(const Tensor& dst, double value);

// ---- fused nn kernels (kernels/norm.cpp), f32/f64, used by the eager path only -----------------

struct LayerNormForward {
  Tensor y;
  Tensor mean, rstd; ///< [rows] each; undefined unless save_stats
};
/// layer_norm over the last `cols` elements of each row of x (x seen as [numel / cols, cols]):
/// y = (x - mean) * rstd * weight + bias with rstd = 1 / sqrt(var + eps), one pass per row.
/// weight/bias: undefined, or `cols` elements of x's dtype.
LayerNormForward layer_norm(const Tensor& x, int64_t cols, const Tensor& weight,
                            const Tensor& bias, double eps, bool save_stats);
struct LayerNormGrads {
  Tensor dx;     ///< x's shape
  Tensor dw, db; ///< [cols] each
};
/// The gradients of layer_norm from the saved mean/rstd for the output gradient g (x's shape).
LayerNormGrads layer_norm_backward(const Tensor& g, const Tensor& x, const Tensor& mean,
                                   const Tensor& rstd, const Tensor& weight, bool need_dx,
                                   bool need_dw, bool need_db);
/// g * gelu'(x) (tanh form) for same-shape, same-dtype x and g, one pass.
Tensor gelu_backward(const Tensor& x, const Tensor& g);

/// Adds one to grad::eager_kernel_count(); called first by each entry point above (one count
/// per call, also for a fused kernel that passes over its rows twice) and by the in-place fast
/// path (core/inplace.cpp).
void count_kernel();

} // namespace grad::kernels
