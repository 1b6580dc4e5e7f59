// Internal: parallel_for over an index range on the OpenMP pool, with the grain that keeps small
// work serial.
//
// Note [Deterministic parallel kernels]
// Every kernel splits its work so that each output element is computed by exactly one thread, in
// the same order of operations whatever the split: elementwise ops trivially; reductions give
// each output (or each fixed-size block of a long row, see kernels/reduce.cpp) to one thread and
// combine block partials in index order. Results are therefore bitwise the same run to run and
// across thread counts; only a matmul large enough for grad_gemm_f32/f64 to split (rows of C
// over the pool, Note [One pool for gemms] in runtime/src/gemm.c) may round differently at a
// different thread count.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "grad/threads.h"

namespace grad::parallel {

/// Elements of a cheap elementwise op (an add) below which one thread is faster than waking the
/// pool (its fork/join costs a few microseconds).
inline constexpr int64_t kGrain = 32768;
/// The same for transcendental math (exp, tanh, ...), ~10x the work per element.
inline constexpr int64_t kGrainMath = 4096;

/// Calls f(begin, end) on disjoint ranges covering [0, n): in parallel when n >= 2 * grain and
/// more than one thread is allowed, as one call otherwise (and always inside a parallel region).
/// Static split: thread t of T gets [t*n/T, (t+1)*n/T).
template <class F> void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0)
    return;
  const int64_t max_chunks = n / std::max<int64_t>(grain, 1);
  const int threads = static_cast<int>(std::min<int64_t>(get_num_threads(), max_chunks));
  if (threads <= 1 || omp_in_parallel()) {
    f(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t begin = n * t / nt, end = n * (t + 1) / nt;
    if (begin < end)
      f(begin, end);
  }
}

} // namespace grad::parallel
