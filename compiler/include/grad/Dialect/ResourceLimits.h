//===- ResourceLimits.h - size limits of the compiler and tools -*- C++ -*-===//
//
// Two limits (docs/limits.md): the largest constant the compiler will materialize into code
// (gradc, grad-run, the --grad-check-limits pass) and the largest tensor a tool will allocate
// (grad-run, compiled or interpreted). Each has a flag and an environment variable; a module
// over a limit gets a diagnostic at the op naming the limit, the size and how to raise it.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_DIALECT_RESOURCELIMITS_H
#define GRAD_DIALECT_RESOURCELIMITS_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LogicalResult.h"

#include <cstdint>
#include <optional>

namespace grad {

/// Default of the constant limit: 1 GiB of non-splat constant data per constant.
constexpr int64_t kDefaultMaxConstantBytes = int64_t(1) << 30;
/// Default of the tensor limit of grad-run: 16 GiB per tensor.
constexpr int64_t kDefaultMaxTensorBytes = int64_t(1) << 34;

/// Byte size of `type` when it is a statically shaped ranked tensor (i1 counts one byte per
/// element, as the runtime stores it); nullopt otherwise or when the product overflows int64.
std::optional<int64_t> tensorTypeBytes(mlir::Type type);

/// Resolves a limit: `flag` when it is >= 0 (a value given on the command line or as a pass
/// option), else the environment variable `envVar` when set, else `fallback`. Emits an error at
/// `loc` and returns nullopt when the variable is not a non-negative integer.
std::optional<int64_t> resolveLimit(int64_t flag, const char *envVar, int64_t fallback,
                                    mlir::Location loc);

/// Checks every op under `root`: a non-splat elements attribute (grad.constant, arith.constant,
/// ...) of more than `maxConstantBytes` bytes, and, when `maxTensorBytes` >= 0, every tensor
/// value (function arguments and op results) of more than `maxTensorBytes` bytes. `tool` names
/// the allocating program in the tensor diagnostic ("grad-run"). Fails after the first error.
mlir::LogicalResult checkResourceLimits(mlir::Operation *root, int64_t maxConstantBytes,
                                        int64_t maxTensorBytes, llvm::StringRef tool);

} // namespace grad

#endif // GRAD_DIALECT_RESOURCELIMITS_H
