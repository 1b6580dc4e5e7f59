/*===- gradrt_mpi.h - grad runtime: collectives over MPI -------------------===*
 *
 * libgradrt_mpi is the MPI part of the runtime, kept out of libgradrt so that a model that does
 * not communicate links no MPI. The eager grad::dist API (libgrad_dist) and compiled code that
 * contains grad.all_reduce both call it, so there is one implementation of each collective, of its
 * timeout and of its error messages.
 *
 * Conventions are libgradrt's: fallible functions return a grad_status (NULL = OK), outputs come
 * last with an `out_` prefix. Collectives are called from one thread per process (the process
 * initialises MPI with MPI_THREAD_FUNNELED) and, like every MPI collective, in the same order on
 * every rank.
 *
 * Launch: under `mpirun` (Open MPI, MPICH or any launcher that sets PMI/PMIx variables) the
 * process joins MPI_COMM_WORLD. Without a launcher (a plain `./prog`) gradrt_dist_init does not
 * start MPI at all: the world is one process, collectives are local (sum/mean/max of one rank is
 * the identity) and nothing waits. GRAD_DIST_FORCE_MPI=1 starts MPI anyway (an MPI singleton).
 *
 * Failure behaviour: every wait polls its request with a deadline (gradrt_dist_timeout(), default
 * 300 s, environment GRAD_DIST_TIMEOUT in seconds); when it passes, the wait returns an
 * UNAVAILABLE status naming the collective and the timeout instead of hanging. MPI errors are
 * returned as statuses (MPI_ERRORS_RETURN), never abort silently.
 *===----------------------------------------------------------------------===*/
#ifndef GRAD_GRADRT_MPI_H
#define GRAD_GRADRT_MPI_H

#include <stdint.h>

#include "grad/gradrt.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Reductions of an all-reduce. MEAN is SUM followed by a division by the world size.
typedef enum grad_reduce_op {
  GRAD_REDUCE_SUM = 0,
  GRAD_REDUCE_MEAN = 1,
  GRAD_REDUCE_MAX = 2,
} grad_reduce_op;

/// "sum", "mean", "max" ("invalid" otherwise). Static storage.
GRAD_RT_API const char* gradrt_dist_reduce_op_name(grad_reduce_op op);

/// Joins the launcher's world (see the file comment). Safe to call again: later calls do nothing.
/// Not thread-safe.
GRAD_RT_API grad_status gradrt_dist_init(void);

/// 1 after a successful gradrt_dist_init and before gradrt_dist_finalize, else 0.
GRAD_RT_API int gradrt_dist_is_initialized(void);

/// 1 if the world runs on MPI (launched by mpirun or forced), 0 for the local world of one.
GRAD_RT_API int gradrt_dist_uses_mpi(void);

/// This process's rank and the number of processes; before gradrt_dist_init an INVALID_ARGUMENT
/// status saying so.
GRAD_RT_API grad_status gradrt_dist_rank(int* out_rank);
GRAD_RT_API grad_status gradrt_dist_world_size(int* out_world_size);

/// Seconds a wait polls before it gives up (GRAD_DIST_TIMEOUT, default 300).
GRAD_RT_API double gradrt_dist_timeout(void);
/// Overrides the timeout for this process (seconds > 0).
GRAD_RT_API void gradrt_dist_set_timeout(double seconds);

/// A collective in flight. Owned by the caller until passed to gradrt_dist_wait.
typedef struct gradrt_dist_request_s* gradrt_dist_request;

/// Starts a non-blocking in-place all-reduce (MPI_Iallreduce) of `count` contiguous elements of
/// `dtype` at `data` (f32, f64 or i64; MEAN needs f32 or f64). `data` must stay alive and
/// untouched until the wait. `what` names the caller in error messages (static storage).
GRAD_RT_API grad_status gradrt_dist_all_reduce_start(void* data, int64_t count, grad_dtype dtype,
                                                     grad_reduce_op op, const char* what,
                                                     gradrt_dist_request* out_request);

/// Waits for `request` with the timeout (polling; the progress of every other request in flight
/// is driven too), finishes it (MEAN divides) and frees it, also on error. NULL is accepted.
GRAD_RT_API grad_status gradrt_dist_wait(gradrt_dist_request request);

/// 1 if `request` has completed (drives MPI progress; does not free it), else 0.
GRAD_RT_API int gradrt_dist_test(gradrt_dist_request request);

/// Blocking in-place all-reduce: start + wait.
GRAD_RT_API grad_status gradrt_dist_all_reduce(void* data, int64_t count, grad_dtype dtype,
                                               grad_reduce_op op, const char* what);

/// In-place broadcast of `count` elements of `dtype` from rank `root`, with the timeout.
GRAD_RT_API grad_status gradrt_dist_broadcast(void* data, int64_t count, grad_dtype dtype,
                                              int root, const char* what);

/// Gathers `count` int64 values from every rank into `out_values` (world_size * count values,
/// rank-major), with the timeout. Used to compare shapes across ranks before a collective.
GRAD_RT_API grad_status gradrt_dist_all_gather_i64(const int64_t* values, int64_t count,
                                                   int64_t* out_values, const char* what);

/// Blocks until every rank arrives, with the timeout.
GRAD_RT_API grad_status gradrt_dist_barrier(void);

/// Prints `message` on stderr prefixed with the rank and ends the whole job (MPI_Abort with
/// `code`; exit(code) in the local world). Never returns.
GRAD_RT_API void gradrt_dist_abort(int code, const char* message);

/// Leaves MPI (MPI_Finalize). Further calls need gradrt_dist_init again (MPI itself cannot be
/// restarted: a second init after finalize is an error status).
GRAD_RT_API grad_status gradrt_dist_finalize(void);

/*===----------------------------------------------------------------------===*
 * Entry points of lowered code (grad.all_reduce)
 *===----------------------------------------------------------------------===*/

/// In-place all-reduce called by compiled code: `data` holds `count` f32 (or f64) elements,
/// `op` is a grad_reduce_op. These have no status: compiled code cannot handle one, so an error
/// (not initialised, timeout, MPI failure) prints its message and aborts the job through
/// gradrt_dist_abort: the other ranks end too instead of waiting.
GRAD_RT_API void gradrt_all_reduce_f32(float* data, int64_t count, int32_t op);
GRAD_RT_API void gradrt_all_reduce_f64(double* data, int64_t count, int32_t op);

#ifdef __cplusplus
}
#endif

#endif /* GRAD_GRADRT_MPI_H */
