//===- ResourceLimits.cpp - size limits of the compiler and tools ---------===//
//
// See ResourceLimits.h and docs/limits.md. Splat constants are one value whatever their shape
// (the lowering turns them into fills), so only non-splat element data counts as materialized.
//
//===----------------------------------------------------------------------===//

#include "grad/Dialect/ResourceLimits.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MathExtras.h"

#include <cstdlib>
#include <string>

using namespace mlir;

namespace grad {

std::optional<int64_t> tensorTypeBytes(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked || !ranked.hasStaticShape())
    return std::nullopt;
  Type element = ranked.getElementType();
  if (!element.isIntOrIndexOrFloat())
    return std::nullopt;
  int64_t elementBytes =
      element.isIndex() ? 8 : std::max<int64_t>(1, (element.getIntOrFloatBitWidth() + 7) / 8);
  int64_t bytes = elementBytes;
  for (int64_t d : ranked.getShape())
    if (d < 0 || llvm::MulOverflow(bytes, d, bytes))
      return std::nullopt;
  return bytes;
}

std::optional<int64_t> resolveLimit(int64_t flag, const char *envVar, int64_t fallback,
                                    Location loc) {
  if (flag >= 0)
    return flag;
  const char *env = std::getenv(envVar);
  if (!env || !*env)
    return fallback;
  char *end = nullptr;
  errno = 0;
  long long value = std::strtoll(env, &end, 10);
  if (errno != 0 || *end != '\0' || value < 0) {
    emitError(loc) << envVar << "='" << env
                   << "' is not a byte count (a non-negative decimal integer)";
    return std::nullopt;
  }
  return value;
}

namespace {

std::string describe(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

} // namespace

LogicalResult checkResourceLimits(Operation *root, int64_t maxConstantBytes,
                                  int64_t maxTensorBytes, StringRef tool) {
  auto tensorOverLimit = [&](Value v, Operation *at, const llvm::Twine &what) -> bool {
    std::optional<int64_t> bytes = tensorTypeBytes(v.getType());
    if (!bytes || *bytes <= maxTensorBytes)
      return false;
    at->emitError() << what << " of type " << describe(v.getType()) << " needs " << *bytes
                    << " bytes, above the limit of " << maxTensorBytes << " bytes on a tensor "
                    << tool
                    << " allocates; raise it with --max-tensor-bytes=<bytes> or "
                       "GRAD_MAX_TENSOR_BYTES=<bytes>";
    return true;
  };
  WalkResult result = root->walk([&](Operation *op) -> WalkResult {
    for (NamedAttribute named : op->getAttrs()) {
      auto elements = dyn_cast<ElementsAttr>(named.getValue());
      if (!elements)
        continue;
      if (auto dense = dyn_cast<DenseElementsAttr>(elements); dense && dense.isSplat())
        continue;
      std::optional<int64_t> bytes = tensorTypeBytes(elements.getShapedType());
      if (!bytes) {
        // A shape whose byte size overflows int64 cannot be a materialized constant here.
        op->emitError() << "constant '" << named.getName().getValue() << "' of type "
                        << describe(elements.getShapedType())
                        << " is too large (its byte size overflows int64)";
        return WalkResult::interrupt();
      }
      if (*bytes > maxConstantBytes) {
        op->emitError() << "constant of type " << describe(elements.getShapedType()) << " holds "
                        << *bytes << " bytes of data, above the limit of " << maxConstantBytes
                        << " bytes on a constant the compiler materializes; raise it with "
                           "--max-constant-bytes=<bytes> or GRAD_MAX_CONSTANT_BYTES=<bytes>";
        return WalkResult::interrupt();
      }
    }
    if (maxTensorBytes < 0)
      return WalkResult::advance();
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          if (tensorOverLimit(arg, op, "argument #" + llvm::Twine(arg.getArgNumber())))
            return WalkResult::interrupt();
    for (OpResult r : op->getResults())
      if (tensorOverLimit(r, op, "result #" + llvm::Twine(r.getResultNumber())))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

} // namespace grad
