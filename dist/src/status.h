// Internal: turning libgradrt_mpi statuses into grad::Error, and the dtype mapping.
#pragma once

#include <string>

#include "grad/dist.h"
#include "grad/dtype.h"
#include "grad/error.h"
#include "grad/gradrt_mpi.h"

namespace grad::dist::detail {

/// Throws grad::Error with the status's message (and frees it) unless `s` is OK.
inline void throw_if_error(grad_status s) {
  if (!s)
    return;
  std::string message = grad_status_message(s);
  grad_status_free(s);
  throw Error(message);
}

inline grad_dtype to_rt(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return GRAD_DTYPE_F32;
  case DType::f64:
    return GRAD_DTYPE_F64;
  case DType::i64:
    return GRAD_DTYPE_I64;
  case DType::b8:
    return GRAD_DTYPE_B8;
  }
  return GRAD_DTYPE_F32;
}

inline grad_reduce_op to_rt(ReduceOp op) {
  switch (op) {
  case ReduceOp::Sum:
    return GRAD_REDUCE_SUM;
  case ReduceOp::Mean:
    return GRAD_REDUCE_MEAN;
  case ReduceOp::Max:
    return GRAD_REDUCE_MAX;
  }
  return GRAD_REDUCE_SUM;
}

} // namespace grad::dist::detail
