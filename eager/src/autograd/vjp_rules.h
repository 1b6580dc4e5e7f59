// Internal: the VJP rule of each primitive (one per op; the op table points here).
#pragma once

#include "grad/op_table.h"

namespace grad::vjp {

#define GRAD_DECLARE_VJP(name) std::vector<Tensor> name(const VjpContext& ctx, const Tensor& g);
GRAD_DECLARE_VJP(neg)
GRAD_DECLARE_VJP(exp)
GRAD_DECLARE_VJP(log)
GRAD_DECLARE_VJP(sqrt)
GRAD_DECLARE_VJP(rsqrt)
GRAD_DECLARE_VJP(abs)
GRAD_DECLARE_VJP(tanh)
GRAD_DECLARE_VJP(sigmoid)
GRAD_DECLARE_VJP(relu)
GRAD_DECLARE_VJP(gelu)
GRAD_DECLARE_VJP(sin)
GRAD_DECLARE_VJP(cos)
GRAD_DECLARE_VJP(add)
GRAD_DECLARE_VJP(sub)
GRAD_DECLARE_VJP(mul)
GRAD_DECLARE_VJP(div)
GRAD_DECLARE_VJP(maximum)
GRAD_DECLARE_VJP(minimum)
GRAD_DECLARE_VJP(pow)
GRAD_DECLARE_VJP(select)
GRAD_DECLARE_VJP(broadcast)
GRAD_DECLARE_VJP(sum)
GRAD_DECLARE_VJP(mean)
GRAD_DECLARE_VJP(max)
GRAD_DECLARE_VJP(matmul)
GRAD_DECLARE_VJP(transpose)
GRAD_DECLARE_VJP(reshape)
GRAD_DECLARE_VJP(slice)
GRAD_DECLARE_VJP(concat)
GRAD_DECLARE_VJP(gather)
GRAD_DECLARE_VJP(convert)
GRAD_DECLARE_VJP(all_reduce)
#undef GRAD_DECLARE_VJP

} // namespace grad::vjp
