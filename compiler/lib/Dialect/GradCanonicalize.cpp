// temporary
#include "grad/Dialect/GradDialect.h"
#include "mlir/IR/PatternMatch.h"
using namespace mlir;
namespace grad {
void BroadcastOp::getCanonicalizationPatterns(RewritePatternSet &, MLIRContext *) {}
}
