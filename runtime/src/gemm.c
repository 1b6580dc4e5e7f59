/*===- gemm.c - matrix products on the one thread pool ----------------------===*
 *
 * Note [One pool for gemms]
 * Debian's OpenBLAS (the pthread build) keeps a worker pool of its own beside libomp's, which
 * runs eager kernels and compiled loops. With both at N threads, the pool that is not working
 * still spins or yields on the cores while the other works (measured on the char transformer
 * step: each pool's worker spent about half its samples waiting), and OpenBLAS's own split of
 * the transformer's gemms (1024x64x192 and the like) scaled 1.27-1.63x on 2 cores. Instead,
 * OpenBLAS runs single-threaded and grad_gemm_f32/f64 split the rows (or columns) of C over
 * libomp's threads, one single-threaded cblas call per block: 1.74-2.0x on the same gemms
 * (bench/compiled/gemm_split_bench.cpp, build/bin/bench_gemm_split). This is what PyTorch does with MKL's or OpenBLAS's
 * OpenMP builds, which share the caller's pool.
 *
 * Each block of C is written by one call with the whole K range, so no sums are split: with a
 * fixed thread count the result is the same bit for bit run to run, and across thread counts
 * each element is still one dot product in OpenBLAS's order for its kernel. A call from inside
 * a parallel region (the batch loops of small gemms, Note [Parallel batches of small gemms]),
 * with one thread, or with less than kMinMacsPerThread of work per thread stays one call.
 *===----------------------------------------------------------------------===*/
#include "grad/gradrt.h"

#include <cblas.h>
#include <omp.h>
#include <pthread.h>

void openblas_set_num_threads(int num_threads);

/* About 3 us of one core's work: below it the fork/join of a parallel region costs more than
 * the second thread saves. */
enum { kMinMacsPerThread = 131072, kRowAlign = 16 };

static pthread_once_t g_blas_once = PTHREAD_ONCE_INIT;
static void blas_single_threaded(void) { openblas_set_num_threads(1); }

void grad_gemm_init(void) { pthread_once(&g_blas_once, blas_single_threaded); }

/* How many blocks to split C into, and along which dimension (0 rows, 1 columns). */
static int plan_split(int m, int n, int k, int* along) {
  if (omp_in_parallel())
    return 1;
  int threads = omp_get_max_threads();
  if (threads <= 1)
    return 1;
  double macs = (double)m * (double)n * (double)k;
  int by_work = (int)(macs / kMinMacsPerThread);
  int blocks = threads < by_work ? threads : by_work;
  if (blocks <= 1)
    return 1;
  /* Rows of a row-major C are contiguous: split them while each block keeps a few. */
  if (m >= blocks * kRowAlign) {
    *along = 0;
    return blocks;
  }
  if (n >= blocks * kRowAlign) {
    *along = 1;
    return blocks;
  }
  return 1;
}

/* Block t of `blocks` over [0, extent), boundaries on multiples of kRowAlign. */
static void block_range(int extent, int blocks, int t, int* begin, int* end) {
  int units = (extent + kRowAlign - 1) / kRowAlign;
  int b = (int)((long long)units * t / blocks) * kRowAlign;
  int e = (int)((long long)units * (t + 1) / blocks) * kRowAlign;
  *begin = b < extent ? b : extent;
  *end = e < extent ? e : extent;
}

/* The element offset of row `r` (of op(A), m x k) or column `c` (of op(B), k x n). */
#define ROW_OFFSET(trans, r, ld) ((trans) == CblasNoTrans ? (long long)(r) * (ld) : (long long)(r))
#define COL_OFFSET(trans, c, ld) ((trans) == CblasNoTrans ? (long long)(c) : (long long)(c) * (ld))

#define DEFINE_GEMM(NAME, T, CBLAS)                                                              \
  void NAME(int order, int trans_a, int trans_b, int m, int n, int k, T alpha, const T* a,       \
            int lda, const T* b, int ldb, T beta, T* c, int ldc) {                               \
    grad_gemm_init();                                                                            \
    if (order == CblasColMajor) { /* C^T = B^T A^T in row-major terms */                         \
      NAME(CblasRowMajor, trans_b, trans_a, n, m, k, alpha, b, ldb, a, lda, beta, c, ldc);       \
      return;                                                                                    \
    }                                                                                            \
    int along = 0;                                                                               \
    int blocks = plan_split(m, n, k, &along);                                                    \
    if (blocks <= 1) {                                                                           \
      CBLAS(CblasRowMajor, (CBLAS_TRANSPOSE)trans_a, (CBLAS_TRANSPOSE)trans_b, m, n, k, alpha,   \
            a, lda, b, ldb, beta, c, ldc);                                                       \
      return;                                                                                    \
    }                                                                                            \
    _Pragma("omp parallel for num_threads(blocks) schedule(static, 1)")                          \
    for (int t = 0; t < blocks; ++t) {                                                           \
      int begin, end;                                                                            \
      block_range(along == 0 ? m : n, blocks, t, &begin, &end);                                  \
      if (begin >= end)                                                                          \
        continue;                                                                                \
      if (along == 0)                                                                            \
        CBLAS(CblasRowMajor, (CBLAS_TRANSPOSE)trans_a, (CBLAS_TRANSPOSE)trans_b, end - begin, n, \
              k, alpha, a + ROW_OFFSET(trans_a, begin, lda), lda, b, ldb, beta,                  \
              c + (long long)begin * ldc, ldc);                                                  \
      else                                                                                       \
        CBLAS(CblasRowMajor, (CBLAS_TRANSPOSE)trans_a, (CBLAS_TRANSPOSE)trans_b, m, end - begin, \
              k, alpha, a, lda, b + COL_OFFSET(trans_b, begin, ldb), ldb, beta, c + begin, ldc); \
    }                                                                                            \
  }

DEFINE_GEMM(grad_gemm_f32, float, cblas_sgemm)
DEFINE_GEMM(grad_gemm_f64, double, cblas_dgemm)
