//===- GradCanonicalize.td - declarative grad rewrites -----------*- tablegen -*-===//
//
// Canonicalization patterns that fit DRR; the C++ ones (which compute new attributes) are in
// lib/Dialect/GradCanonicalize.cpp. Every rewrite here is exact (no floating-point change).
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_DIALECT_GRADCANONICALIZE_TD
#define GRAD_DIALECT_GRADCANONICALIZE_TD

include "mlir/IR/PatternBase.td"
include "grad/Dialect/GradOps.td"

/// reshape(reshape(x)) -> reshape(x): a row-major reshape only relabels the element order it
/// keeps, so the intermediate shape is irrelevant. The result type is the outer reshape's.
def ReshapeOfReshape : Pat<(Grad_ReshapeOp (Grad_ReshapeOp $x)), (Grad_ReshapeOp $x)>;

#endif // GRAD_DIALECT_GRADCANONICALIZE_TD
