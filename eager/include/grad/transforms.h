// Function transforms (JAX-style): value_and_grad. Eagerly it runs the tape; when the arguments
// are symbolic (inside grad::jit) the compiler's hook takes over and differentiates the IR.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "grad/tensor.h"

namespace grad {

/// A function of tensors returning a scalar loss.
using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;
/// A function of tensors returning several tensors (the first is the scalar loss).
using TensorsFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;
/// What value_and_grad returns: args -> (value, one gradient per argnum).
using ValueAndGradFn =
    std::function<std::pair<Tensor, std::vector<Tensor>>(const std::vector<Tensor>&)>;

/// (value, d value / d args[argnums[i]]). Eagerly: the chosen args are copied as fresh leaves
/// requiring grad (detach + requires_grad_), fn runs with grad mode on, backward runs, and the
/// gradients are returned (zeros for an arg the value does not depend on); the caller's tensors
/// and their .grad() are untouched. With symbolic args the hook set by the compiler runs instead.
ValueAndGradFn value_and_grad(TensorFn fn, std::vector<int> argnums = {0});
/// Same, for a function whose first result is the scalar loss (the rest are ignored).
ValueAndGradFn value_and_grad(TensorsFn fn, std::vector<int> argnums = {0});

/// The compiler's implementation of value_and_grad for symbolic args.
using SymbolicValueAndGradHook = std::function<std::pair<Tensor, std::vector<Tensor>>(
    const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& args,
    const std::vector<int>& argnums)>;
/// Installs the hook (the compiler does this once at startup; an empty function removes it).
void set_symbolic_value_and_grad_hook(SymbolicValueAndGradHook hook);

} // namespace grad
