// An LD_PRELOAD shim that times every cblas_sgemm call of a process (eager kernels and JIT code
// alike: the JIT resolves cblas_sgemm in the process) and prints, at exit, one line per call
// shape: flags, M, N, K, leading dimensions, beta, calls, thread CPU time and GFLOP/s. It answers
// "where does the step's BLAS time go" per matmul form (docs/performance.md, "Where the compiled
// step's time goes"):
//
//   LD_PRELOAD=build/lib/libgrad_blas_call_profile.so build/bin/charlm --mode compiled --steps 100
//
// Thread CPU time (CLOCK_THREAD_CPUTIME_ID) of the calling thread: calls made on OpenMP threads
// (batched gemms, Note [Parallel batches of small gemms]) are each timed on their own thread.
#include <dlfcn.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <tuple>

#include <cblas.h>

namespace {

using Sgemm = void (*)(CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint,
                       float, const float *, blasint, const float *, blasint, float, float *,
                       blasint);

using Shape = std::tuple<int, int, int, int, int, int, int, int, float>;
struct Cost {
  long calls = 0;
  double ns = 0;
};

struct Table {
  std::mutex mutex;
  std::map<Shape, Cost> costs;
  ~Table() {
    double total = 0;
    long calls = 0;
    for (auto &[shape, cost] : costs) {
      total += cost.ns;
      calls += cost.calls;
    }
    std::fprintf(stderr, "cblas_sgemm: %.3f ms thread CPU in %ld calls\n", total / 1e6, calls);
    for (auto &[s, c] : costs) {
      auto [ta, tb, m, n, k, lda, ldb, ldc, beta] = s;
      std::fprintf(stderr,
                   "  %c%c M=%d N=%d K=%d lda=%d ldb=%d ldc=%d beta=%g: %ld calls, %.3f ms, "
                   "%.2f us/call, %.1f GFLOP/s\n",
                   ta == CblasTrans ? 't' : 'n', tb == CblasTrans ? 't' : 'n', m, n, k, lda, ldb,
                   ldc, beta, c.calls, c.ns / 1e6, c.ns / 1e3 / c.calls,
                   2.0 * m * n * k * c.calls / c.ns);
    }
  }
};

Table &table() {
  static Table t;
  return t;
}

double threadNs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

} // namespace

extern "C" void cblas_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m,
                            blasint n, blasint k, float alpha, const float *a, blasint lda,
                            const float *b, blasint ldb, float beta, float *c, blasint ldc) {
  static Sgemm real = reinterpret_cast<Sgemm>(dlsym(RTLD_NEXT, "cblas_sgemm"));
  if (!real) {
    std::fprintf(stderr, "blas_call_profile: cblas_sgemm not found after the shim\n");
    std::abort();
  }
  Table &t = table();
  double start = threadNs();
  real(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  double ns = threadNs() - start;
  std::lock_guard<std::mutex> lock(t.mutex);
  Cost &cost = t.costs[Shape{ta, tb, m, n, k, lda, ldb, ldc, beta}];
  ++cost.calls;
  cost.ns += ns;
}
