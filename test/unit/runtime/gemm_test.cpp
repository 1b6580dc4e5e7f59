// Tests of grad_gemm_f32/f64 (runtime/src/gemm.c, Note [One pool for gemms]): against a plain
// triple loop in every transpose and order, with alpha/beta, on shapes that split by rows, by
// columns and not at all; bitwise equal run to run at a fixed thread count and equal within
// rounding across thread counts; OpenBLAS's own pool held at one thread.
#include "grad/gradrt.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

extern "C" int openblas_get_num_threads(void);

namespace {

constexpr int kRowMajor = 101, kColMajor = 102, kNoTrans = 111, kTrans = 112;

struct Case {
  int m, n, k;
};

/// Element (i, j) of a matrix stored in `order` with leading dimension ld.
template <class T> T at(const std::vector<T>& v, int order, int ld, int i, int j) {
  return order == kRowMajor ? v[size_t(i) * ld + j] : v[size_t(j) * ld + i];
}

template <class T> std::vector<T> filled(size_t n, uint32_t seed) {
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = T((seed >> 8) % 2001) / T(1000) - T(1);
  }
  return v;
}

template <class T>
void gemm(int order, int ta, int tb, int m, int n, int k, T alpha, const T* a, int lda,
          const T* b, int ldb, T beta, T* c, int ldc) {
  if constexpr (sizeof(T) == 4)
    grad_gemm_f32(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    grad_gemm_f64(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/// C = alpha op(A) op(B) + beta C through grad_gemm at `threads`, checked against a loop.
template <class T> void check(int order, int ta, int tb, Case s, int threads, double tol) {
  omp_set_num_threads(threads);
  // op(A) is m x k: A itself is m x k (no transpose) or k x m, stored in `order`.
  int ar = ta == kNoTrans ? s.m : s.k, ac = ta == kNoTrans ? s.k : s.m;
  int br = tb == kNoTrans ? s.k : s.n, bc = tb == kNoTrans ? s.n : s.k;
  int lda = (order == kRowMajor ? ac : ar) + 3, ldb = (order == kRowMajor ? bc : br) + 1;
  int ldc = (order == kRowMajor ? s.n : s.m) + 2;
  auto a = filled<T>(size_t(lda) * (order == kRowMajor ? ar : ac), 1);
  auto b = filled<T>(size_t(ldb) * (order == kRowMajor ? br : bc), 2);
  auto c = filled<T>(size_t(ldc) * (order == kRowMajor ? s.m : s.n), 3);
  auto c0 = c;
  const T alpha = T(0.75), beta = T(-0.5);
  gemm<T>(order, ta, tb, s.m, s.n, s.k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
  for (int i = 0; i < s.m; ++i)
    for (int j = 0; j < s.n; ++j) {
      double sum = 0;
      for (int p = 0; p < s.k; ++p) {
        double x = ta == kNoTrans ? at(a, order, lda, i, p) : at(a, order, lda, p, i);
        double y = tb == kNoTrans ? at(b, order, ldb, p, j) : at(b, order, ldb, j, p);
        sum += x * y;
      }
      double want = alpha * sum + beta * double(at(c0, order, ldc, i, j));
      ASSERT_NEAR(double(at(c, order, ldc, i, j)), want, tol * (1 + std::fabs(want)))
          << "order " << order << " ta " << ta << " tb " << tb << " " << s.m << "x" << s.n << "x"
          << s.k << " threads " << threads << " at (" << i << ", " << j << ")";
    }
  // The padding between rows (leading dimension > extent) is never written.
  auto c1 = c0;
  for (int r = 0; r < (order == kRowMajor ? s.m : s.n); ++r)
    for (int p = (order == kRowMajor ? s.n : s.m); p < ldc; ++p)
      ASSERT_EQ(c[size_t(r) * ldc + p], c1[size_t(r) * ldc + p]) << "padding written";
}

// Shapes: rows split (the charlm linear layers), columns split (few rows, many columns),
// too little work to split, and extents that are not multiples of the 16-row blocks.
const Case kCases[] = {{1024, 192, 64}, {8, 700, 300}, {16, 16, 16}, {333, 77, 129}, {64, 192, 1024}};

TEST(Gemm, MatchesLoopsInEveryLayoutAndThreadCount) {
  int saved = omp_get_max_threads();
  for (int threads : {1, 2, 3})
    for (int order : {kRowMajor, kColMajor})
      for (int ta : {kNoTrans, kTrans})
        for (int tb : {kNoTrans, kTrans})
          for (Case s : kCases) {
            check<float>(order, ta, tb, s, threads, 1e-4);
            check<double>(order, ta, tb, s, threads, 1e-12);
          }
  omp_set_num_threads(saved);
}

TEST(Gemm, HoldsOpenBlasAtOneThread) {
  grad_gemm_init();
  EXPECT_EQ(openblas_get_num_threads(), 1);
}

TEST(Gemm, BitwiseRunToRunAndWithinRoundingAcrossThreadCounts) {
  int saved = omp_get_max_threads();
  const int m = 1024, n = 192, k = 256;
  auto a = filled<float>(size_t(m) * k, 4), b = filled<float>(size_t(k) * n, 5);
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    std::vector<float> c(size_t(m) * n, 0.f);
    grad_gemm_f32(kRowMajor, kNoTrans, kNoTrans, m, n, k, 1.f, a.data(), k, b.data(), n, 0.f,
                  c.data(), n);
    return c;
  };
  std::vector<float> two = run(2), again = run(2), one = run(1);
  EXPECT_EQ(0, std::memcmp(two.data(), again.data(), two.size() * sizeof(float)));
  for (size_t i = 0; i < one.size(); ++i)
    ASSERT_NEAR(one[i], two[i], 1e-4f * (1 + std::fabs(one[i]))) << i;
  omp_set_num_threads(saved);
}

TEST(Gemm, InsideAParallelRegionIsOneCallPerThread) {
  // The batch loops of small gemms (Note [Parallel batches of small gemms]) call from inside a
  // parallel region: each call must stay on its own thread and give the loop's answer.
  int saved = omp_get_max_threads();
  omp_set_num_threads(2);
  const int m = 256, n = 128, k = 64, batch = 4;
  auto a = filled<float>(size_t(batch) * m * k, 6), b = filled<float>(size_t(k) * n, 7);
  std::vector<float> c(size_t(batch) * m * n, 0.f);
#pragma omp parallel for
  for (int i = 0; i < batch; ++i)
    grad_gemm_f32(kRowMajor, kNoTrans, kNoTrans, m, n, k, 1.f, a.data() + size_t(i) * m * k, k,
                  b.data(), n, 0.f, c.data() + size_t(i) * m * n, n);
  for (int i = 0; i < batch; ++i)
    for (int r = 0; r < m; r += 37)
      for (int j = 0; j < n; j += 11) {
        double want = 0;
        for (int p = 0; p < k; ++p)
          want += double(a[size_t(i) * m * k + size_t(r) * k + p]) * b[size_t(p) * n + j];
        ASSERT_NEAR(c[size_t(i) * m * n + size_t(r) * n + j], want, 1e-4 * (1 + std::fabs(want)));
      }
  omp_set_num_threads(saved);
}

} // namespace
