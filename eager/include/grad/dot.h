// to_dot: a Graphviz DOT picture of the backward graph behind a tensor (like torchviz's
// make_dot): one box per grad_fn node with its PyTorch-style name, one box per leaf with its
// shape and dtype, the root with its shape, and edges in the direction data flows forward.
//
//   std::ofstream("graph.dot") << grad::to_dot(loss);   // then: dot -Tsvg graph.dot -o graph.svg
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "grad/tensor.h"

namespace grad {

/// DOT text of the graph that backward() from `root` would walk.
std::string to_dot(const Tensor& root);

/// Same, labelling the leaves found in `named` (e.g. module.named_parameters()) with their names.
std::string to_dot(const Tensor& root, const std::vector<std::pair<std::string, Tensor>>& named);

} // namespace grad
