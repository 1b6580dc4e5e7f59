// gemm_split_bench: the charlm step's large gemm shapes at 1 thread and at N threads, split two
// ways: OpenBLAS's own pool (one cblas_sgemm call, openblas_set_num_threads(N)) and grad's
// (grad_gemm_f32: rows of C over libomp's threads, one single-threaded call per block;
// Note [One pool for gemms] in runtime/src/gemm.c). Best of 5 rounds of 200 calls, us per call.
//
//   build/bin/bench_gemm_split [--threads N]     (default: every core)
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "grad/gradrt.h"

extern "C" void openblas_set_num_threads(int);

namespace {

struct Shape {
  int m, n, k;
  CBLAS_TRANSPOSE ta, tb;
  const char* what;
};

// Forward, input-gradient and weight-gradient gemms of charlm (B*T = 1024 rows, d_model 64,
// qkv 192, MLP 256), as the jit calls them.
const Shape kShapes[] = {
    {1024, 192, 64, CblasNoTrans, CblasNoTrans, "qkv fwd 1024x192x64 nn"},
    {1024, 256, 64, CblasNoTrans, CblasNoTrans, "mlp1 fwd 1024x256x64 nn"},
    {1024, 64, 256, CblasNoTrans, CblasNoTrans, "mlp2 fwd 1024x64x256 nn"},
    {1024, 64, 192, CblasNoTrans, CblasTrans, "qkv dx 1024x64x192 nt"},
    {64, 192, 1024, CblasTrans, CblasNoTrans, "qkv dw 64x192 k1024 tn"},
    {256, 64, 1024, CblasTrans, CblasNoTrans, "mlp2 dw 256x64 k1024 tn"},
};

double time_us(int reps, auto&& fn) {
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r)
    fn();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
         reps;
}

} // namespace

int main(int argc, char** argv) {
  int threads = omp_get_num_procs();
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = std::atoi(argv[++i]);
  std::printf("| gemm (us per call, best of 5) | 1 thread | OpenBLAS pool, %d | speedup | grad_gemm, %d | speedup |\n",
              threads, threads);
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  for (const Shape& s : kShapes) {
    int lda = s.ta == CblasNoTrans ? s.k : s.m, ldb = s.tb == CblasNoTrans ? s.n : s.k;
    std::vector<float> a(size_t(s.m) * s.k, 0.5f), b(size_t(s.k) * s.n, 0.25f),
        c(size_t(s.m) * s.n, 0.f);
    auto blas = [&] {
      cblas_sgemm(CblasRowMajor, s.ta, s.tb, s.m, s.n, s.k, 1.f, a.data(), lda, b.data(), ldb,
                  0.f, c.data(), s.n);
    };
    auto grad = [&] {
      grad_gemm_f32(CblasRowMajor, s.ta, s.tb, s.m, s.n, s.k, 1.f, a.data(), lda, b.data(), ldb,
                    0.f, c.data(), s.n);
    };
    double one = 1e30, pool = 1e30, split = 1e30;
    for (int round = 0; round < 5; ++round) { // interleaved, so load changes reach every column
      openblas_set_num_threads(1);
      one = std::min(one, time_us(200, blas));
      openblas_set_num_threads(threads);
      pool = std::min(pool, time_us(200, blas));
      openblas_set_num_threads(1);
      omp_set_num_threads(threads);
      split = std::min(split, time_us(200, grad));
    }
    std::printf("| %s | %.1f | %.1f | %.2fx | %.1f | %.2fx |\n", s.what, one, pool, one / pool,
                split, one / split);
  }
}
