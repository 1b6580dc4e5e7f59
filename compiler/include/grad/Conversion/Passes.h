//===- Passes.h - grad conversion passes ------------------------*- C++ -*-===//
//
// grad -> linalg on tensors (--grad-lower-to-linalg): the pass, its patterns,
// and the pipeline step that adds linalg elementwise fusion after it.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_CONVERSION_PASSES_H
#define GRAD_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <memory>

namespace mlir {
class RewritePatternSet;
class TypeConverter;
} // namespace mlir

namespace grad {

#define GEN_PASS_DECL
#include "grad/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "grad/Conversion/Passes.h.inc"

/// Adds the grad -> linalg patterns (one per grad op) to `patterns`.
void populateGradToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Adds grad -> linalg on tensors, then elementwise fusion and clean-up. With
/// `siblingReductions` (the CPU pipeline), reductions over the same loops that read the same data
/// become one loop nest (--grad-merge-sibling-reductions); the GPU pipeline maps one reduction
/// per kernel and leaves them apart.
void buildGradToLinalgPipeline(mlir::OpPassManager &pm, bool siblingReductions = false);

} // namespace grad

#endif // GRAD_CONVERSION_PASSES_H
