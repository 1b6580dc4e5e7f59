// Internal: the VJP rule of each differentiable primitive (vjp::<mnemonic>, declared from the rows
// of grad/op_table.def; the op table points here).
#pragma once

#include "grad/op_table.h"

namespace grad::vjp {

#define GRAD_DECLARE_VJP(name) std::vector<Tensor> name(const VjpContext& ctx, const Tensor& g);
#define GRAD_DECLARE_VJP_0(name)
#define GRAD_DECLARE_VJP_1(name) GRAD_DECLARE_VJP(name)
#define GRAD_OP(Name, mnemonic, Backward, arity, saves, family, dtypes, vjp)                      \
  GRAD_DECLARE_VJP_##vjp(mnemonic)
#include "grad/op_table.def"
#undef GRAD_DECLARE_VJP_0
#undef GRAD_DECLARE_VJP_1
#undef GRAD_DECLARE_VJP

} // namespace grad::vjp
