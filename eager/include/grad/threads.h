// The intra-op thread count shared by the eager kernels, compiled code (both run on LLVM's OpenMP
// runtime, libomp) and OpenBLAS.
#pragma once

namespace grad {

/// Sets the number of threads every later op may use: eager kernels, compiled code run from this
/// thread (its OpenMP count) and OpenBLAS (openblas_set_num_threads), so the pools never add up
/// to more threads than `n`. Throws grad::Error unless n >= 1.
void set_num_threads(int n);

/// The thread count in force: the last set_num_threads, else the environment variable
/// GRAD_NUM_THREADS, else every core this process may run on. Throws grad::Error if
/// GRAD_NUM_THREADS is not a positive integer.
int get_num_threads();

} // namespace grad
