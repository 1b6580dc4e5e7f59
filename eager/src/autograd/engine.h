// Internal: the backward engine entry point shared by Tensor::backward and autograd_grad.
#pragma once

#include <vector>

#include "grad/autograd.h"

namespace grad {

/// Runs reverse mode from `roots` seeded with `root_grads`. When `capture` is given, the
/// gradient arriving at each capture edge is stored in (*captured)[i] and leaves' .grad() are
/// left alone.
void run_backward(const std::vector<Edge>& roots, const std::vector<Tensor>& root_grads,
                  bool keep_graph, bool create_graph, const std::vector<Edge>* capture,
                  std::vector<Tensor>* captured);

} // namespace grad
