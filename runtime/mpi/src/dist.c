/*===- dist.c - collectives over MPI with deadlines and status messages ----===*
 *
 * Every collective is started non-blocking and waited for by polling MPI_Test against a deadline,
 * so that a rank that died or stopped calling the collective turns into an error status on the
 * others instead of a hang (Note [Polling waits]). Without a launcher the world is one process and
 * nothing touches MPI.
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "grad/gradrt_mpi.h"

#include <limits.h>
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int g_initialized = 0;
static int g_uses_mpi = 0;
static int g_owns_mpi = 0; /* we called MPI_Init (so we finalize it) */
static int g_rank = 0;
static int g_world = 1;
static double g_timeout = -1.0;

struct gradrt_dist_request_s {
  MPI_Request request;
  void* data;
  int64_t count;
  grad_dtype dtype;
  grad_reduce_op op;
  const char* what;
};

const char* gradrt_dist_reduce_op_name(grad_reduce_op op) {
  switch (op) {
  case GRAD_REDUCE_SUM:
    return "sum";
  case GRAD_REDUCE_MEAN:
    return "mean";
  case GRAD_REDUCE_MAX:
    return "max";
  }
  return "invalid";
}

static int launched_by_mpirun(void) {
  static const char* const kVars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK",
                                      "MV2_COMM_WORLD_SIZE"};
  for (size_t i = 0; i < sizeof(kVars) / sizeof(kVars[0]); ++i)
    if (getenv(kVars[i]))
      return 1;
  const char* force = getenv("GRAD_DIST_FORCE_MPI");
  return force && strcmp(force, "0") != 0 && force[0] != '\0';
}

static grad_status mpi_error(int code, const char* what, const char* call) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    snprintf(text, sizeof(text), "MPI error code %d", code);
  return grad_status_make(GRAD_STATUS_INTERNAL, "%s: rank %d: %s failed: %s", what, g_rank, call,
                          text);
}

static grad_status not_initialized(const char* what) {
  return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                          "%s: grad::dist is not initialized: call grad::dist::init() first "
                          "(gradrt_dist_init)",
                          what);
}

grad_status gradrt_dist_init(void) {
  if (g_initialized)
    return NULL;
  if (!launched_by_mpirun()) {
    g_uses_mpi = 0;
    g_rank = 0;
    g_world = 1;
    g_initialized = 1;
    return NULL;
  }
  int already = 0, finalized = 0;
  MPI_Initialized(&already);
  MPI_Finalized(&finalized);
  if (finalized)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                            "grad::dist::init: MPI was finalized in this process and cannot be "
                            "started again");
  if (!already) {
    int provided = 0;
    int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS)
      return mpi_error(rc, "grad::dist::init", "MPI_Init_thread");
    g_owns_mpi = 1;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_world);
  g_uses_mpi = 1;
  g_initialized = 1;
  return NULL;
}

int gradrt_dist_is_initialized(void) { return g_initialized; }
int gradrt_dist_uses_mpi(void) { return g_initialized && g_uses_mpi; }

grad_status gradrt_dist_rank(int* out_rank) {
  if (!g_initialized)
    return not_initialized("grad::dist::rank");
  *out_rank = g_rank;
  return NULL;
}

grad_status gradrt_dist_world_size(int* out_world_size) {
  if (!g_initialized)
    return not_initialized("grad::dist::world_size");
  *out_world_size = g_world;
  return NULL;
}

double gradrt_dist_timeout(void) {
  if (g_timeout > 0)
    return g_timeout;
  const char* env = getenv("GRAD_DIST_TIMEOUT");
  double v = env ? strtod(env, NULL) : 0.0;
  g_timeout = v > 0 ? v : 300.0;
  return g_timeout;
}

void gradrt_dist_set_timeout(double seconds) {
  if (seconds > 0)
    g_timeout = seconds;
}

static MPI_Datatype mpi_type(grad_dtype dtype) {
  switch (dtype) {
  case GRAD_DTYPE_F32:
    return MPI_FLOAT;
  case GRAD_DTYPE_F64:
    return MPI_DOUBLE;
  case GRAD_DTYPE_I64:
    return MPI_INT64_T;
  case GRAD_DTYPE_B8:
    return MPI_UNSIGNED_CHAR;
  }
  return MPI_DATATYPE_NULL;
}

static grad_status check_buffer(const void* data, int64_t count, grad_dtype dtype, const char* what) {
  if (count < 0 || count > INT_MAX)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                            "%s: %lld elements: the count must lie in [0, %d]", what,
                            (long long)count, INT_MAX);
  if (count > 0 && !data)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: NULL data for %lld elements", what,
                            (long long)count);
  if (mpi_type(dtype) == MPI_DATATYPE_NULL)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: invalid dtype %d", what, (int)dtype);
  return NULL;
}

/* Note [Polling waits]
 * MPI_Wait has no deadline: a peer that died before entering the collective (or raised an error
 * and is unwinding) would leave this rank blocked forever, unless the launcher notices and kills
 * the job. Polling MPI_Test with a deadline bounds every wait. The first polls spin (a shared-
 * memory all-reduce of a few KB completes in microseconds); later ones yield the core, which
 * matters when ranks oversubscribe the machine (the peer needs the CPU to make progress). */
static grad_status wait_with_deadline(MPI_Request* request, const char* what) {
  const double timeout = gradrt_dist_timeout();
  const double deadline = MPI_Wtime() + timeout;
  for (long polls = 0;; ++polls) {
    int done = 0;
    int rc = MPI_Test(request, &done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS)
      return mpi_error(rc, what, "MPI_Test");
    if (done)
      return NULL;
    if (polls < 2000) {
      sched_yield();
      continue;
    }
    if (MPI_Wtime() > deadline)
      return grad_status_make(GRAD_STATUS_UNAVAILABLE,
                              "%s: rank %d of %d timed out after %g s waiting for the other ranks "
                              "(a rank died, raised an error, or did not call the same "
                              "collective; GRAD_DIST_TIMEOUT sets the limit)",
                              what, g_rank, g_world, timeout);
    struct timespec pause = {0, 20000}; /* 20 us */
    nanosleep(&pause, NULL);
  }
}

grad_status gradrt_dist_all_reduce_start(void* data, int64_t count, grad_dtype dtype,
                                         grad_reduce_op op, const char* what,
                                         gradrt_dist_request* out_request) {
  *out_request = NULL;
  if (!what)
    what = "all_reduce";
  if (!g_initialized)
    return not_initialized(what);
  grad_status s = check_buffer(data, count, dtype, what);
  if (s)
    return s;
  if (dtype == GRAD_DTYPE_B8)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                            "%s: cannot all-reduce a b8 tensor (f32, f64 or i64)", what);
  if (op != GRAD_REDUCE_SUM && op != GRAD_REDUCE_MEAN && op != GRAD_REDUCE_MAX)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "%s: invalid reduce op %d", what, (int)op);
  if (op == GRAD_REDUCE_MEAN && dtype == GRAD_DTYPE_I64)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                            "%s: mean of an i64 tensor is not an integer: use sum, or f32/f64",
                            what);
  gradrt_dist_request r = (gradrt_dist_request)calloc(1, sizeof(*r));
  if (!r)
    return grad_status_make(GRAD_STATUS_OUT_OF_MEMORY, "%s: out of memory", what);
  r->request = MPI_REQUEST_NULL;
  r->data = data;
  r->count = count;
  r->dtype = dtype;
  r->op = op;
  r->what = what;
  if (g_uses_mpi && count > 0) {
    int rc = MPI_Iallreduce(MPI_IN_PLACE, data, (int)count, mpi_type(dtype),
                            op == GRAD_REDUCE_MAX ? MPI_MAX : MPI_SUM, MPI_COMM_WORLD, &r->request);
    if (rc != MPI_SUCCESS) {
      free(r);
      return mpi_error(rc, what, "MPI_Iallreduce");
    }
  }
  *out_request = r;
  return NULL;
}

int gradrt_dist_test(gradrt_dist_request request) {
  if (!request || request->request == MPI_REQUEST_NULL)
    return 1;
  int done = 0;
  if (MPI_Test(&request->request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
    return 1; /* the wait reports the error */
  return done;
}

grad_status gradrt_dist_wait(gradrt_dist_request request) {
  if (!request)
    return NULL;
  grad_status s = NULL;
  if (request->request != MPI_REQUEST_NULL)
    s = wait_with_deadline(&request->request, request->what);
  if (!s && request->op == GRAD_REDUCE_MEAN && g_world > 1) {
    if (request->dtype == GRAD_DTYPE_F32) {
      float* p = (float*)request->data;
      const float scale = 1.0f / (float)g_world;
      for (int64_t i = 0; i < request->count; ++i)
        p[i] *= scale;
    } else {
      double* p = (double*)request->data;
      for (int64_t i = 0; i < request->count; ++i)
        p[i] /= (double)g_world;
    }
  }
  /* A request still in flight after a timeout stays with MPI (it cannot be freed safely);
   * the job is expected to end. */
  free(request);
  return s;
}

grad_status gradrt_dist_all_reduce(void* data, int64_t count, grad_dtype dtype, grad_reduce_op op,
                                   const char* what) {
  gradrt_dist_request r = NULL;
  grad_status s = gradrt_dist_all_reduce_start(data, count, dtype, op, what, &r);
  if (s)
    return s;
  return gradrt_dist_wait(r);
}

grad_status gradrt_dist_broadcast(void* data, int64_t count, grad_dtype dtype, int root,
                                  const char* what) {
  if (!what)
    what = "broadcast";
  if (!g_initialized)
    return not_initialized(what);
  grad_status s = check_buffer(data, count, dtype, what);
  if (s)
    return s;
  if (root < 0 || root >= g_world)
    return grad_status_make(GRAD_STATUS_INVALID_ARGUMENT,
                            "%s: root %d is not a rank of this world of %d", what, root, g_world);
  if (!g_uses_mpi || count == 0)
    return NULL;
  MPI_Request request = MPI_REQUEST_NULL;
  int rc = MPI_Ibcast(data, (int)count, mpi_type(dtype), root, MPI_COMM_WORLD, &request);
  if (rc != MPI_SUCCESS)
    return mpi_error(rc, what, "MPI_Ibcast");
  return wait_with_deadline(&request, what);
}

grad_status gradrt_dist_all_gather_i64(const int64_t* values, int64_t count, int64_t* out_values,
                                       const char* what) {
  if (!what)
    what = "all_gather";
  if (!g_initialized)
    return not_initialized(what);
  grad_status s = check_buffer(values, count, GRAD_DTYPE_I64, what);
  if (s)
    return s;
  if (!g_uses_mpi) {
    memcpy(out_values, values, (size_t)count * sizeof(int64_t));
    return NULL;
  }
  MPI_Request request = MPI_REQUEST_NULL;
  int rc = MPI_Iallgather(values, (int)count, MPI_INT64_T, out_values, (int)count, MPI_INT64_T,
                          MPI_COMM_WORLD, &request);
  if (rc != MPI_SUCCESS)
    return mpi_error(rc, what, "MPI_Iallgather");
  return wait_with_deadline(&request, what);
}

grad_status gradrt_dist_barrier(void) {
  if (!g_initialized)
    return not_initialized("grad::dist::barrier");
  if (!g_uses_mpi)
    return NULL;
  MPI_Request request = MPI_REQUEST_NULL;
  int rc = MPI_Ibarrier(MPI_COMM_WORLD, &request);
  if (rc != MPI_SUCCESS)
    return mpi_error(rc, "grad::dist::barrier", "MPI_Ibarrier");
  return wait_with_deadline(&request, "grad::dist::barrier");
}

void gradrt_dist_abort(int code, const char* message) {
  fprintf(stderr, "grad::dist: rank %d of %d: %s\n", g_rank, g_world, message ? message : "");
  fflush(stderr);
  int mpi_up = 0, mpi_down = 0;
  MPI_Initialized(&mpi_up);
  MPI_Finalized(&mpi_down);
  if (g_uses_mpi && mpi_up && !mpi_down)
    MPI_Abort(MPI_COMM_WORLD, code == 0 ? 1 : code);
  exit(code == 0 ? 1 : code);
}

grad_status gradrt_dist_finalize(void) {
  if (!g_initialized)
    return NULL;
  g_initialized = 0;
  if (g_uses_mpi && g_owns_mpi) {
    g_uses_mpi = 0;
    int rc = MPI_Finalize();
    if (rc != MPI_SUCCESS)
      return mpi_error(rc, "grad::dist::finalize", "MPI_Finalize");
  }
  g_uses_mpi = 0;
  return NULL;
}

static void all_reduce_or_abort(void* data, int64_t count, grad_dtype dtype, int32_t op) {
  grad_status s = gradrt_dist_all_reduce(data, count, dtype, (grad_reduce_op)op,
                                         "grad.all_reduce (compiled)");
  if (s) {
    char message[1024];
    snprintf(message, sizeof(message), "%s", grad_status_message(s));
    grad_status_free(s);
    gradrt_dist_abort(1, message);
  }
}

void gradrt_all_reduce_f32(float* data, int64_t count, int32_t op) {
  all_reduce_or_abort(data, count, GRAD_DTYPE_F32, op);
}

void gradrt_all_reduce_f64(double* data, int64_t count, int32_t op) {
  all_reduce_or_abort(data, count, GRAD_DTYPE_F64, op);
}
