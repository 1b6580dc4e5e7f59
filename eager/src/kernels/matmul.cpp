// Matmul through OpenBLAS: transposed views are passed as transpose flags, not copied; a batched
// matmul loops over the batch.
#include <cblas.h>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "grad/gradrt.h"

#include "core/tensor_impl.h"
#include "kernels/kernels.h"
#include "kernels/loops.h"
#include "parallel/parallel.h"

namespace grad::kernels {
namespace {

/// OpenBLAS's own threading threshold (M x N x K): below it a call is one thread's work, and a
/// batch of such calls is split over the pool by batch point instead.
constexpr int64_t kSmallGemmMacs = 262144;

struct BlasLayout {
  CBLAS_TRANSPOSE trans;
  int64_t ld;
};

/// How BLAS can read a rows x cols matrix with row/col element strides rs/cs, if it can.
std::optional<BlasLayout> blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  int64_t min_cols = std::max<int64_t>(1, cols), min_rows = std::max<int64_t>(1, rows);
  if ((cols == 1 || cs == 1) && (rows == 1 || rs >= min_cols))
    return BlasLayout{CblasNoTrans, rows == 1 ? min_cols : rs};
  if ((rows == 1 || rs == 1) && (cols == 1 || cs >= min_rows))
    return BlasLayout{CblasTrans, cols == 1 ? min_rows : cs};
  return std::nullopt;
}

template <class T>
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t k, const T* a,
          int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc) {
  // Rows of C split over the OpenMP pool (Note [One pool for gemms], runtime/src/gemm.c).
  if constexpr (std::is_same_v<T, float>)
    grad_gemm_f32(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  else
    grad_gemm_f64(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
}

} // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in, const Shape& out_shape) {
  count_kernel();
  size_t r = a_in.shape().size();
  const int64_t m = a_in.shape()[r - 2], k = a_in.shape()[r - 1], n = b_in.shape()[r - 1];
  Tensor out = new_tensor(out_shape, a_in.dtype());
  get_num_threads(); // the first call sets the pool's count (grad/threads.h)
  if (out.numel() == 0)
    return out;
  auto layout_of = [&](const Tensor& t, int64_t rows, int64_t cols) {
    const auto& st = t.strides();
    return blas_layout(rows, cols, st[r - 2], st[r - 1]);
  };
  Tensor a = a_in, b = b_in;
  auto la = layout_of(a, m, k);
  if (!la) {
    a = new_tensor(a_in.shape(), a_in.dtype());
    copy_into(a, a_in);
    la = layout_of(a, m, k);
  }
  auto lb = layout_of(b, k, n);
  if (!lb) {
    b = new_tensor(b_in.shape(), b_in.dtype());
    copy_into(b, b_in);
    lb = layout_of(b, k, n);
  }
  dispatch_float(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pa = typed<T>(a);
    const T* pb = typed<T>(b);
    T* pc = typed<T>(out);
    if (k == 0) {
      for (int64_t i = 0, e = out.numel(); i < e; ++i)
        pc[i] = 0;
      return;
    }
    if (r == 2) {
      gemm<T>(la->trans, lb->trans, m, n, k, pa, la->ld, pb, lb->ld, pc, n);
      return;
    }
    // Batch dims: walk them with the strides of a, b and out.
    Shape batch(out_shape.begin(), out_shape.end() - 2);
    std::vector<int64_t> sa(a.strides().begin(), a.strides().end() - 2);
    std::vector<int64_t> sb(b.strides().begin(), b.strides().end() - 2);
    std::vector<int64_t> sc(out.strides().begin(), out.strides().end() - 2);
    // Note [Parallel batches of small gemms, eager]: a gemm large enough for grad_gemm to split
    // runs one after another, each split over the pool; smaller ones (attention's per-head
    // products, 64x16x64) are spread over the pool by batch point, one single-threaded call
    // each (grad_gemm inside a parallel region is one call), as compiled code does. Each C block
    // is written by one call, so the result does not depend on the thread count.
    std::vector<std::array<int64_t, 3>> offsets; // C, A, B element offsets of each batch point
    for_each_row<3>(
        batch, {&sc, &sa, &sb},
        [&](const std::array<int64_t, 3>& off, int64_t cnt, const std::array<int64_t, 3>& st) {
          for (int64_t i = 0; i < cnt; ++i)
            offsets.push_back({off[0] + i * st[0], off[1] + i * st[1], off[2] + i * st[2]});
        });
    auto run = [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        gemm<T>(la->trans, lb->trans, m, n, k, pa + offsets[i][1], la->ld, pb + offsets[i][2],
                lb->ld, pc + offsets[i][0], n);
    };
    const int64_t macs = m * n * k;
    if (macs >= kSmallGemmMacs)
      run(0, static_cast<int64_t>(offsets.size()));
    else // at least ~kSmallGemmMacs / 2 multiply-adds per thread
      parallel::parallel_for(static_cast<int64_t>(offsets.size()),
                             std::max<int64_t>(1, kSmallGemmMacs / 2 / std::max<int64_t>(macs, 1)),
                             run);
  });
  return out;
}

} // namespace grad::kernels
