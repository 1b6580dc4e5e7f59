// grad::set_num_threads / get_num_threads: one count for the OpenMP pool, which runs eager
// kernels, compiled code and the blocks of every gemm.
//
// Note [One thread count, one pool]
// OpenBLAS (the pthread build Debian ships) would keep worker threads of its own beside
// libomp's; it is held at one thread, and grad_gemm_f32/f64 (libgradrt, Note [One pool for
// gemms] in runtime/src/gemm.c) split each large gemm over libomp's threads instead. The count
// set here is therefore the whole machine's: libomp's workers are the only extra threads.
// libomp's workers spin for KMP_BLOCKTIME after a region before they sleep; the block time is
// cut to a short spin unless the user set KMP_BLOCKTIME, so that an idle pool does not hold
// the cores other processes (or a second grad process) want.
#include "grad/threads.h"

#include <omp.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "grad/error.h"
#include "grad/gradrt.h"


namespace grad {
namespace {

/// libomp's spin before sleeping, in ms (its default is 200): see Note [One thread count, one pool].
constexpr int kSpinMillis = 1;

std::atomic<int> g_num_threads{0};
// Not std::call_once: libstdc++'s call_once over pthread_once does not reset the flag when the
// function throws (GCC PR 66146); a bad GRAD_NUM_THREADS then deadlocked the next call (seen
// under ThreadSanitizer's pthread_once). A mutex and a flag give the documented behaviour.
std::mutex g_init_mutex;
bool g_initialized = false;

/// The default: GRAD_NUM_THREADS, else every core this process may run on.
int default_num_threads() {
  if (const char* env = std::getenv("GRAD_NUM_THREADS"); env && *env) {
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(env, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1 || v > 1 << 16)
      throw Error(fmt::format("GRAD_NUM_THREADS='{}': expected a positive integer", env));
    return static_cast<int>(v);
  }
  return std::max(1, omp_get_num_procs());
}

void apply(int n) {
  g_num_threads.store(n, std::memory_order_relaxed);
  omp_set_num_threads(n);
  grad_gemm_init(); // OpenBLAS single-threaded: gemms split over this pool (Note [One pool for gemms])
}

/// The first call sets the count to `first()`; an exception from it (a bad GRAD_NUM_THREADS)
/// leaves the count unset, so that a later set_num_threads still works.
template <class F> void init_once(F first) {
  std::lock_guard<std::mutex> lock(g_init_mutex);
  if (g_initialized)
    return;
  int n = first();
  if (!std::getenv("KMP_BLOCKTIME"))
    kmp_set_blocktime(kSpinMillis);
  apply(n);
  g_initialized = true;
}

} // namespace

void set_num_threads(int n) {
  if (n < 1)
    throw Error(fmt::format("set_num_threads: n must be >= 1, got {}", n));
  init_once([n] { return n; });
  apply(n);
}

int get_num_threads() {
  int n = g_num_threads.load(std::memory_order_relaxed);
  if (n > 0)
    return n;
  init_once(default_num_threads);
  return g_num_threads.load(std::memory_order_relaxed);
}

} // namespace grad
