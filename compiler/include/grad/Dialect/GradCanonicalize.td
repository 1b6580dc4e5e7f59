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

// reshape(reshape(x)) -> reshape(x) is C++ (ReshapeOfReshape in GradCanonicalize.cpp): with
// `?` dims it keeps the outer reshape's `sizes` and must check the combined form verifies.

#endif // GRAD_DIALECT_GRADCANONICALIZE_TD
