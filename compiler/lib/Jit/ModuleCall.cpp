//===- ModuleCall.cpp - nn::Module parameters as traced arguments ---------===//
//
// functional_call's binding: swaps the contents of each module parameter's implementation with
// the given (symbolic) tensor's, so the module's own handles (Linear::weight and its parameter
// list alike) see the traced argument until the binding ends.
//
//===----------------------------------------------------------------------===//

#include "grad/jit.h"

#include "grad/error.h"

namespace grad::detail {

ParameterBinding::ParameterBinding(nn::Module &module, const std::vector<Tensor> &params) {
  std::vector<std::pair<std::string, Tensor>> own = module.named_parameters();
  if (params.size() != own.size())
    throw Error("functional_call: " + module.name() + " has " + std::to_string(own.size()) +
                " parameters but " + std::to_string(params.size()) + " tensors were given");
  for (size_t i = 0; i < own.size(); ++i) {
    const auto &[name, param] = own[i];
    const Tensor &given = params[i];
    if (!given.defined() || given.shape() != param.shape() || given.dtype() != param.dtype())
      throw Error("functional_call: parameter '" + name + "' is " + shape_str(param.shape()) + " " +
                  dtype_name(param.dtype()) + " but the tensor given for it is " +
                  (given.defined() ? shape_str(given.shape()) + " " + dtype_name(given.dtype())
                                   : std::string("undefined")));
    if (given.is_same(param))
      continue;
    if (!given.is_symbolic())
      throw Error("functional_call: the tensor given for parameter '" + name +
                  "' is a concrete tensor other than the parameter itself; functional_call "
                  "binds traced (symbolic) arguments -- eagerly, call the module directly");
  }
  for (size_t i = 0; i < own.size(); ++i) {
    if (params[i].is_same(own[i].second))
      continue;
    swap_tensor_contents(own[i].second, params[i]);
    swapped_.emplace_back(own[i].second, params[i]);
  }
}

ParameterBinding::~ParameterBinding() {
  for (auto it = swapped_.rbegin(); it != swapped_.rend(); ++it)
    swap_tensor_contents(it->first, it->second);
}

} // namespace grad::detail
