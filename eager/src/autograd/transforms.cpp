// value_and_grad: eagerly, the tape on fresh leaf copies of the chosen arguments; with symbolic
// arguments, the compiler's hook (autodiff on the traced IR).
#include "grad/transforms.h"

#include <fmt/format.h>

#include "grad/autograd.h"
#include "grad/ops.h"

namespace grad {
namespace {

SymbolicValueAndGradHook& symbolic_hook() {
  static SymbolicValueAndGradHook hook;
  return hook;
}

std::pair<Tensor, std::vector<Tensor>> eager_value_and_grad(const TensorFn& fn,
                                                            const std::vector<Tensor>& args,
                                                            const std::vector<int>& argnums) {
  std::vector<Tensor> inputs = args;
  std::vector<Tensor> leaves;
  for (int i : argnums) {
    if (i < 0 || i >= static_cast<int>(args.size()))
      throw Error(
          fmt::format("value_and_grad: argnum {} out of range for {} arguments", i, args.size()));
    if (!args[i].defined() || !is_floating(args[i].dtype()))
      throw Error(fmt::format("value_and_grad: argument {} must be a defined f32/f64 tensor", i));
    Tensor leaf = args[i].detach();
    leaf.requires_grad_(true);
    inputs[i] = leaf;
    leaves.push_back(leaf);
  }
  EnableGradGuard enable;
  Tensor value = fn(inputs);
  if (!value.defined() || value.numel() != 1)
    throw Error(fmt::format("value_and_grad: the function must return a one-element tensor, got "
                            "shape {}",
                            value.defined() ? shape_str(value.shape()) : "undefined"));
  std::vector<Tensor> grads;
  if (value.requires_grad())
    grads = autograd_grad({value}, leaves);
  else
    grads.resize(leaves.size());
  for (size_t i = 0; i < grads.size(); ++i)
    if (!grads[i].defined())
      grads[i] = zeros_like(leaves[i]);
  return {value.detach(), grads};
}

ValueAndGradFn make(TensorFn fn, std::vector<int> argnums) {
  return [fn = std::move(fn), argnums = std::move(argnums)](const std::vector<Tensor>& args) {
    bool symbolic = false;
    for (const Tensor& a : args)
      symbolic |= a.is_symbolic();
    if (symbolic) {
      if (!symbolic_hook())
        throw Error("value_and_grad: arguments are symbolic (inside grad::jit) but no compiler "
                    "hook is installed; link grad::compiler or call value_and_grad eagerly");
      return symbolic_hook()(fn, args, argnums);
    }
    return eager_value_and_grad(fn, args, argnums);
  };
}

} // namespace

ValueAndGradFn value_and_grad(TensorFn fn, std::vector<int> argnums) {
  return make(std::move(fn), std::move(argnums));
}

ValueAndGradFn value_and_grad(TensorsFn fn, std::vector<int> argnums) {
  TensorFn first = [fn = std::move(fn)](const std::vector<Tensor>& args) {
    std::vector<Tensor> outs = fn(args);
    if (outs.empty())
      throw Error("value_and_grad: the function returned no tensors");
    return outs[0];
  };
  return make(std::move(first), std::move(argnums));
}

void set_symbolic_value_and_grad_hook(SymbolicValueAndGradHook hook) {
  symbolic_hook() = std::move(hook);
}

} // namespace grad
