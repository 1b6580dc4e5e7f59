//===- Signature.cpp - entry point signatures of compiled functions -------===//
//
// Reads the tensor signature of each public function before lowering.
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Signature.h"

#include "grad/Bridge/OpTableBridge.h" // dtypeFromElementType, defined once, in GradBridge

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace grad {

static FailureOr<TensorSignature> tensorSignature(func::FuncOp func, Type type, StringRef what,
                                                  unsigned index) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  FailureOr<DType> dtype = failure();
  if (tensor)
    dtype = dtypeFromElementType(tensor.getElementType());
  if (!tensor || !tensor.hasStaticShape() || failed(dtype)) {
    func.emitError() << "cannot compile function '" << func.getSymName() << "': " << what << " #"
                     << index << " has type " << type
                     << "; entry points take statically shaped tensors of f32, f64, i64 or i1";
    return failure();
  }
  return TensorSignature{*dtype, Shape(tensor.getShape().begin(), tensor.getShape().end())};
}

FailureOr<std::vector<FunctionSignature>> collectSignatures(ModuleOp module) {
  std::vector<FunctionSignature> result;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    FunctionSignature sig;
    sig.name = func.getSymName().str();
    FunctionType type = func.getFunctionType();
    for (auto [i, t] : llvm::enumerate(type.getInputs())) {
      FailureOr<TensorSignature> ts = tensorSignature(func, t, "argument", i);
      if (failed(ts))
        return failure();
      sig.inputs.push_back(*ts);
    }
    for (auto [i, t] : llvm::enumerate(type.getResults())) {
      FailureOr<TensorSignature> ts = tensorSignature(func, t, "result", i);
      if (failed(ts))
        return failure();
      sig.outputs.push_back(*ts);
    }
    sig.outputAliases.assign(sig.outputs.size(), -1);
    if (auto pairs = func->getAttrOfType<DenseI64ArrayAttr>(kDonateAttrName)) {
      llvm::ArrayRef<int64_t> p = pairs.asArrayRef();
      for (size_t k = 0; k + 1 < p.size(); k += 2) {
        int64_t i = p[k], j = p[k + 1];
        if (p.size() % 2 != 0 || i < 0 || j < 0 || size_t(i) >= sig.inputs.size() ||
            size_t(j) >= sig.outputs.size() || sig.outputAliases[j] >= 0 ||
            llvm::is_contained(sig.outputAliases, i) || sig.inputs[i].dtype != sig.outputs[j].dtype ||
            sig.inputs[i].shape != sig.outputs[j].shape) {
          func.emitError() << "cannot compile function '" << func.getSymName() << "': "
                           << kDonateAttrName << " = " << pairs
                           << " is not a list of (argument, result) pairs of one type, each "
                              "argument and result at most once";
          return failure();
        }
        sig.outputAliases[j] = i;
      }
    }
    result.push_back(std::move(sig));
  }
  return result;
}

} // namespace grad
