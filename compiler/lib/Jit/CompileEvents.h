//===- CompileEvents.h - why grad::jit compiled again ----------------------===//
//
// The signatures grad::jit caches on, and the comparison that turns a new signature into the
// reason of its compile (the closest compiled signature and what differs from it). Private to
// GradJit.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "grad/jit.h"

#include <string>
#include <utility>
#include <vector>

namespace grad::detail {

/// The cache key: each argument's (dtype, shape).
using Signature = std::vector<std::pair<DType, Shape>>;

/// "f32[8,3], i64[8]".
std::string formatSignature(const Signature &signature);

/// What differs between `from` and `to`, argument by argument and dim by dim.
std::vector<SignatureChange> diffSignatures(const Signature &from, const Signature &to);

/// True if the environment variable GRAD_LOG, a list of names separated by commas or spaces,
/// names `channel` ("compile": each compile's CompileStats, "recompiles": each CompileEvent).
bool logChannelEnabled(const char *channel);

} // namespace grad::detail
