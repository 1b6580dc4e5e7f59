//===- Generalize.h - two traces at different sizes -> one with `?` dims -*- C++ -*-===//
//
// Note [Generalizing two traces] in compiler/lib/Autodiff/Generalize.cpp. Used by grad::jit
// (Dynamic::Auto and explicit marks) and by --grad-autodiff on functions with `?` dims
// (Note [Autodiff with dynamic dims] in DynamicGrad.cpp).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace grad::detail {

/// An argument dim made dynamic, with its sizes in the two traces.
struct DynamicDim {
  size_t input = 0, dim = 0;
  int64_t old_size = 0, new_size = 0;
};

/// Rewrites `fresh` (a trace of the function at new sizes, optimized) into the same function
/// with `?` dims where its sizes differ from `reference` (the same function traced at other
/// sizes). Returns "" and the argument dims made dynamic, or why the two traces cannot be one
/// function (then `fresh` is in an unspecified state: work on a clone). On failure, `where`
/// (if given) is set to the location of the op the reason is about, where there is one.
std::string generalizeTrace(mlir::func::FuncOp fresh, mlir::func::FuncOp reference,
                            std::vector<DynamicDim> &dynamicDims,
                            std::optional<mlir::Location> *where = nullptr);

} // namespace grad::detail
