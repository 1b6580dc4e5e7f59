//===- Registration.cpp - dialects the grad tools load ---------------------===//
//
// The one file that includes the upstream dialect headers (they are costly to compile): the
// grad dialect, the dialects the lowering pipelines go through, and the external models that
// one-shot bufferization, tiling and the transform dialect need on them.
//
//===----------------------------------------------------------------------===//

#include "grad/Dialect/Registration.h"

#include "grad/Dialect/GradDialect.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectRegistry.h"

// Registration entry points of upstream libraries, declared here rather than through their
// headers, which pull in every generated op class of the transform extensions.
namespace mlir {
namespace arith {
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);
} // namespace arith
namespace bufferization {
void registerTransformDialectExtension(DialectRegistry &registry);
namespace func_ext {
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);
} // namespace func_ext
} // namespace bufferization
namespace cf {
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);
} // namespace cf
namespace func {
void registerTransformDialectExtension(DialectRegistry &registry);
} // namespace func
namespace linalg {
void registerAllDialectInterfaceImplementations(DialectRegistry &registry);
void registerTransformDialectExtension(DialectRegistry &registry);
} // namespace linalg
namespace memref {
void registerTransformDialectExtension(DialectRegistry &registry);
} // namespace memref
namespace scf {
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);
void registerTransformDialectExtension(DialectRegistry &registry);
} // namespace scf
namespace tensor {
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);
void registerInferTypeOpInterfaceExternalModels(DialectRegistry &registry);
void registerTilingInterfaceExternalModels(DialectRegistry &registry);
void registerTransformDialectExtension(DialectRegistry &registry);
} // namespace tensor
namespace vector {
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);
void registerTransformDialectExtension(DialectRegistry &registry);
} // namespace vector
} // namespace mlir

namespace grad {

void registerGradDialects(mlir::DialectRegistry &registry) {
  using namespace mlir;
  registry.insert<GradDialect, func::FuncDialect, arith::ArithDialect, math::MathDialect,
                  tensor::TensorDialect, linalg::LinalgDialect,
                  bufferization::BufferizationDialect, scf::SCFDialect, cf::ControlFlowDialect,
                  memref::MemRefDialect, affine::AffineDialect, vector::VectorDialect,
                  LLVM::LLVMDialect, gpu::GPUDialect, NVVM::NVVMDialect,
                  transform::TransformDialect>();

  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  cf::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerAllDialectInterfaceImplementations(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerInferTypeOpInterfaceExternalModels(registry);
  tensor::registerTilingInterfaceExternalModels(registry);
  vector::registerBufferizableOpInterfaceExternalModels(registry);

  bufferization::registerTransformDialectExtension(registry);
  func::registerTransformDialectExtension(registry);
  linalg::registerTransformDialectExtension(registry);
  memref::registerTransformDialectExtension(registry);
  scf::registerTransformDialectExtension(registry);
  tensor::registerTransformDialectExtension(registry);
  vector::registerTransformDialectExtension(registry);
}

} // namespace grad
